/**
 * The server-sent events of a streaming `POST /v1/messages`, as schemas whose `type` values are the SSE event
 * names. Unknown event and delta types decode as {@link UnknownEvent} / {@link UnknownDelta} and are kept.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ErrorDetail } from "./ApiError.js"
import { Citation, ContentBlock, type TextBlock, type ThinkingBlock, type ToolUseBlock } from "./Content.js"
import { CacheCreation, Message, ServerToolUsage, StopReason, type Usage } from "./Message.js"
import { open, optionalNullable, unknownMember } from "./Wire.js"

/**
 * First event: the message with empty `content` and the input usage.
 *
 * @since 0.1.0
 */
export const MessageStartEvent = open({
  type: Schema.Literal("message_start"),
  message: Message
}).annotations({ identifier: "MessageStartEvent" })
/** @since 0.1.0 */
export type MessageStartEvent = typeof MessageStartEvent.Type

/**
 * A content block begins at `index`; text starts empty, `tool_use` starts with `input: {}`.
 *
 * @since 0.1.0
 */
export const ContentBlockStartEvent = open({
  type: Schema.Literal("content_block_start"),
  index: Schema.Number,
  content_block: ContentBlock
}).annotations({ identifier: "ContentBlockStartEvent" })
/** @since 0.1.0 */
export type ContentBlockStartEvent = typeof ContentBlockStartEvent.Type

/** @since 0.1.0 */
export const TextDelta = open({ type: Schema.Literal("text_delta"), text: Schema.String }).annotations({
  identifier: "TextDelta"
})
/** @since 0.1.0 */
export const InputJsonDelta = open({
  type: Schema.Literal("input_json_delta"),
  partial_json: Schema.String
}).annotations({ identifier: "InputJsonDelta" })
/** @since 0.1.0 */
export const ThinkingDelta = open({ type: Schema.Literal("thinking_delta"), thinking: Schema.String }).annotations({
  identifier: "ThinkingDelta"
})
/** @since 0.1.0 */
export const SignatureDelta = open({ type: Schema.Literal("signature_delta"), signature: Schema.String }).annotations({
  identifier: "SignatureDelta"
})
/** @since 0.1.0 */
export const CitationsDelta = open({ type: Schema.Literal("citations_delta"), citation: Citation }).annotations({
  identifier: "CitationsDelta"
})

/**
 * Every delta `type` this library knows.
 *
 * @since 0.1.0
 */
export const knownDeltaTypes = [
  "text_delta",
  "input_json_delta",
  "thinking_delta",
  "signature_delta",
  "citations_delta"
] as const

/**
 * A delta of a type added after this library was written; kept as it came.
 *
 * @since 0.1.0
 */
export const UnknownDelta = unknownMember(knownDeltaTypes, "delta", "UnknownDelta")

/**
 * Any content block delta.
 *
 * @since 0.1.0
 */
export const Delta = Schema.Union(
  TextDelta,
  InputJsonDelta,
  ThinkingDelta,
  SignatureDelta,
  CitationsDelta,
  UnknownDelta
)
/** @since 0.1.0 */
export type Delta = typeof Delta.Type

/**
 * A piece of the content block at `index`.
 *
 * @since 0.1.0
 */
export const ContentBlockDeltaEvent = open({
  type: Schema.Literal("content_block_delta"),
  index: Schema.Number,
  delta: Delta
}).annotations({ identifier: "ContentBlockDeltaEvent" })
/** @since 0.1.0 */
export type ContentBlockDeltaEvent = typeof ContentBlockDeltaEvent.Type

/**
 * The content block at `index` is complete.
 *
 * @since 0.1.0
 */
export const ContentBlockStopEvent = open({
  type: Schema.Literal("content_block_stop"),
  index: Schema.Number
}).annotations({ identifier: "ContentBlockStopEvent" })
/** @since 0.1.0 */
export type ContentBlockStopEvent = typeof ContentBlockStopEvent.Type

/**
 * Usage in `message_delta`: cumulative counts; fields other than `output_tokens` may be absent or null.
 *
 * @since 0.1.0
 */
export const DeltaUsage = open({
  output_tokens: Schema.Number,
  input_tokens: optionalNullable(Schema.Number),
  cache_creation_input_tokens: optionalNullable(Schema.Number),
  cache_read_input_tokens: optionalNullable(Schema.Number),
  cache_creation: optionalNullable(CacheCreation),
  server_tool_use: optionalNullable(ServerToolUsage)
}).annotations({ identifier: "DeltaUsage" })
/** @since 0.1.0 */
export type DeltaUsage = typeof DeltaUsage.Type

/**
 * Top-level changes to the message: stop reason, stop sequence, cumulative usage.
 *
 * @since 0.1.0
 */
export const MessageDeltaEvent = open({
  type: Schema.Literal("message_delta"),
  delta: open({
    stop_reason: optionalNullable(StopReason),
    stop_sequence: optionalNullable(Schema.String)
  }),
  usage: DeltaUsage
}).annotations({ identifier: "MessageDeltaEvent" })
/** @since 0.1.0 */
export type MessageDeltaEvent = typeof MessageDeltaEvent.Type

/**
 * Last event of a complete stream.
 *
 * @since 0.1.0
 */
export const MessageStopEvent = open({ type: Schema.Literal("message_stop") }).annotations({
  identifier: "MessageStopEvent"
})
/** @since 0.1.0 */
export type MessageStopEvent = typeof MessageStopEvent.Type

/**
 * Keep-alive; carries nothing.
 *
 * @since 0.1.0
 */
export const PingEvent = open({ type: Schema.Literal("ping") }).annotations({ identifier: "PingEvent" })
/** @since 0.1.0 */
export type PingEvent = typeof PingEvent.Type

/**
 * An error after the stream started (e.g. `overloaded_error`); the stream ends with it.
 *
 * @since 0.1.0
 */
export const ErrorEvent = open({ type: Schema.Literal("error"), error: ErrorDetail }).annotations({
  identifier: "ErrorEvent"
})
/** @since 0.1.0 */
export type ErrorEvent = typeof ErrorEvent.Type

/**
 * Every event `type` this library knows.
 *
 * @since 0.1.0
 */
export const knownEventTypes = [
  "message_start",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "message_delta",
  "message_stop",
  "ping",
  "error"
] as const

/**
 * An event of a type added after this library was written; kept, never fatal.
 *
 * @since 0.1.0
 */
export const UnknownEvent = unknownMember(knownEventTypes, "stream event", "UnknownEvent")
/** @since 0.1.0 */
export type UnknownEvent = typeof UnknownEvent.Type

/**
 * Every known stream event.
 *
 * @since 0.1.0
 */
export const KnownEvent = Schema.Union(
  MessageStartEvent,
  ContentBlockStartEvent,
  ContentBlockDeltaEvent,
  ContentBlockStopEvent,
  MessageDeltaEvent,
  MessageStopEvent,
  PingEvent,
  ErrorEvent
)
/** @since 0.1.0 */
export type KnownEvent = typeof KnownEvent.Type

/**
 * Any stream event, including future ones. Narrow with {@link is}.
 *
 * @since 0.1.0
 */
export const StreamEvent = Schema.Union(KnownEvent, UnknownEvent).annotations({ identifier: "StreamEvent" })
/** @since 0.1.0 */
export type StreamEvent = typeof StreamEvent.Type

/**
 * Narrows an event to the known event of the given `type`.
 *
 * @since 0.1.0
 */
export const is =
  <T extends KnownEvent["type"]>(type: T) =>
  (event: StreamEvent): event is Extract<KnownEvent, { readonly type: T }> =>
    event.type === type

// =============================================================================
// From a message
// =============================================================================

/**
 * How finely the content is cut into deltas, in UTF-16 code units (a surrogate pair is never split).
 *
 * @since 0.1.0
 * @category models
 */
export interface ChunkOptions {
  /** Characters of text per `text_delta`. Default 16. */
  readonly textChunkSize?: number | undefined
  /** Characters of tool input JSON per `input_json_delta`. Default 32. */
  readonly jsonChunkSize?: number | undefined
  /** Characters of thinking per `thinking_delta`. Default 32. */
  readonly thinkingChunkSize?: number | undefined
}

const split = (text: string, size: number): ReadonlyArray<string> => {
  const step = Math.max(1, Math.floor(size))
  const pieces: Array<string> = []
  let start = 0
  while (start < text.length) {
    let end = Math.min(text.length, start + step)
    const last = text.charCodeAt(end - 1)
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += 1
    pieces.push(text.slice(start, end))
    start = end
  }
  return pieces
}

type Block = ContentBlock

const blockEvents = (block: Block, index: number, options: ChunkOptions): ReadonlyArray<StreamEvent> => {
  const start = (content_block: Block): StreamEvent => ({
    type: "content_block_start",
    index,
    content_block
  })
  const delta = (delta: Delta): StreamEvent => ({ type: "content_block_delta", index, delta })
  const stop: StreamEvent = { type: "content_block_stop", index }
  switch (block.type) {
    case "text": {
      const { text, citations, ...rest } = block as TextBlock
      const hasCitations = citations !== undefined && citations !== null
      return [
        start({ ...rest, type: "text", text: "", ...(hasCitations ? { citations: [] } : {}) }),
        ...(hasCitations ? citations.map((citation) => delta({ type: "citations_delta", citation })) : []),
        ...split(text, options.textChunkSize ?? 16).map((piece) => delta({ type: "text_delta", text: piece })),
        stop
      ]
    }
    case "tool_use":
    case "server_tool_use":
    case "mcp_tool_use": {
      const { input, ...rest } = block as ToolUseBlock
      return [
        start({ ...rest, input: {} } as Block),
        ...split(JSON.stringify(input ?? {}), options.jsonChunkSize ?? 32).map((piece) =>
          delta({ type: "input_json_delta", partial_json: piece })
        ),
        stop
      ]
    }
    case "thinking": {
      const { thinking, signature, ...rest } = block as ThinkingBlock
      return [
        start({ ...rest, type: "thinking", thinking: "", signature: "" }),
        ...split(thinking, options.thinkingChunkSize ?? 32).map((piece) =>
          delta({ type: "thinking_delta", thinking: piece })
        ),
        delta({ type: "signature_delta", signature }),
        stop
      ]
    }
    default:
      return [start(block), stop]
  }
}

/** The usage `message_start` announces: the input side in full, output tokens as the first token produced. */
const startUsage = (usage: Usage): Usage => ({
  ...usage,
  output_tokens: Math.min(1, usage.output_tokens)
})

/**
 * The events the API would send to stream `message`, in its order: `message_start` (empty content, `stop_reason:
 * null`, the input usage), per block `content_block_start`, its deltas and `content_block_stop` (with a `ping` after
 * the first start), then `message_delta` (stop reason, stop sequence, cumulative usage) and `message_stop`. Text,
 * tool input JSON and thinking are cut into deltas of the given sizes (`Infinity`: one delta per block); blocks
 * without deltas arrive whole in their start event. The inverse of the `Accumulator`: folding the result gives
 * `message` back. Used by stand-in servers and scripted clients.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromMessage = (message: Message, options: ChunkOptions = {}): ReadonlyArray<StreamEvent> => {
  const { content, stop_reason, stop_sequence, usage: given, ...head } = message
  const out: Array<StreamEvent> = [
    {
      type: "message_start",
      message: {
        ...head,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        ...(given !== undefined ? { usage: startUsage(given) } : {})
      }
    }
  ]
  content.forEach((block, index) => {
    const [first, ...rest] = blockEvents(block, index, options)
    if (first !== undefined) out.push(first)
    if (index === 0) out.push({ type: "ping" })
    out.push(...rest)
  })
  if (content.length === 0) out.push({ type: "ping" })
  const { service_tier: _tier, cache_creation: _creation, ...cumulative } = given ?? { output_tokens: 0 }
  out.push(
    {
      type: "message_delta",
      delta: { stop_reason: stop_reason ?? null, stop_sequence: stop_sequence ?? null },
      usage: cumulative
    },
    { type: "message_stop" }
  )
  return out
}
