/**
 * What a response says about itself besides its body: the `request-id` to quote to support, and the
 * `anthropic-ratelimit-*` headers that tell how much of the account's budget is left. Every result of the
 * `...WithMeta` calls of `MessagesClient` carries one, and every API error carries the same fields.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as Schema from "effect/Schema"

/**
 * One budget of the account (requests, input tokens, output tokens or all tokens): its size, what is left and when
 * it is full again (RFC 3339, as sent).
 *
 * @since 0.1.0
 * @category models
 */
export const Budget = Schema.Struct({
  limit: Schema.optional(Schema.Number),
  remaining: Schema.optional(Schema.Number),
  reset: Schema.optional(Schema.String)
}).annotations({ identifier: "@parley/transport/ResponseMeta/Budget" })
/** @since 0.1.0 */
export type Budget = typeof Budget.Type

/**
 * The parsed `anthropic-ratelimit-*` headers, plus every such header as sent (`raw`) so future ones are not lost.
 *
 * @since 0.1.0
 * @category models
 */
export const RateLimitHeaders = Schema.Struct({
  requests: Schema.optional(Budget),
  tokens: Schema.optional(Budget),
  inputTokens: Schema.optional(Budget),
  outputTokens: Schema.optional(Budget),
  raw: Schema.Record({ key: Schema.String, value: Schema.String })
}).annotations({ identifier: "@parley/transport/ResponseMeta/RateLimitHeaders" })
/** @since 0.1.0 */
export type RateLimitHeaders = typeof RateLimitHeaders.Type

/**
 * The HTTP status, the `request-id` and the rate-limit headers of one response.
 *
 * @since 0.1.0
 * @category models
 */
export const ResponseMeta = Schema.Struct({
  status: Schema.Number,
  requestId: Schema.optional(Schema.String),
  rateLimit: RateLimitHeaders
}).annotations({ identifier: "@parley/transport/ResponseMeta" })
/** @since 0.1.0 */
export type ResponseMeta = typeof ResponseMeta.Type

/**
 * A result together with the metadata of the response that produced it.
 *
 * @since 0.1.0
 * @category models
 */
export interface WithMeta<A> {
  readonly value: A
  readonly meta: ResponseMeta
}

const prefix = "anthropic-ratelimit-"

const budgets = {
  requests: "requests",
  tokens: "tokens",
  inputTokens: "input-tokens",
  outputTokens: "output-tokens"
} as const

const number = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const n = Number(value)
  return Number.isFinite(n) ? n : undefined
}

const names = (name: string) =>
  [`${prefix}${name}-limit`, `${prefix}${name}-remaining`, `${prefix}${name}-reset`] as const

const budgetNames = {
  requests: names(budgets.requests),
  tokens: names(budgets.tokens),
  inputTokens: names(budgets.inputTokens),
  outputTokens: names(budgets.outputTokens)
}

const budgetOf = (raw: Record<string, string>, [limitName, remainingName, resetName]: ReturnType<typeof names>) => {
  const limit = number(raw[limitName])
  const remaining = number(raw[remainingName])
  const reset = raw[resetName]
  if (limit === undefined && remaining === undefined && reset === undefined) return undefined
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(remaining === undefined ? {} : { remaining }),
    ...(reset === undefined ? {} : { reset })
  }
}

/**
 * Reads the rate-limit headers of a response (header names lower-case, as `@effect/platform` gives them).
 *
 * @since 0.1.0
 * @category constructors
 */
export const rateLimitFromHeaders = (headers: Headers.Headers): RateLimitHeaders => {
  const raw: Record<string, string> = {}
  let any = false
  for (const name in headers) {
    if (name.startsWith(prefix)) {
      raw[name] = headers[name]!
      any = true
    }
  }
  const out: { -readonly [K in keyof RateLimitHeaders]: RateLimitHeaders[K] } = { raw }
  if (!any) return out
  for (const key of Object.keys(budgetNames) as Array<keyof typeof budgetNames>) {
    const budget = budgetOf(raw, budgetNames[key])
    if (budget !== undefined) out[key] = budget
  }
  return out
}

/**
 * The metadata of a response from its status and headers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromResponse = (status: number, headers: Headers.Headers): ResponseMeta => {
  const requestId = headers["request-id"]
  return {
    status,
    ...(requestId === undefined ? {} : { requestId }),
    rateLimit: rateLimitFromHeaders(headers)
  }
}
