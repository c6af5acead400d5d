/**
 * The failure of an agent loop: a model call failed, its response could not be used, or the conversation given
 * cannot take the next turn. It carries the conversation so far — consistent, with every `tool_use` answered — so
 * nothing is lost and the caller can go on from it.
 *
 * @since 0.1.0
 */
import * as Accumulator from "@parley/core/Accumulator"
import * as Conversation from "@parley/core/Conversation"
import * as ModelError from "@parley/core/ModelError"
import type * as RunState from "@parley/core/RunState"
import * as Toolkit from "@parley/core/Toolkit"
import * as Validation from "@parley/core/Validation"
import * as Schema from "effect/Schema"

/**
 * Why the loop failed:
 *
 * - `ModelCall`: the model call failed (`cause` is the port's `ModelError`, as the model's implementation made it —
 *   the transport's `MessagesError`, another adapter's `ModelFailure`; `modelError` returns it).
 * - `InvalidResponse`: a streamed response could not be assembled (`AccumulatorError`), or the reply cannot be part
 *   of a conversation (`ValidationError`, e.g. a thinking block without its signature).
 * - `InvalidConversation`: the conversation given cannot take the next turn (`ValidationError`, e.g. a prompt after
 *   a user turn in a conversation that rejects consecutive user turns).
 * - `InvalidToolkit`: two of the toolkits given, or a toolkit and the `request` option's `tools`, have a tool of the
 *   same name (`DuplicateToolName`); no call was made.
 *
 * @since 0.1.0
 * @category models
 */
export const Reason = Schema.Literal("ModelCall", "InvalidResponse", "InvalidConversation", "InvalidToolkit")
/** @since 0.1.0 */
export type Reason = typeof Reason.Type

/**
 * A failed run, with `turn` (the model calls made so far), the `cause`, and everything the run had: `conversation`,
 * `usage` and `toolCalls`.
 *
 * @since 0.1.0
 * @category errors
 */
export class LoopError extends Schema.TaggedError<LoopError>("@parley/loop/LoopError")("LoopError", {
  reason: Reason,
  turn: Schema.Number,
  cause: Schema.Union(
    ModelError.ModelErrorSchema,
    Accumulator.AccumulatorError,
    Validation.ValidationError,
    Toolkit.DuplicateToolName
  ),
  conversation: Schema.declare(Conversation.isConversation, { identifier: "Conversation" }),
  usage: Schema.Struct({
    inputTokens: Schema.Number,
    outputTokens: Schema.Number,
    cacheCreationInputTokens: Schema.Number,
    cacheReadInputTokens: Schema.Number,
    total: Schema.Number
  }),
  toolCalls: Schema.Number,
  /** The run's state when it failed: continue it later (after a 429's `retryAfter`) with its limits intact. */
  state: Schema.UndefinedOr(
    Schema.declare((u: unknown): u is RunState.RunState => typeof u === "object" && u !== null, {
      identifier: "RunState"
    })
  )
}) {
  /**
   * The model call's error when the run failed on one (`reason: "ModelCall"`), else `undefined`: a 429 is
   * `loopError.modelError?.reason === "rate-limit"`, with its `retryAfter`.
   */
  get modelError(): ModelError.ModelError | undefined {
    return ModelError.isModelError(this.cause) ? this.cause : undefined
  }

  /** What failed, after how many model calls, and the cause's own message. */
  override get message(): string {
    const what =
      this.reason === "ModelCall"
        ? `The model call of turn ${this.turn} failed`
        : this.reason === "InvalidResponse"
          ? `The response of turn ${this.turn} cannot be used`
          : this.reason === "InvalidToolkit"
            ? "The toolkits cannot be used together"
            : "The conversation cannot take the next turn"
    return `${what}: ${this.cause.message}`
  }
}
