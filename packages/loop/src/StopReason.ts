/**
 * Why an agent loop ended: either the model ended its turn (`EndTurn`, `StopSequence`, `Refusal`,
 * `ContextWindowExceeded`, `MaxTokens`, or an `Other` stop reason this library does not know), or the loop stopped it
 * (a limit, the repeated-call guard, or the caller's stop signal).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"

/**
 * The typed reason an agent loop ended. Match on `_tag`.
 *
 * @since 0.1.0
 * @category models
 */
export type StopReason = Data.TaggedEnum<{
  /** The model finished its turn (`end_turn`). */
  EndTurn: {}
  /** The model produced one of the request's `stop_sequences` (`stop_sequence`). */
  StopSequence: { readonly sequence: string | null }
  /** The model declined to continue (`refusal`). */
  Refusal: {}
  /** The conversation no longer fits the model's context window (`model_context_window_exceeded`). */
  ContextWindowExceeded: {}
  /** The response hit `max_tokens` and the loop's `maxTokens` policy is `"stop"`. */
  MaxTokens: {}
  /** The model stopped for a reason this library does not know (a future `stop_reason`, or none at all). */
  Other: { readonly stopReason: string | null }
  /** The loop made `limit` model calls and would need another. */
  MaxTurns: { readonly limit: number }
  /** The tokens used by this run (input + output + cache writes + cache reads) reached `limit`. */
  TokenBudget: { readonly limit: number; readonly used: number }
  /** The run took longer than its wall-clock `limit`. */
  Deadline: { readonly limit: Duration.Duration }
  /** The model called `tool` with the same input `count` times in a row. */
  RepeatedCall: { readonly tool: string; readonly count: number }
  /** The caller's `stop` signal completed. */
  Stopped: {}
  /**
   * The approval hook deferred the tool calls `ids` (`Approval.defer`): the run waits for decisions, supplied
   * later through `RunState.decide` on `result.state`, then continued with `AgentLoop.run({ ..., state })`.
   */
  AwaitingApproval: { readonly ids: ReadonlyArray<string> }
  /** The after-turn hook stopped the run (`Hooks.stop(reason)`), or the stop predicate held. */
  UserStop: { readonly reason: string }
}>

/**
 * Constructors and guards of {@link StopReason}: `StopReason.EndTurn()`, `StopReason.$is("MaxTurns")`,
 * `StopReason.$match(reason, { ... })`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const {
  $is,
  $match,
  AwaitingApproval,
  ContextWindowExceeded,
  Deadline,
  EndTurn,
  MaxTokens,
  MaxTurns,
  Other,
  Refusal,
  RepeatedCall,
  Stopped,
  StopSequence,
  TokenBudget,
  UserStop
} = Data.taggedEnum<StopReason>()

/**
 * Whether the model ended the loop (as opposed to a limit, the repeated-call guard or the stop signal).
 *
 * @since 0.1.0
 * @category guards
 */
export const isModelStop = (reason: StopReason): boolean =>
  reason._tag === "EndTurn" ||
  reason._tag === "StopSequence" ||
  reason._tag === "Refusal" ||
  reason._tag === "ContextWindowExceeded" ||
  reason._tag === "MaxTokens" ||
  reason._tag === "Other"

/**
 * A short human-readable description, used in the `is_error` results of calls the loop did not run and by UIs.
 *
 * @since 0.1.0
 * @category formatting
 */
export const describe: (reason: StopReason) => string = $match({
  EndTurn: () => "the model ended its turn",
  StopSequence: ({ sequence }) =>
    sequence === null ? "the model hit a stop sequence" : `the model hit the stop sequence ${JSON.stringify(sequence)}`,
  Refusal: () => "the model refused to continue",
  ContextWindowExceeded: () => "the conversation exceeded the model's context window",
  MaxTokens: () => "the response reached max_tokens",
  Other: ({ stopReason }) =>
    stopReason === null ? "the model stopped without a stop reason" : `the model stopped (${stopReason})`,
  MaxTurns: ({ limit }) => `the loop reached its limit of ${limit} turns`,
  TokenBudget: ({ limit, used }) => `the loop used ${used} tokens, reaching its budget of ${limit}`,
  Deadline: ({ limit }) => `the loop reached its deadline of ${Duration.format(limit)}`,
  RepeatedCall: ({ count, tool }) => `the model called ${tool} with the same input ${count} times in a row`,
  Stopped: () => "the loop was stopped",
  AwaitingApproval: ({ ids }) => `the run is waiting for approval of ${ids.length} tool call(s)`,
  UserStop: ({ reason }) => reason
})
