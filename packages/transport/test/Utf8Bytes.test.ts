import { assert, describe, it } from "@effect/vitest"
import { utf8Bytes } from "../src/internal/utf8Bytes.js"

describe("utf8Bytes", () => {
  it("encodes as TextEncoder does: 1 to 4 bytes per character, a lone surrogate as U+FFFD (3 bytes)", () => {
    const cases: ReadonlyArray<readonly [string, number]> = [
      ["", 0],
      ['{"a":"b"}', 9],
      ["Ünïcödé", 11],
      ["日本語", 9],
      ["🙂🚀", 8],
      ["a\ud800b", 5],
      ["\udc00", 3],
      [`${"x".repeat(1000)}€🙂`, 1007],
      [`${"ü".repeat(5000)}🙂`, 10_004]
    ]
    for (const [text, length] of cases) {
      const bytes = utf8Bytes(text)
      const expected = new TextEncoder().encode(text)
      assert.strictEqual(bytes.length, length, JSON.stringify(text).slice(0, 40))
      assert.deepStrictEqual(Array.from(bytes), Array.from(expected), JSON.stringify(text).slice(0, 40))
    }
  })
})
