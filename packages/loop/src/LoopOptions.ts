/**
 * The settings of an agent loop: model and request settings, where the conversation starts, the tools, hooks, and
 * the limits that keep a run bounded. Every limit is on by default; pass `Infinity` to turn one off.
 *
 * @since 0.1.0
 */

import type * as Content from "@parley/core/Content"
import type * as ContextWindow from "@parley/core/ContextWindow"
import type * as Conversation from "@parley/core/Conversation"
import type * as Request from "@parley/core/Request"
import type * as RunState from "@parley/core/RunState"
import type * as Toolkit from "@parley/core/Toolkit"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Ref from "effect/Ref"
import type { Approval } from "./Approval.js"
import type * as Hooks from "./Hooks.js"

/**
 * The limits of one run. Each ends the loop with its own typed stop reason; calls the model asked for in the last
 * turn are then answered with `is_error` results saying why they were not run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limits {
  /**
   * Model calls one run may make (continuations of `pause_turn` / `max_tokens` count). Default
   * {@link defaults}.maxTurns = 25: the official SDK's tool runner has no default cap, and a loop that never
   * converges should not run until the token budget is gone.
   */
  readonly maxTurns?: number | undefined
  /**
   * Tokens one run may use: input + output + cache writes + cache reads, summed over its calls. Checked after each
   * call. Default 1,000,000.
   */
  readonly tokenBudget?: number | undefined
  /**
   * Wall-clock time one run may take, model calls and tools included. When it passes, the call or tools in flight are
   * interrupted. Default 10 minutes.
   */
  readonly deadline?: Duration.DurationInput | undefined
  /**
   * The repeated-call guard: the loop ends when the model calls the same tool with the same input (compared as JSON
   * with sorted keys) this many times in a row; the last, repeated call is not run. Default 3.
   */
  readonly repeatedCalls?: number | undefined
}

/**
 * The default limits.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaults = {
  maxTurns: 25,
  tokenBudget: 1_000_000,
  deadline: Duration.minutes(10),
  repeatedCalls: 3,
  maxTokens: 4096,
  concurrency: 8,
  toolTimeout: Duration.seconds(60),
  eventBuffer: 1024
} as const

/**
 * Request fields the loop passes through unchanged (temperature, tool_choice, thinking, metadata, server tools in
 * `tools`, ...). `tools` listed here are sent after the toolkit's definitions.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestSettings = Partial<
  Omit<Request.MessagesRequest, "model" | "max_tokens" | "messages" | "system" | "stream">
>

/**
 * What `max_tokens` does: `"stop"` ends the loop with `MaxTokens`; `"continue"` sends the truncated assistant turn
 * back so the model continues it (its pieces are kept as they came, as consecutive assistant turns).
 *
 * @since 0.1.0
 * @category models
 */
export type MaxTokensPolicy = "stop" | "continue"

/**
 * Everything `AgentLoop.run` and `AgentLoop.stream` take. `R` is what the toolkit's handlers, the approval hook and
 * the stop signal need.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoopOptions<R = never> {
  /** The model id, e.g. `"claude-sonnet-4-5"`. */
  readonly model: string
  /** `max_tokens` of every call. Default 4096. */
  readonly maxTokens?: number | undefined
  /** The system prompt. With `conversation`, it replaces the conversation's own. */
  readonly system?: Request.SystemPrompt | undefined
  /**
   * The conversation to continue. Default: a new one that merges consecutive user turns (so a prompt after a turn
   * of tool results, or after a failed call, joins that turn).
   */
  readonly conversation?: Conversation.Conversation | undefined
  /**
   * The state of a run to continue (from a result, a `LoopError`, `AgentLoop.step` or storage): its conversation
   * replaces `conversation`, and its turns, tokens, active time and repeated-call guard count toward the limits.
   * `prompt`, when given, is appended to its conversation (for a run waiting for approval, after the results of
   * the decided calls, in the same user turn).
   */
  readonly state?: RunState.RunState | undefined
  /**
   * A context budget: before each call whose request is past `warnAt` (core's estimate) the loop emits a
   * `ContextWarning` event. Pair it with `Hooks.contextWindow` to also shorten the conversation. Default none.
   */
  readonly contextBudget?: ContextWindow.Budget | undefined
  /** The agent's name on its `invoke_agent` span (`gen_ai.agent.name`), with `Telemetry.layer()`. Default none. */
  readonly agentName?: string | undefined
  /** The id of a new run (kept in its state across steps and processes). Default: a fresh `run_<uuid>`. */
  readonly runId?: string | undefined
  /** A user turn appended before the first call (the first message of a new conversation, or the next one). */
  readonly prompt?: string | ReadonlyArray<Content.ContentBlock> | undefined
  /**
   * The tools the model may call, with their handlers: one handled toolkit, or several (merged with
   * `Toolkit.merge`; a tool name two of them share, or one of them and `request.tools`, fails the run with
   * `LoopError` reason `InvalidToolkit`).
   * Default: none.
   */
  readonly toolkit?: Toolkit.Handled<R> | ReadonlyArray<Toolkit.Handled<R>> | undefined
  /** Other request fields, sent with every call. */
  readonly request?: RequestSettings | undefined
  /**
   * Make streaming model calls (the port's `stream`), which also emit delta events as the reply arrives. Default
   * `false` (the port's `create`). Not to be confused with `AgentLoop.stream`, which streams the loop's events
   * whichever kind of call it makes.
   */
  readonly streaming?: boolean | undefined
  /**
   * @deprecated Renamed to `streaming` (the name was easy to confuse with `AgentLoop.stream`); still honoured when
   * `streaming` is not given. Will be removed in 0.3.0.
   */
  readonly stream?: boolean | undefined
  /**
   * `AgentLoop.stream` only: how many events may wait for the consumer. A streamed reply, and the next turn, wait
   * (back-pressure, the loop suspended, not polling) once this many are buffered: the deltas of one chunk of the model's stream may
   * pass the bound, and each turn's `TurnFinished`, `TurnUsage` and `Finished` are added without waiting. Before
   * tools run, the loop waits until the consumer has taken every event. At least 1; default 1024.
   */
  readonly eventBuffer?: number | undefined
  /** How many tool calls of one turn run at the same time. Default 8. */
  readonly concurrency?: number | undefined
  /**
   * How long one tool call may take: at its timeout the call is answered with an `is_error` result (outcome
   * `timeout`) and the loop goes on without waiting for the handler, which is abandoned (a late result is reported
   * as `ToolLate`; the handler is interrupted, without waiting, when the run ends). A handler that never suspends
   * cannot be bounded (see the README). Default 60 seconds.
   */
  readonly toolTimeout?: Duration.DurationInput | undefined
  /** Per-tool overrides of `toolTimeout`, by tool name. */
  readonly toolTimeouts?: Readonly<Record<string, Duration.DurationInput>> | undefined
  /**
   * Asked before each tool call. `Approval.deny(reason)` answers the call with `Denied: <reason>` (`is_error`)
   * without running it; a hook that dies denies the call (its cause is logged as a warning). Default: every call is
   * allowed.
   */
  readonly approve?: ((call: Content.ToolUseBlock) => Effect.Effect<Approval, never, R>) | undefined
  /**
   * Called before each model call with the request the loop built: return `{ request }` to send another one (other
   * tools, `tool_choice`, model, system) and `{ conversation }` to replace the history from now on (compaction).
   * Return `undefined` (or `{}`) to send the request as built.
   */
  readonly beforeModelCall?:
    | ((context: Hooks.ModelCallContext) => Effect.Effect<Hooks.ModelCallChanges | undefined, never, R>)
    | undefined
  /**
   * Called after each turn that the loop would follow with another model call (after its tool results, or after a
   * `pause_turn` / `max_tokens` piece): `Hooks.stop(reason)` ends the run with `StopReason.UserStop({ reason })`.
   */
  readonly afterTurn?: ((context: Hooks.TurnContext) => Effect.Effect<Hooks.TurnDecision, never, R>) | undefined
  /**
   * A stop predicate, checked at the same points as `afterTurn` (before it): when it holds, the run ends with
   * `StopReason.UserStop({ reason: "the stop predicate held" })`.
   */
  readonly stopWhen?: ((context: Hooks.TurnContext) => boolean) | undefined
  /** What `max_tokens` does. Default `"stop"`. */
  readonly onMaxTokens?: MaxTokensPolicy | undefined
  /** Limits of the run; see {@link Limits}. */
  readonly limits?: Limits | undefined
  /**
   * A stop signal, e.g. `Deferred.await(stop)`: when it completes, the call or tools in flight are interrupted and
   * the run ends normally with `Stopped` and a consistent conversation.
   */
  readonly stop?: Effect.Effect<unknown, never, R> | undefined
  /**
   * Set to the run's final, consistent conversation whenever the run ends — also when its fiber is interrupted or
   * it fails, which is how a caller that interrupts the loop gets the conversation back.
   */
  readonly transcript?: Ref.Ref<Conversation.Conversation> | undefined
}
