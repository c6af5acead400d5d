import { assert, describe, it } from "@effect/vitest"
import * as Fault from "../src/Fault.js"
import * as Reply from "../src/Reply.js"

describe("Reply", () => {
  it("builds a text message without model or usage, for the server to fill", () => {
    assert.deepStrictEqual(Reply.text("hi", { id: "msg_x" }), {
      _tag: "Message",
      message: {
        id: "msg_x",
        type: "message",
        role: "assistant",
        content: [{ type: "text", text: "hi" }],
        stop_reason: "end_turn",
        stop_sequence: null
      }
    })
    assert.match(Reply.text("hi").message.id, /^msg_01[0-9A-Za-z]{22}$/)
  })

  it("builds parallel tool calls after an optional text, stopping with tool_use", () => {
    const reply = Reply.toolUse(
      [
        { name: "a", input: { x: 1 }, id: "toolu_a" },
        { name: "b", input: {} }
      ],
      { text: "Calling." }
    )
    assert.strictEqual(reply.message.stop_reason, "tool_use")
    assert.deepStrictEqual(reply.message.content.slice(0, 2), [
      { type: "text", text: "Calling." },
      { type: "tool_use", id: "toolu_a", name: "a", input: { x: 1 } }
    ])
    assert.match((reply.message.content[2] as { id: string }).id, /^toolu_01/)
  })

  it("builds thinking replies and arbitrary blocks", () => {
    const reply = Reply.thinking("hmm", "done", { signature: "sig" })
    assert.deepStrictEqual(reply.message.content, [
      { type: "thinking", thinking: "hmm", signature: "sig" },
      { type: "text", text: "done" }
    ])
    assert.strictEqual(Reply.blocks([], { stopReason: "max_tokens" }).message.stop_reason, "max_tokens")
  })

  it("attaches faults to a message, in order", () => {
    const reply = Reply.withFaults(Reply.withFaults(Reply.text("x"), Fault.shouldRetry(false)), Fault.midStreamError(1))
    assert.deepStrictEqual(reply.faults, [Fault.shouldRetry(false), Fault.midStreamError(1)])
    assert.deepStrictEqual(Reply.fault(Fault.overloaded()), { _tag: "Fault", fault: Fault.overloaded() })
  })
})
