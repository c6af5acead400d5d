/**
 * The server-sent events of a streaming `POST /v1/messages`, as schemas whose `type` values are the SSE event
 * names. Unknown event and delta types decode as {@link UnknownEvent} / {@link UnknownDelta} and are kept.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ErrorDetail } from "./ApiError.js"
import { Citation, ContentBlock, type TextBlock, type ThinkingBlock, type ToolUseBlock } from "./Content.js"
import {
  CacheCreation,
  Container,
  ContextManagementResponse,
  FallbackCreditUsage,
  InputTransformation,
  IterationUsage,
  Message,
  OutputTokensDetails,
  ServerToolUsage,
  StopDetails,
  StopReason,
  type Usage
} from "./Message.js"
import { open, optionalNullable, unknownMember } from "./Wire.js"

const messageStartEventFields = {
  type: Schema.Literal("message_start"),
  message: Message
}

/**
 * The schema type of {@link MessageStartEvent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface MessageStartEventSchema extends Schema.Struct<typeof messageStartEventFields> {}

/**
 * First event: the message with empty `content` and the input usage.
 *
 * @since 0.1.0
 */
export const MessageStartEvent: MessageStartEventSchema = open(messageStartEventFields).annotations({
  identifier: "MessageStartEvent"
})
/** @since 0.1.0 */
export type MessageStartEvent = typeof MessageStartEvent.Type

const contentBlockStartEventFields = {
  type: Schema.Literal("content_block_start"),
  index: Schema.Number,
  content_block: ContentBlock
}

/**
 * The schema type of {@link ContentBlockStartEvent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContentBlockStartEventSchema extends Schema.Struct<typeof contentBlockStartEventFields> {}

/**
 * A content block begins at `index`; text starts empty, `tool_use` starts with `input: {}`.
 *
 * @since 0.1.0
 */
export const ContentBlockStartEvent: ContentBlockStartEventSchema = open(contentBlockStartEventFields).annotations({
  identifier: "ContentBlockStartEvent"
})
/** @since 0.1.0 */
export type ContentBlockStartEvent = typeof ContentBlockStartEvent.Type

const textDeltaFields = { type: Schema.Literal("text_delta"), text: Schema.String }

/**
 * The schema type of {@link TextDelta}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface TextDeltaSchema extends Schema.Struct<typeof textDeltaFields> {}

/** @since 0.1.0 */
export const TextDelta: TextDeltaSchema = open(textDeltaFields).annotations({
  identifier: "TextDelta"
})
const inputJsonDeltaFields = {
  type: Schema.Literal("input_json_delta"),
  partial_json: Schema.String
}
/** @since 0.1.0 */
export type TextDelta = typeof TextDelta.Type

/**
 * The schema type of {@link InputJsonDelta}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface InputJsonDeltaSchema extends Schema.Struct<typeof inputJsonDeltaFields> {}

/** @since 0.1.0 */
export const InputJsonDelta: InputJsonDeltaSchema = open(inputJsonDeltaFields).annotations({
  identifier: "InputJsonDelta"
})
const thinkingDeltaFields = {
  type: Schema.Literal("thinking_delta"),
  thinking: Schema.String,
  estimated_tokens: optionalNullable(Schema.Number)
}
/** @since 0.1.0 */
export type InputJsonDelta = typeof InputJsonDelta.Type

/**
 * The schema type of {@link ThinkingDelta}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ThinkingDeltaSchema extends Schema.Struct<typeof thinkingDeltaFields> {}

/** A piece of thinking; beta: with an estimate of the thinking tokens so far. @since 0.1.0 */
export const ThinkingDelta: ThinkingDeltaSchema = open(thinkingDeltaFields).annotations({ identifier: "ThinkingDelta" })
const signatureDeltaFields = { type: Schema.Literal("signature_delta"), signature: Schema.String }
/** @since 0.1.0 */
export type ThinkingDelta = typeof ThinkingDelta.Type

/**
 * The schema type of {@link SignatureDelta}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface SignatureDeltaSchema extends Schema.Struct<typeof signatureDeltaFields> {}

/** @since 0.1.0 */
export const SignatureDelta: SignatureDeltaSchema = open(signatureDeltaFields).annotations({
  identifier: "SignatureDelta"
})
const citationsDeltaFields = { type: Schema.Literal("citations_delta"), citation: Citation }
/** @since 0.1.0 */
export type SignatureDelta = typeof SignatureDelta.Type

/**
 * The schema type of {@link CitationsDelta}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CitationsDeltaSchema extends Schema.Struct<typeof citationsDeltaFields> {}

/** @since 0.1.0 */
export const CitationsDelta: CitationsDeltaSchema = open(citationsDeltaFields).annotations({
  identifier: "CitationsDelta"
})
const compactionDeltaFields = {
  type: Schema.Literal("compaction_delta"),
  content: optionalNullable(Schema.String),
  encrypted_content: optionalNullable(Schema.String)
}
/** @since 0.1.0 */
export type CitationsDelta = typeof CitationsDelta.Type

/**
 * The schema type of {@link CompactionDelta}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CompactionDeltaSchema extends Schema.Struct<typeof compactionDeltaFields> {}

/**
 * Beta: the whole content of a `compaction` block (`null` when compaction failed), sent at once.
 *
 * @since 0.1.0
 */
export const CompactionDelta: CompactionDeltaSchema = open(compactionDeltaFields).annotations({
  identifier: "CompactionDelta"
})
/** @since 0.1.0 */
export type CompactionDelta = typeof CompactionDelta.Type

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
  "citations_delta",
  "compaction_delta"
] as const

/**
 * A delta of a type added after this library was written; kept as it came.
 *
 * @since 0.1.0
 */
export const UnknownDelta = unknownMember(knownDeltaTypes, "delta", "UnknownDelta")
/** @since 0.1.0 */
export type UnknownDelta = typeof UnknownDelta.Type

/**
 * The schema type of {@link Delta}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface DeltaSchema
  extends Schema.Union<
    [
      typeof TextDelta,
      typeof InputJsonDelta,
      typeof ThinkingDelta,
      typeof SignatureDelta,
      typeof CitationsDelta,
      typeof CompactionDelta,
      typeof UnknownDelta
    ]
  > {}

/**
 * Any content block delta.
 *
 * @since 0.1.0
 */
export const Delta: DeltaSchema = Schema.Union(
  TextDelta,
  InputJsonDelta,
  ThinkingDelta,
  SignatureDelta,
  CitationsDelta,
  CompactionDelta,
  UnknownDelta
)
/** @since 0.1.0 */
export type Delta = typeof Delta.Type

const contentBlockDeltaEventFields = {
  type: Schema.Literal("content_block_delta"),
  index: Schema.Number,
  delta: Delta
}

/**
 * The schema type of {@link ContentBlockDeltaEvent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContentBlockDeltaEventSchema extends Schema.Struct<typeof contentBlockDeltaEventFields> {}

/**
 * A piece of the content block at `index`.
 *
 * @since 0.1.0
 */
export const ContentBlockDeltaEvent: ContentBlockDeltaEventSchema = open(contentBlockDeltaEventFields).annotations({
  identifier: "ContentBlockDeltaEvent"
})
/** @since 0.1.0 */
export type ContentBlockDeltaEvent = typeof ContentBlockDeltaEvent.Type

const contentBlockStopEventFields = {
  type: Schema.Literal("content_block_stop"),
  index: Schema.Number
}

/**
 * The schema type of {@link ContentBlockStopEvent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContentBlockStopEventSchema extends Schema.Struct<typeof contentBlockStopEventFields> {}

/**
 * The content block at `index` is complete.
 *
 * @since 0.1.0
 */
export const ContentBlockStopEvent: ContentBlockStopEventSchema = open(contentBlockStopEventFields).annotations({
  identifier: "ContentBlockStopEvent"
})
/** @since 0.1.0 */
export type ContentBlockStopEvent = typeof ContentBlockStopEvent.Type

const deltaUsageFields = {
  output_tokens: Schema.Number,
  input_tokens: optionalNullable(Schema.Number),
  cache_creation_input_tokens: optionalNullable(Schema.Number),
  cache_read_input_tokens: optionalNullable(Schema.Number),
  cache_creation: optionalNullable(CacheCreation),
  server_tool_use: optionalNullable(ServerToolUsage),
  output_tokens_details: optionalNullable(OutputTokensDetails),
  iterations: optionalNullable(Schema.Array(IterationUsage)),
  fallback_credit: optionalNullable(FallbackCreditUsage)
}

/**
 * The schema type of {@link DeltaUsage}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface DeltaUsageSchema extends Schema.Struct<typeof deltaUsageFields> {}

/**
 * Usage in `message_delta`: cumulative counts; fields other than `output_tokens` may be absent or null.
 *
 * @since 0.1.0
 */
export const DeltaUsage: DeltaUsageSchema = open(deltaUsageFields).annotations({ identifier: "DeltaUsage" })
/** @since 0.1.0 */
export type DeltaUsage = typeof DeltaUsage.Type

const messageDeltaEventFields = {
  type: Schema.Literal("message_delta"),
  delta: open({
    stop_reason: optionalNullable(StopReason),
    stop_sequence: optionalNullable(Schema.String),
    stop_details: optionalNullable(StopDetails),
    container: optionalNullable(Container)
  }),
  usage: DeltaUsage,
  context_management: optionalNullable(ContextManagementResponse),
  input_transformations: optionalNullable(Schema.Array(InputTransformation))
}

/**
 * The schema type of {@link MessageDeltaEvent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface MessageDeltaEventSchema extends Schema.Struct<typeof messageDeltaEventFields> {}

/**
 * Top-level changes to the message: stop reason and details, stop sequence, container, cumulative usage (beta:
 * context management and input transformations).
 *
 * @since 0.1.0
 */
export const MessageDeltaEvent: MessageDeltaEventSchema = open(messageDeltaEventFields).annotations({
  identifier: "MessageDeltaEvent"
})
/** @since 0.1.0 */
export type MessageDeltaEvent = typeof MessageDeltaEvent.Type

const messageStopEventFields = { type: Schema.Literal("message_stop") }

/**
 * The schema type of {@link MessageStopEvent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface MessageStopEventSchema extends Schema.Struct<typeof messageStopEventFields> {}

/**
 * Last event of a complete stream.
 *
 * @since 0.1.0
 */
export const MessageStopEvent: MessageStopEventSchema = open(messageStopEventFields).annotations({
  identifier: "MessageStopEvent"
})
/** @since 0.1.0 */
export type MessageStopEvent = typeof MessageStopEvent.Type

const pingEventFields = { type: Schema.Literal("ping") }

/**
 * The schema type of {@link PingEvent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface PingEventSchema extends Schema.Struct<typeof pingEventFields> {}

/**
 * Keep-alive; carries nothing.
 *
 * @since 0.1.0
 */
export const PingEvent: PingEventSchema = open(pingEventFields).annotations({ identifier: "PingEvent" })
/** @since 0.1.0 */
export type PingEvent = typeof PingEvent.Type

const errorEventFields = { type: Schema.Literal("error"), error: ErrorDetail }

/**
 * The schema type of {@link ErrorEvent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ErrorEventSchema extends Schema.Struct<typeof errorEventFields> {}

/**
 * An error after the stream started (e.g. `overloaded_error`); the stream ends with it.
 *
 * @since 0.1.0
 */
export const ErrorEvent: ErrorEventSchema = open(errorEventFields).annotations({
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
 * The schema type of {@link KnownEvent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface KnownEventSchema
  extends Schema.Union<
    [
      typeof MessageStartEvent,
      typeof ContentBlockStartEvent,
      typeof ContentBlockDeltaEvent,
      typeof ContentBlockStopEvent,
      typeof MessageDeltaEvent,
      typeof MessageStopEvent,
      typeof PingEvent,
      typeof ErrorEvent
    ]
  > {}

/**
 * Every known stream event.
 *
 * @since 0.1.0
 */
export const KnownEvent: KnownEventSchema = Schema.Union(
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
 * The schema type of {@link StreamEvent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface StreamEventSchema extends Schema.Union<[typeof KnownEvent, typeof UnknownEvent]> {}

/**
 * Any stream event, including future ones. Narrow with {@link is}.
 *
 * @since 0.1.0
 */
export const StreamEvent: StreamEventSchema = Schema.Union(KnownEvent, UnknownEvent).annotations({
  identifier: "StreamEvent"
})
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
