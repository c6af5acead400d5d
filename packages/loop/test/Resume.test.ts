import { assert, describe, it } from "@effect/vitest"
import * as Conversation from "@parley/core/Conversation"
import * as RunState from "@parley/core/RunState"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as Approval from "@parley/loop/Approval"
import * as Hooks from "@parley/loop/Hooks"
import type * as LoopEvent from "@parley/loop/LoopEvent"
import type { LoopOptions } from "@parley/loop/LoopOptions"
import type * as Step from "@parley/loop/Step"
import * as StopReason from "@parley/loop/StopReason"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { reply } from "./utils/replies.js"

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const toolkit = Toolkit.make(add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })

const call = (id: string, a: number, b: number) => ({ type: "tool_use" as const, id, name: "add", input: { a, b } })
/** Turn 1 asks for two calls (the approval hook defers `toolu_ask`), turn 2 for one more, turn 3 ends. */
const script = () =>
  ScriptedModel.fromMessages([
    reply([call("toolu_ok", 1, 1), call("toolu_ask", 2, 2)], "tool_use"),
    reply([call("toolu_2", 3, 3)], "tool_use"),
    reply([{ type: "text", text: "Done." }], "end_turn")
  ])

/** Through JSON, as a store keeps it between the two halves of the run. */
const roundTrip = (state: RunState.RunState): RunState.RunState =>
  Schema.decodeUnknownSync(RunState.Json)(JSON.parse(JSON.stringify(Schema.encodeSync(RunState.Json)(state))))

/** The hooks' calls, by turn: `afterTurn` and `stopWhen` are each called once per turn the run goes on from. */
const recorder = () => {
  const afterTurn: Array<number> = []
  const stopWhen: Array<number> = []
  const options: LoopOptions = {
    model: "m",
    toolkit,
    approve: (c) => Effect.succeed(c.id === "toolu_ask" ? Approval.defer : Approval.allow),
    afterTurn: ({ turn }) =>
      Effect.sync(() => {
        afterTurn.push(turn)
        return Hooks.proceed
      }),
    stopWhen: ({ turn }) => {
      stopWhen.push(turn)
      return false
    }
  }
  return { afterTurn, stopWhen, options }
}

/** An event as a short line: its tag, turn and call id. */
const line = (event: LoopEvent.LoopEvent): string => {
  const parts: Array<string> = [event._tag]
  if ("turn" in event) parts.push(String(event.turn))
  if ("call" in event) parts.push(event.call.id)
  if (event._tag === "ToolResult") parts.push(event.outcome)
  if (event._tag === "ToolResumed") parts.push(event.decision._tag)
  if (event._tag === "Finished") parts.push(event.result.stopReason._tag)
  return parts.join(" ")
}

describe("a run continued after a deferred approval", () => {
  it.effect("afterTurn and stopWhen see every turn exactly once, the resumed one included (run)", () => {
    const model = script()
    const { afterTurn, stopWhen, options } = recorder()
    return Effect.gen(function* () {
      const waiting = yield* AgentLoop.run({ ...options, prompt: "add" })
      assert.deepStrictEqual(waiting.stopReason, StopReason.AwaitingApproval({ ids: ["toolu_ask"] }))
      assert.deepStrictEqual(afterTurn, [])
      assert.deepStrictEqual(stopWhen, [])

      const decided = RunState.decide(roundTrip(waiting.state), "toolu_ask", { _tag: "Allow" })
      const result = yield* AgentLoop.run({ ...options, state: roundTrip(decided) })
      assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
      assert.strictEqual(result.turns, 3)
      assert.deepStrictEqual(afterTurn, [1, 2])
      assert.deepStrictEqual(stopWhen, [1, 2])
      assert.strictEqual(model.requests().length, 3)
    }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
  })

  it.effect("afterTurn and stopWhen see every turn exactly once, the resumed one included (step)", () => {
    const model = script()
    const { afterTurn, stopWhen, options } = recorder()
    return Effect.gen(function* () {
      const first: Step.Step = yield* AgentLoop.step(options, yield* AgentLoop.init({ ...options, prompt: "add" }))
      assert.strictEqual(first._tag, "Finished")
      const decided = RunState.decide(roundTrip(first.state), "toolu_ask", { _tag: "Allow", input: { a: 20, b: 22 } })
      const second = yield* AgentLoop.step(options, roundTrip(decided))
      assert.strictEqual(second._tag, "Continue")
      // the step answered the resumed call, took turn 2 and ran its call: the hooks saw turns 1 and 2
      assert.deepStrictEqual(afterTurn, [1, 2])
      const third = yield* AgentLoop.step(options, second.state)
      assert.strictEqual(third._tag, "Finished")
      assert.deepStrictEqual(afterTurn, [1, 2])
      assert.deepStrictEqual(stopWhen, [1, 2])
      assert.deepStrictEqual(model.requests()[1]!.messages[2], {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_ok", content: "2" },
          { type: "tool_result", tool_use_id: "toolu_ask", content: "42" }
        ]
      })
    }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
  })

  it.effect("afterTurn stopping at the resumed turn ends the run before the next model call", () => {
    const model = script()
    const seen: Array<number> = []
    const options: LoopOptions = {
      model: "m",
      toolkit,
      approve: (c) => Effect.succeed(c.id === "toolu_ask" ? Approval.defer : Approval.allow),
      afterTurn: ({ turn, conversation }) =>
        Effect.sync(() => {
          seen.push(turn)
          assert.strictEqual(Conversation.lastTurn(conversation)?.role, "user")
          return Hooks.stop("reviewed")
        })
    }
    return Effect.gen(function* () {
      const waiting = yield* AgentLoop.run({ ...options, prompt: "add" })
      const decided = RunState.decide(waiting.state, "toolu_ask", { _tag: "Deny", reason: "no" })
      const result = yield* AgentLoop.run({ ...options, state: decided, prompt: "Why?" })
      assert.deepStrictEqual(result.stopReason, StopReason.UserStop({ reason: "reviewed" }))
      assert.deepStrictEqual(seen, [1])
      assert.strictEqual(result.turns, 1)
      assert.strictEqual(model.requests().length, 1)
      // the prompt given with the state joined the turn of the results, and is kept for a later continuation
      assert.deepStrictEqual(Conversation.lastTurn(result.conversation), {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_ok", content: "2" },
          { type: "tool_result", tool_use_id: "toolu_ask", content: "Denied: no", is_error: true },
          { type: "text", text: "Why?" }
        ]
      })
    }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
  })

  it.effect(
    "each call has one ToolCalled and one ToolResult over the run; a deferred one ToolDeferred, then ToolResumed",
    () => {
      const model = script()
      const { options } = recorder()
      const events = (o: LoopOptions) => Effect.map(Stream.runCollect(AgentLoop.stream(o)), Chunk.toReadonlyArray)
      return Effect.gen(function* () {
        const first = yield* events({ ...options, prompt: "add" })
        assert.deepStrictEqual(first.map(line), [
          "TurnStarted 1",
          "TurnFinished 1",
          "TurnUsage 1",
          "ToolCalled 1 toolu_ok",
          "ToolCalled 1 toolu_ask",
          "ToolResult 1 toolu_ok ok",
          "ToolDeferred 1 toolu_ask",
          "Finished AwaitingApproval"
        ])
        const finished = first.at(-1)!
        assert.strictEqual(finished._tag, "Finished")
        if (finished._tag !== "Finished") return
        const decided = roundTrip(RunState.decide(roundTrip(finished.result.state), "toolu_ask", { _tag: "Allow" }))
        const second = yield* events({ ...options, state: decided })
        assert.deepStrictEqual(second.map(line), [
          "ToolResumed 1 toolu_ask Allow",
          "ToolResult 1 toolu_ask ok",
          "TurnStarted 2",
          "TurnFinished 2",
          "TurnUsage 2",
          "ToolCalled 2 toolu_2",
          "ToolResult 2 toolu_2 ok",
          "TurnStarted 3",
          "TurnFinished 3",
          "TurnUsage 3",
          "Finished EndTurn"
        ])
        assert.strictEqual(model.requests().length, 3)
      }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
    }
  )

  it.scoped("every ToolResumed reaches the consumer before a decided call runs", () => {
    const ran: Array<string> = []
    const counting = Toolkit.make(add).handle({
      add: ({ a, b }) =>
        Effect.sync(() => {
          ran.push(`${a}+${b}`)
          return a + b
        })
    })
    const model = ScriptedModel.fromMessages([
      reply([call("toolu_a", 1, 1), call("toolu_b", 2, 2)], "tool_use"),
      reply([{ type: "text", text: "Done." }], "end_turn")
    ])
    const options: LoopOptions = { model: "m", toolkit: counting, approve: () => Effect.succeed(Approval.defer) }
    return Effect.gen(function* () {
      const waiting = yield* AgentLoop.run({ ...options, prompt: "add" })
      assert.deepStrictEqual(waiting.stopReason, StopReason.AwaitingApproval({ ids: ["toolu_a", "toolu_b"] }))
      let state = RunState.decide(roundTrip(waiting.state), "toolu_a", { _tag: "Allow" })
      state = roundTrip(RunState.decide(state, "toolu_b", { _tag: "Deny", reason: "no" }))
      const pull = yield* Stream.toPull(AgentLoop.stream({ ...options, state }))
      const first = yield* pull
      assert.deepStrictEqual(Chunk.toReadonlyArray(first).map(line), [
        "ToolResumed 1 toolu_a Allow",
        "ToolResumed 1 toolu_b Deny"
      ])
      assert.deepStrictEqual(ran, [])
      const rest: Array<string> = []
      while (true) {
        const chunk = yield* Effect.option(pull)
        if (chunk._tag === "None") break
        rest.push(...Chunk.toReadonlyArray(chunk.value).map(line))
      }
      assert.deepStrictEqual(ran, ["1+1"])
      assert.deepStrictEqual(rest, [
        "ToolResult 1 toolu_a ok",
        "ToolResult 1 toolu_b denied",
        "TurnStarted 2",
        "TurnFinished 2",
        "TurnUsage 2",
        "Finished EndTurn"
      ])
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })
})
