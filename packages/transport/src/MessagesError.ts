/**
 * Every way a call to the Messages endpoint can fail, as tagged errors a caller matches with `Effect.catchTag`:
 * one class per API error type (the same class whether the error came as an HTTP status or as an SSE `error` event
 * after HTTP 200), and one per transport failure. Every member has `_tag`, a `message` that says what happened
 * (never the API key, never request headers) and an `isRetryable` getter; API errors also carry the HTTP status,
 * the `request-id`, the API's own message, `retry-after` and the rate-limit headers of the response.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 *
 * client.create(request).pipe(
 *   Effect.catchTag("RateLimitError", (error) => Effect.logWarning(`retry after ${error.retryAfter}`)),
 *   Effect.catchTag("StreamInterruptedError", (error) => Effect.logWarning(error.error.message))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as ApiError from "@parley/core/ApiError"
import * as Validation from "@parley/core/Validation"
import * as Wire from "@parley/core/Wire"
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import { RateLimitHeaders, type ResponseMeta } from "./ResponseMeta.js"

// =============================================================================
// API errors
// =============================================================================

/**
 * The fields every API error carries.
 *
 * - `status`: the HTTP status; for an SSE `error` event, the status the API uses for that error type.
 * - `errorType`: the API's `error.type`, as sent (any future string).
 * - `apiMessage`: the API's `error.message`, or the start of the body when it was not an API error body.
 * - `requestId`: the `request-id` header (or the body's `request_id`).
 * - `retryAfter`: from `retry-after-ms`, else `retry-after` (seconds or an HTTP date).
 * - `shouldRetry`: the `x-should-retry` header, which overrides the status-based {@link isRetryableStatus}.
 * - `rateLimit`: the `anthropic-ratelimit-*` headers.
 * - `inStream`: the error arrived as an SSE `error` event after HTTP 200.
 *
 * @since 0.1.0
 * @category models
 */
export const apiErrorFields = {
  status: Schema.Number,
  errorType: Schema.String,
  apiMessage: Schema.String,
  requestId: Schema.optional(Schema.String),
  retryAfter: Schema.optional(Schema.DurationFromMillis),
  shouldRetry: Schema.optional(Schema.Boolean),
  rateLimit: Schema.optional(RateLimitHeaders),
  inStream: Schema.optional(Schema.Boolean),
  message: Schema.String
}

/**
 * Whether the SDK's policy retries an HTTP status: 408, 409, 429 and every 5xx (529 included).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 409 || status === 429 || status >= 500

const apiRetryable = (error: { readonly status: number; readonly shouldRetry?: boolean | undefined }) =>
  error.shouldRetry ?? isRetryableStatus(error.status)

/**
 * 400 `invalid_request_error`: the request is malformed or breaks a rule of the API. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequestError extends Schema.TaggedError<InvalidRequestError>()(
  "InvalidRequestError",
  apiErrorFields
) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * 401 `authentication_error`: the API key is missing, wrong or revoked. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>()(
  "AuthenticationError",
  apiErrorFields
) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * 402 `billing_error`: the account cannot pay for the request. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class BillingError extends Schema.TaggedError<BillingError>()("BillingError", apiErrorFields) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * 403 `permission_error`: the key may not use this resource or model. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionError extends Schema.TaggedError<PermissionError>()("PermissionError", apiErrorFields) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * 404 `not_found_error`: wrong base URL or path, or an unknown model. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFoundError extends Schema.TaggedError<NotFoundError>()("NotFoundError", apiErrorFields) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * 413 `request_too_large`: the body exceeds the endpoint's size limit. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestTooLargeError extends Schema.TaggedError<RequestTooLargeError>()(
  "RequestTooLargeError",
  apiErrorFields
) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * 429 `rate_limit_error`: the account's limits are exhausted; `retryAfter` says when to try again. Retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitError extends Schema.TaggedError<RateLimitError>()("RateLimitError", apiErrorFields) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * 500 `api_error` (and any 5xx without a more specific type): an error inside the API. Retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiServerError extends Schema.TaggedError<ApiServerError>()("ApiServerError", apiErrorFields) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * 504 `timeout_error`: the API timed out while processing the request. Retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiTimeoutError extends Schema.TaggedError<ApiTimeoutError>()("ApiTimeoutError", apiErrorFields) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * 529 `overloaded_error`: the API is temporarily overloaded. Retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class OverloadedError extends Schema.TaggedError<OverloadedError>()("OverloadedError", apiErrorFields) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * An error type this library does not know (added to the API later), or a status with no documented type (e.g. a
 * gateway's 408 or 409). Retried when its status is ({@link isRetryableStatus}); in a stream after HTTP 200, its
 * status is 200 and it is not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownApiError extends Schema.TaggedError<UnknownApiError>()("UnknownApiError", apiErrorFields) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return apiRetryable(this)
  }
}

/**
 * Any error the API reported, as an HTTP status or as an SSE `error` event.
 *
 * @since 0.1.0
 * @category models
 */
export const ApiFailure = Schema.Union(
  InvalidRequestError,
  AuthenticationError,
  BillingError,
  PermissionError,
  NotFoundError,
  RequestTooLargeError,
  RateLimitError,
  ApiServerError,
  ApiTimeoutError,
  OverloadedError,
  UnknownApiError
)
/** @since 0.1.0 */
export type ApiFailure = typeof ApiFailure.Type

// =============================================================================
// Transport errors
// =============================================================================

/**
 * The connection failed before a response arrived: refused, reset, DNS, TLS. `code` is the system error code when
 * there is one (`ECONNREFUSED`, `ECONNRESET`, ...). Retried, except an invalid URL (`code: "InvalidUrl"`).
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionError extends Schema.TaggedError<ConnectionError>()("ConnectionError", {
  code: Schema.optional(Schema.String),
  message: Schema.String
}) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return this.code !== "InvalidUrl"
  }
}

/**
 * Which timeout fired: `headers` (time to the response headers), `first-event` (a stream's first event), `idle`
 * (the gap between two events of a stream) or `total` (the whole call).
 *
 * @since 0.1.0
 * @category models
 */
export const TimeoutPhase = Schema.Literal("headers", "first-event", "idle", "total")
/** @since 0.1.0 */
export type TimeoutPhase = typeof TimeoutPhase.Type

/**
 * A timeout of the client's `Timeout` policy fired; `phase` says which, `timeout` how long it was. Retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class TimeoutError extends Schema.TaggedError<TimeoutError>()("TimeoutError", {
  phase: TimeoutPhase,
  timeout: Schema.DurationFromMillis,
  requestId: Schema.optional(Schema.String),
  message: Schema.String
}) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return true
  }
}

/**
 * A response the client cannot read: a success body that is not JSON or not a Message, an SSE event whose data is
 * not a stream event, or a stream answered with a JSON body. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedResponseError extends Schema.TaggedError<MalformedResponseError>()("MalformedResponseError", {
  status: Schema.Number,
  requestId: Schema.optional(Schema.String),
  message: Schema.String
}) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The event stream ended (or its connection broke) before `message_stop`. Retried when it happens before any
 * content reached the caller; after that it arrives wrapped in a {@link StreamInterruptedError}.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamTruncatedError extends Schema.TaggedError<StreamTruncatedError>()("StreamTruncatedError", {
  requestId: Schema.optional(Schema.String),
  message: Schema.String
}) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return true
  }
}

/**
 * A non-streaming call whose `max_tokens` may take longer than the non-streaming limit (10 minutes by default, as
 * in the SDK): use `stream`, or set an explicit non-streaming timeout. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamingRequiredError extends Schema.TaggedError<StreamingRequiredError>()("StreamingRequiredError", {
  maxTokens: Schema.Number,
  expected: Schema.DurationFromMillis,
  limit: Schema.DurationFromMillis,
  message: Schema.String
}) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The client-side rate limiter could not admit the call within its `maxWait`. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitWaitError extends Schema.TaggedError<RateLimitWaitError>()("RateLimitWaitError", {
  key: Schema.String,
  maxWait: Schema.DurationFromMillis,
  message: Schema.String
}) {
  /** Whether repeating the request may succeed. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The request breaks a rule of the API version (checked by core's `Validation.validateRequest` before sending,
 * under `2026-10-21`): core's `ValidationError` itself, a member of this family. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export const ValidationError = Validation.ValidationError
/** @since 0.1.0 */
export type ValidationError = Validation.ValidationError

/**
 * A failure of a stream after some of its content reached the caller (an SSE `error` event, a broken connection,
 * an idle timeout, ...). It is never retried, because a retry would deliver the same output twice; `error` is the
 * failure itself and `delivered` the number of events the caller had received.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamInterruptedError extends Schema.TaggedError<StreamInterruptedError>()("StreamInterruptedError", {
  error: Schema.Union(ApiFailure, ConnectionError, TimeoutError, MalformedResponseError, StreamTruncatedError),
  delivered: Schema.Number,
  requestId: Schema.optional(Schema.String),
  message: Schema.String
}) {
  /** Whether repeating the request may succeed: never, as content was already delivered. */
  get isRetryable(): boolean {
    return false
  }

  /** Wraps a failure that happened after `delivered` events reached the caller. */
  static wrap(error: StreamInterruptedError["error"], delivered: number, requestId?: string): StreamInterruptedError {
    return new StreamInterruptedError({
      error,
      delivered,
      ...(requestId === undefined ? {} : { requestId }),
      message: `The stream failed after ${delivered} events reached the caller: ${error.message}`
    })
  }
}

// =============================================================================
// The family
// =============================================================================

/**
 * Every failure of a `MessagesClient` call.
 *
 * @since 0.1.0
 * @category models
 */
export const MessagesError = Schema.Union(
  ApiFailure,
  ConnectionError,
  TimeoutError,
  MalformedResponseError,
  StreamTruncatedError,
  StreamingRequiredError,
  RateLimitWaitError,
  ValidationError,
  StreamInterruptedError
)
/** @since 0.1.0 */
export type MessagesError = typeof MessagesError.Type

// =============================================================================
// Constructors
// =============================================================================

const classOfType = {
  invalid_request_error: InvalidRequestError,
  authentication_error: AuthenticationError,
  billing_error: BillingError,
  permission_error: PermissionError,
  not_found_error: NotFoundError,
  request_too_large: RequestTooLargeError,
  rate_limit_error: RateLimitError,
  api_error: ApiServerError,
  timeout_error: ApiTimeoutError,
  overloaded_error: OverloadedError
} as const

const typeOfStatus = (status: number): ApiError.KnownErrorType | undefined => {
  switch (status) {
    case 400:
      return "invalid_request_error"
    case 401:
      return "authentication_error"
    case 402:
      return "billing_error"
    case 403:
      return "permission_error"
    case 404:
      return "not_found_error"
    case 413:
      return "request_too_large"
    case 429:
      return "rate_limit_error"
    case 504:
      return "timeout_error"
    case 529:
      return "overloaded_error"
    default:
      return status >= 500 ? "api_error" : undefined
  }
}

const isKnownType = (type: string): type is ApiError.KnownErrorType => Object.hasOwn(classOfType, type)

const suggestions: Record<ApiError.KnownErrorType, string> = {
  invalid_request_error: "Fix the request; repeating it will fail the same way.",
  authentication_error: "Check the API key (ANTHROPIC_API_KEY) and the auth mode.",
  billing_error: "Check the account's billing.",
  permission_error: "Check that the key may use this model or resource.",
  not_found_error: "Check the base URL and the model name.",
  request_too_large: "Send less: fewer or smaller messages, images or documents.",
  rate_limit_error: "Slow down, or configure the client-side rate limiter.",
  api_error: "Retry later.",
  timeout_error: "Retry later, or stream the response.",
  overloaded_error: "Retry later."
}

/**
 * What is known about a failed response besides its body.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailureContext {
  readonly meta: ResponseMeta
  readonly retryAfter?: Duration.Duration | undefined
  readonly shouldRetry?: boolean | undefined
  readonly contentType?: string | undefined
}

/**
 * The typed error for an API error: by its `error.type` when it has one this library knows, else by HTTP status.
 * `inStream` marks an SSE `error` event after HTTP 200, whose status becomes the one the API uses for its type.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromApi = (options: {
  readonly context: FailureContext
  readonly errorType: string | undefined
  readonly apiMessage: string
  readonly inStream?: boolean | undefined
}): ApiFailure => {
  const { context, apiMessage, inStream } = options
  const type = options.errorType ?? typeOfStatus(context.meta.status) ?? "unknown"
  const status = inStream && isKnownType(type) ? ApiError.statusOf[type] : context.meta.status
  const requestId = context.meta.requestId
  const where = [
    `HTTP ${status}`,
    inStream ? "in the event stream" : undefined,
    requestId === undefined ? undefined : `request-id ${requestId}`
  ]
    .filter((part) => part !== undefined)
    .join(", ")
  const suggestion = isKnownType(type) ? ` ${suggestions[type]}` : ""
  const fields = {
    status,
    errorType: type,
    apiMessage,
    ...(requestId === undefined ? {} : { requestId }),
    ...(context.retryAfter === undefined ? {} : { retryAfter: context.retryAfter }),
    ...(context.shouldRetry === undefined ? {} : { shouldRetry: context.shouldRetry }),
    rateLimit: context.meta.rateLimit,
    ...(inStream ? { inStream: true } : {}),
    message: `${type} (${where}): ${apiMessage}${suggestion}`
  }
  return isKnownType(type) ? new classOfType[type](fields) : new UnknownApiError(fields)
}

const decodeErrorBody = Wire.decodeUnknownEither(ApiError.ErrorBody)

/**
 * Reads a failed response's body: an API error body gives the type and message, anything else (a gateway's HTML
 * page, an empty body) is classified by status with the start of the body as the message.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromResponseBody = (context: FailureContext, body: string): ApiFailure => {
  let errorType: string | undefined
  let apiMessage: string | undefined
  let requestId = context.meta.requestId
  try {
    const parsed: unknown = JSON.parse(body)
    const decoded = decodeErrorBody(parsed)
    if (decoded._tag === "Right") {
      errorType = decoded.right.error.type
      apiMessage = decoded.right.error.message
      requestId ??= decoded.right.request_id ?? undefined
    }
  } catch {
    // not JSON: classified by status below
  }
  const trimmed = body.trim()
  return fromApi({
    context: requestId === context.meta.requestId ? context : { ...context, meta: { ...context.meta, requestId } },
    errorType,
    apiMessage:
      apiMessage ?? (trimmed === "" ? "(empty body)" : trimmed.length > 200 ? `${trimmed.slice(0, 200)}...` : trimmed)
  })
}

/**
 * The typed error of an SSE `error` event: the same class as the HTTP status of its type would give.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromErrorEvent = (context: FailureContext, error: ApiError.ErrorDetail): ApiFailure =>
  fromApi({ context, errorType: error.type, apiMessage: error.message, inStream: true })

/**
 * The wait a response asks for: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date (relative to
 * `now`, epoch milliseconds). Negative or unparsable values are ignored.
 *
 * @since 0.1.0
 * @category constructors
 */
export const retryAfterOf = (
  headers: Record<string, string | undefined>,
  now: number
): Duration.Duration | undefined => {
  const ms = headers["retry-after-ms"]
  if (ms !== undefined) {
    const value = Number(ms)
    if (ms.trim() !== "" && Number.isFinite(value) && value >= 0) return Duration.millis(value)
  }
  const after = headers["retry-after"]
  if (after === undefined || after.trim() === "") return undefined
  const seconds = Number(after)
  if (Number.isFinite(seconds)) return seconds >= 0 ? Duration.millis(seconds * 1000) : undefined
  const date = Date.parse(after)
  return Number.isNaN(date) ? undefined : Duration.millis(Math.max(0, date - now))
}

/**
 * The `x-should-retry` header as a boolean, when it is `true` or `false`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const shouldRetryOf = (headers: Record<string, string | undefined>): boolean | undefined => {
  const value = headers["x-should-retry"]
  return value === "true" ? true : value === "false" ? false : undefined
}
