import { assert, describe, it } from "@effect/vitest"
import * as StreamEvent from "@parley/core/StreamEvent"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as StreamDecoder from "../src/StreamDecoder.js"
import * as L from "./utils/Loopback.js"

const schemaDecode = Schema.decodeUnknownEither(StreamEvent.StreamEvent)

/** Values the fast path sees: hot shapes, hot shapes with extra fields, near misses and other events. */
const values: ReadonlyArray<unknown> = [
  L.textDelta("hello"),
  L.textDelta("", 3),
  { ...L.textDelta("x"), extra: { kept: [1, 2] } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "x", future: true } },
  { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"a":' } },
  { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hmm" } },
  { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig" } },
  { type: "content_block_delta", index: 0, delta: { type: "hologram_delta", frames: 3 } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: 5 } },
  { type: "content_block_delta", index: "0", delta: { type: "text_delta", text: "x" } },
  { type: "content_block_delta", index: 0, delta: null },
  { type: "content_block_delta", index: 0, delta: [] },
  { type: "content_block_delta", index: 0 },
  L.blockStop(2),
  { type: "content_block_stop", index: "2" },
  { type: "content_block_stop" },
  L.ping,
  { type: "ping", extra: 1 },
  L.messageStart(),
  L.textStart(),
  L.messageDelta(),
  L.messageStop,
  L.errorEvent("overloaded_error", "Overloaded"),
  { type: "brand_new_event", payload: { a: 1 } },
  { type: 5 },
  null,
  [],
  "text",
  42
]

describe("StreamDecoder", () => {
  it("decodeEvent gives exactly what the StreamEvent schema gives, hot shapes and all others", () => {
    for (const value of values) {
      const fast = StreamDecoder.decodeEvent(value)
      const slow = schemaDecode(value)
      assert.strictEqual(fast._tag, slow._tag, JSON.stringify(value))
      if (Either.isRight(fast) && Either.isRight(slow)) assert.deepStrictEqual(fast.right, slow.right)
    }
  })

  it("decodes bytes split anywhere, multi-byte characters included", () => {
    const events = L.textEvents(["Grüße ", "🦀", " 日本"])
    const bytes = new TextEncoder().encode(L.sseBody(events))
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const decoder = StreamDecoder.make()
      const out: Array<StreamEvent.StreamEvent> = []
      for (let i = 0; i < bytes.length; i += size) {
        assert.isUndefined(decoder.push(bytes.subarray(i, i + size), out))
      }
      assert.isUndefined(decoder.end(out))
      L.same(out, events)
    }
  })

  it("reports data that is not JSON, or not a stream event, and stops", () => {
    const notJson = StreamDecoder.make()
    const out: Array<StreamEvent.StreamEvent> = []
    const problem = notJson.push(
      new TextEncoder().encode(`${L.sse(L.ping)}event: ping\ndata: {oops\n\n${L.sse(L.ping)}`),
      out
    )
    assert.strictEqual(problem, 'the data of SSE event "ping" is not JSON: {oops')
    assert.strictEqual(out.length, 1)
    const notEvent = StreamDecoder.make()
    const invalid = notEvent.push(new TextEncoder().encode('event: x\ndata: {"type":"content_block_stop"}\n\n'), [])
    assert.include(invalid, 'SSE event "x" is not a stream event')
  })
})
