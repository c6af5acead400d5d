/**
 * What one step of a run (`AgentLoop.step`) ends with: the state to take the next step from, or the result of the
 * run.
 *
 * @since 0.2.0
 */
import type * as RunState from "@parley/core/RunState"
import * as Data from "effect/Data"
import type { LoopResult, ToolReport } from "./LoopResult.js"

/**
 * - `Continue`: the run goes on; take the next step from `state` (now, or after storing it). `tools` are the tool
 *   calls the step answered.
 * - `Finished`: the run ended with `result` (its `stopReason` says why; `AwaitingApproval` means it waits for
 *   decisions, given with `RunState.decide`, and a later step continues it).
 *
 * @since 0.2.0
 * @category models
 */
export type Step = Data.TaggedEnum<{
  Continue: {
    readonly state: RunState.RunState
    /** The tool calls this step answered, with their typed outcomes. */
    readonly tools: ReadonlyArray<ToolReport>
  }
  Finished: { readonly state: RunState.RunState; readonly result: LoopResult }
}>

/**
 * Constructors and guards of {@link Step}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const { $is, $match, Continue, Finished } = Data.taggedEnum<Step>()
