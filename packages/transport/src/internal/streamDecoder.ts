/**
 * Turns the bytes of a streaming Messages response into decoded `StreamEvent`s: UTF-8 with a streaming
 * `TextDecoder` (a character split across reads is kept whole), SSE with the linear {@link Sse} parser, and each
 * event's data: text and tool-input deltas in the API's exact form by parsing only their string literal, any other
 * event with `JSON.parse` plus {@link decodeEvent}, which checks the hot event shapes by hand and gives the same
 * value as the core `StreamEvent` schema would, at a fraction of its cost.
 *
 * @since 0.1.0
 */
import * as StreamEvent from "@parley/core/StreamEvent"
import * as Wire from "@parley/core/Wire"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Sse from "./sse.js"

const decodeSlow = Wire.decodeUnknownEither(StreamEvent.StreamEvent)

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const isHotDelta = (delta: unknown): boolean => {
  if (!isObject(delta)) return false
  switch (delta.type) {
    case "text_delta":
      return typeof delta.text === "string"
    case "input_json_delta":
      return typeof delta.partial_json === "string"
    case "thinking_delta":
      return typeof delta.thinking === "string"
    case "signature_delta":
      return typeof delta.signature === "string"
    default:
      return false
  }
}

/** Whether a parsed event has one of the hot shapes, which the schema would return unchanged. */
const isHot = (value: unknown): value is StreamEvent.StreamEvent => {
  if (!isObject(value)) return false
  switch (value.type) {
    case "content_block_delta":
      return typeof value.index === "number" && isHotDelta(value.delta)
    case "content_block_stop":
      return typeof value.index === "number"
    case "ping":
    case "message_stop":
      return true
    default:
      return false
  }
}

/**
 * Decodes one parsed event. `content_block_delta` with a text, JSON, thinking or signature delta,
 * `content_block_stop`, `message_stop` and `ping` are checked by hand and returned as they are (unknown fields
 * included, exactly what the schema's `preserve` decoding keeps); everything else goes through the `StreamEvent`
 * schema.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeEvent = (value: unknown): Either.Either<StreamEvent.StreamEvent, ParseResult.ParseError> =>
  isHot(value) ? Either.right(value) : decodeSlow(value)

const deltaPrefix = '{"type":"content_block_delta","index":'
const textMiddle = ',"delta":{"type":"text_delta","text":'
const inputMiddle = ',"delta":{"type":"input_json_delta","partial_json":'

/**
 * The two events of which a long stream is made, `text_delta` and `input_json_delta`, read without `JSON.parse` of the
 * whole event when they are in the exact form the API sends (`{"type":"content_block_delta","index":0,"delta":
 * {"type":"text_delta","text":"..."}}`, no spaces, these keys in this order): only the string literal is parsed
 * (so escapes, and the rejection of invalid ones, are `JSON.parse`'s own) and the event is built as a literal object,
 * with the keys in the order `JSON.parse` gives. Anything else (other key order, spaces, extra fields, another
 * delta) returns `undefined` and goes the general way.
 */
const parseHotDelta = (data: string): StreamEvent.StreamEvent | undefined => {
  if (!data.startsWith(deltaPrefix)) return undefined
  let at = deltaPrefix.length
  const first = at
  let index = 0
  let c = data.charCodeAt(at)
  while (c >= 48 && c <= 57) {
    index = index * 10 + (c - 48)
    c = data.charCodeAt(++at)
  }
  const digits = at - first
  if (digits === 0 || digits > 9 || (digits > 1 && data.charCodeAt(first) === 48)) return undefined
  const isText = data.startsWith(textMiddle, at)
  if (!isText && !data.startsWith(inputMiddle, at)) return undefined
  at += isText ? textMiddle.length : inputMiddle.length
  const end = data.length - 2
  if (data.charCodeAt(at) !== 34 || data.charCodeAt(end) !== 125 || data.charCodeAt(end + 1) !== 125) return undefined
  let value: unknown
  try {
    value = JSON.parse(data.slice(at, end))
  } catch {
    return undefined
  }
  if (typeof value !== "string") return undefined
  return isText
    ? { type: "content_block_delta", index, delta: { type: "text_delta", text: value } }
    : { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: value } }
}

/**
 * A decoder for one response body.
 *
 * @since 0.1.0
 * @category models
 */
export interface Decoder {
  /**
   * Decodes one network read, appending every event it completes to `out`. Returns a description of the first
   * malformed event (data that is not JSON, or not a stream event), after which the body is unusable.
   */
  readonly push: (bytes: Uint8Array, out: Array<StreamEvent.StreamEvent>) => string | undefined
  /** The body ended: an unfinished last event (no closing blank line) is discarded. */
  readonly end: () => void
}

const sample = (data: string) => (data.length > 120 ? `${data.slice(0, 120)}...` : data)

/**
 * A fresh decoder.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Decoder => {
  const text = new TextDecoder("utf-8")
  const parser = Sse.make()
  let problem: string | undefined
  let target: Array<StreamEvent.StreamEvent> = []

  const onEvent: Sse.OnEvent = (data) => {
    if (problem !== undefined) return
    const hot = parseHotDelta(data)
    if (hot !== undefined) {
      target.push(hot)
      return
    }
    let value: unknown
    try {
      value = JSON.parse(data)
    } catch {
      problem = `the data of SSE event "${parser.event()}" is not JSON: ${sample(data)}`
      return
    }
    if (isHot(value)) {
      target.push(value)
      return
    }
    const decoded = decodeSlow(value)
    if (decoded._tag === "Left") {
      problem = `SSE event "${parser.event()}" is not a stream event: ${decoded.left.message}`
      return
    }
    target.push(decoded.right)
  }

  return {
    push: (bytes, out) => {
      if (problem !== undefined) return problem
      target = out
      parser.feed(text.decode(bytes, { stream: true }), onEvent)
      return problem
    },
    end: () => {
      text.decode()
      parser.end()
    }
  }
}
