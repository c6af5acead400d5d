/**
 * Every way a call to the Messages endpoint can fail, as one family of tagged errors: one class per API error type
 * (the same class whether the error came as an HTTP status or as an SSE `error` event after HTTP 200), and one per
 * failure of the call itself. Every member has the shape of core's `ModelError`:
 *
 * - `_tag` (for `Effect.catchTag`) and `reason` (one word for the same thing, shared with other models);
 * - `message`: whole sentences saying what happened (never the API key, never request headers);
 * - `isRetryable`: whether the same request may succeed; `delivered`: how many stream events had reached the
 *   caller when it failed (a failure after content is the same error with `delivered > 0`, never retried);
 * - `status`, `requestId`, `retryAfter` and `rateLimit` when a response said them.
 *
 * {@link isMessagesError} tells a member of the family from anything else.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 *
 * client.create(request).pipe(
 *   Effect.catchTag("RateLimitError", (error) => Effect.logWarning(`retry after ${error.retryAfter}`)),
 *   Effect.catchIf((error) => error.delivered > 0, (error) => Effect.logWarning(`failed mid-stream: ${error.message}`))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as ApiError from "@parley/core/ApiError"
import * as ModelError from "@parley/core/ModelError"
import * as Validation from "@parley/core/Validation"
import * as Wire from "@parley/core/Wire"
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { RateLimitStoreError } from "./RateLimitStore.js"
import { RateLimitHeaders, type ResponseMeta } from "./ResponseMeta.js"

// =============================================================================
// The shape
// =============================================================================

/**
 * The brand of the family: core's `ModelError.TypeId`, so the loop and every other consumer of the model port
 * recognise these errors.
 *
 * @since 0.2.0
 * @category symbols
 */
export const TypeId: ModelError.TypeId = ModelError.TypeId

/**
 * @since 0.2.0
 * @category symbols
 */
export type TypeId = ModelError.TypeId

/**
 * What every member adds to its fields.
 *
 * @since 0.2.0
 * @category models
 */
export interface Shape {
  readonly [ModelError.TypeId]: ModelError.TypeId
  /** What went wrong, as one word (core's `ModelError.Reason`). */
  readonly reason: ModelError.Reason
  /** Whether repeating the request may succeed; never once content was delivered. */
  readonly isRetryable: boolean
}

// biome-ignore lint/suspicious/noExplicitAny: a mixin takes the constructor of any class
type Constructor<T> = new (...args: any[]) => T

/** The fields the family's rules read. */
interface Readable {
  readonly _tag: string
  readonly delivered: number
}

/**
 * Gives a Schema error class the family's shape: the brand, its `reason`, and `isRetryable` (the class's own rule,
 * and never after content).
 */
const shaped = <C extends Constructor<Readable>>(
  reason: ModelError.Reason,
  retryable: (self: InstanceType<C>) => boolean,
  Base: C
): C & Constructor<Shape> => {
  class Shaped extends Base {
    get [ModelError.TypeId](): ModelError.TypeId {
      return ModelError.TypeId
    }
    get reason(): ModelError.Reason {
      return reason
    }
    get isRetryable(): boolean {
      return this.delivered === 0 && retryable(this as unknown as InstanceType<C>)
    }
  }
  return Shaped
}

/**
 * How many stream events had reached the caller when the call failed; 0 by default.
 *
 * @since 0.2.0
 * @category models
 */
export const delivered = Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 })

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
 * - `delivered`: the stream events the caller had received before it.
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
  delivered,
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

const apiRetryable = (error: {
  readonly status: number
  readonly shouldRetry?: boolean | undefined
  readonly delivered: number
}) => error.shouldRetry ?? isRetryableStatus(error.status)

/**
 * 400 `invalid_request_error`: the request is malformed or breaks a rule of the API. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequestError extends shaped(
  "invalid-request",
  apiRetryable,
  Schema.TaggedError<InvalidRequestError>()("InvalidRequestError", apiErrorFields)
) {}

/**
 * 401 `authentication_error`: the API key is missing, wrong or revoked. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError extends shaped(
  "authentication",
  apiRetryable,
  Schema.TaggedError<AuthenticationError>()("AuthenticationError", apiErrorFields)
) {}

/**
 * 402 `billing_error`: the account cannot pay for the request. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class BillingError extends shaped(
  "billing",
  apiRetryable,
  Schema.TaggedError<BillingError>()("BillingError", apiErrorFields)
) {}

/**
 * 403 `permission_error`: the key may not use this resource or model. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionError extends shaped(
  "permission",
  apiRetryable,
  Schema.TaggedError<PermissionError>()("PermissionError", apiErrorFields)
) {}

/**
 * 404 `not_found_error`: wrong base URL or path, or an unknown model. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFoundError extends shaped(
  "not-found",
  apiRetryable,
  Schema.TaggedError<NotFoundError>()("NotFoundError", apiErrorFields)
) {}

/**
 * 413 `request_too_large`: the body exceeds the endpoint's size limit. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestTooLargeError extends shaped(
  "request-too-large",
  apiRetryable,
  Schema.TaggedError<RequestTooLargeError>()("RequestTooLargeError", apiErrorFields)
) {}

/**
 * 429 `rate_limit_error`: the account's limits are exhausted; `retryAfter` says when to try again. Retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitError extends shaped(
  "rate-limit",
  apiRetryable,
  Schema.TaggedError<RateLimitError>()("RateLimitError", apiErrorFields)
) {}

/**
 * 500 `api_error` (and any 5xx without a more specific type): an error inside the API. Retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiServerError extends shaped(
  "server",
  apiRetryable,
  Schema.TaggedError<ApiServerError>()("ApiServerError", apiErrorFields)
) {}

/**
 * 504 `timeout_error`: the API timed out while processing the request. Retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiTimeoutError extends shaped(
  "api-timeout",
  apiRetryable,
  Schema.TaggedError<ApiTimeoutError>()("ApiTimeoutError", apiErrorFields)
) {}

/**
 * 529 `overloaded_error`: the API is temporarily overloaded. Retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class OverloadedError extends shaped(
  "overloaded",
  apiRetryable,
  Schema.TaggedError<OverloadedError>()("OverloadedError", apiErrorFields)
) {}

/**
 * An error type this library does not know (added to the API later), or a status with no documented type (e.g. a
 * gateway's 408 or 409). Retried when its status is ({@link isRetryableStatus}); in a stream after HTTP 200, its
 * status is 200 and it is not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownApiError extends shaped(
  "unknown-api",
  apiRetryable,
  Schema.TaggedError<UnknownApiError>()("UnknownApiError", apiErrorFields)
) {}

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
// Failures of the call
// =============================================================================

/**
 * The connection failed: refused, reset, DNS, TLS, or broken while a body was read. `code` is the system error code
 * when there is one (`ECONNREFUSED`, `ECONNRESET`, ...). Retried, except an invalid URL (`code: "InvalidUrl"`).
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionError extends shaped(
  "connection",
  (self: { readonly code?: string | undefined }) => self.code !== "InvalidUrl",
  Schema.TaggedError<ConnectionError>()("ConnectionError", {
    code: Schema.optional(Schema.String),
    requestId: Schema.optional(Schema.String),
    delivered,
    message: Schema.String
  })
) {}

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
export class TimeoutError extends shaped(
  "timeout",
  () => true,
  Schema.TaggedError<TimeoutError>()("TimeoutError", {
    phase: TimeoutPhase,
    timeout: Schema.DurationFromMillis,
    requestId: Schema.optional(Schema.String),
    delivered,
    message: Schema.String
  })
) {}

/**
 * A response the client cannot read: a success body that is not JSON or not a Message, an SSE event whose data is
 * not a stream event, events that do not form a message, or a stream answered with a JSON body. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedResponseError extends shaped(
  "malformed-response",
  () => false,
  Schema.TaggedError<MalformedResponseError>()("MalformedResponseError", {
    status: Schema.Number,
    requestId: Schema.optional(Schema.String),
    delivered,
    message: Schema.String
  })
) {}

/**
 * The event stream ended (or its connection broke) before `message_stop`; an event left unfinished at the end is
 * discarded, as the SSE rules say. Retried when no content had reached the caller.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamTruncatedError extends shaped(
  "stream-truncated",
  () => true,
  Schema.TaggedError<StreamTruncatedError>()("StreamTruncatedError", {
    requestId: Schema.optional(Schema.String),
    delivered,
    message: Schema.String
  })
) {}

/**
 * A non-streaming call whose `max_tokens` may take longer than the non-streaming limit (10 minutes by default, as
 * in the SDK): use `stream` or `createStreaming`, or set an explicit non-streaming timeout. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamingRequiredError extends shaped(
  "streaming-required",
  () => false,
  Schema.TaggedError<StreamingRequiredError>()("StreamingRequiredError", {
    maxTokens: Schema.Number,
    expected: Schema.DurationFromMillis,
    limit: Schema.DurationFromMillis,
    delivered,
    message: Schema.String
  })
) {}

/**
 * The client-side rate limiter could not admit the call within its `maxWait`. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitWaitError extends shaped(
  "rate-limit-wait",
  () => false,
  Schema.TaggedError<RateLimitWaitError>()("RateLimitWaitError", {
    key: Schema.String,
    maxWait: Schema.DurationFromMillis,
    delivered,
    message: Schema.String
  })
) {}

/**
 * The request breaks a rule checked before sending (core's `Validation.validateRequest`, under the API versions
 * whose rules say so, and a missing model): core's `ValidationError` itself, a member of this family. Not retried.
 *
 * @since 0.1.0
 * @category errors
 */
export const ValidationError = Validation.ValidationError
/** @since 0.1.0 */
export type ValidationError = Validation.ValidationError

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
  RateLimitStoreError,
  ValidationError
)
/** @since 0.1.0 */
export type MessagesError = typeof MessagesError.Type

const tags: ReadonlySet<string> = new Set([
  "InvalidRequestError",
  "AuthenticationError",
  "BillingError",
  "PermissionError",
  "NotFoundError",
  "RequestTooLargeError",
  "RateLimitError",
  "ApiServerError",
  "ApiTimeoutError",
  "OverloadedError",
  "UnknownApiError",
  "ConnectionError",
  "TimeoutError",
  "MalformedResponseError",
  "StreamTruncatedError",
  "StreamingRequiredError",
  "RateLimitWaitError",
  "RateLimitStoreError",
  "ValidationError"
])

/**
 * Whether a value is a member of the family (any other model's error is a `ModelError`, not a `MessagesError`).
 *
 * @since 0.2.0
 * @category guards
 */
export const isMessagesError = (u: unknown): u is MessagesError =>
  ModelError.isModelError(u) && Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && tags.has(u._tag)

/**
 * Whether an error is an API error (it carries the API's `errorType`, `status` and `apiMessage`).
 *
 * @since 0.2.0
 * @category guards
 */
export const isApiFailure = (u: unknown): u is ApiFailure => isMessagesError(u) && "apiMessage" in u

/**
 * The same failure after `count` stream events had reached the caller: `delivered` set, the message saying so, and
 * therefore not retryable. A failure that already reached the caller keeps its count.
 *
 * @since 0.2.0
 * @category constructors
 */
export const afterContent = <E extends MessagesError>(error: E, count: number): E => {
  if (count === 0 || error.delivered > 0 || error._tag === "ValidationError" || error._tag === "RateLimitStoreError") {
    return error
  }
  const Class = error.constructor as new (fields: Record<string, unknown>) => E
  const { _tag: _, ...fields } = error as unknown as Record<string, unknown>
  return new Class({
    ...fields,
    delivered: count,
    message: `${error.message} ${count === 1 ? "1 event" : `${count} events`} had already reached the caller, so the call was not retried.`
  })
}

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
  const said = apiMessage.trim()
  const fields = {
    status,
    errorType: type,
    apiMessage,
    ...(requestId === undefined ? {} : { requestId }),
    ...(context.retryAfter === undefined ? {} : { retryAfter: context.retryAfter }),
    ...(context.shouldRetry === undefined ? {} : { shouldRetry: context.shouldRetry }),
    rateLimit: context.meta.rateLimit,
    ...(inStream ? { inStream: true } : {}),
    message: `The API answered ${type} (${where}): ${/[.!?]$/.test(said) ? said : `${said}.`}${suggestion}`
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
