/**
 * The bodies of `POST /v1/messages` and `POST /v1/messages/count_tokens`, and their parts: system prompt, tool
 * definitions, tool choice, thinking configuration. Unknown extra fields pass through.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { CacheControl, TextBlock } from "./Content.js"
import { MessageParam } from "./Message.js"
import { open, openLiteral, optionalNullable, otherThan, preserve } from "./Wire.js"

/**
 * The system prompt: a string, or text blocks (which may carry `cache_control`).
 *
 * @since 0.1.0
 */
export const SystemPrompt = Schema.Union(Schema.String, Schema.Array(TextBlock))
/** @since 0.1.0 */
export type SystemPrompt = typeof SystemPrompt.Type

/**
 * The JSON Schema of a tool's input; the API requires an object at the top level.
 *
 * @since 0.1.0
 */
export const InputSchema = open({
  type: Schema.Literal("object"),
  properties: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  required: Schema.optional(Schema.Array(Schema.String))
}).annotations({ identifier: "InputSchema" })
/** @since 0.1.0 */
export type InputSchema = typeof InputSchema.Type

/**
 * A client tool: the model calls it with `input` matching `input_schema`, the caller runs it.
 *
 * @since 0.1.0
 */
export const CustomTool = open({
  type: Schema.optional(Schema.Literal("custom")),
  name: Schema.String,
  description: Schema.optional(Schema.String),
  input_schema: InputSchema,
  cache_control: optionalNullable(CacheControl)
}).annotations({ identifier: "CustomTool" })
/** @since 0.1.0 */
export type CustomTool = typeof CustomTool.Type

/**
 * A server or versioned built-in tool such as `{ type: "web_search_20250305", name: "web_search" }`; its other
 * fields are kept as given.
 *
 * @since 0.1.0
 */
export const ServerTool = Schema.Struct({
  type: otherThan(["custom"], "tool"),
  name: Schema.String,
  cache_control: optionalNullable(CacheControl)
}).annotations({ ...preserve, identifier: "ServerTool" })
/** @since 0.1.0 */
export type ServerTool = typeof ServerTool.Type

/**
 * Any entry of a request's `tools`.
 *
 * @since 0.1.0
 */
export const ToolDefinition = Schema.Union(CustomTool, ServerTool).annotations({ identifier: "ToolDefinition" })
/** @since 0.1.0 */
export type ToolDefinition = typeof ToolDefinition.Type

const parallel = { disable_parallel_tool_use: Schema.optional(Schema.Boolean) }

/**
 * How the model may use tools: `auto`, `any`, one named `tool`, or `none`.
 *
 * @since 0.1.0
 */
export const ToolChoice = Schema.Union(
  open({ type: Schema.Literal("auto"), ...parallel }),
  open({ type: Schema.Literal("any"), ...parallel }),
  open({ type: Schema.Literal("tool"), name: Schema.String, ...parallel }),
  open({ type: Schema.Literal("none") })
).annotations({ identifier: "ToolChoice" })
/** @since 0.1.0 */
export type ToolChoice = typeof ToolChoice.Type

/**
 * Extended thinking: `enabled` with a token budget, `disabled`, or `adaptive`.
 *
 * @since 0.1.0
 */
export const ThinkingConfig = Schema.Union(
  open({ type: Schema.Literal("enabled"), budget_tokens: Schema.Number }),
  open({ type: Schema.Literal("disabled") }),
  open({ type: Schema.Literal("adaptive") })
).annotations({ identifier: "ThinkingConfig" })
/** @since 0.1.0 */
export type ThinkingConfig = typeof ThinkingConfig.Type

/**
 * Output settings (effort, structured output format); kept open, as its fields change between API versions.
 *
 * @since 0.1.0
 */
export const OutputConfig = open({
  effort: Schema.optional(Schema.String),
  format: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "OutputConfig" })

/**
 * Request metadata; `user_id` is an opaque id of the end user.
 *
 * @since 0.1.0
 */
export const Metadata = open({ user_id: optionalNullable(Schema.String) }).annotations({ identifier: "Metadata" })

/**
 * The body of `POST /v1/messages`.
 *
 * @since 0.1.0
 */
export const MessagesRequest = open({
  model: Schema.String,
  max_tokens: Schema.Number,
  messages: Schema.Array(MessageParam),
  system: Schema.optional(SystemPrompt),
  stop_sequences: Schema.optional(Schema.Array(Schema.String)),
  temperature: Schema.optional(Schema.Number),
  top_p: Schema.optional(Schema.Number),
  top_k: Schema.optional(Schema.Number),
  metadata: Schema.optional(Metadata),
  tools: Schema.optional(Schema.Array(ToolDefinition)),
  tool_choice: Schema.optional(ToolChoice),
  thinking: Schema.optional(ThinkingConfig),
  output_config: Schema.optional(OutputConfig),
  service_tier: Schema.optional(openLiteral("auto", "standard_only")),
  stream: Schema.optional(Schema.Boolean),
  cache_control: optionalNullable(CacheControl)
}).annotations({ identifier: "MessagesRequest" })
/** @since 0.1.0 */
export type MessagesRequest = typeof MessagesRequest.Type

/**
 * The body of `POST /v1/messages/count_tokens`.
 *
 * @since 0.1.0
 */
export const CountTokensRequest = open({
  model: Schema.String,
  messages: Schema.Array(MessageParam),
  system: Schema.optional(SystemPrompt),
  tools: Schema.optional(Schema.Array(ToolDefinition)),
  tool_choice: Schema.optional(ToolChoice),
  thinking: Schema.optional(ThinkingConfig)
}).annotations({ identifier: "CountTokensRequest" })
/** @since 0.1.0 */
export type CountTokensRequest = typeof CountTokensRequest.Type

/**
 * The response of `POST /v1/messages/count_tokens`.
 *
 * @since 0.1.0
 */
export const CountTokensResponse = open({ input_tokens: Schema.Number }).annotations({
  identifier: "CountTokensResponse"
})
/** @since 0.1.0 */
export type CountTokensResponse = typeof CountTokensResponse.Type

/**
 * The parameters of a messages request that `count_tokens` does not take: generation and sampling settings, and
 * the request's routing and accounting (`metadata`, `service_tier`, `container`, `inference_geo`, `diagnostics`).
 *
 * @since 0.1.0
 */
export const notCounted: ReadonlyArray<string> = [
  "max_tokens",
  "stream",
  "stop_sequences",
  "temperature",
  "top_p",
  "top_k",
  "metadata",
  "service_tier",
  "container",
  "inference_geo",
  "diagnostics"
]

/**
 * The count_tokens body for a messages request: what it counts (`model`, `messages`, `system`, `tools`,
 * `tool_choice`, `thinking`, and fields added to the API later), without {@link notCounted}.
 *
 * @since 0.1.0
 */
export const toCountTokens = (request: MessagesRequest): CountTokensRequest => {
  const out: Record<string, unknown> = { ...request }
  for (const key of notCounted) delete out[key]
  return out as CountTokensRequest
}
