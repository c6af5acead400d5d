import { assert, describe, it } from "@effect/vitest"
import * as Conversation from "@parley/core/Conversation"
import * as RunState from "@parley/core/RunState"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

const conversation = Either.getOrThrow(
  Conversation.appendAssistant(Either.getOrThrow(Conversation.appendUser(Conversation.make(), "add 1 and 2")), {
    content: [{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }]
  })
)

const waiting: RunState.RunState = {
  runId: "run_1",
  conversation,
  turns: 1,
  toolCalls: 0,
  usage: { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, total: 15 },
  elapsedMillis: 1234,
  guard: { last: { name: "add", input: { a: 1, b: 2 } }, count: 1 },
  text: "",
  pending: {
    turn: 1,
    calls: [{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }],
    results: [],
    awaiting: ["toolu_1"],
    decisions: {}
  }
}

describe("RunState", () => {
  it("encodes to a JSON string and decodes to an equal state", () => {
    const json = Schema.encodeSync(RunState.Json)(waiting)
    assert.deepStrictEqual(JSON.parse(json), {
      runId: "run_1",
      conversation: {
        messages: [
          { role: "user", content: "add 1 and 2" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }] }
        ],
        consecutiveUsers: "merge"
      },
      turns: 1,
      toolCalls: 0,
      usage: { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, total: 15 },
      elapsedMillis: 1234,
      guard: { last: { name: "add", input: { a: 1, b: 2 } }, count: 1 },
      text: "",
      pending: {
        turn: 1,
        calls: [{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }],
        results: [],
        awaiting: ["toolu_1"],
        decisions: {}
      }
    })
    const back = Schema.decodeUnknownSync(RunState.Json)(json)
    assert.deepStrictEqual(Conversation.messages(back.conversation), Conversation.messages(conversation))
    assert.deepStrictEqual({ ...back, conversation: undefined }, { ...waiting, conversation: undefined })
  })

  it("decoding checks the conversation's rules again", () => {
    const json = JSON.parse(Schema.encodeSync(RunState.Json)(waiting))
    json.conversation.messages.push({ role: "assistant", content: "a second assistant turn with no user between" })
    json.conversation.messages.push({ role: "user", content: "" })
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(RunState.Json)(JSON.stringify(json))))
  })

  it("decide records a decision for a waiting call only; isAwaitingApproval follows", () => {
    assert.isTrue(RunState.isAwaitingApproval(waiting))
    assert.strictEqual(RunState.decide(waiting, "toolu_other", { _tag: "Deny", reason: "no" }), waiting)
    const decided = RunState.decide(waiting, "toolu_1", { _tag: "Allow", input: { a: 2, b: 2 } })
    assert.deepStrictEqual(decided.pending?.decisions, { toolu_1: { _tag: "Allow", input: { a: 2, b: 2 } } })
    assert.isFalse(RunState.isAwaitingApproval(decided))
    assert.isFalse(RunState.isAwaitingApproval({ ...waiting, pending: undefined }))
  })
})
