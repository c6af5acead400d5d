/**
 * Hooks of an agent loop: one before each model call (change the request — tools, `tool_choice`, model, system —
 * or compact the history), one after each turn (continue, or stop with a reason of the user's), and a stop
 * predicate. They are options of `AgentLoop.run` / `stream` / `step`.
 *
 * @since 0.2.0
 */
import type * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import type * as Model from "@parley/core/Model"
import * as Data from "effect/Data"
import type { UsageTotals } from "./LoopResult.js"

/**
 * What the before-model-call hook sees: the turn about to start, the request the loop built, and the conversation.
 *
 * @since 0.2.0
 * @category models
 */
export interface ModelCallContext {
  readonly turn: number
  readonly request: Model.ModelRequest
  readonly conversation: Conversation.Conversation
}

/**
 * What the before-model-call hook may change, for this call: `request` replaces the request sent (any field: tools,
 * `tool_choice`, `model`, `system`, ...). `conversation` replaces the run's conversation from now on (compaction:
 * the later requests and the result hold it); without `request`, this call's request is rebuilt from it.
 *
 * @since 0.2.0
 * @category models
 */
export interface ModelCallChanges {
  readonly request?: Model.ModelRequest | undefined
  readonly conversation?: Conversation.Conversation | undefined
}

/**
 * What the after-turn hook and the stop predicate see: the turn that ended (its model call, and its tool results
 * when it had calls), its message, the conversation and the usage so far.
 *
 * @since 0.2.0
 * @category models
 */
export interface TurnContext {
  readonly turn: number
  readonly message: Message.Message
  readonly conversation: Conversation.Conversation
  readonly usage: UsageTotals
}

/**
 * The after-turn hook's decision: go on, or end the run with `StopReason.UserStop({ reason })`.
 *
 * @since 0.2.0
 * @category models
 */
export type TurnDecision = Data.TaggedEnum<{
  Continue: {}
  Stop: { readonly reason: string }
}>

const decisions = Data.taggedEnum<TurnDecision>()

/**
 * Go on with the next turn.
 *
 * @since 0.2.0
 * @category constructors
 */
export const proceed: TurnDecision = decisions.Continue()

/**
 * End the run with `StopReason.UserStop({ reason })`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const stop = (reason: string): TurnDecision => decisions.Stop({ reason })
