/**
 * What happened to one tool call, as one word a program can switch on, with the `tool_result` the model gets:
 *
 * - `ok`: the handler succeeded; `error`: it failed (a typed failure, a defect, a result that could not be
 *   encoded); `invalid-input`: the input did not match the tool's schema (the handler did not run);
 *   `unknown-tool`: no tool has that name;
 * - decided by a loop: `timeout` (the call was abandoned at its timeout), `denied` (the approval hook said no),
 *   `not-run` (the loop ended before running it), `interrupted` (the loop stopped while it ran).
 *
 * @since 0.2.0
 */
import type * as Cause from "effect/Cause"
import * as Schema from "effect/Schema"
import type * as Content from "./Content.js"

/**
 * @since 0.2.0
 * @category schemas
 */
export const Outcome = Schema.Literal(
  "ok",
  "error",
  "invalid-input",
  "unknown-tool",
  "timeout",
  "denied",
  "not-run",
  "interrupted"
)

/**
 * @since 0.2.0
 * @category models
 */
export type Outcome = typeof Outcome.Type

/**
 * One tool call's result, its outcome, and — for an `error` or `interrupted` outcome of a handler — the cause, for
 * logs and telemetry (the model never sees it: the result's text is short and safe).
 *
 * @since 0.2.0
 * @category models
 */
export interface ToolRun {
  readonly result: Content.ToolResultBlock
  readonly outcome: Outcome
  readonly cause?: Cause.Cause<unknown> | undefined
}

/**
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  result: Content.ToolResultBlock,
  outcome: Outcome,
  cause?: Cause.Cause<unknown> | undefined
): ToolRun => (cause === undefined ? { result, outcome } : { result, outcome, cause })
