import { assert, describe, it } from "@effect/vitest"
import * as Conversation from "@parley/core/Conversation"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as Hooks from "@parley/loop/Hooks"
import * as StopReason from "@parley/loop/StopReason"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { reply } from "./utils/replies.js"

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const toolkit = Toolkit.make(add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })

const addCall = (id: string, a: number, b: number) =>
  reply([{ type: "tool_use", id, name: "add", input: { a, b } }], "tool_use")
const done = reply([{ type: "text", text: "Done." }], "end_turn")

describe("Hooks", () => {
  it.effect("beforeModelCall changes model and tool_choice of one call, and compacts the history from then on", () => {
    const model = ScriptedModel.fromMessages([addCall("toolu_1", 1, 2), addCall("toolu_2", 3, 4), done])
    const summary = Either.getOrThrow(
      Conversation.appendUser(Conversation.make({ consecutiveUsers: "merge" }), "Summary: 1 + 2 = 3. Go on.")
    )
    return Effect.gen(function* () {
      const result = yield* AgentLoop.run({
        model: "small",
        prompt: "add things",
        toolkit,
        beforeModelCall: ({ turn, request }) =>
          Effect.succeed(
            turn === 2
              ? { conversation: summary }
              : turn === 3
                ? { request: { ...request, model: "big", tool_choice: { type: "none" } } }
                : undefined
          )
      })
      assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
      const sent = model.requests()
      assert.deepStrictEqual(
        sent.map((request) => request.model),
        ["small", "small", "big"]
      )
      assert.deepStrictEqual(sent[2]!.tool_choice, { type: "none" })
      assert.strictEqual(sent[0]!.tool_choice, undefined)
      assert.deepStrictEqual(sent[1]!.messages, [{ role: "user", content: "Summary: 1 + 2 = 3. Go on." }])
      assert.deepStrictEqual(
        Conversation.messages(result.conversation).map((message) => message.role),
        ["user", "assistant", "user", "assistant"]
      )
      assert.strictEqual(sent[2]!.messages.length, 3)
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.effect("afterTurn stops the run with the user's reason after the turn's tool results", () => {
    const model = ScriptedModel.fromMessages([addCall("toolu_1", 1, 2), addCall("toolu_2", 3, 4), done])
    return Effect.gen(function* () {
      const seen: Array<number> = []
      const result = yield* AgentLoop.run({
        model: "m",
        prompt: "add",
        toolkit,
        afterTurn: ({ turn, usage }) =>
          Effect.sync(() => {
            seen.push(usage.total)
            return turn === 2 ? Hooks.stop("two turns are enough") : Hooks.proceed
          })
      })
      assert.deepStrictEqual(result.stopReason, StopReason.UserStop({ reason: "two turns are enough" }))
      assert.deepStrictEqual(seen, [15, 30])
      assert.strictEqual(result.turns, 2)
      assert.strictEqual(result.toolCalls, 2)
      assert.strictEqual(model.requests().length, 2)
      assert.deepStrictEqual(Conversation.lastTurn(result.conversation)?.content, [
        { type: "tool_result", tool_use_id: "toolu_2", content: "7" }
      ])
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.effect("stopWhen ends the run when it holds", () => {
    const model = ScriptedModel.fromMessages([addCall("toolu_1", 1, 2), addCall("toolu_2", 40, 2), done])
    return Effect.gen(function* () {
      const result = yield* AgentLoop.run({
        model: "m",
        prompt: "add",
        toolkit,
        stopWhen: ({ message }) =>
          message.content.some(
            (block) => block.type === "tool_use" && (block as { readonly input: { readonly a: number } }).input.a === 40
          )
      })
      assert.deepStrictEqual(result.stopReason, StopReason.UserStop({ reason: "the stop predicate held" }))
      assert.strictEqual(result.turns, 2)
      assert.strictEqual(model.requests().length, 2)
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })
})
