/**
 * Turns the bytes of a streaming Messages response into decoded `StreamEvent`s: UTF-8 with a streaming
 * `TextDecoder` (a character split across reads is kept whole), SSE with the linear {@link Sse} parser, and each
 * event's data with `JSON.parse` plus {@link decodeEvent}, which checks the hot event shapes by hand and gives the
 * same value as the core `StreamEvent` schema would, at a fraction of its cost.
 *
 * @since 0.1.0
 */
import * as StreamEvent from "@parley/core/StreamEvent"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Sse from "./Sse.js"

const decodeSlow = Schema.decodeUnknownEither(StreamEvent.StreamEvent)

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
      return true
    default:
      return false
  }
}

/**
 * Decodes one parsed event. `content_block_delta` with a text, JSON, thinking or signature delta, `content_block_stop`
 * and `ping` are checked by hand and returned as they are (unknown fields included, exactly what the schema's
 * `preserve` decoding keeps); everything else goes through the `StreamEvent` schema.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeEvent = (value: unknown): Either.Either<StreamEvent.StreamEvent, ParseResult.ParseError> =>
  isHot(value) ? Either.right(value) : decodeSlow(value)

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
  /** The body ended: flushes a last event without its blank line. */
  readonly end: (out: Array<StreamEvent.StreamEvent>) => string | undefined
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
    end: (out) => {
      if (problem !== undefined) return problem
      target = out
      const rest = text.decode()
      if (rest !== "") parser.feed(rest, onEvent)
      parser.end(onEvent)
      return problem
    }
  }
}
