import { assert, describe, it } from "@effect/vitest"
import * as StreamEvent from "@parley/core/StreamEvent"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as StreamDecoder from "../src/internal/streamDecoder.js"
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
  { type: "message_stop", extra: { kept: true } },
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
      decoder.end()
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

  it("the data of hot deltas in any form decodes exactly as JSON.parse reads it, or fails the same way", () => {
    /** Decodes one event's data through the decoder: the events, or the problem. */
    const decode = (data: string) => {
      const decoder = StreamDecoder.make()
      const out: Array<StreamEvent.StreamEvent> = []
      const problem = decoder.push(new TextEncoder().encode(`event: content_block_delta\ndata: ${data}\n\n`), out)
      return problem === undefined ? { out } : { problem }
    }
    /** What the general way gives: JSON.parse, then the schema. */
    const general = (data: string) => {
      let value: unknown
      try {
        value = JSON.parse(data)
      } catch {
        return "not JSON"
      }
      const decoded = schemaDecode(value)
      return Either.isRight(decoded) ? decoded.right : "not an event"
    }
    const check = (data: string) => {
      const got = decode(data)
      const want = general(data)
      if (typeof want === "string") {
        assert.include(got.problem, want === "not JSON" ? "is not JSON" : "is not a stream event", data)
      } else {
        assert.deepStrictEqual(got.out, [want], data)
        // hot deltas come out as JSON.parse reads them: the same keys in the same order
        assert.strictEqual(JSON.stringify(got.out?.[0]), JSON.stringify(JSON.parse(data)), data)
      }
    }
    const hot = (index: string, kind: "text_delta" | "input_json_delta", literal: string) =>
      `{"type":"content_block_delta","index":${index},"delta":{"type":"${kind}","${kind === "text_delta" ? "text" : "partial_json"}":${literal}}}`
    const near = [
      hot("0", "text_delta", '"plain"'),
      hot("12", "input_json_delta", JSON.stringify('{"a": "b\\n"}')),
      hot("0", "text_delta", '"tab\there \u00fc \ud83e\udd80 " \\ /"'),
      hot("0", "text_delta", '"bad escape \\x"'.replace("\\\\x", "\\x")),
      hot("0", "text_delta", '"raw\u0001control"'.replace("\\u0001", "\u0001")),
      hot("0", "text_delta", '"unterminated'),
      hot("0", "text_delta", '"a","extra":"b"'),
      hot("0", "text_delta", '"a" '),
      hot("0", "text_delta", "5"),
      hot("0", "text_delta", "null"),
      hot("01", "text_delta", '"leading zero"'),
      hot("", "text_delta", '"no index"'),
      hot("-1", "text_delta", '"negative"'),
      hot("1.5", "text_delta", '"fraction"'),
      hot("12345678901", "text_delta", '"long index"'),
      hot("0", "text_delta", '"x"').replace("}}", '},"extra":1}'),
      hot("0", "text_delta", '"x"').replace(":0,", ": 0,"),
      hot("0", "text_delta", '"x"').slice(0, -1),
      `${hot("0", "text_delta", '"x"')} `
    ]
    for (const data of near) check(data)
    FastCheck.assert(
      FastCheck.property(
        FastCheck.nat({ max: 2_000_000_000 }),
        FastCheck.constantFrom("text_delta" as const, "input_json_delta" as const),
        FastCheck.string({ unit: "binary" }),
        (index, kind, text) => check(hot(String(index), kind, JSON.stringify(text)))
      ),
      { numRuns: 500 }
    )
  })
})
