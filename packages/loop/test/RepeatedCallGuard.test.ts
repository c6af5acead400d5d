import { assert, describe, it } from "@effect/vitest"
import * as RepeatedCallGuard from "@parley/loop/RepeatedCallGuard"

const counts = (calls: ReadonlyArray<RepeatedCallGuard.Call>) => {
  let guard = RepeatedCallGuard.empty
  return calls.map((call) => {
    guard = RepeatedCallGuard.observe(guard, call)
    return guard.count
  })
}

describe("RepeatedCallGuard", () => {
  it("counts identical calls in a row, whatever the key order, and restarts on a different one", () => {
    assert.deepStrictEqual(
      counts([
        { name: "add", input: { a: 1, b: [1, { c: 2, d: 3 }] } },
        { name: "add", input: { b: [1, { d: 3, c: 2 }], a: 1 } },
        { name: "add", input: { a: 1, b: [1, { c: 2, d: 3 }], e: undefined } },
        { name: "sub", input: { a: 1, b: [1, { c: 2, d: 3 }] } },
        { name: "sub", input: { a: 1, b: [1, { c: 2, d: 4 }] } },
        { name: "sub", input: { a: 1, b: [1, { c: 2, d: 4 }] } }
      ]),
      [1, 2, 3, 1, 1, 2]
    )
  })

  it("tells apart values JSON tells apart", () => {
    const same = RepeatedCallGuard.sameInput
    assert.isFalse(same({ a: 1 }, { a: 1, b: 2 }))
    assert.isFalse(same({ a: 1, b: 2 }, { a: 1 }))
    assert.isFalse(same([1, 2], [2, 1]))
    assert.isFalse(same([1], { 0: 1 }))
    assert.isFalse(same({ a: null }, { a: {} }))
    assert.isFalse(same("1", 1))
    assert.isTrue(same({}, {}))
    assert.isTrue(same(null, null))
  })
})
