import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as StreamEvent from "../src/StreamEvent.js"
import { assertKeepsNewFields, assertRoundTrip } from "./utils/properties.js"

const roundTrip = (wire: unknown) =>
  Schema.encodeSync(StreamEvent.StreamEvent)(Schema.decodeUnknownSync(StreamEvent.StreamEvent)(wire))

describe("StreamEvent", () => {
  it("decode(encode(x)) == x for every event (property)", () => {
    assertRoundTrip(StreamEvent.StreamEvent, 300)
    for (const member of StreamEvent.KnownEvent.members) assertRoundTrip(member, 50)
    for (const member of StreamEvent.Delta.members) assertRoundTrip(member, 50)
  })

  it("a new field on any event survives decode -> encode (property)", () => {
    assertKeepsNewFields(StreamEvent.StreamEvent)
  })

  it("keeps an unknown event type and its fields", () => {
    const wire = { type: "message_annotation", index: 2, annotation: { kind: "new" } }
    const decoded = Schema.decodeUnknownSync(StreamEvent.StreamEvent)(wire)
    assert.isFalse(StreamEvent.is("content_block_delta")(decoded))
    assert.deepStrictEqual(roundTrip(wire), wire)
  })

  it("keeps an unknown delta type inside a content_block_delta", () => {
    const wire = { type: "content_block_delta", index: 0, delta: { type: "audio_delta", samples: "AAAA" } }
    const decoded = Schema.decodeUnknownSync(StreamEvent.StreamEvent)(wire)
    assert.isTrue(StreamEvent.is("content_block_delta")(decoded))
    assert.deepStrictEqual(roundTrip(wire), wire)
  })

  it("keeps an unknown stop reason and error type in events", () => {
    const delta = {
      type: "message_delta",
      delta: { stop_reason: "brand_new_reason", stop_sequence: null },
      usage: { output_tokens: 3 }
    }
    const error = { type: "error", error: { type: "quota_exhausted_error", message: "later" } }
    assert.deepStrictEqual(roundTrip(delta), delta)
    assert.deepStrictEqual(roundTrip(error), error)
  })

  it("rejects a known event with an invalid body", () => {
    const result = Schema.decodeUnknownEither(StreamEvent.StreamEvent)({ type: "content_block_stop", index: "0" })
    assert.strictEqual(result._tag, "Left")
  })
})
