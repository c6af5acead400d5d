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
 * parser.feed("event: ping\ndata: {\"type\":\"ping\"}\n\n", (data) => console.log(parser.event(), data))
 * ```
 *
 * @since 0.1.0
 */

/**
 * Receives the data of one complete event (its `data:` lines joined with `\n`); the event's name is
 * {@link Parser.event} during the call.
 *
 * @since 0.1.0
 * @category models
 */
export type OnEvent = (data: string) => void

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
   * The text ended: an event without its closing blank line is discarded, as the SSE rules say ("if the file ends
   * in the middle of an event, before the final empty line, the incomplete event is not dispatched").
   */
  readonly end: () => void
  /**
   * The name of the event being delivered (`"message"` when it had no `event:` field). Computed on demand: most
   * consumers read the type from the data, so names are not sliced out of the text unless asked for.
   */
  readonly event: () => string
}

/**
 * A copy of `s` that keeps no larger string alive: `slice` of a long string makes a view of it in V8, and
 * concatenating first forces a fresh string (a short one is copied by `slice` anyway).
 */
const detach = (s: string): string => (s.length < 16 ? s : ` ${s}`.slice(1))

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
  let data: string | undefined
  // The current event's name, as a range of `nameText`, sliced only when asked for.
  let nameText = ""
  let nameFrom = 0
  let nameTo = 0

  const dispatch = (onEvent: OnEvent) => {
    if (data !== undefined) {
      const event = data
      data = undefined
      onEvent(event)
    }
    nameTo = nameFrom
  }

  const value = (text: string, start: number, end: number): string =>
    start < end && text.charCodeAt(start) === SPACE ? text.slice(start + 1, end) : text.slice(start, end)

  const setName = (text: string, start: number, end: number) => {
    nameText = text
    nameFrom = start < end && text.charCodeAt(start) === SPACE ? start + 1 : start
    nameTo = end
  }

  const line = (text: string, start: number, end: number, onEvent: OnEvent) => {
    if (start === end) return dispatch(onEvent)
    const first = text.charCodeAt(start)
    if (first === COLON) return
    if (first === 100 && text.startsWith("data:", start)) {
      const next = value(text, start + 5, end)
      data = data === undefined ? next : `${data}\n${next}`
      return
    }
    if (first === 101 && text.startsWith("event:", start)) return setName(text, start + 6, end)
    let colon = start
    while (colon < end && text.charCodeAt(colon) !== COLON) colon++
    const field = text.slice(start, colon)
    if (field === "data") {
      const next = colon < end ? value(text, colon + 1, end) : ""
      data = data === undefined ? next : `${data}\n${next}`
    } else if (field === "event") {
      setName(text, colon < end ? colon + 1 : end, end)
    }
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
        pending.push(pos === 0 ? text : detach(text.slice(pos)))
        break
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
      } else if (end === pos) {
        dispatch(onEvent)
      } else if (
        // `data:` (the hot line), checked char by char: a shorter line ends in a line break, which never matches
        text.charCodeAt(pos) === 100 &&
        text.charCodeAt(pos + 4) === COLON &&
        text.charCodeAt(pos + 1) === 97 &&
        text.charCodeAt(pos + 2) === 116 &&
        text.charCodeAt(pos + 3) === 97
      ) {
        const from = pos + 5 < end && text.charCodeAt(pos + 5) === SPACE ? pos + 6 : pos + 5
        const piece = text.slice(from, end)
        data = data === undefined ? piece : `${data}\n${piece}`
      } else if (
        // `event:`, the other line of every event
        text.charCodeAt(pos) === 101 &&
        text.charCodeAt(pos + 5) === COLON &&
        text.startsWith("event", pos)
      ) {
        setName(text, pos + 6, end)
      } else {
        line(text, pos, end, onEvent)
      }
      pos = next
    }
    // Nothing kept past this read may point into it: a slice keeps the whole read alive until the stream's next read,
    // which on a slow stream can be seconds away (measured on 256 concurrent streams in one process: peak RSS
    // 220–223 MB before, 216–220 MB after).
    if (data !== undefined) data = detach(data)
    if (nameText === text) {
      if (nameTo > nameFrom) {
        nameText = detach(text.slice(nameFrom, nameTo))
        nameTo -= nameFrom
        nameFrom = 0
      } else {
        nameText = ""
        nameFrom = 0
        nameTo = 0
      }
    }
  }

  const end = () => {
    pending.length = 0
    data = undefined
    nameTo = nameFrom
  }

  const event = () => (nameTo > nameFrom ? nameText.slice(nameFrom, nameTo) : "message")

  return { feed, end, event }
}
