import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Accumulator from "../src/Accumulator.js"
import type * as Content from "../src/Content.js"
import type * as Message from "../src/Message.js"
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

describe("StreamEvent.fromMessage", () => {
  const message: Message.Message = {
    id: "msg_replay",
    type: "message",
    role: "assistant",
    model: "claude-x",
    content: [
      { type: "thinking", thinking: "Let me add 👋 these.", signature: "sig==" },
      { type: "text", text: "Adding: 2 + 40 👋 done" },
      { type: "tool_use", id: "toolu_1", name: "add", input: { a: 2, b: 40, nested: { list: [1, "x"] } } },
      { type: "hologram", frames: [1, 2] } as Content.ContentBlock
    ],
    stop_reason: "tool_use",
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 34 }
  }

  for (const size of [1, 3, 16, Infinity]) {
    it(`folds back into the same message with deltas of ${size} characters`, () => {
      const events = StreamEvent.fromMessage(message, {
        textChunkSize: size,
        jsonChunkSize: size,
        thinkingChunkSize: size
      })
      const accumulator = Accumulator.make()
      for (const event of events) assert.isUndefined(accumulator.add(event))
      assert.deepStrictEqual(Either.getOrThrow(accumulator.finish()), message)
      assert.strictEqual(events[0]?.type, "message_start")
      assert.strictEqual(events.at(-1)?.type, "message_stop")
      assert.strictEqual(events.filter((event) => event.type === "ping").length, 1)
    })
  }
})
