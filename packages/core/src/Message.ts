/**
 * Messages: the turns a request sends (`MessageParam`) and the assistant `Message` a response returns, with its
 * stop reason and token usage.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ContentBlock, type TextBlock } from "./Content.js"
import { open, openLiteral, optionalNullable } from "./Wire.js"

/**
 * Who wrote a turn.
 *
 * @since 0.1.0
 */
export const Role = Schema.Literal("user", "assistant")
/** @since 0.1.0 */
export type Role = typeof Role.Type

/**
 * One turn of a request's `messages`: a string or a list of content blocks.
 *
 * @since 0.1.0
 */
export const MessageParam = open({
  role: Role,
  content: Schema.Union(Schema.String, Schema.Array(ContentBlock))
}).annotations({ identifier: "MessageParam" })
/** @since 0.1.0 */
export type MessageParam = typeof MessageParam.Type

/**
 * The stop reasons documented today. {@link StopReason} accepts any future string too.
 *
 * @since 0.1.0
 */
export const knownStopReasons = [
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
  "model_context_window_exceeded"
] as const

/**
 * A documented stop reason.
 *
 * @since 0.1.0
 */
export type KnownStopReason = (typeof knownStopReasons)[number]

/**
 * Why the model stopped: a documented reason or any future string.
 *
 * @since 0.1.0
 */
export const StopReason = openLiteral(...knownStopReasons)
/** @since 0.1.0 */
export type StopReason = typeof StopReason.Type

/**
 * Cache-write tokens split by cache lifetime.
 *
 * @since 0.1.0
 */
export const CacheCreation = open({
  ephemeral_5m_input_tokens: Schema.Number,
  ephemeral_1h_input_tokens: Schema.Number
}).annotations({ identifier: "CacheCreation" })

/**
 * Server tool requests billed in this response.
 *
 * @since 0.1.0
 */
export const ServerToolUsage = open({
  web_search_requests: Schema.optional(Schema.Number),
  web_fetch_requests: Schema.optional(Schema.Number)
}).annotations({ identifier: "ServerToolUsage" })

/**
 * Token usage of a response. In streams, `message_delta` carries cumulative counts.
 *
 * @since 0.1.0
 */
export const Usage = open({
  input_tokens: Schema.Number,
  output_tokens: Schema.Number,
  cache_creation_input_tokens: optionalNullable(Schema.Number),
  cache_read_input_tokens: optionalNullable(Schema.Number),
  cache_creation: optionalNullable(CacheCreation),
  server_tool_use: optionalNullable(ServerToolUsage),
  service_tier: optionalNullable(Schema.String)
}).annotations({ identifier: "Usage" })
/** @since 0.1.0 */
export type Usage = typeof Usage.Type

/**
 * The assistant's reply. `model`, `stop_sequence` and `usage` may be absent in older or abridged responses (some
 * documented examples omit them), so they are optional and keep their absence on re-encode.
 *
 * @since 0.1.0
 */
export const Message = open({
  id: Schema.String,
  type: Schema.Literal("message"),
  role: Schema.Literal("assistant"),
  content: Schema.Array(ContentBlock),
  model: Schema.optional(Schema.String),
  stop_reason: optionalNullable(StopReason),
  stop_sequence: optionalNullable(Schema.String),
  usage: Schema.optional(Usage)
}).annotations({ identifier: "Message" })
/** @since 0.1.0 */
export type Message = typeof Message.Type

/**
 * A user turn.
 *
 * @since 0.1.0
 */
export const user = (content: string | ReadonlyArray<ContentBlock>): MessageParam => ({ role: "user", content })

/**
 * An assistant turn (e.g. a prefill, or history written by hand).
 *
 * @since 0.1.0
 */
export const assistant = (content: string | ReadonlyArray<ContentBlock>): MessageParam => ({
  role: "assistant",
  content
})

/**
 * The concatenated text of a message's text blocks.
 *
 * @since 0.1.0
 */
export const textOf = (message: { readonly content: string | ReadonlyArray<ContentBlock> }): string =>
  typeof message.content === "string"
    ? message.content
    : message.content
        .filter((block): block is TextBlock => block.type === "text")
        .map((block) => block.text)
        .join("")
