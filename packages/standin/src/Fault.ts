/**
 * Faults the stand-in server can inject: error statuses with the API's error bodies, rate-limit and retry headers,
 * an SSE `error` event mid-stream, a truncated body, a stall, and a 200 whose body is not JSON.
 *
 * A fault is plain data. Attach it to one scripted reply (`Reply.fault`, `Reply.withFaults`) or to every call the
 * server receives through the server's `faults` option (see {@link Policy} and {@link firstCalls}).
 *
 * @example
 * ```ts
 * import { Fault, Reply, Responder } from "@parley/standin"
 *
 * const responder = Responder.script([
 *   Reply.fault(Fault.rateLimited({ retryAfterSeconds: 1 })),
 *   Reply.withFaults(Reply.text("Hello"), Fault.midStreamError(3, "overloaded_error"))
 * ])
 * ```
 *
 * @since 0.1.0
 */
import * as ApiError from "@parley/core/ApiError"
import type * as Request from "@parley/core/Request"
import * as Tokens from "@parley/core/Tokens"
import * as Duration from "effect/Duration"

// =============================================================================
// Models
// =============================================================================

/**
 * Reply with an HTTP error status and the API's error body `{ type: "error", error: { type, message }, request_id }`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Status {
  readonly _tag: "Status"
  readonly status: number
  readonly errorType: ApiError.ErrorType
  readonly message: string
  readonly headers: Readonly<Record<string, string>>
  /** Sent as `error.details` (e.g. `{ error_code: "thread_not_found" }`), which clients read as the error's code. */
  readonly details?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Add response headers (e.g. `x-should-retry`, `anthropic-ratelimit-*`) to whatever the reply is, error or success.
 *
 * @since 0.1.0
 * @category models
 */
export interface Headers {
  readonly _tag: "Headers"
  readonly headers: Readonly<Record<string, string>>
}

/**
 * Stream the reply, but replace everything after the first `afterEvents` SSE events with an `error` event, then end
 * the response. On a non-streaming request the reply becomes the error's HTTP status instead.
 *
 * @since 0.1.0
 * @category models
 */
export interface MidStreamError {
  readonly _tag: "MidStreamError"
  readonly afterEvents: number
  readonly errorType: ApiError.ErrorType
  readonly message: string
}

/**
 * Cut the body and destroy the socket: after `afterBytes` bytes of body, or after `afterEvents` whole SSE events.
 * A JSON body counts as one event, so `afterEvents: 0` sends the headers and nothing else.
 *
 * @since 0.1.0
 * @category models
 */
export interface Truncate {
  readonly _tag: "Truncate"
  readonly afterBytes?: number | undefined
  readonly afterEvents?: number | undefined
}

/**
 * Stop responding for `millis` milliseconds (`undefined`: until the client or the server gives up): before the
 * headers when `afterEvents` is `undefined`, otherwise after that many SSE events (a JSON body is one event).
 *
 * @since 0.1.0
 * @category models
 */
export interface Stall {
  readonly _tag: "Stall"
  readonly millis: number | undefined
  readonly afterEvents: number | undefined
}

/**
 * Answer 200 with the right headers but a body that is not valid JSON (on a stream: the first event's data).
 *
 * @since 0.1.0
 * @category models
 */
export interface MalformedJson {
  readonly _tag: "MalformedJson"
}

/**
 * Any fault.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault = Status | Headers | MidStreamError | Truncate | Stall | MalformedJson

/**
 * What the server knows about a call when it asks its fault {@link Policy}.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallInfo {
  /** 0-based index of this call among the valid API calls the server received (both endpoints). */
  readonly attempt: number
  /** The endpoint: `/v1/messages` or `/v1/messages/count_tokens`. */
  readonly path: string
  /** The decoded request body. */
  readonly body: unknown
}

/**
 * A server-wide fault plan: the faults to apply to one call, decided before the responder runs. When it returns a
 * {@link Status} fault the responder is not consulted (its script does not advance).
 *
 * @since 0.1.0
 * @category models
 */
export type Policy = (call: CallInfo) => Fault | ReadonlyArray<Fault> | undefined

// =============================================================================
// Constructors
// =============================================================================

const defaultMessages: Record<ApiError.KnownErrorType, string> = {
  invalid_request_error: "There was an issue with the format or content of your request.",
  authentication_error: "There's an issue with your API key.",
  billing_error: "There's an issue with your billing or payment information.",
  permission_error: "Your API key does not have permission to use the specified resource.",
  not_found_error: "The requested resource was not found.",
  request_too_large: "Request exceeds the maximum allowed number of bytes.",
  rate_limit_error: "Your account has hit a rate limit.",
  api_error: "An unexpected error has occurred internal to Anthropic's systems.",
  timeout_error: "The request timed out while processing.",
  overloaded_error: "Overloaded"
}

const typeOfStatus = (status: number): ApiError.ErrorType => {
  for (const [type, code] of Object.entries(ApiError.statusOf)) {
    if (code === status) return type as ApiError.KnownErrorType
  }
  return status >= 500 ? "api_error" : "invalid_request_error"
}

const statusOfType = (type: ApiError.ErrorType): number =>
  type in ApiError.statusOf ? ApiError.statusOf[type as ApiError.KnownErrorType] : 500

const messageOfType = (type: ApiError.ErrorType): string =>
  type in defaultMessages ? defaultMessages[type as ApiError.KnownErrorType] : `A ${type} occurred.`

/**
 * An HTTP error reply. The error type defaults to the API's type for the status (429 → `rate_limit_error`, 529 →
 * `overloaded_error`, other 5xx → `api_error`), the message to the API's documented wording for that type.
 *
 * @since 0.1.0
 * @category constructors
 */
export const status = (
  code: number,
  options?: {
    readonly type?: ApiError.ErrorType | undefined
    readonly message?: string | undefined
    readonly headers?: Readonly<Record<string, string>> | undefined
    readonly details?: Readonly<Record<string, unknown>> | undefined
  }
): Status => {
  const errorType = options?.type ?? typeOfStatus(code)
  return {
    _tag: "Status",
    status: code,
    errorType,
    message: options?.message ?? messageOfType(errorType),
    headers: options?.headers ?? {},
    ...(options?.details !== undefined ? { details: options.details } : {})
  }
}

/**
 * The API's 404 for a `thread: { type: "continue" }` naming a reply the server holds no thread for: clients (the
 * official SDK's threads and tool runner) then replay the whole conversation under a new thread.
 *
 * @since 0.2.0
 * @category constructors
 */
export const threadNotFound = (previousMessageId: string): Status =>
  status(404, {
    type: "not_found_error",
    message: `No usable thread state was found for previous_message_id ${JSON.stringify(previousMessageId)}. Replay the full conversation with thread: {"type": "create"} to start a new thread.`,
    details: { error_code: "thread_not_found" }
  })

/**
 * The HTTP error reply for an error type, with its documented status (`rate_limit_error` → 429, unknown → 500).
 *
 * @since 0.1.0
 * @category constructors
 */
export const error = (type: ApiError.ErrorType, message?: string | undefined): Status =>
  status(statusOfType(type), { type, message })

/**
 * A 429 `rate_limit_error`, with `retry-after` (whole seconds) and/or `retry-after-ms` when given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rateLimited = (options?: {
  readonly retryAfterSeconds?: number | undefined
  readonly retryAfterMs?: number | undefined
  readonly message?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}): Status =>
  status(429, {
    message: options?.message,
    headers: {
      ...(options?.retryAfterSeconds !== undefined ? { "retry-after": String(options.retryAfterSeconds) } : {}),
      ...(options?.retryAfterMs !== undefined ? { "retry-after-ms": String(options.retryAfterMs) } : {}),
      ...options?.headers
    }
  })

/**
 * A 529 `overloaded_error` with the API's message, `Overloaded`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const overloaded = (message?: string | undefined): Status => status(529, { message })

/**
 * The `x-should-retry` header, which tells clients to retry (or not) whatever the status says.
 *
 * @since 0.1.0
 * @category constructors
 */
export const shouldRetry = (retry: boolean): Headers => headers({ "x-should-retry": retry ? "true" : "false" })

/**
 * Arbitrary response headers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const headers = (values: Readonly<Record<string, string>>): Headers => ({ _tag: "Headers", headers: values })

/**
 * One rate-limit family in {@link rateLimitHeaders}: the limit, what remains, and when it resets (RFC 3339).
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimit {
  readonly limit: number
  readonly remaining: number
  readonly reset: Date | string
}

/**
 * The `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}` headers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rateLimitHeaders = (limits: {
  readonly requests?: RateLimit | undefined
  readonly tokens?: RateLimit | undefined
  readonly inputTokens?: RateLimit | undefined
  readonly outputTokens?: RateLimit | undefined
}): Headers => {
  const values: Record<string, string> = {}
  const add = (family: string, limit: RateLimit | undefined) => {
    if (limit === undefined) return
    values[`anthropic-ratelimit-${family}-limit`] = String(limit.limit)
    values[`anthropic-ratelimit-${family}-remaining`] = String(limit.remaining)
    values[`anthropic-ratelimit-${family}-reset`] =
      typeof limit.reset === "string" ? limit.reset : limit.reset.toISOString().replace(/\.\d{3}Z$/, "Z")
  }
  add("requests", limits.requests)
  add("tokens", limits.tokens)
  add("input-tokens", limits.inputTokens)
  add("output-tokens", limits.outputTokens)
  return headers(values)
}

/**
 * An SSE `error` event after the first `afterEvents` events (e.g. `midStreamError(3, "overloaded_error")`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const midStreamError = (
  afterEvents: number,
  errorType: ApiError.ErrorType = "overloaded_error",
  message?: string | undefined
): MidStreamError => ({
  _tag: "MidStreamError",
  afterEvents,
  errorType,
  message: message ?? messageOfType(errorType)
})

/**
 * Destroy the socket after `afterBytes` bytes of body or after `afterEvents` SSE events.
 *
 * @since 0.1.0
 * @category constructors
 */
export const truncate = (at: { readonly afterBytes: number } | { readonly afterEvents: number }): Truncate =>
  "afterBytes" in at
    ? { _tag: "Truncate", afterBytes: at.afterBytes }
    : { _tag: "Truncate", afterEvents: at.afterEvents }

/**
 * Stall for a duration, or `"forever"`; before the headers, or after `afterEvents` SSE events.
 *
 * @since 0.1.0
 * @category constructors
 */
export const stall = (
  duration: Duration.DurationInput | "forever",
  options?: { readonly afterEvents?: number | undefined }
): Stall => ({
  _tag: "Stall",
  millis: duration === "forever" ? undefined : Duration.toMillis(Duration.decode(duration)),
  afterEvents: options?.afterEvents
})

/**
 * A 200 whose body is not valid JSON.
 *
 * @since 0.1.0
 * @category constructors
 */
export const malformedJson = (): MalformedJson => ({ _tag: "MalformedJson" })

// =============================================================================
// Policies
// =============================================================================

/**
 * A {@link Policy} that applies `faults` to the first `n` calls and nothing after: `firstCalls(2, overloaded())`.
 *
 * @since 0.1.0
 * @category policies
 */
export const firstCalls =
  (n: number, ...faults: ReadonlyArray<Fault>): Policy =>
  (call) =>
    call.attempt < n ? faults : undefined

/**
 * A {@link Policy} that applies `faults` to every call (e.g. rate-limit headers on every reply).
 *
 * @since 0.1.0
 * @category policies
 */
export const always =
  (...faults: ReadonlyArray<Fault>): Policy =>
  () =>
    faults

/**
 * A {@link Policy} applying each policy in turn and all the faults they decide, in order (the first status wins).
 *
 * @since 0.2.0
 * @category policies
 */
export const combine =
  (...policies: ReadonlyArray<Policy>): Policy =>
  (call) => {
    const out: Array<Fault> = []
    for (const policy of policies) {
      const decided = policy(call)
      if (decided === undefined) continue
      if (Array.isArray(decided)) out.push(...(decided as ReadonlyArray<Fault>))
      else out.push(decided as Fault)
    }
    return out.length === 0 ? undefined : out
  }

/**
 * A {@link Policy} that applies `faults` to the calls whose 0-based index is in `[from, to)` (`to` undefined: every call
 * from `from` on).
 *
 * @since 0.2.0
 * @category policies
 */
export const calls =
  (from: number, to: number | undefined, ...faults: ReadonlyArray<Fault>): Policy =>
  (call) =>
    call.attempt >= from && (to === undefined || call.attempt < to) ? faults : undefined

/**
 * Rate limits in fixed one-minute windows, as the API reports them: every reply carries the
 * `anthropic-ratelimit-requests-{limit,remaining,reset}` headers (with `requestsPerMinute`) and the
 * `anthropic-ratelimit-input-tokens-{limit,remaining,reset}` headers (with `inputTokensPerMinute`, counting core's
 * estimate of each `/v1/messages` request's input). With `enforce`, a call over a limit gets the API's 429
 * `rate_limit_error` with `retry-after` (whole seconds until the window resets) and counts against nothing. The
 * window starts at the first call; `now` (default `Date.now`) is the clock.
 *
 * @since 0.2.0
 * @category policies
 */
export const rateLimit = (options: {
  readonly requestsPerMinute?: number | undefined
  readonly inputTokensPerMinute?: number | undefined
  readonly enforce?: boolean | undefined
  readonly now?: (() => number) | undefined
}): Policy => {
  const now = options.now ?? Date.now
  let windowStart: number | undefined
  let requests = 0
  let tokens = 0
  return (call) => {
    const time = now()
    if (windowStart === undefined || time - windowStart >= 60_000) {
      windowStart = time
      requests = 0
      tokens = 0
    }
    const reset = new Date(windowStart + 60_000)
    const cost =
      call.path === "/v1/messages" && typeof call.body === "object" && call.body !== null
        ? Tokens.estimateRequest(call.body as Request.MessagesRequest)
        : 0
    const rpm = options.requestsPerMinute
    const itpm = options.inputTokensPerMinute
    const overRequests = rpm !== undefined && requests >= rpm
    const overTokens = itpm !== undefined && cost > 0 && tokens + cost > itpm
    const refused = options.enforce === true && (overRequests || overTokens)
    if (!refused) {
      requests += 1
      tokens += cost
    }
    const limits = rateLimitHeaders({
      ...(rpm !== undefined ? { requests: { limit: rpm, remaining: Math.max(0, rpm - requests), reset } } : {}),
      ...(itpm !== undefined ? { inputTokens: { limit: itpm, remaining: Math.max(0, itpm - tokens), reset } } : {})
    })
    if (!refused) return [limits]
    const retryAfterSeconds = Math.max(1, Math.ceil((reset.getTime() - time) / 1000))
    const message = overRequests
      ? `Number of requests has exceeded your per-minute rate limit (${rpm} requests per minute).`
      : `This request would exceed your organization's rate limit of ${itpm} input tokens per minute.`
    return [limits, rateLimited({ retryAfterSeconds, message })]
  }
}
