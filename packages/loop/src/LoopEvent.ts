/**
 * What an agent loop reports while it runs, for UIs and logs: `AgentLoop.stream` emits these in order, ending with
 * `Finished`. Events are only built when someone listens: `AgentLoop.run` builds none.
 *
 * Order within a turn: `TurnStarted`, `TextDelta`* (streaming calls only), `TurnFinished`, `TurnUsage`, then for each
 * `tool_use` block `ToolCalled` ... `ToolResult` (calls run concurrently, so their pairs may interleave; every
 * `ToolCalled` is followed by its `ToolResult` or, for a call the approval hook deferred, its `ToolDeferred`). Calls
 * the loop answers without running them (a limit ended the run) get a `ToolResult` only.
 *
 * A run that waited for approval: the step that continues it (another `stream`, `run` or `step`, perhaps in another
 * process) starts with a `ToolResumed` for each call decided since (all of them reach the consumer of
 * `AgentLoop.stream` before a decided call runs), then their `ToolResult`s, before its next `TurnStarted`. So
 * over the whole run each call has one `ToolCalled` and one `ToolResult`, and a deferred one `ToolDeferred` and
 * `ToolResumed` between them.
 *
 * @since 0.1.0
 */
import type * as Content from "@parley/core/Content"
import type * as Message from "@parley/core/Message"
import type * as RunState from "@parley/core/RunState"
import type * as ToolOutcome from "@parley/core/ToolOutcome"
import * as Data from "effect/Data"
import type { LoopResult, UsageTotals } from "./LoopResult.js"

/**
 * An event of an agent loop. `turn` counts model calls of the run from 1.
 *
 * @since 0.1.0
 * @category models
 */
export type LoopEvent = Data.TaggedEnum<{
  /** A model call is about to be made. */
  TurnStarted: { readonly turn: number }
  /**
   * The request about to be sent is past the `contextBudget`'s warning threshold (by core's estimate): `tokens` of
   * `warnAt`, in a `window`-token context. Sent before the call, after the before-model-call hook.
   */
  ContextWarning: { readonly turn: number; readonly tokens: number; readonly warnAt: number; readonly window: number }
  /** A piece of text of the content block at `index`, as it streams (streaming calls only). */
  TextDelta: { readonly turn: number; readonly index: number; readonly text: string }
  /** A piece of the thinking of the content block at `index`, as it streams (streaming calls only). */
  ThinkingDelta: { readonly turn: number; readonly index: number; readonly thinking: string }
  /**
   * A piece of the JSON input of the `tool_use` block at `index`, as it streams (streaming calls only): the
   * concatenation of a block's pieces is its input's JSON text.
   */
  ToolInputDelta: { readonly turn: number; readonly index: number; readonly partialJson: string }
  /** The assistant message of the turn is complete and appended to the conversation. */
  TurnFinished: { readonly turn: number; readonly message: Message.Message }
  /** Token usage of the turn, and the run's totals after it. */
  TurnUsage: { readonly turn: number; readonly usage: Message.Usage | undefined; readonly totals: UsageTotals }
  /** A `tool_use` block is about to be handled (approval, then the handler). */
  ToolCalled: { readonly turn: number; readonly call: Content.ToolUseBlock }
  /**
   * The approval hook deferred `call`: the run ends waiting for a decision (`AwaitingApproval`) once the turn's
   * other calls are done.
   */
  ToolDeferred: { readonly turn: number; readonly call: Content.ToolUseBlock }
  /**
   * A deferred call of `turn` got its decision (through `RunState.decide`) and is handled now: run as allowed (with
   * the edited input, if any) or answered as denied. Its `ToolResult` follows.
   */
  ToolResumed: { readonly turn: number; readonly call: Content.ToolUseBlock; readonly decision: RunState.Decision }
  /** The result that answers `call`; `result.is_error` tells failures (and denials, timeouts, calls not run). */
  ToolResult: {
    readonly turn: number
    readonly call: Content.ToolUseBlock
    readonly result: Content.ToolResultBlock
    /** What happened: `ok`, `error`, `invalid-input`, `unknown-tool`, `timeout`, `denied`, `not-run`, `interrupted`. */
    readonly outcome: ToolOutcome.Outcome
    readonly durationMillis: number
  }
  /**
   * A call abandoned at its timeout finished anyway, after the model was told it timed out: `outcome` is what its
   * handler did (`ok` means a write may have happened). The loop does not send this to the model.
   */
  ToolLate: {
    readonly turn: number
    readonly call: Content.ToolUseBlock
    readonly result: Content.ToolResultBlock
    readonly outcome: ToolOutcome.Outcome
  }
  /** The run ended; the last event of a stream that did not fail. */
  Finished: { readonly result: LoopResult }
}>

/**
 * Constructors, guards and matcher of {@link LoopEvent}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const {
  $is,
  $match,
  ContextWarning,
  Finished,
  TextDelta,
  ThinkingDelta,
  ToolCalled,
  ToolDeferred,
  ToolInputDelta,
  ToolLate,
  ToolResult,
  ToolResumed,
  TurnFinished,
  TurnStarted,
  TurnUsage
} = Data.taggedEnum<LoopEvent>()
