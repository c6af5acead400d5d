/**
 * A server-sent events parser that is linear in its input: each network read is scanned once, whole, in one
 * synchronous pass, and every event it completes is handed over at once. A line split across reads is kept as a
 * list of pieces and joined once when it ends, so even 1-byte reads stay linear. Handles `\n`, `\r\n` and `\r`
 * line endings (also a `\r\n` split across reads), several `data:` lines per event, comments and unknown fields.
 *
 * The ecosystem's `@effect/experimental` Sse parser rescans its buffer from the start after every line, which is
 * quadratic in the size of a read; this one is not.
 *
 * @example
 * ```ts
 * import { Sse } from "@parley/transport"
 *
 * const parser = Sse.make()
 * parser.feed("event: ping\ndata: {\"type\":\"ping\"}\n\n", (event, data) => console.log(event, data))
 * ```
 *
 * @since 0.1.0
 */

/**
 * Receives one complete event: its name (`"message"` when the event had no `event:` field) and its data lines
 * joined with `\n`.
 *
 * @since 0.1.0
 * @category models
 */
export type OnEvent = (event: string, data: string) => void

/**
 * A parser for one stream of text.
 *
 * @since 0.1.0
 * @category models
 */
export interface Parser {
  /** Parses the next piece of text; calls `onEvent` for every event it completes, in order. */
  readonly feed: (text: string, onEvent: OnEvent) => void
  /**
   * The text ended: a last line without a line ending still counts, and a last event without its blank line is
   * delivered too (lenient with servers that end abruptly after a complete event).
   */
  readonly end: (onEvent: OnEvent) => void
}

const LF = 10
const COLON = 58
const SPACE = 32

/**
 * A fresh parser.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Parser => {
  const pending: Array<string> = []
  let skipLf = false
  let eventName = ""
  let lastName = ""
  let data: string | undefined

  const dispatch = (onEvent: OnEvent) => {
    if (data !== undefined) onEvent(eventName === "" ? "message" : eventName, data)
    eventName = ""
    data = undefined
  }

  const value = (text: string, start: number, end: number): string =>
    start < end && text.charCodeAt(start) === SPACE ? text.slice(start + 1, end) : text.slice(start, end)

  const line = (text: string, start: number, end: number, onEvent: OnEvent) => {
    if (start === end) return dispatch(onEvent)
    const first = text.charCodeAt(start)
    if (first === COLON) return
    if (first === 100 && text.startsWith("data:", start)) {
      const next = value(text, start + 5, end)
      data = data === undefined ? next : `${data}\n${next}`
      return
    }
    if (first === 101 && text.startsWith("event:", start)) {
      // Event names repeat (content_block_delta, ...): reuse the last one instead of slicing a new string.
      let from = start + 6
      if (from < end && text.charCodeAt(from) === SPACE) from++
      if (lastName.length !== end - from || !text.startsWith(lastName, from)) lastName = text.slice(from, end)
      eventName = lastName
      return
    }
    let colon = start
    while (colon < end && text.charCodeAt(colon) !== COLON) colon++
    const field = text.slice(start, colon)
    const rest = colon < end ? value(text, colon + 1, end) : ""
    if (field === "data") data = data === undefined ? rest : `${data}\n${rest}`
    else if (field === "event") eventName = rest
  }

  const feed = (text: string, onEvent: OnEvent) => {
    const length = text.length
    let pos = 0
    if (skipLf && length > 0) {
      skipLf = false
      if (text.charCodeAt(0) === LF) pos = 1
    }
    let lf = -2
    let cr = -2
    while (pos < length) {
      if (lf !== -1 && lf < pos) lf = text.indexOf("\n", pos)
      if (cr !== -1 && cr < pos) cr = text.indexOf("\r", pos)
      if (lf === -1 && cr === -1) {
        pending.push(pos === 0 ? text : text.slice(pos))
        return
      }
      let end: number
      let next: number
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf
        next = lf + 1
      } else {
        end = cr
        if (cr + 1 < length) {
          next = text.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1
        } else {
          next = length
          skipLf = true
        }
      }
      if (pending.length > 0) {
        pending.push(text.slice(pos, end))
        const joined = pending.join("")
        pending.length = 0
        line(joined, 0, joined.length, onEvent)
      } else {
        line(text, pos, end, onEvent)
      }
      pos = next
    }
  }

  const end = (onEvent: OnEvent) => {
    if (pending.length > 0) {
      const joined = pending.join("")
      pending.length = 0
      line(joined, 0, joined.length, onEvent)
    }
    dispatch(onEvent)
  }

  return { feed, end }
}
