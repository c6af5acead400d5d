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
import * as StreamEvent from "@parley/core/StreamEvent"

/**
 * How finely the content is cut into deltas (core's `StreamEvent.ChunkOptions`).
 *
 * @since 0.1.0
 * @category models
 */
export type ChunkOptions = StreamEvent.ChunkOptions

/**
 * The events that stream a complete message, in the API's order (core's `StreamEvent.fromMessage`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const events = StreamEvent.fromMessage

/**
 * One event as it travels on the wire: `event: <type>\ndata: <json>\n\n`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const frame = (event: StreamEvent.StreamEvent): string =>
  `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
