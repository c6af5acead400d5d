import { assert, describe, it } from "@effect/vitest"
import * as Conversation from "@parley/core/Conversation"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as Approval from "@parley/loop/Approval"
import * as Hooks from "@parley/loop/Hooks"
import * as StopReason from "@parley/loop/StopReason"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Replies from "./utils/replies.js"

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const toolkit = Toolkit.make(add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })

const reply = Replies.reply
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

  it.effect(
    "beforeModelCall changes the tools and the system prompt of one call; the next call is built as before",
    () => {
      const model = ScriptedModel.fromMessages([addCall("toolu_1", 1, 2), addCall("toolu_2", 3, 4), done])
      const lookup = {
        name: "lookup",
        description: "Looks a word up",
        input_schema: { type: "object" as const, properties: { word: { type: "string" } } }
      }
      return Effect.gen(function* () {
        const seen: Array<[number, unknown, unknown]> = []
        const result = yield* AgentLoop.run({
          model: "m",
          system: "You add.",
          prompt: "add things",
          toolkit,
          beforeModelCall: ({ turn, request }) =>
            Effect.sync(() => {
              seen.push([turn, request.system, request.tools?.map((tool) => ("name" in tool ? tool.name : ""))])
              return turn === 2 ? { request: { ...request, system: "Be brief.", tools: [lookup] } } : undefined
            })
        })
        assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
        // The hook sees the request the loop built every time (its change held for one call only).
        assert.deepStrictEqual(seen, [
          [1, "You add.", ["add"]],
          [2, "You add.", ["add"]],
          [3, "You add.", ["add"]]
        ])
        const sent = model.requests()
        assert.deepStrictEqual(
          sent.map((request) => [request.system, request.tools?.map((tool) => ("name" in tool ? tool.name : ""))]),
          [
            ["You add.", ["add"]],
            ["Be brief.", ["lookup"]],
            ["You add.", ["add"]]
          ]
        )
        assert.strictEqual(result.conversation.system, "You add.")
        // The messages of a changed request are the conversation's: the change is of the call, not of the history.
        assert.strictEqual(sent[1]!.messages.length, 3)
      }).pipe(Effect.provide(ScriptedModel.layer(model)))
    }
  )
})

describe("Approval", () => {
  it.effect("allowEdited runs the call with the edited input; the conversation keeps the model's tool_use", () => {
    const model = ScriptedModel.fromMessages([
      reply(
        [
          { type: "tool_use", id: "toolu_edit", name: "add", input: { a: 1, b: 2 } },
          { type: "tool_use", id: "toolu_bad", name: "add", input: { a: 5, b: 5 } }
        ],
        "tool_use"
      ),
      done
    ])
    const ran: Array<string> = []
    const counting = Toolkit.make(add).handle({
      add: ({ a, b }) =>
        Effect.sync(() => {
          ran.push(`${a}+${b}`)
          return a + b
        })
    })
    return Effect.gen(function* () {
      const events = yield* AgentLoop.stream({
        model: "m",
        prompt: "add",
        toolkit: counting,
        approve: (call) =>
          Effect.succeed(
            call.id === "toolu_edit" ? Approval.allowEdited({ a: 40, b: 2 }) : Approval.allowEdited({ a: "five" })
          )
      }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      const finished = events.at(-1)
      assert.strictEqual(finished?._tag, "Finished")
      if (finished?._tag !== "Finished") return
      const result = finished.result
      assert.deepStrictEqual(ran, ["40+2"])
      assert.deepStrictEqual(
        result.tools.map((report) => [report.call.id, report.outcome]),
        [
          ["toolu_edit", "ok"],
          ["toolu_bad", "invalid-input"]
        ]
      )
      // The events and the result report the call as the model made it.
      assert.deepStrictEqual(
        events.flatMap((event) => (event._tag === "ToolResult" ? [event.call.input] : [])),
        [
          { a: 1, b: 2 },
          { a: 5, b: 5 }
        ]
      )
      const turns = Conversation.messages(result.conversation)
      assert.deepStrictEqual(turns[1]!.content, [
        { type: "tool_use", id: "toolu_edit", name: "add", input: { a: 1, b: 2 } },
        { type: "tool_use", id: "toolu_bad", name: "add", input: { a: 5, b: 5 } }
      ])
      const results = turns[2]!.content as ReadonlyArray<{
        type: string
        tool_use_id: string
        content: string
        is_error?: boolean
      }>
      assert.deepStrictEqual(results[0], { type: "tool_result", tool_use_id: "toolu_edit", content: "42" })
      assert.strictEqual(results[1]!.is_error, true)
      assert.match(results[1]!.content, /^Error: invalid input for tool "add"/)
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.effect("an approval hook that dies denies the call (logged with its cause), and the run goes on", () => {
    const model = ScriptedModel.fromMessages([addCall("toolu_1", 1, 2), done])
    const logs: Array<[string, unknown, Record<string, unknown>, string]> = []
    const logger = Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ logLevel, message, cause, annotations }) => {
        const text = Array.isArray(message) ? message[0] : message
        logs.push([logLevel.label, text, Object.fromEntries(HashMap.toEntries(annotations)), Cause.pretty(cause)])
      })
    )
    return Effect.gen(function* () {
      const result = yield* AgentLoop.run({
        model: "m",
        prompt: "add",
        toolkit,
        approve: () => Effect.die(new Error("the approval service is down"))
      })
      assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
      assert.deepStrictEqual(
        result.tools.map((report) => report.outcome),
        ["denied"]
      )
      assert.deepStrictEqual(model.requests()[1]!.messages[2]!.content, [
        { type: "tool_result", tool_use_id: "toolu_1", content: "Denied: the approval hook failed", is_error: true }
      ])
      assert.deepStrictEqual(
        logs.map(([level, message, annotations]) => [level, message, annotations]),
        [["WARN", 'the approval hook failed for tool "add"; the call is denied', { tool: "add", toolUseId: "toolu_1" }]]
      )
      assert.include(logs[0]![3], "the approval service is down")
    }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.provide(logger))
  })
})
