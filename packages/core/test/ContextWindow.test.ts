import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Content from "../src/Content.js"
import * as ContextWindow from "../src/ContextWindow.js"
import type * as Message from "../src/Message.js"
import type * as Model from "../src/Model.js"
import * as Request from "../src/Request.js"
import * as Tokens from "../src/Tokens.js"
import * as Validation from "../src/Validation.js"

/**
 * A long agent conversation: each turn a user question, an assistant turn with a thinking block and a tool call,
 * the tool's result, and the assistant's answer.
 */
const conversation = (turns: number): Array<Message.MessageParam> => {
  const messages: Array<Message.MessageParam> = []
  for (let i = 0; i < turns; i++) {
    messages.push({ role: "user", content: `Question ${i}: what is ${i} squared? ${"context ".repeat(20)}` })
    messages.push({
      role: "assistant",
      content: [
        { type: "thinking", thinking: `Turn ${i}: I should call the tool.`, signature: `sig${i}` },
        { type: "tool_use", id: `toolu_${i}`, name: "square", input: { n: i } }
      ]
    })
    messages.push({ role: "user", content: [Content.toolResult(`toolu_${i}`, String(i * i))] })
    messages.push({ role: "assistant", content: `${i} squared is ${i * i}.` })
  }
  messages.push({ role: "user", content: "And the last one?" })
  return messages
}

const validates = (messages: ReadonlyArray<Message.RequestMessage>) =>
  Effect.runSync(Effect.either(Validation.validateRequest({ model: "claude-sonnet-4-5", max_tokens: 100, messages })))
    ._tag

describe("ContextWindow", () => {
  it("cut points are the user turns that answer no tool_use", () => {
    assert.deepStrictEqual(ContextWindow.cutPoints(conversation(3)), [0, 4, 8, 12])
  })

  it("dropOldest on 10,000 turns: under the target, starts at a fresh user turn, every pair and thinking block whole", () => {
    const messages = conversation(10_000)
    assert.strictEqual(messages.length, 40_001)
    const total = Tokens.estimateMessages(messages)
    const target = 150_000
    assert.isAbove(total, 2 * target)
    const fitted = ContextWindow.dropOldest(messages, { target })
    assert.isAtMost(fitted.tokens, target)
    assert.strictEqual(fitted.tokens, Tokens.estimateMessages(fitted.messages))
    assert.strictEqual(fitted.dropped + fitted.messages.length, messages.length)
    assert.strictEqual(fitted.dropped % 4, 0)
    // the largest suffix that fits: one more turn would not
    assert.isAbove(Tokens.estimateMessages(messages.slice(fitted.dropped - 4)), target)
    assert.deepStrictEqual(fitted.messages, messages.slice(fitted.dropped))
    assert.strictEqual(validates(fitted.messages), "Right")
    // under the target already: nothing dropped, the same array
    const small = conversation(5)
    assert.strictEqual(ContextWindow.dropOldest(small, { target }).messages, small)
  })

  it("with a note, one long chain of tool calls is cut before an assistant turn, the note standing for the rest", () => {
    const messages: Array<Message.MessageParam> = [{ role: "user", content: "Work through the list." }]
    for (let i = 0; i < 2_000; i++) {
      messages.push({
        role: "assistant",
        content: [{ type: "tool_use", id: `toolu_${i}`, name: "step", input: { i } }]
      })
      messages.push({ role: "user", content: [Content.toolResult(`toolu_${i}`, `done ${i} ${"x".repeat(40)}`)] })
    }
    // no user turn is free of tool results: without a note nothing can go
    assert.strictEqual(ContextWindow.dropOldest(messages, { target: 5_000 }).dropped, 0)
    const fitted = ContextWindow.dropOldest(messages, { target: 5_000, note: "(earlier steps removed)" })
    assert.isAbove(fitted.dropped, 0)
    assert.isAtMost(fitted.tokens, 5_000)
    assert.deepStrictEqual(fitted.messages[0], { role: "user", content: "(earlier steps removed)" })
    assert.strictEqual(fitted.messages[1]?.role, "assistant")
    assert.deepStrictEqual(fitted.messages.slice(1), messages.slice(fitted.dropped))
    assert.strictEqual(validates(fitted.messages), "Right")
  })

  it("takes a request's messages too: a system message without content (beta) is no cut point and is estimated", () => {
    const settings: Message.SystemSettingsParam = { role: "system", output_config: { effort: "low" } }
    const messages: Array<Message.RequestMessage> = conversation(3)
    messages.splice(4, 0, settings) // before the second question
    messages.splice(0, 0, settings)
    assert.deepStrictEqual(ContextWindow.cutPoints(messages), [1, 6, 10, 14])
    const target = Tokens.estimateMessages(messages.slice(6))
    const fitted = ContextWindow.dropOldest(messages, { target })
    assert.deepStrictEqual(fitted, { messages: messages.slice(6), dropped: 6, tokens: target })
    assert.strictEqual(validates(fitted.messages), "Right")
  })

  it("keeps the current turn even when it alone is over the target", () => {
    const messages = conversation(2)
    const fitted = ContextWindow.dropOldest(messages, { target: 1 })
    assert.deepStrictEqual(fitted.messages, messages.slice(-1))
  })

  it.effect("summarizeOldest sends the dropped turns to the model and puts its summary in front of the kept ones", () =>
    Effect.gen(function* () {
      const sent: Array<Model.ModelRequest> = []
      const model: Model.Service = {
        create: (request) => {
          sent.push(request)
          return Effect.succeed({
            id: "msg_s",
            type: "message",
            role: "assistant",
            content: [{ type: "text", text: "The user asked for squares of 0 to 9." }],
            stop_reason: "end_turn"
          })
        },
        stream: () => Stream.empty
      }
      const messages = conversation(20)
      const target = Tokens.estimateMessages(messages.slice(40))
      const fitted = yield* ContextWindow.summarizeOldest(model, messages, { target, model: "claude-haiku-4-5" })
      assert.strictEqual(fitted.dropped, 40)
      assert.strictEqual(sent.length, 1)
      assert.strictEqual(sent[0]?.model, "claude-haiku-4-5")
      const prompt = sent[0]?.messages[0]?.content as string
      assert.include(prompt, "Question 0: what is 0 squared?")
      assert.include(prompt, "Question 9: what is 9 squared?")
      assert.notInclude(prompt, "Question 10:")
      const first = fitted.messages[0]!
      assert.strictEqual(first.role, "user")
      assert.deepStrictEqual((first.content as ReadonlyArray<Content.ContentBlock>)[0], {
        type: "text",
        text: "Summary of the earlier conversation: The user asked for squares of 0 to 9."
      })
      assert.strictEqual(fitted.messages.length, messages.length - 40)
      assert.strictEqual(validates(fitted.messages), "Right")
    })
  )

  it.effect("budgets and measures: the docs' 180,000 of 200,000, the registry's windows, count_tokens", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(ContextWindow.defaultBudget, { window: 200_000, warnAt: 180_000 })
      assert.deepStrictEqual(ContextWindow.budgetOf("no-such-model"), ContextWindow.defaultBudget)
      const request: Request.MessagesRequest = {
        model: "claude-sonnet-4-5",
        max_tokens: 100,
        messages: conversation(1000)
      }
      const estimated = ContextWindow.estimate(request, { window: 100_000, warnAt: 50_000 })
      assert.strictEqual(estimated.tokens, Tokens.estimateRequest(request))
      assert.isTrue(estimated.warn)
      assert.strictEqual(estimated.over, estimated.tokens > 100_000)
      const counted = yield* ContextWindow.count((counting) => {
        assert.isFalse("max_tokens" in counting)
        return Effect.succeed(190_000)
      }, request)
      assert.deepStrictEqual(counted, { tokens: 190_000, warn: true, over: false })
    })
  )

  it("serverSide asks the API to clear old tool uses, a request the schema accepts", () => {
    const base: Request.MessagesRequest = { model: "claude-sonnet-4-5", max_tokens: 100, messages: conversation(1) }
    const request = ContextWindow.serverSide(base, { trigger: 100_000, keep: 2 })
    assert.deepStrictEqual(request.context_management, {
      edits: [
        {
          type: "clear_tool_uses_20250919",
          trigger: { type: "input_tokens", value: 100_000 },
          keep: { type: "tool_uses", value: 2 }
        }
      ]
    })
    assert.isTrue(Schema.is(Request.MessagesRequest)(request))
  })
})
