import { assert, describe, it } from "@effect/vitest"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import type * as ToolOutcome from "@parley/core/ToolOutcome"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as Approval from "@parley/loop/Approval"
import type * as LoopEvent from "@parley/loop/LoopEvent"
import type { LoopResult } from "@parley/loop/LoopResult"
import * as StopReason from "@parley/loop/StopReason"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { reply } from "./utils/replies.js"

class Refused extends Schema.TaggedError<Refused>()("Refused", { message: Schema.String }) {}

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const empty = Schema.Struct({})
const failing = Tool.make("failing", { description: "Fails", input: empty, failure: Refused })
const dying = Tool.make("dying", { description: "Dies", input: empty })
const throwing = Tool.make("throwing", { description: "Throws", input: empty })
const rejecting = Tool.make("rejecting", { description: "Rejects", input: empty })
const hanging = Tool.make("hanging", { description: "Never returns", input: empty })

/** The internal text a failed handler carries: it must reach the log, never the model. */
const secret = "connection refused by db-internal-7:5432"

const makeTools = () => {
  const ran: Array<string> = []
  const started = Effect.runSync(Deferred.make<void>())
  const toolkit = Toolkit.make(add, failing, dying, throwing, rejecting, hanging).handle({
    add: ({ a, b }) =>
      Effect.sync(() => {
        ran.push("add")
        return a + b
      }),
    failing: () => Effect.fail(new Refused({ message: "not today" })),
    dying: () => Effect.die(new Error(secret)),
    throwing: (): Effect.Effect<string> => {
      throw new Error(secret)
    },
    rejecting: () => Effect.promise(() => Promise.reject(new Error(secret))),
    hanging: () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never)
  })
  return { toolkit, ran, started }
}

const use = (id: string, name: string, input: unknown = {}) => ({ type: "tool_use" as const, id, name, input })

interface Logged {
  readonly level: string
  readonly message: unknown
  readonly cause: Cause.Cause<unknown>
  readonly annotations: Record<string, unknown>
}

/** A logger keeping every entry, in place of the default one. */
const capture = () => {
  const logs: Array<Logged> = []
  const layer = Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message, cause, annotations }) => {
      logs.push({
        level: logLevel.label,
        message: Array.isArray(message) && message.length === 1 ? message[0] : message,
        cause,
        annotations: Object.fromEntries(HashMap.toEntries(annotations))
      })
    })
  )
  return { logs, layer }
}

const outcomes = (events: ReadonlyArray<LoopEvent.LoopEvent>) =>
  events.flatMap((event) => (event._tag === "ToolResult" ? [[event.turn, event.call.id, event.outcome]] : []))
const reported = (result: LoopResult) => result.tools.map((report) => [report.turn, report.call.id, report.outcome])
const finishedOf = (events: ReadonlyArray<LoopEvent.LoopEvent>): LoopResult => {
  const last = events.at(-1)
  assert.strictEqual(last?._tag, "Finished")
  return (last as Extract<LoopEvent.LoopEvent, { _tag: "Finished" }>).result
}

describe("tool outcomes in the events and the result", () => {
  it.effect(
    "ok, error (typed, died, threw, rejected), invalid-input, unknown-tool, timeout, denied, not-run (TestClock)",
    () => {
      const model = ScriptedModel.fromMessages([
        reply(
          [
            use("toolu_ok", "add", { a: 1, b: 2 }),
            use("toolu_typed", "failing"),
            use("toolu_die", "dying"),
            use("toolu_throw", "throwing"),
            use("toolu_reject", "rejecting"),
            use("toolu_bad", "add", { a: "one" }),
            use("toolu_unknown", "subtract", { a: 1 }),
            use("toolu_hang", "hanging"),
            use("toolu_deny", "add", { a: 6, b: 6 })
          ],
          "tool_use"
        ),
        reply([use("toolu_last", "add", { a: 3, b: 4 })], "tool_use")
      ])
      const { toolkit, ran } = makeTools()
      const { logs, layer } = capture()
      return Effect.gen(function* () {
        const fiber = yield* AgentLoop.stream({
          model: "m",
          prompt: "try everything",
          toolkit,
          concurrency: 9,
          toolTimeouts: { hanging: "1 second" },
          approve: (call) => Effect.succeed(call.id === "toolu_deny" ? Approval.deny("not this one") : Approval.allow),
          limits: { maxTurns: 2 }
        }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray), Effect.fork)
        yield* TestClock.adjust("1 second")
        const events = yield* Fiber.join(fiber)
        const result = finishedOf(events)
        assert.deepStrictEqual(result.stopReason, StopReason.MaxTurns({ limit: 2 }))
        const expected: Record<string, ToolOutcome.Outcome> = {
          toolu_ok: "ok",
          toolu_typed: "error",
          toolu_die: "error",
          toolu_throw: "error",
          toolu_reject: "error",
          toolu_bad: "invalid-input",
          toolu_unknown: "unknown-tool",
          toolu_hang: "timeout",
          toolu_deny: "denied",
          toolu_last: "not-run"
        }
        // One ToolResult per call, in the order answered, the same in the events and in result.tools.
        assert.deepStrictEqual(outcomes(events), reported(result))
        assert.strictEqual(result.tools.length, 10)
        assert.deepStrictEqual(
          Object.fromEntries(result.tools.map((report) => [report.call.id, report.outcome])),
          expected
        )
        assert.deepStrictEqual(reported(result).at(-1), [2, "toolu_last", "not-run"])
        assert.deepStrictEqual(ran, ["add"])

        // What the model got: short and safe for the failures, the typed failure as its schema encodes it.
        const sent = model.requests()[1]!.messages[2]!.content as ReadonlyArray<{
          readonly tool_use_id: string
          readonly content: string
          readonly is_error?: boolean
        }>
        const text = Object.fromEntries(
          sent.map((block) => [block.tool_use_id, [block.is_error ?? false, block.content]])
        )
        assert.deepStrictEqual(text.toolu_ok, [false, "3"])
        assert.deepStrictEqual(text.toolu_typed![0], true)
        assert.deepStrictEqual(JSON.parse(text.toolu_typed![1] as string), { _tag: "Refused", message: "not today" })
        for (const [id, name] of [
          ["toolu_die", "dying"],
          ["toolu_throw", "throwing"],
          ["toolu_reject", "rejecting"]
        ] as const) {
          assert.deepStrictEqual(text[id], [
            true,
            `Error: tool "${name}" failed unexpectedly. The failure was logged; try another way.`
          ])
        }
        assert.deepStrictEqual(text.toolu_deny, [true, "Denied: not this one"])
        assert.deepStrictEqual(text.toolu_hang, [
          true,
          'Error: tool "hanging" did not finish within 1s and was abandoned. It may still complete: do not assume it had no effect.'
        ])
        assert.isFalse(JSON.stringify(model.requests()).includes("db-internal"))

        // What the developer got: one warning per failed handler, with its cause and where it happened; nothing else.
        const warnings = logs
          .map((log) => ({ ...log, squashed: Cause.squash(log.cause) }))
          .sort((x, y) => String(x.annotations.toolUseId).localeCompare(String(y.annotations.toolUseId)))
        assert.deepStrictEqual(
          warnings.map((log) => [log.level, log.message, log.annotations]),
          [
            ["WARN", 'tool "dying" failed unexpectedly', { tool: "dying", toolUseId: "toolu_die" }],
            ["WARN", 'tool "rejecting" failed unexpectedly', { tool: "rejecting", toolUseId: "toolu_reject" }],
            ["WARN", 'tool "throwing" failed unexpectedly', { tool: "throwing", toolUseId: "toolu_throw" }]
          ]
        )
        for (const log of warnings) {
          assert.isTrue(Cause.isDie(log.cause))
          assert.strictEqual((log.squashed as Error).message, secret)
        }
      }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.provide(layer))
    }
  )

  it.effect("interrupted and not-run: the stop signal ends a running call and one that never started", () => {
    const model = ScriptedModel.fromMessages([
      reply([use("toolu_hang", "hanging"), use("toolu_add", "add", { a: 1, b: 1 })], "tool_use")
    ])
    const { toolkit, ran, started } = makeTools()
    return Effect.gen(function* () {
      const fiber = yield* AgentLoop.stream({
        model: "m",
        prompt: "go",
        toolkit,
        concurrency: 1,
        stop: Deferred.await(started)
      }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray), Effect.fork)
      const events = yield* Fiber.join(fiber)
      const result = finishedOf(events)
      assert.deepStrictEqual(result.stopReason, StopReason.Stopped())
      assert.deepStrictEqual(outcomes(events), [
        [1, "toolu_hang", "interrupted"],
        [1, "toolu_add", "not-run"]
      ])
      assert.deepStrictEqual(outcomes(events), reported(result))
      assert.deepStrictEqual(ran, [])
      assert.deepStrictEqual(
        events.map((event) => event._tag),
        ["TurnStarted", "TurnFinished", "TurnUsage", "ToolCalled", "ToolCalled", "ToolResult", "ToolResult", "Finished"]
      )
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })
})

describe("Tool.fromJsonSchema in the loop", () => {
  const weather = Tool.fromJsonSchema<"weather", { readonly city: string; readonly days?: number }>("weather", {
    description: "The forecast",
    inputSchema: {
      type: "object",
      properties: { city: { type: "string", minLength: 1 }, days: { type: "integer", minimum: 1, maximum: 7 } },
      required: ["city"],
      additionalProperties: false
    }
  })

  it.effect("invalid input is answered invalid-input without running the handler; the corrected call runs", () => {
    const model = ScriptedModel.fromMessages([
      reply([use("toolu_1", "weather", { city: "", days: 9, extra: true })], "tool_use"),
      reply([use("toolu_2", "weather", { city: "Oslo", days: 2 })], "tool_use"),
      reply([{ type: "text", text: "Sunny." }], "end_turn")
    ])
    const seen: Array<unknown> = []
    const forecasts = Toolkit.make(weather).handle({
      weather: (input) =>
        Effect.sync(() => {
          seen.push(input)
          return `${input.city}: sunny for ${input.days ?? 1} days`
        })
    })
    return Effect.gen(function* () {
      const { toolkit } = makeTools()
      const result = yield* AgentLoop.run({ model: "m", prompt: "weather?", toolkit: [toolkit, forecasts] })
      assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
      assert.deepStrictEqual(reported(result), [
        [1, "toolu_1", "invalid-input"],
        [2, "toolu_2", "ok"]
      ])
      assert.deepStrictEqual(seen, [{ city: "Oslo", days: 2 }])
      const first = model.requests()[1]!.messages[2]!.content as ReadonlyArray<{ content: string; is_error?: boolean }>
      assert.strictEqual(first[0]!.is_error, true)
      // Every problem ajv found, so the model can correct the call at once.
      const problems = first[0]!.content
      assert.isTrue(
        problems.startsWith('Error: invalid input for tool "weather". Fix these problems and call the tool again:\n')
      )
      for (const problem of [
        "input must NOT have additional properties",
        "input/city must NOT have fewer than 1 characters",
        "input/days must be <= 7"
      ]) {
        assert.include(problems, problem)
      }
      assert.deepStrictEqual(model.requests()[2]!.messages[4]!.content, [
        { type: "tool_result", tool_use_id: "toolu_2", content: "Oslo: sunny for 2 days" }
      ])
      // The JSON Schema is sent as given, after the other toolkit's tools.
      assert.deepStrictEqual(
        model.requests()[0]!.tools?.map((tool) => ("name" in tool ? tool.name : "")),
        ["add", "failing", "dying", "throwing", "rejecting", "hanging", "weather"]
      )
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })
})
