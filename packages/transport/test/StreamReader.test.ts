import { assert, describe, it } from "@effect/vitest"
import type * as StreamEvent from "@parley/core/StreamEvent"
import * as StreamReader from "../src/internal/streamReader.js"
import * as L from "./utils/Loopback.js"

const encoder = new TextEncoder()

/** Feeds `bytes` in pieces of `size`, then ends the body: every event handed on, the failure, the final status. */
const read = (bytes: Uint8Array, size: number, end: "end" | "broken" = "end") => {
  const reader = StreamReader.make()
  const events: Array<StreamEvent.StreamEvent> = []
  let failure: StreamReader.Failure | undefined
  let contentAt: number | undefined
  for (let at = 0; at < bytes.length && failure === undefined; at += size) {
    const output = StreamReader.push(reader, bytes.subarray(at, at + size))
    events.push(...output.events)
    failure = output.failure
    if (contentAt === undefined && reader.content) contentAt = events.length
  }
  if (failure === undefined) {
    const output = end === "end" ? StreamReader.end(reader) : StreamReader.broken(reader, "ECONNRESET")
    events.push(...output.events)
    failure = output.failure
  }
  return { events, failure, status: reader.status, usage: { ...reader.usage }, contentAt }
}

/** A long reply: multi-byte and astral text, escapes, a ping, 2,000 deltas (about 190 KB). */
const pieces = Array.from({ length: 2000 }, (_, i) => `Grüße ${i} 𝄞 "q" \\ ✓ `)
const events = [
  L.messageStart({ input_tokens: 40, output_tokens: 1 }),
  L.ping,
  L.textStart(),
  ...pieces.map((piece) => L.textDelta(piece)),
  L.blockStop(),
  L.messageDelta(2001),
  L.messageStop
]
const body = encoder.encode(L.sseBody(events))

describe("StreamReader", () => {
  it("hands on every event exactly, whether the body arrives in 1-byte reads or 64 KiB reads", () => {
    assert.isAbove(body.length, 64 * 1024 * 2)
    const whole = read(body, 64 * 1024)
    const bytes = read(body, 1)
    for (const result of [whole, bytes]) {
      assert.deepStrictEqual(result.events, events)
      assert.strictEqual(result.failure, undefined)
      assert.strictEqual(result.status, "ended")
      assert.deepStrictEqual(result.usage, { inputTokens: 40, outputTokens: 2001 })
    }
    // content starts with content_block_start, the third event: message_start and ping are the preamble
    assert.strictEqual(bytes.contentAt, 3)
  })

  it("an error event ends the stream: the events before it, then its error", () => {
    const failed = encoder.encode(
      L.sseBody([L.messageStart(), L.textStart(), L.textDelta("a"), L.errorEvent("overloaded_error", "Overloaded")]) +
        L.sse(L.textDelta("never"))
    )
    for (const size of [1, 7, 64 * 1024]) {
      const result = read(failed, size)
      assert.deepStrictEqual(
        result.events.map((event) => event.type),
        ["message_start", "content_block_start", "content_block_delta"]
      )
      assert.deepStrictEqual(result.failure, {
        _tag: "ErrorEvent",
        error: { type: "overloaded_error", message: "Overloaded" }
      })
      assert.strictEqual(result.status, "failed")
    }
  })

  it("a body that ends inside an unfinished event discards it and is truncated, not malformed", () => {
    const complete = L.sseBody([L.messageStart(), L.textStart(), L.textDelta("a")])
    const cuts = [
      `${complete}event: content_block_delta\ndata: {"type":"content_block_de`,
      `${complete}event: message_stop\ndata: {"type":"message_stop"}`,
      `${complete}event: message_stop\ndata: {"type":"message_stop"}\n`
    ]
    for (const cut of cuts) {
      for (const size of [1, 64 * 1024]) {
        const result = read(encoder.encode(cut), size)
        assert.strictEqual(result.events.length, 3)
        assert.deepStrictEqual(result.failure, { _tag: "Truncated", what: "The event stream ended" })
        assert.strictEqual(result.status, "failed")
      }
    }
  })

  it("a broken connection is truncated, except after message_stop", () => {
    const cut = encoder.encode(L.sseBody([L.messageStart(), L.textStart()]))
    assert.deepStrictEqual(read(cut, 64 * 1024, "broken").failure, {
      _tag: "Truncated",
      what: "The connection broke (ECONNRESET)"
    })
    const finished = read(body, 64 * 1024, "broken")
    assert.strictEqual(finished.failure, undefined)
    assert.strictEqual(finished.status, "ended")
  })

  it("data that is not JSON fails as malformed after the good events before it", () => {
    const bad = encoder.encode(`${L.sseBody([L.messageStart(), L.textStart()])}event: x\ndata: {nope\n\n`)
    for (const size of [1, 64 * 1024]) {
      const result = read(bad, size)
      assert.strictEqual(result.events.length, 2)
      assert.strictEqual(result.failure?._tag, "Malformed")
      assert.strictEqual(
        result.failure?._tag === "Malformed" && result.failure.problem,
        'the data of SSE event "x" is not JSON: {nope'
      )
    }
  })

  it("bytes after message_stop are drained and ignored", () => {
    const extra = encoder.encode(`${L.sseBody(events)}${L.sse(L.textDelta("after"))}garbage without end`)
    const result = read(extra, 64 * 1024)
    assert.deepStrictEqual(result.events, events)
    assert.strictEqual(result.failure, undefined)
    assert.strictEqual(result.status, "ended")
  })
})
