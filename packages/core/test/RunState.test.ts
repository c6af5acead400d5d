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

describe("RunState: a stored state never makes the decoder throw, and no key of it becomes a prototype", () => {
  const stored = (): Record<string, unknown> => JSON.parse(Schema.encodeSync(RunState.Json)(waiting))
  const deepType = (depth: number): unknown => JSON.parse(`{"type":${"[".repeat(depth)}${"]".repeat(depth)}}`)
  const decode = (json: unknown) => Schema.decodeUnknownEither(RunState.RunState)(json)
  const refused = (json: unknown, why: string) => {
    const result = decode(json)
    if (Either.isRight(result)) return assert.fail("decoded")
    assert.strictEqual(
      result.left.message,
      `@parley/core/RunState\n└─ Encoded side transformation failure\n   └─ SafeJson\n      └─ Transformation process failure\n         └─ ${why}`
    )
  }
  const tooDeep = "the JSON is nested deeper than 256 levels"
  const protoKey = `an object has a "__proto__" key, which decoding would make its prototype`

  it("JSON nested 5,000 and 100,000 deep in the last message, a pending result or the guard: a typed failure", () => {
    for (const depth of [5_000, 100_000]) {
      const message = { id: "m", type: "message", role: "assistant", content: [deepType(depth)] }
      refused({ ...stored(), message }, tooDeep)
      const pending = {
        ...(stored().pending as object),
        results: [{ type: "tool_result", tool_use_id: "toolu_1", content: [deepType(depth)] }]
      }
      refused({ ...stored(), pending }, tooDeep)
      refused({ ...stored(), guard: deepType(depth) }, tooDeep)
    }
  })

  it("an own __proto__ key in the decisions or a block is refused; in a free-form input it is kept as an own key", () => {
    const pending = stored().pending as Record<string, unknown>
    refused({ ...stored(), pending: { ...pending, decisions: JSON.parse('{"__proto__":{"_tag":"Allow"}}') } }, protoKey)
    refused(
      {
        ...stored(),
        message: JSON.parse('{"id":"m","type":"message","role":"assistant","content":[],"usage":{"__proto__":{}}}')
      },
      protoKey
    )
    const input = JSON.parse('{"__proto__":{"isAdmin":true}}')
    const state = {
      ...stored(),
      guard: { last: { name: "add", input }, count: 1 },
      pending: {
        ...pending,
        calls: [{ type: "tool_use", id: "toolu_1", name: "add", input }],
        decisions: { toolu_1: { _tag: "Allow", input } }
      }
    }
    const decoded = Either.getOrThrow(decode(state))
    const decision = decoded.pending?.decisions.toolu_1
    for (const kept of [
      decoded.guard.last?.input,
      decoded.pending?.calls[0]?.input,
      decision?._tag === "Allow" ? decision.input : undefined
    ]) {
      assert.deepStrictEqual(Object.keys(kept as object), ["__proto__"])
      assert.strictEqual(Object.getPrototypeOf(kept), Object.prototype)
    }
    assert.strictEqual(Object.getPrototypeOf(decoded.pending?.decisions), Object.prototype)
  })

  it("a valid stored state decodes as the schema alone decodes it", () => {
    const back = Either.getOrThrow(decode(stored()))
    assert.deepStrictEqual({ ...back, conversation: undefined }, { ...waiting, conversation: undefined })
  })
})
