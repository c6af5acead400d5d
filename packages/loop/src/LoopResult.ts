/**
 * What an agent loop returns: the conversation (always consistent: every `tool_use` has its `tool_result`), the
 * final text, the typed stop reason, token usage totals and counts of turns and tool calls.
 *
 * @since 0.1.0
 */

import type * as Content from "@parley/core/Content"
import type * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import type * as RunState from "@parley/core/RunState"
import type * as ToolOutcome from "@parley/core/ToolOutcome"
import type { StopReason } from "./StopReason.js"

/**
 * Token usage summed over the model calls of one run. `total` is what the token budget counts: input + output +
 * cache writes + cache reads.
 *
 * @since 0.1.0
 * @category models
 */
export interface UsageTotals {
  readonly inputTokens: number
  readonly outputTokens: number
  readonly cacheCreationInputTokens: number
  readonly cacheReadInputTokens: number
  readonly total: number
}

/**
 * Usage totals of a run that has made no call yet.
 *
 * @since 0.1.0
 * @category constructors
 */
export const emptyUsage: UsageTotals = {
  inputTokens: 0,
  outputTokens: 0,
  cacheCreationInputTokens: 0,
  cacheReadInputTokens: 0,
  total: 0
}

/**
 * Adds the usage of one response to running totals; an absent `usage` counts as zero.
 *
 * @since 0.1.0
 * @category combinators
 */
export const addUsage = (totals: UsageTotals, usage: Message.Usage | undefined): UsageTotals => {
  if (usage === undefined) return totals
  const input = usage.input_tokens
  const output = usage.output_tokens
  const cacheCreation = usage.cache_creation_input_tokens ?? 0
  const cacheRead = usage.cache_read_input_tokens ?? 0
  return {
    inputTokens: totals.inputTokens + input,
    outputTokens: totals.outputTokens + output,
    cacheCreationInputTokens: totals.cacheCreationInputTokens + cacheCreation,
    cacheReadInputTokens: totals.cacheReadInputTokens + cacheRead,
    total: totals.total + input + output + cacheCreation + cacheRead
  }
}

/**
 * One tool call a run answered, and what happened to it.
 *
 * @since 0.2.0
 * @category models
 */
export interface ToolReport {
  readonly turn: number
  readonly call: Content.ToolUseBlock
  readonly outcome: ToolOutcome.Outcome
}

/**
 * The outcome of a run that ended normally (by the model, a limit, the repeated-call guard or the stop signal).
 *
 * @since 0.1.0
 * @category models
 */
export interface LoopResult {
  /** The whole conversation, including the turns this run added; never has a `tool_use` without its result. */
  readonly conversation: Conversation.Conversation
  /**
   * The text of the run's last answer: the last assistant message's text, with the pieces of a `max_tokens` or
   * `pause_turn` continuation joined ("" if it had none, or if no call was made).
   */
  readonly text: string
  /** Why the run ended. */
  readonly stopReason: StopReason
  /** The last assistant message of this run, if any call was made. */
  readonly message: Message.Message | undefined
  /** Token usage summed over this run's model calls. */
  readonly usage: UsageTotals
  /** Model calls made by this run (a `pause_turn` or `max_tokens` continuation counts as a call). */
  readonly turns: number
  /** `tool_use` blocks this run answered (run, denied, failed or not run). */
  readonly toolCalls: number
  /** Every tool call this driver answered, in the order they were answered, with its typed outcome. */
  readonly tools: ReadonlyArray<ToolReport>
  /** The run's state at its end: continue it (`AgentLoop.run({ ..., state })`) or store it (`RunState.Json`). */
  readonly state: RunState.RunState
}
