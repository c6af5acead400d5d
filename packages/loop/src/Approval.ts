/**
 * The decision of an approval hook, asked before each tool call: run it, or deny it with a reason that goes back to
 * the model as an `is_error` tool result.
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
  Deny: { readonly reason: string }
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
