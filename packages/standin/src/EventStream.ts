/**
 * The streaming wire format of `POST /v1/messages`: how a complete assistant message becomes the API's sequence of
 * server-sent events, and how each event is framed on the wire.
 *
 * The sequence is the API's: `message_start` (the message with empty content, `stop_reason: null` and the input
 * usage), then per block `content_block_start`, its deltas and `content_block_stop` — with a `ping` after the first
 * `content_block_start` — then `message_delta` (stop reason, stop sequence, cumulative usage) and `message_stop`.
 * Text is cut into `text_delta`s, tool input JSON into `input_json_delta`s, thinking into `thinking_delta`s plus
 * one `signature_delta`; blocks without deltas (redacted thinking, server tool results, unknown blocks) arrive whole
 * in their `content_block_start`.
 *
 * @example
 * ```ts
 * import { EventStream, Reply } from "@parley/standin"
 *
 * const reply = Reply.text("Hello, world")
 * const wire = EventStream.events(reply.message, { textChunkSize: 5 }).map(EventStream.frame).join("")
 * ```
 *
 * @since 0.1.0
 */
import type * as Content from "@parley/core/Content"
import type * as Message from "@parley/core/Message"
import type * as StreamEvent from "@parley/core/StreamEvent"

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

type Block = Content.ContentBlock

const blockEvents = (block: Block, index: number, options: ChunkOptions): ReadonlyArray<StreamEvent.StreamEvent> => {
  const start = (content_block: Block): StreamEvent.StreamEvent => ({
    type: "content_block_start",
    index,
    content_block
  })
  const delta = (delta: StreamEvent.Delta): StreamEvent.StreamEvent => ({ type: "content_block_delta", index, delta })
  const stop: StreamEvent.StreamEvent = { type: "content_block_stop", index }
  switch (block.type) {
    case "text": {
      const { text, citations, ...rest } = block as Content.TextBlock
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
      const { input, ...rest } = block as Content.ToolUseBlock
      return [
        start({ ...rest, input: {} } as Block),
        ...split(JSON.stringify(input ?? {}), options.jsonChunkSize ?? 32).map((piece) =>
          delta({ type: "input_json_delta", partial_json: piece })
        ),
        stop
      ]
    }
    case "thinking": {
      const { thinking, signature, ...rest } = block as Content.ThinkingBlock
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
const startUsage = (usage: Message.Usage): Message.Usage => ({
  ...usage,
  output_tokens: Math.min(1, usage.output_tokens)
})

/**
 * The events that stream `message`, in the API's order. The message should be complete (with `usage`); a missing
 * usage is sent as zeros.
 *
 * @since 0.1.0
 * @category constructors
 */
export const events = (
  message: Message.Message,
  options: ChunkOptions = {}
): ReadonlyArray<StreamEvent.StreamEvent> => {
  const { content, stop_reason, stop_sequence, usage: given, ...head } = message
  const usage = given ?? { input_tokens: 0, output_tokens: 0 }
  const out: Array<StreamEvent.StreamEvent> = [
    {
      type: "message_start",
      message: { ...head, content: [], stop_reason: null, stop_sequence: null, usage: startUsage(usage) }
    }
  ]
  content.forEach((block, index) => {
    const [first, ...rest] = blockEvents(block, index, options)
    if (first !== undefined) out.push(first)
    if (index === 0) out.push({ type: "ping" })
    out.push(...rest)
  })
  if (content.length === 0) out.push({ type: "ping" })
  const { service_tier: _tier, cache_creation: _creation, ...cumulative } = usage
  out.push(
    {
      type: "message_delta",
      delta: { stop_reason: stop_reason ?? "end_turn", stop_sequence: stop_sequence ?? null },
      usage: cumulative
    },
    { type: "message_stop" }
  )
  return out
}

/**
 * One event as it travels on the wire: `event: <type>\ndata: <json>\n\n`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const frame = (event: StreamEvent.StreamEvent): string =>
  `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
