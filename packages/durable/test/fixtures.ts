/** Test fixtures of the durable package: scripted assistant replies, tool calls, and a two-turn model. */
import type * as Content from "@parley/core/Content"
import type * as Message from "@parley/core/Message"
import * as Tool from "@parley/core/Tool"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export { reply } from "../../loop/test/utils/replies.js"

/** A `tool_use` block. */
export const toolUse = (id: string, name: string, input: unknown): Content.ContentBlock =>
  ({ type: "tool_use", id, name, input }) as Content.ContentBlock

/** Whether a request's conversation holds a tool result yet. */
export const hasToolResult = (messages: ReadonlyArray<Message.RequestMessage>): boolean =>
  messages.some(
    (message) =>
      message.role === "user" &&
      Array.isArray(message.content) &&
      message.content.some((block: Content.ContentBlock) => block.type === "tool_result")
  )

/**
 * A model of two turns that answers any conversation: `first` until the conversation holds a tool result, then
 * `last`; each call is passed to `onCall` (with the number of messages sent) before it answers.
 */
export const twoTurns = (
  first: Message.Message,
  last: Message.Message,
  onCall: (messages: number) => void = () => {}
): ScriptedModel.ScriptedModel =>
  ScriptedModel.make((request) =>
    Effect.sync(() => {
      onCall(request.messages.length)
      return hasToolResult(request.messages) ? last : first
    })
  )

/** The crash tests' payment tool (the runners' handlers journal each execution and its idempotency key). */
export const charge = Tool.make("charge", {
  description: "Charges an amount to the customer's card",
  input: Schema.Struct({ amount: Schema.Number }),
  output: Schema.String
})

/** The crash tests' read-only tool. */
export const lookup = Tool.make("lookup", {
  description: "Looks up the customer's name",
  input: Schema.Struct({ id: Schema.String }),
  output: Schema.String
})
