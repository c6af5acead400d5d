import { assert, describe, it } from "@effect/vitest"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import type * as LoopEvent from "@parley/loop/LoopEvent"
import * as StopReason from "@parley/loop/StopReason"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { reply } from "./utils/replies.js"

const callOf = (id: string, name: string, input: unknown) => reply([{ type: "tool_use", id, name, input }], "tool_use")
const done = reply([{ type: "text", text: "Done." }], "end_turn")

const write = Tool.make("write", { description: "Writes", input: Schema.Struct({}), output: Schema.String })
const read = Tool.make("read", { description: "Reads", input: Schema.Struct({}), output: Schema.String })

describe("Tools in the loop", () => {
  it.effect("a tool that ignores interruption is abandoned at its timeout and the loop goes on (TestClock)", () => {
    const model = ScriptedModel.fromMessages([callOf("toolu_w", "write", {}), done])
    return Effect.gen(function* () {
      const finished = yield* Deferred.make<void>()
      const toolkit = Toolkit.make(write).handle({
        write: () =>
          Effect.uninterruptible(
            Effect.sleep(Duration.seconds(6)).pipe(
              Effect.zipRight(Deferred.succeed(finished, undefined)),
              Effect.as("written")
            )
          )
      })
      const fiber = yield* AgentLoop.stream({ model: "m", prompt: "write", toolkit, toolTimeout: "1 second" }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        Effect.fork
      )
      yield* TestClock.adjust(Duration.seconds(1))
      // The loop went on at 1 s, without waiting for the handler.
      const events = yield* Fiber.join(fiber)
      const finishedEvent = events.at(-1)
      assert.strictEqual(finishedEvent?._tag, "Finished")
      if (finishedEvent?._tag !== "Finished") return
      const result = finishedEvent.result
      assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
      assert.deepStrictEqual(
        result.tools.map((report) => report.outcome),
        ["timeout"]
      )
      assert.deepStrictEqual(
        events.flatMap((event) => (event._tag === "ToolResult" ? [event.outcome] : [])),
        ["timeout"]
      )
      assert.deepStrictEqual(model.requests()[1]!.messages[2]!.content, [
        {
          type: "tool_result",
          tool_use_id: "toolu_w",
          content:
            'Error: tool "write" did not finish within 1s and was abandoned. It may still complete: do not assume it had no effect.',
          is_error: true
        }
      ])
      assert.isFalse(yield* Deferred.isDone(finished))
      yield* TestClock.adjust(Duration.seconds(5))
      yield* Deferred.await(finished)
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.effect("a result that arrives after the timeout reaches the events as ToolLate (TestClock)", () => {
    // The second model call takes 10 s, so the run is still going when the abandoned handler finishes at 6 s.
    const model = ScriptedModel.make((_, index) =>
      index === 0 ? Effect.succeed(callOf("toolu_w", "write", {})) : Effect.as(Effect.sleep(Duration.seconds(10)), done)
    )
    return Effect.gen(function* () {
      const toolkit = Toolkit.make(write).handle({
        write: () => Effect.uninterruptible(Effect.as(Effect.sleep(Duration.seconds(6)), "written"))
      })
      const fiber = yield* AgentLoop.stream({ model: "m", prompt: "write", toolkit, toolTimeout: "1 second" }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        Effect.fork
      )
      yield* TestClock.adjust(Duration.seconds(11))
      const events = yield* Fiber.join(fiber)
      const tags = events.map((event) => event._tag)
      assert.deepStrictEqual(tags, [
        "TurnStarted",
        "TurnFinished",
        "TurnUsage",
        "ToolCalled",
        "ToolResult",
        "TurnStarted",
        "ToolLate",
        "TurnFinished",
        "TurnUsage",
        "Finished"
      ])
      const late = events.find(
        (event): event is Extract<LoopEvent.LoopEvent, { _tag: "ToolLate" }> => event._tag === "ToolLate"
      )
      assert.strictEqual(late?.outcome, "ok")
      assert.deepStrictEqual(late?.result, { type: "tool_result", tool_use_id: "toolu_w", content: "written" })
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.effect("several toolkits per run; a name two of them share fails the run with InvalidToolkit", () => {
    const model = ScriptedModel.fromMessages([callOf("toolu_r", "read", {}), callOf("toolu_w", "write", {}), done])
    return Effect.gen(function* () {
      const writes = Toolkit.make(write).handle({ write: () => Effect.succeed("written") })
      const reads = Toolkit.make(read).handle({ read: () => Effect.succeed("contents") })
      const result = yield* AgentLoop.run({ model: "m", prompt: "go", toolkit: [reads, writes] })
      assert.deepStrictEqual(
        model.requests()[0]!.tools?.map((tool) => ("name" in tool ? tool.name : "")),
        ["read", "write"]
      )
      assert.deepStrictEqual(
        result.tools.map((report) => [report.call.name, report.outcome]),
        [
          ["read", "ok"],
          ["write", "ok"]
        ]
      )
      const again = Toolkit.make(write).handle({ write: () => Effect.succeed("again") })
      const error = yield* Effect.flip(AgentLoop.run({ model: "m", prompt: "go", toolkit: [writes, reads, again] }))
      assert.strictEqual(error.reason, "InvalidToolkit")
      assert.strictEqual(error.cause._tag, "DuplicateToolName")
      assert.strictEqual(error.message, 'The toolkits cannot be used together: Two toolkits have a tool named "write"')
      assert.strictEqual(model.requests().length, 3)
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.effect("TurnFinished and ToolCalled reach the consumer before a synchronous tool runs", () => {
    const model = ScriptedModel.fromMessages([callOf("toolu_r", "read", {}), done])
    return Effect.gen(function* () {
      const seen: Array<string> = []
      const toolkit = Toolkit.make(read).handle({
        read: () =>
          Effect.sync(() => {
            seen.push("handler")
            return "contents"
          })
      })
      yield* AgentLoop.stream({ model: "m", prompt: "go", toolkit }).pipe(
        Stream.runForEach((event) => Effect.sync(() => seen.push(event._tag)))
      )
      assert.deepStrictEqual(seen.slice(0, 6), [
        "TurnStarted",
        "TurnFinished",
        "TurnUsage",
        "ToolCalled",
        "handler",
        "ToolResult"
      ])
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })
})
