import { assert, describe, it } from "@effect/vitest"
import type * as Request from "@parley/core/Request"
import * as Effect from "effect/Effect"
import * as Fault from "../src/Fault.js"
import * as Planner from "../src/Planner.js"
import * as Reply from "../src/Reply.js"
import * as Responder from "../src/Responder.js"

const request = (content: string): Request.MessagesRequest => ({
  model: "m",
  max_tokens: 10,
  messages: [
    { role: "user", content: "first" },
    { role: "assistant", content: "ok" },
    { role: "user", content }
  ]
})

describe("Responder", () => {
  it.effect("script replies in order, applying function entries to the request", () =>
    Effect.gen(function* () {
      const first = Reply.text("one")
      const responder = Responder.script([first, (req) => Reply.text(`got ${req.messages.length} messages`)])
      assert.strictEqual(yield* responder(request("a"), { callIndex: 0 }), first)
      const second = yield* responder(request("b"), { callIndex: 1 })
      assert.deepStrictEqual(second._tag === "Message" ? second.message.content : [], [
        { type: "text", text: "got 3 messages" }
      ])
      assert.deepStrictEqual(
        yield* responder(request("c"), { callIndex: 2 }),
        Reply.fault(
          Fault.status(500, { type: "api_error", message: "The stand-in script has no reply for call 3 (it has 2)." })
        )
      )
    })
  )

  it.effect("echo answers with the last user turn", () =>
    Effect.gen(function* () {
      const reply = yield* Responder.echo(request("say this back"), { callIndex: 0 })
      assert.deepStrictEqual(reply._tag === "Message" ? reply.message.content : [], [
        { type: "text", text: "say this back" }
      ])
    })
  )

  it.effect("planner is the rule-based planner", () =>
    Effect.gen(function* () {
      const reply = yield* Responder.planner()(request("hello"), { callIndex: 0 })
      const planned = Planner.plan(request("hello"))
      assert.strictEqual(reply._tag, "Message")
      assert.strictEqual(planned._tag, "Message")
      if (reply._tag === "Message" && planned._tag === "Message") {
        assert.deepStrictEqual(reply.message.content, planned.message.content)
        assert.notStrictEqual(reply.message.id, planned.message.id)
      }
    })
  )
})
