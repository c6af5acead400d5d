import type * as ApiError from "@parley/core/ApiError"
import type * as StreamEvent from "@parley/core/StreamEvent"
import * as StreamDecoder from "./streamDecoder.js"

/**
 * The reading of one event-stream body, as an explicit state machine over its bytes: the client feeds it each
 * network read ({@link push}), the end of the body ({@link end}) or a broken connection ({@link broken}), and gets
 * back the events to hand on and, after them, the failure that ends the stream, if any. It does no I/O and reads no
 * clock, so it is tested on byte chunks alone.
 *
 * States: `open` (reading), `stopped` (`message_stop` seen: the rest of the body is only drained), `failed` (an
 * `error` event, a malformed event, a truncated body) and `ended` (the body ended after `message_stop`).
 */
export type Status = "open" | "stopped" | "failed" | "ended"

/** Why a stream failed, before the client gives it its typed error. */
export type Failure =
  | { readonly _tag: "ErrorEvent"; readonly error: ApiError.ErrorDetail }
  | { readonly _tag: "Malformed"; readonly problem: string }
  | { readonly _tag: "Truncated"; readonly what: string }

/** What one input gave: the events to hand on, in order, and the failure that follows them. */
export interface Output {
  readonly events: Array<StreamEvent.StreamEvent>
  readonly failure: Failure | undefined
}

/** Token counts seen in the stream so far (`message_start`'s input, `message_delta`'s output). */
export interface Usage {
  inputTokens: number | undefined
  outputTokens: number | undefined
}

/** The state of one body's reading. */
export interface Reader {
  readonly decoder: StreamDecoder.Decoder
  status: Status
  /** Whether the events handed on so far include one with content (anything but `message_start` and `ping`). */
  content: boolean
  readonly usage: Usage
  /** Set when `usage` changed in the last input. */
  usageChanged: boolean
  /** The `message_start` event's message (id, model, input usage), once seen. */
  start: StreamEvent.MessageStartEvent["message"] | undefined
  /** The last `message_delta` event (stop reason, output usage), once seen. */
  delta: StreamEvent.MessageDeltaEvent | undefined
}

/** A reader at the start of a body. */
export const make = (): Reader => ({
  decoder: StreamDecoder.make(),
  status: "open",
  content: false,
  usage: { inputTokens: undefined, outputTokens: undefined },
  usageChanged: false,
  start: undefined,
  delta: undefined
})

const noEvents: Array<StreamEvent.StreamEvent> = []

/** Input tokens as the rate limiter counts them: uncached input plus cache writes. */
const inputTokensOf = (
  usage:
    | {
        readonly input_tokens?: number | null | undefined
        readonly cache_creation_input_tokens?: number | null | undefined
      }
    | undefined
) =>
  usage === undefined || typeof usage.input_tokens !== "number"
    ? undefined
    : usage.input_tokens + (usage.cache_creation_input_tokens ?? 0)

/**
 * Keeps the events up to `message_stop` (included) or an `error` event (excluded, it becomes the failure), notes
 * usage and content.
 */
const accept = (reader: Reader, events: Array<StreamEvent.StreamEvent>): Output => {
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!
    const type = event.type
    if (type === "content_block_delta" || type === "content_block_stop") {
      reader.content = true
      continue
    }
    if (type === "ping") continue
    if (type === "message_stop") {
      reader.status = "stopped"
      reader.content = true
      events.length = i + 1
      return { events, failure: undefined }
    }
    if (type === "error") {
      reader.status = "failed"
      events.length = i
      return { events, failure: { _tag: "ErrorEvent", error: (event as StreamEvent.ErrorEvent).error } }
    }
    if (type === "message_start") {
      reader.start = (event as StreamEvent.MessageStartEvent).message
      const tokens = inputTokensOf(reader.start.usage)
      if (tokens !== undefined) {
        reader.usage.inputTokens = tokens
        reader.usageChanged = true
      }
      continue
    }
    reader.content = true
    if (type === "message_delta") {
      reader.delta = event as StreamEvent.MessageDeltaEvent
      reader.usage.outputTokens = reader.delta.usage.output_tokens
      reader.usageChanged = true
    }
  }
  return { events, failure: undefined }
}

/** One network read. After `stopped`, the bytes are drained and ignored. */
export const push = (reader: Reader, bytes: Uint8Array): Output => {
  reader.usageChanged = false
  if (reader.status !== "open") return { events: noEvents, failure: undefined }
  const events: Array<StreamEvent.StreamEvent> = []
  const problem = reader.decoder.push(bytes, events)
  if (problem !== undefined) {
    // the events before the malformed one are good; the stream fails after them
    const output = accept(reader, events)
    if (output.failure !== undefined || (reader.status as Status) === "stopped") return output
    reader.status = "failed"
    return { events: output.events, failure: { _tag: "Malformed", problem } }
  }
  return accept(reader, events)
}

/** The body ended: cleanly after `message_stop`, else the stream was truncated (an unfinished event is discarded). */
export const end = (reader: Reader): Output => {
  reader.usageChanged = false
  if (reader.status === "stopped") {
    reader.status = "ended"
    return { events: noEvents, failure: undefined }
  }
  if (reader.status !== "open") return { events: noEvents, failure: undefined }
  reader.decoder.end()
  reader.status = "failed"
  return { events: noEvents, failure: { _tag: "Truncated", what: "The event stream ended" } }
}

/** The connection broke while the body was read (`code`: the system error code, if any). */
export const broken = (reader: Reader, code: string | undefined): Output => {
  reader.usageChanged = false
  if (reader.status === "stopped") {
    reader.status = "ended"
    return { events: noEvents, failure: undefined }
  }
  if (reader.status !== "open") return { events: noEvents, failure: undefined }
  reader.status = "failed"
  return {
    events: noEvents,
    failure: { _tag: "Truncated", what: `The connection broke (${code ?? "transport error"})` }
  }
}

/** Whether an event carries no content, so a failure after it can still be retried. */
export const isPreamble = (event: StreamEvent.StreamEvent): boolean =>
  event.type === "message_start" || event.type === "ping"

/**
 * What the stream said about its message so far: id, model, stop reason and usage (`message_delta`'s usage fields
 * over `message_start`'s, as the API merges them).
 */
export const summary = (reader: Reader) => ({
  id: reader.start?.id,
  model: reader.start?.model,
  stopReason: reader.delta?.delta.stop_reason ?? undefined,
  usage:
    reader.start === undefined && reader.delta === undefined
      ? undefined
      : { ...reader.start?.usage, ...reader.delta?.usage }
})
