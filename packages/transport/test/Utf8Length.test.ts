import { assert, describe, it } from "@effect/vitest"
import { utf8Length } from "../src/internal/utf8Length.js"

describe("utf8Length", () => {
  it("counts the bytes a string is sent as: 1 to 4 per character, 3 for a lone surrogate (sent as U+FFFD)", () => {
    const cases: ReadonlyArray<readonly [string, number]> = [
      ["", 0],
      ['{"a":"b"}', 9],
      ["Ünïcödé", 11],
      ["日本語", 9],
      ["🙂🚀", 8],
      ["a\ud800b", 5],
      ["\udc00", 3],
      [`${"x".repeat(1000)}€🙂`, 1007]
    ]
    for (const [text, bytes] of cases) {
      assert.strictEqual(utf8Length(text), bytes, JSON.stringify(text))
      assert.strictEqual(new TextEncoder().encode(text).length, bytes, JSON.stringify(text))
    }
  })
})
