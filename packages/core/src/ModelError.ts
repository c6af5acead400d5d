/**
 * The shape every failure of a model call has, whichever model made it: the transport's `MessagesError` family,
 * another provider's adapter, or a test double. The loop and the durable engine handle failures through this shape
 * only (`reason`, `isRetryable`, `delivered`, ...), so they need no provider's error classes.
 *
 * @example
 * ```ts
 * import { ModelError } from "@parley/core"
 *
 * const describe = (u: unknown) =>
 *   ModelError.isModelError(u) ? `${u.reason}${u.isRetryable ? " (retryable)" : ""}: ${u.message}` : String(u)
 * ```
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * The brand of every model error.
 *
 * @since 0.2.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@parley/core/ModelError") as never

/**
 * @since 0.2.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * What went wrong, as one word a program can switch on:
 *
 * - API errors, by the API's `error.type`: `invalid-request`, `authentication`, `billing`, `permission`,
 *   `not-found`, `request-too-large`, `rate-limit`, `server` (`api_error`), `api-timeout` (`timeout_error`),
 *   `overloaded`, `unknown-api` (an error type this library does not know yet);
 * - failures of the call itself: `connection`, `timeout` (a client-side timeout), `malformed-response`,
 *   `stream-truncated`, `streaming-required`, `rate-limit-wait` (the client-side limiter gave up), `validation`
 *   (the request breaks a rule checked before sending);
 * - `other`: anything a model adapter cannot classify.
 *
 * @since 0.2.0
 * @category models
 */
export const Reason = Schema.Literal(
  "invalid-request",
  "authentication",
  "billing",
  "permission",
  "not-found",
  "request-too-large",
  "rate-limit",
  "server",
  "api-timeout",
  "overloaded",
  "unknown-api",
  "connection",
  "timeout",
  "malformed-response",
  "stream-truncated",
  "streaming-required",
  "rate-limit-wait",
  "validation",
  "other"
)

/**
 * @since 0.2.0
 * @category models
 */
export type Reason = typeof Reason.Type

/**
 * A failed model call.
 *
 * - `reason`: what went wrong ({@link Reason}); `errorType`: the API's own `error.type` for API errors.
 * - `isRetryable`: whether sending the same request again may succeed. `false` once `delivered > 0`.
 * - `delivered`: how many stream events had reached the caller when the call failed (0 for a failure before any
 *   content, and for every non-streaming call).
 * - `status`, `requestId`, `retryAfter`: what the response said, when there was one.
 *
 * @since 0.2.0
 * @category models
 */
export interface ModelError {
  readonly [TypeId]: TypeId
  readonly _tag: string
  readonly message: string
  readonly reason: Reason
  readonly errorType?: string | undefined
  readonly isRetryable: boolean
  readonly delivered: number
  readonly status?: number | undefined
  readonly requestId?: string | undefined
  readonly retryAfter?: Duration.Duration | undefined
}

/**
 * Whether a value is a model error (of any model).
 *
 * @since 0.2.0
 * @category guards
 */
export const isModelError = (u: unknown): u is ModelError => Predicate.hasProperty(u, TypeId)

/**
 * A model error as a Schema (declared: it checks the brand, it does not encode the error's fields). For error
 * classes that carry the model error of a call, such as the loop's `LoopError`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ModelErrorSchema: Schema.Schema<ModelError> = Schema.declare(isModelError, {
  identifier: "ModelError"
})

/**
 * A model error of a model other than the transport's client: an adapter of another provider, a test double. The
 * transport's client fails with its own `MessagesError` classes, which have the same shape.
 *
 * @since 0.2.0
 * @category errors
 */
export class ModelFailure extends Schema.TaggedError<ModelFailure>("@parley/core/ModelFailure")("ModelFailure", {
  reason: Reason,
  message: Schema.String,
  errorType: Schema.optional(Schema.String),
  retryable: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  delivered: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  status: Schema.optional(Schema.Number),
  requestId: Schema.optional(Schema.String),
  retryAfter: Schema.optional(Schema.DurationFromMillis)
}) {
  /** The brand of model errors. */
  get [TypeId](): TypeId {
    return TypeId
  }

  /** Whether the same request may succeed: `retryable`, unless content was already delivered. */
  get isRetryable(): boolean {
    return this.retryable && this.delivered === 0
  }
}
