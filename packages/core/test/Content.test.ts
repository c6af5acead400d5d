import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as Content from "../src/Content.js"
import { assertKeepsNewFields, assertRoundTrip } from "./utils/properties.js"

const roundTrip = <A, I>(schema: Schema.Schema<A, I>, wire: unknown): I =>
  Schema.encodeSync(schema)(Schema.decodeUnknownSync(schema)(wire))

describe("Content", () => {
  it("keeps an unknown block type and its fields through decode -> encode", () => {
    const wire = { type: "hologram", frames: [1, 2, 3], meta: { depth: 7 } }
    const decoded = Schema.decodeUnknownSync(Content.ContentBlock)(wire)
    assert.isTrue(Content.isUnknown(decoded))
    assert.deepStrictEqual(Schema.encodeSync(Content.ContentBlock)(decoded), wire)
  })

  it("keeps unknown fields of a known block, nested ones included", () => {
    const wire = {
      type: "tool_result",
      tool_use_id: "toolu_1",
      content: [{ type: "text", text: "hi", future_field: { a: [1] } }],
      also_new: true
    }
    assert.deepStrictEqual(roundTrip(Content.ContentBlock, wire), wire)
  })

  it("keeps an unknown citation kind inside a text block", () => {
    const wire = { type: "text", text: "x", citations: [{ type: "video_location", cited_text: "x", start_ms: 5 }] }
    assert.deepStrictEqual(roundTrip(Content.ContentBlock, wire), wire)
  })

  it("rejects a known block type with an invalid body instead of treating it as unknown", () => {
    const result = Schema.decodeUnknownEither(Content.ContentBlock)({ type: "text", text: 42 })
    assert.strictEqual(result._tag, "Left")
  })

  it("narrows with is()", () => {
    const blocks: ReadonlyArray<Content.ContentBlock> = [Content.text("a"), { type: "x" }]
    assert.deepStrictEqual(
      blocks.filter(Content.is("text")).map((block) => block.text),
      ["a"]
    )
  })

  it("decode(encode(x)) == x for every content block (property)", () => {
    assertRoundTrip(Content.ContentBlock, 300)
    for (const member of Content.KnownBlock.members) assertRoundTrip(member, 50)
  })

  it("a new field on any block survives decode -> encode (property)", () => {
    assertKeepsNewFields(Content.ContentBlock)
  })
})
