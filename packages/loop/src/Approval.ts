/**
 * The decision of an approval hook, asked before each tool call: run it (as asked, or with an edited input), deny it
 * with a reason that goes back to the model as an `is_error` tool result, or defer it to a person: the run then
 * ends waiting (`StopReason.AwaitingApproval`) and continues when a decision arrives through `RunState.decide`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * `Allow` runs the call; `Deny` answers it with `is_error` and the text `Denied: <reason>` without running it.
 *
 * @since 0.1.0
 * @category models
 */
export type Approval = Data.TaggedEnum<{
  Allow: {}
  /**
   * Run the call with `input` instead of the model's (checked by the tool's schema like any input). The
   * conversation keeps the model's `tool_use` as it was; the result answers it.
   */
  AllowEdited: { readonly input: unknown }
  Deny: { readonly reason: string }
  /** Decide later: the step ends with the run waiting; the other calls of the turn still run. */
  Defer: {}
}>

const constructors = Data.taggedEnum<Approval>()

/**
 * Guards and matcher of {@link Approval}.
 *
 * @since 0.1.0
 * @category guards
 */
export const { $is, $match } = constructors

/**
 * Run the call.
 *
 * @since 0.1.0
 * @category constructors
 */
export const allow: Approval = constructors.Allow()

/**
 * Do not run the call; the model receives `Denied: <reason>` as an `is_error` result.
 *
 * @since 0.1.0
 * @category constructors
 */
export const deny = (reason: string): Approval => constructors.Deny({ reason })

/**
 * Runs the call with an edited input.
 *
 * @since 0.2.0
 * @category constructors
 */
export const allowEdited = (input: unknown): Approval => constructors.AllowEdited({ input })

/**
 * Defers the decision to a person: the run ends waiting for it (`StopReason.AwaitingApproval`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const defer: Approval = constructors.Defer()
