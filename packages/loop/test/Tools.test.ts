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
import * as Exit from "effect/Exit"
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

  it.effect(
    "a toolkit tool and a request.tools tool of one name fail the run with InvalidToolkit before any call",
    () => {
      const model = ScriptedModel.fromMessages([done, done])
      return Effect.gen(function* () {
        const writes = Toolkit.make(write).handle({ write: () => Effect.succeed("written") })
        const webSearch = { type: "web_search_20250305", name: "web_search" } as const
        const custom = { name: "write", description: "Another write", input_schema: { type: "object" as const } }
        const error = yield* Effect.flip(
          AgentLoop.run({ model: "m", prompt: "go", toolkit: writes, request: { tools: [webSearch, custom] } })
        )
        assert.strictEqual(error.reason, "InvalidToolkit")
        assert.strictEqual(
          error.message,
          'The toolkits cannot be used together: Two tools of the request are named "write" (the toolkits\' and request.tools)'
        )
        assert.strictEqual(model.requests().length, 0)
        // A server tool of another name is sent after the toolkit's tools.
        const ok = yield* AgentLoop.run({ model: "m", prompt: "go", toolkit: writes, request: { tools: [webSearch] } })
        assert.deepStrictEqual(ok.stopReason, StopReason.EndTurn())
        assert.deepStrictEqual(
          model.requests()[0]!.tools?.map((tool) => ("name" in tool ? tool.name : "")),
          ["write", "web_search"]
        )
        // Continuing a stored run with clashing toolkits: the error keeps the state, to continue once fixed.
        const reads = Toolkit.make(read).handle({ read: () => Effect.succeed("contents") })
        const again = Toolkit.make(write).handle({ write: () => Effect.succeed("again") })
        const clash = yield* Effect.flip(
          AgentLoop.run({ model: "m", state: ok.state, toolkit: [writes, reads, again] })
        )
        assert.strictEqual(clash.reason, "InvalidToolkit")
        assert.strictEqual(clash.state, ok.state)
        assert.strictEqual(clash.turn, 1)
        assert.strictEqual(model.requests().length, 1)
      }).pipe(Effect.provide(ScriptedModel.layer(model)))
    }
  )

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

  it.effect(
    "at its timeout a handler is abandoned, not interrupted: its AbortSignal fires when the run ends (TestClock)",
    () => {
      // The second model call takes 5 s: the run ends at 6 s, and the abandoned handler is interrupted then.
      const model = ScriptedModel.make((_, index) =>
        index === 0
          ? Effect.succeed(callOf("toolu_f", "fetch", {}))
          : Effect.as(Effect.sleep(Duration.seconds(5)), done)
      )
      const fetch = Tool.make("fetch", { description: "Fetches", input: Schema.Struct({}), output: Schema.String })
      return Effect.gen(function* () {
        const aborted = yield* Deferred.make<void>()
        const toolkit = Toolkit.make(fetch).handle({
          fetch: () =>
            Effect.tryPromise({
              try: (signal) =>
                new Promise<string>((_, reject) =>
                  signal.addEventListener("abort", () => {
                    Deferred.unsafeDone(aborted, Exit.void)
                    reject(new Error("aborted"))
                  })
                ),
              catch: () => "aborted"
            }).pipe(Effect.orDie)
        })
        const fiber = yield* AgentLoop.stream({ model: "m", prompt: "fetch", toolkit, toolTimeout: "1 second" }).pipe(
          Stream.runCollect,
          Effect.map(Chunk.toReadonlyArray),
          Effect.fork
        )
        yield* TestClock.adjust(Duration.seconds(1))
        assert.isFalse(yield* Deferred.isDone(aborted))
        yield* TestClock.adjust(Duration.seconds(4))
        assert.isFalse(yield* Deferred.isDone(aborted))
        yield* TestClock.adjust(Duration.seconds(1))
        const events = yield* Fiber.join(fiber)
        assert.deepStrictEqual(
          events.map((event) => (event._tag === "ToolResult" ? `ToolResult ${event.outcome}` : event._tag)),
          [
            "TurnStarted",
            "TurnFinished",
            "TurnUsage",
            "ToolCalled",
            "ToolResult timeout",
            "TurnStarted",
            "TurnFinished",
            "TurnUsage",
            "Finished"
          ]
        )
        // Aborted when the run ended (6 s), not at the timeout (1 s); an interrupted handler reports no ToolLate.
        yield* Deferred.await(aborted)
      }).pipe(Effect.provide(ScriptedModel.layer(model)))
    }
  )
})

/** Blocks the thread for `millis` of real time, as CPU-bound work does. */
const busy = (millis: number): void => {
  const end = performance.now() + millis
  while (performance.now() < end) {
    // spin
  }
}

describe("what a timeout can bound (real time: the handlers block the thread)", () => {
  const crunch = Tool.make("crunch", { description: "Crunches", input: Schema.Struct({}), output: Schema.Number })
  /** 40 chunks of 25 ms of CPU work, with `between` after each; counts the chunks done. */
  const chunked = (between: Effect.Effect<void>) => {
    const progress = { chunks: 0 }
    const toolkit = Toolkit.make(crunch).handle({
      crunch: () =>
        Effect.gen(function* () {
          for (let i = 0; i < 40; i++) {
            busy(25)
            progress.chunks++
            yield* between
          }
          return progress.chunks
        })
    })
    return { progress, toolkit }
  }

  it.live("CPU work in chunks with Effect.sleep(0) between them is bounded: abandoned at 100 ms of 1 s", () => {
    const { progress, toolkit } = chunked(Effect.sleep(0))
    const model = ScriptedModel.fromMessages([callOf("toolu_c", "crunch", {}), done])
    return Effect.gen(function* () {
      const started = performance.now()
      const result = yield* AgentLoop.run({ model: "m", prompt: "crunch", toolkit, toolTimeout: "100 millis" })
      const took = performance.now() - started
      assert.deepStrictEqual(
        result.tools.map((report) => report.outcome),
        ["timeout"]
      )
      assert.isBelow(took, 500, `the run took ${took} ms`)
      assert.isBelow(progress.chunks, 20)
      // The run ended, so the abandoned handler was interrupted: it stops at its next suspension.
      const stoppedAt = progress.chunks
      yield* Effect.sleep("100 millis")
      assert.isAtMost(progress.chunks, stoppedAt + 1)
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.live("a handler that never yields to the event loop is not bounded: it runs to its end, outcome ok", () => {
    // Effect.yieldNow() yields to Effect's scheduler only (microtasks, and the loop's synchronous fast path runs
    // them inline): no timer can fire between the chunks. So does a plain synchronous handler.
    const { progress, toolkit } = chunked(Effect.yieldNow())
    const model = ScriptedModel.fromMessages([callOf("toolu_c", "crunch", {}), done])
    return Effect.gen(function* () {
      const started = performance.now()
      const result = yield* AgentLoop.run({ model: "m", prompt: "crunch", toolkit, toolTimeout: "100 millis" })
      const took = performance.now() - started
      assert.deepStrictEqual(
        result.tools.map((report) => report.outcome),
        ["ok"]
      )
      assert.strictEqual(progress.chunks, 40)
      assert.isAtLeast(took, 1000)
      assert.deepStrictEqual(model.requests()[1]!.messages[2]!.content, [
        { type: "tool_result", tool_use_id: "toolu_c", content: "40" }
      ])
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })
})
