/**
 * Responders decide what the stand-in server answers to each `POST /v1/messages`: a script of canned replies for
 * tests, an echo, or the rule-based {@link planner} for demos.
 *
 * @example
 * ```ts
 * import { Reply, Responder } from "@parley/standin"
 *
 * const responder = Responder.script([
 *   Reply.toolUse([{ name: "calculator", input: { expression: "17 * 23" } }]),
 *   (request) => Reply.text(`Answered after ${request.messages.length} messages`)
 * ])
 * ```
 *
 * @since 0.1.0
 */
import * as Message from "@parley/core/Message"
import type * as Request from "@parley/core/Request"
import * as Effect from "effect/Effect"
import * as Fault from "./Fault.js"
import * as Features from "./internal/features.js"
import * as Planner from "./Planner.js"
import * as Replies from "./Reply.js"

/**
 * One reply of a responder: a message or a fault (see the `Reply` module for constructors).
 *
 * @since 0.1.0
 * @category models
 */
export type Reply = Replies.Reply

/**
 * What the server tells a responder about a call besides the request.
 *
 * @since 0.1.0
 * @category models
 */
export interface Context {
  /** 0-based index of this call among the calls that reached this responder. */
  readonly callIndex: number
}

/**
 * Decides the reply to one validated request. A defect becomes a 500 `api_error` reply, never a crash.
 *
 * @since 0.1.0
 * @category models
 */
export type Responder = (request: Request.MessagesRequest, context: Context) => Effect.Effect<Reply>

/**
 * Replies in order: call `i` gets `replies[i]` (a function entry is applied to the request). Calls beyond the
 * script get a 500 `api_error` naming the call, so a test that makes too many calls fails loudly.
 *
 * @since 0.1.0
 * @category constructors
 */
export const script =
  (replies: ReadonlyArray<Reply | ((request: Request.MessagesRequest) => Reply)>): Responder =>
  (request, { callIndex }) =>
    Effect.sync(() => {
      const entry = replies[callIndex]
      if (entry === undefined) {
        return Replies.fault(
          Fault.status(500, {
            type: "api_error",
            message: `The stand-in script has no reply for call ${callIndex + 1} (it has ${replies.length}).`
          })
        )
      }
      return typeof entry === "function" ? entry(request) : entry
    })

/**
 * The responder's messages with what the request asks for beyond the reply itself: a thinking block (with a
 * signature) first when `thinking` is enabled and the message has none, and, for a final text reply under
 * `output_config.format` (`json_schema`), text that is JSON valid for the schema (the reply's text when it is
 * already a JSON object, else a value built from the schema), so `messages.parse` succeeds. `echo` and `planner`
 * come with it; wrap a script in it to get the same.
 *
 * @since 0.2.0
 * @category combinators
 */
export const withRequestFeatures =
  (responder: Responder): Responder =>
  (request, context) =>
    Effect.map(responder(request, context), (reply) =>
      reply._tag === "Message" ? { ...reply, message: Features.apply(reply.message, request) } : reply
    )

/**
 * Answers with the text of the last user turn, unchanged (with {@link withRequestFeatures}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const echo: Responder = withRequestFeatures((request) =>
  Effect.sync(() => {
    const last = [...request.messages].reverse().find((message) => message.role === "user")
    return Replies.text(last === undefined ? "" : Message.textOf(last))
  })
)

/**
 * The rule-based planner for demos (see the `Planner` module): calls the offered tools the conversation asks for,
 * then answers from their results (with {@link withRequestFeatures}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const planner = (options?: Planner.Options): Responder => withRequestFeatures(Planner.make(options))
