import * as Either from "effect/Either"
import { describe, expect, it, vi } from "vitest"
import * as Conversation from "../src/Conversation.js"
import type * as Message from "../src/Message.js"

const history = (length: number): Conversation.Conversation => {
  const messages: Array<Message.MessageParam> = []
  while (messages.length < length) {
    messages.push({ role: "user", content: "Q" }, { role: "assistant", content: [{ type: "text", text: "A" }] })
  }
  return Either.getOrThrow(Conversation.fromMessages(messages))
}

/** Elements copied by `Array.prototype.slice` while `f` runs. */
const copied = (f: () => void): number => {
  let count = 0
  const slice = Array.prototype.slice
  const spy = vi.spyOn(Array.prototype, "slice").mockImplementation(function (this: Array<unknown>, ...args) {
    const out = slice.apply(this, args as [number?, number?])
    count += out.length
    return out
  })
  try {
    f()
  } finally {
    spy.mockRestore()
  }
  return count
}

describe("Conversation.messages view", () => {
  it("reading messages after an append copies nothing, at 10 and 10,000 messages alike", () => {
    for (const length of [10, 10_000]) {
      const base = history(length)
      const n = copied(() => {
        const next = Either.getOrThrow(Conversation.appendUser(base, "more"))
        const messages = Conversation.messages(next)
        expect(messages.length).toBe(length + 1)
        expect(messages[length]).toEqual({ role: "user", content: "more" })
      })
      expect(n).toBe(0)
    }
  })

  it("a view never changes when the conversation it came from is extended, and refuses writes", () => {
    const base = history(4)
    const before = Conversation.messages(base)
    const next = Either.getOrThrow(Conversation.appendUser(base, "more"))
    expect(Conversation.messages(next).length).toBe(5)
    expect(before.length).toBe(4)
    expect(before[4]).toBeUndefined()
    expect([...before]).toHaveLength(4)
    expect(Array.isArray(before)).toBe(true)
    expect(JSON.parse(JSON.stringify(before))).toEqual([...before])
    expect(() => {
      ;(before as Array<Message.MessageParam>).push({ role: "user", content: "x" })
    }).toThrow(TypeError)
    expect(before.length).toBe(4)
  })
})
