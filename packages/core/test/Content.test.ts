import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as Content from "../src/Content.js"
import * as Message from "../src/Message.js"

const roundTrip = <A, I>(schema: Schema.Schema<A, I>, wire: unknown) =>
  Schema.encodeSync(schema)(Schema.decodeUnknownSync(schema)(wire))

describe("Content", () => {
  it("keeps an unknown block type and its fields through decode -> encode", () => {
    const wire = { type: "hologram", frames: [1, 2, 3], meta: { depth: 7 } }
    const decoded = Schema.decodeUnknownSync(Content.ContentBlock)(wire)
    assert.isTrue(Content.isUnknown(decoded))
    assert.deepStrictEqual(Schema.encodeSync(Content.ContentBlock)(decoded), wire)
  })

  it("keeps unknown fields of a known block", () => {
    const wire = { type: "text", text: "hi", future_field: { a: [1] } }
    assert.deepStrictEqual(roundTrip(Content.ContentBlock, wire), wire)
  })

  it("rejects a known block type with an invalid body instead of treating it as unknown", () => {
    const result = Schema.decodeUnknownEither(Content.ContentBlock)({ type: "text", text: 42 })
    assert.isTrue(result._tag === "Left")
  })

  it("narrows with is()", () => {
    const blocks: ReadonlyArray<Content.ContentBlock> = [Content.text("a"), { type: "x" } as Content.ContentBlock]
    const texts = blocks.filter(Content.is("text")).map((b) => b.text)
    assert.deepStrictEqual(texts, ["a"])
  })

  it("accepts a message with a new stop reason", () => {
    const wire = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "Hello!" }],
      model: "claude-x",
      stop_reason: "brand_new_reason",
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 6 }
    }
    assert.deepStrictEqual(roundTrip(Message.Message, wire), wire)
  })
})
