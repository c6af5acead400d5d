/**
 * The tool call a handler is running for, in a durable run: its run, its `tool_use` id, and the idempotency key
 * that stays the same when a call that was in flight at a crash runs again. Pass the key to an API that
 * deduplicates (a payment's `Idempotency-Key`, a unique row) and the effect happens once.
 *
 * @example
 * ```ts
 * import { ToolCall } from "@parley/durable"
 * import { Effect } from "effect"
 *
 * const charge = (amount: number) =>
 *   Effect.gen(function* () {
 *     const key = yield* ToolCall.idempotencyKey // undefined outside a durable run
 *     return { charged: amount, key }
 *   })
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/**
 * @since 0.1.0
 * @category models
 */
export interface Call {
  readonly runId: string
  readonly toolUseId: string
  /** The same for every attempt of this call. */
  readonly idempotencyKey: string
  /** 1 for the first run of this call, more when it runs again after a crash. */
  readonly attempt: number
}

/**
 * The call being run, provided to the handlers of a durable run's toolkit.
 *
 * @since 0.1.0
 * @category tags
 */
export class ToolCall extends Context.Tag("@parley/durable/ToolCall")<ToolCall, Call>() {}

/**
 * The call being run, or `undefined` outside a durable run (so one handler serves both loops).
 *
 * @since 0.1.0
 * @category accessors
 */
export const current: Effect.Effect<Call | undefined> = Effect.map(
  Effect.serviceOption(ToolCall),
  Option.getOrUndefined
)

/**
 * The idempotency key of the call being run, or `undefined` outside a durable run.
 *
 * @since 0.1.0
 * @category accessors
 */
export const idempotencyKey: Effect.Effect<string | undefined> = Effect.map(current, (call) => call?.idempotencyKey)
