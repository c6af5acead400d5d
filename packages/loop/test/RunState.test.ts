import { execFile } from "node:child_process"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import * as ModelError from "@parley/core/ModelError"
import * as RunState from "@parley/core/RunState"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as Approval from "@parley/loop/Approval"
import type { LoopOptions } from "@parley/loop/LoopOptions"
import type { LoopResult, ToolReport } from "@parley/loop/LoopResult"
import type * as Step from "@parley/loop/Step"
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
import * as Replies from "./utils/replies.js"

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const slow = Tool.make("slow", { description: "Takes 6 seconds", input: Schema.Struct({}), output: Schema.String })

/** A toolkit recording the sums it ran, per test (tests run concurrently). */
const makeToolkit = () => {
  const added: Array<string> = []
  const toolkit = Toolkit.make(add, slow).handle({
    add: ({ a, b }) =>
      Effect.sync(() => {
        added.push(`${a}+${b}`)
        return a + b
      }),
    slow: () => Effect.as(Effect.sleep(Duration.seconds(6)), "slept")
  })
  return { toolkit, added }
}
const { toolkit } = makeToolkit()

const reply = (content: Message.Message["content"], stop_reason: string) =>
  Replies.reply(content, stop_reason, { input_tokens: 100, output_tokens: 10 })
const addCall = (id: string, a: number, b: number) =>
  reply([{ type: "tool_use", id, name: "add", input: { a, b } }], "tool_use")
const done = reply([{ type: "text", text: "Done." }], "end_turn")

/** Through JSON as a store would keep it, and back: what another process gets. */
const roundTrip = (state: RunState.RunState): RunState.RunState =>
  Schema.decodeUnknownSync(RunState.Json)(JSON.stringify(JSON.parse(Schema.encodeSync(RunState.Json)(state))))

/** Runs a fixture in a child process (tsx) with `input` on its stdin; its stdout, parsed as JSON. */
const inChild = (fixture: string, input: string) =>
  Effect.async<Record<string, unknown>, Error>((resume) => {
    const root = path.resolve(import.meta.dirname, "../../..")
    const child = execFile(
      path.join(root, "node_modules/.bin/tsx"),
      ["--tsconfig", path.join(root, "tsconfig.dev.json"), path.join(import.meta.dirname, fixture)],
      { cwd: root },
      (error, stdout, stderr) =>
        resume(error ? Effect.fail(new Error(`${error.message}\n${stderr}`)) : Effect.succeed(JSON.parse(stdout)))
    )
    child.stdin?.end(input)
  })

const continued = (step: Step.Step): RunState.RunState => {
  assert.strictEqual(step._tag, "Continue")
  return step.state
}

describe("RunState and AgentLoop.step", () => {
  it.effect("a run stopped between steps and continued from JSON keeps maxTurns", () => {
    const model = ScriptedModel.fromMessages([
      addCall("toolu_1", 1, 1),
      addCall("toolu_2", 2, 2),
      addCall("toolu_3", 3, 3)
    ])
    return Effect.gen(function* () {
      const options: LoopOptions = { model: "m", prompt: "go", toolkit, limits: { maxTurns: 3 } }
      const first = yield* AgentLoop.init({ ...options, runId: "run_test" })
      assert.strictEqual(first.turns, 0)
      const afterOne = roundTrip(continued(yield* AgentLoop.step(options, first)))
      assert.strictEqual(afterOne.runId, "run_test")
      assert.strictEqual(afterOne.turns, 1)
      assert.strictEqual(afterOne.toolCalls, 1)
      assert.deepStrictEqual(afterOne.usage, {
        inputTokens: 100,
        outputTokens: 10,
        cacheCreationInputTokens: 0,
        cacheReadInputTokens: 0,
        total: 110
      })
      const result = yield* AgentLoop.run({ ...options, state: afterOne })
      assert.deepStrictEqual(result.stopReason, StopReason.MaxTurns({ limit: 3 }))
      assert.strictEqual(result.turns, 3)
      assert.strictEqual(result.usage.total, 330)
      assert.strictEqual(model.requests().length, 3)
      // The first request had the prompt only; the prompt was not appended again when the run continued.
      assert.deepStrictEqual(model.requests()[0]!.messages, [{ role: "user", content: "go" }])
      assert.strictEqual(model.requests()[2]!.messages.length, 5)
      assert.strictEqual(result.state.runId, "run_test")
    }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
  })

  it.effect("the repeated-call guard counts across a stored step", () =>
    Effect.gen(function* () {
      const model = ScriptedModel.fromMessages([
        addCall("toolu_1", 5, 5),
        addCall("toolu_2", 5, 5),
        addCall("toolu_3", 5, 5),
        done
      ])
      const options: LoopOptions = { model: "m", toolkit }
      let state = yield* AgentLoop.init({ ...options, prompt: "again" })
      state = roundTrip(
        continued(yield* AgentLoop.step(options, state).pipe(Effect.provide(ScriptedModel.layer(model))))
      )
      state = roundTrip(
        continued(yield* AgentLoop.step(options, state).pipe(Effect.provide(ScriptedModel.layer(model))))
      )
      assert.deepStrictEqual(state.guard, { last: { name: "add", input: { a: 5, b: 5 } }, count: 2 })
      const last = yield* AgentLoop.step(options, state).pipe(Effect.provide(ScriptedModel.layer(model)))
      assert.strictEqual(last._tag, "Finished")
      if (last._tag !== "Finished") return
      assert.deepStrictEqual(last.result.stopReason, StopReason.RepeatedCall({ tool: "add", count: 3 }))
      assert.strictEqual(last.result.turns, 3)
      assert.strictEqual(model.requests().length, 3)
    }).pipe(Effect.orDie)
  )

  it.effect("the deadline counts the active time of earlier steps, not the time the state was stored (TestClock)", () =>
    Effect.gen(function* () {
      const slowCall = (id: string) => reply([{ type: "tool_use", id, name: "slow", input: {} }], "tool_use")
      const model = ScriptedModel.fromMessages([slowCall("toolu_1"), slowCall("toolu_2"), done])
      const options: LoopOptions = { model: "m", toolkit, limits: { deadline: Duration.seconds(10) } }
      const start = yield* AgentLoop.init({ ...options, prompt: "slowly" })
      const fiber = yield* Effect.fork(AgentLoop.step(options, start).pipe(Effect.provide(ScriptedModel.layer(model))))
      yield* TestClock.adjust(Duration.seconds(6))
      const afterOne = roundTrip(continued(yield* Fiber.join(fiber)))
      assert.strictEqual(afterOne.elapsedMillis, 6000)
      yield* TestClock.adjust(Duration.hours(24))
      const rest = yield* Effect.fork(
        AgentLoop.run({ ...options, state: afterOne }).pipe(Effect.provide(ScriptedModel.layer(model)))
      )
      yield* TestClock.adjust(Duration.seconds(4))
      const result = yield* Fiber.join(rest)
      assert.deepStrictEqual(result.stopReason, StopReason.Deadline({ limit: Duration.seconds(10) }))
      assert.strictEqual(result.turns, 2)
      assert.strictEqual(result.state.elapsedMillis, 10_000)
      assert.deepStrictEqual(Conversation.lastTurn(result.conversation)?.content, [
        {
          type: "tool_result",
          tool_use_id: "toolu_2",
          content: "Interrupted: the loop reached its deadline of 10s while this call was running.",
          is_error: true
        }
      ])
    }).pipe(Effect.orDie)
  )

  it.effect("a deferred approval ends the run waiting; a decision through the stored state continues it", () => {
    const model = ScriptedModel.fromMessages([
      reply(
        [
          { type: "tool_use", id: "toolu_ok", name: "add", input: { a: 1, b: 1 } },
          { type: "tool_use", id: "toolu_ask", name: "add", input: { a: 2, b: 2 } },
          { type: "tool_use", id: "toolu_no", name: "add", input: { a: 3, b: 3 } }
        ],
        "tool_use"
      ),
      done
    ])
    const { toolkit, added } = makeToolkit()
    return Effect.gen(function* () {
      const options: LoopOptions = {
        model: "m",
        toolkit,
        approve: (call) => Effect.succeed(call.id === "toolu_ok" ? Approval.allow : Approval.defer)
      }
      const waiting = yield* AgentLoop.run({ ...options, prompt: "add them" })
      assert.deepStrictEqual(waiting.stopReason, StopReason.AwaitingApproval({ ids: ["toolu_ask", "toolu_no"] }))
      assert.isTrue(RunState.isAwaitingApproval(waiting.state))
      assert.deepStrictEqual(added, ["1+1"])
      assert.strictEqual(Conversation.lastTurn(waiting.conversation)?.role, "assistant")

      // Elsewhere, later: a person edits one call and denies the other.
      let stored = roundTrip(waiting.state)
      stored = RunState.decide(stored, "toolu_ask", { _tag: "Allow", input: { a: 20, b: 22 } })
      const halfDecided = roundTrip(stored)
      const stillWaiting = yield* AgentLoop.run({ ...options, state: halfDecided })
      assert.deepStrictEqual(stillWaiting.stopReason, StopReason.AwaitingApproval({ ids: ["toolu_no"] }))
      assert.deepStrictEqual(added, ["1+1", "20+22"])
      assert.strictEqual(model.requests().length, 1)

      const decided = RunState.decide(roundTrip(stillWaiting.state), "toolu_no", { _tag: "Deny", reason: "not now" })
      const result = yield* AgentLoop.run({ ...options, state: roundTrip(decided), prompt: "Then stop." })
      assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
      assert.strictEqual(result.text, "Done.")
      assert.strictEqual(result.turns, 2)
      assert.strictEqual(result.toolCalls, 3)
      assert.deepStrictEqual(added, ["1+1", "20+22"])
      assert.deepStrictEqual(model.requests()[1]!.messages[2], {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_ok", content: "2" },
          { type: "tool_result", tool_use_id: "toolu_ask", content: "42" },
          { type: "tool_result", tool_use_id: "toolu_no", content: "Denied: not now", is_error: true },
          { type: "text", text: "Then stop." }
        ]
      })
      assert.isFalse(RunState.isAwaitingApproval(result.state))
    }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
  })

  it.live("another process decodes the stored state and continues the run with maxTurns and usage intact", () => {
    const model = ScriptedModel.fromMessages([addCall("toolu_1", 1, 1), addCall("toolu_2", 2, 2)])
    const options: LoopOptions = { model: "m", toolkit, limits: { maxTurns: 3 } }
    return Effect.gen(function* () {
      let state = yield* AgentLoop.init({ ...options, prompt: "go", runId: "run_child" })
      state = continued(yield* AgentLoop.step(options, state))
      state = continued(yield* AgentLoop.step(options, state))
      const stored = Schema.encodeSync(RunState.Json)(state)
      const report = yield* inChild("fixtures/continueRun.ts", stored)
      assert.notStrictEqual(report.pid, process.pid)
      assert.deepStrictEqual(
        { ...report, pid: undefined },
        {
          pid: undefined,
          stopReason: "MaxTurns",
          runId: "run_child",
          turns: 3,
          // Two calls ran in this process's parent; the third turn's call was answered "Not run" at maxTurns.
          toolCalls: 3,
          total: 330,
          calls: 1
        }
      )
    }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
  })

  it.effect("run, stream and steps through JSON take the same steps: requests, result, outcomes", () => {
    const script = () =>
      ScriptedModel.fromMessages([
        addCall("toolu_1", 1, 1),
        reply(
          [
            { type: "tool_use", id: "toolu_2", name: "add", input: { a: 2, b: 2 } },
            { type: "tool_use", id: "toolu_3", name: "add", input: { a: "x" } }
          ],
          "tool_use"
        ),
        reply([{ type: "text", text: "The sums are" }], "max_tokens"),
        reply([{ type: "text", text: " 2 and 4." }], "end_turn")
      ])
    const options: LoopOptions = { model: "m", toolkit, onMaxTokens: "continue", runId: "run_same" }
    /** What a driver's result says, without the state (compared on its own below). */
    const summary = (result: LoopResult, tools: ReadonlyArray<ToolReport>) => ({
      stopReason: result.stopReason,
      text: result.text,
      turns: result.turns,
      toolCalls: result.toolCalls,
      usage: result.usage,
      messages: Conversation.messages(result.conversation),
      tools: tools.map((report) => [report.turn, report.call.id, report.outcome])
    })
    return Effect.gen(function* () {
      const byRun = script()
      const ran = yield* AgentLoop.run({ ...options, prompt: "add" }).pipe(Effect.provide(ScriptedModel.layer(byRun)))

      const byStream = script()
      const events = yield* AgentLoop.stream({ ...options, prompt: "add" }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        Effect.provide(ScriptedModel.layer(byStream))
      )
      const streamed = (events.at(-1) as Extract<(typeof events)[number], { _tag: "Finished" }>).result

      const bySteps = script()
      let state = roundTrip(yield* AgentLoop.init({ ...options, prompt: "add" }))
      const tools: Array<ToolReport> = []
      let steps = 0
      let stepped: LoopResult | undefined
      while (stepped === undefined) {
        const next = yield* AgentLoop.step(options, state).pipe(Effect.provide(ScriptedModel.layer(bySteps)))
        steps++
        if (next._tag === "Finished") {
          tools.push(...next.result.tools)
          stepped = next.result
        } else {
          tools.push(...next.tools)
          state = roundTrip(next.state)
        }
      }

      assert.strictEqual(steps, 4)
      const expected = {
        stopReason: StopReason.EndTurn(),
        text: "The sums are 2 and 4.",
        turns: 4,
        toolCalls: 3,
        usage: { inputTokens: 400, outputTokens: 40, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, total: 440 },
        messages: Conversation.messages(ran.conversation),
        tools: [
          [1, "toolu_1", "ok"],
          [2, "toolu_2", "ok"],
          [2, "toolu_3", "invalid-input"]
        ]
      }
      assert.deepStrictEqual(summary(ran, ran.tools), expected)
      assert.deepStrictEqual(summary(streamed, streamed.tools), expected)
      assert.deepStrictEqual(summary(stepped, tools), expected)
      assert.strictEqual(Conversation.messages(ran.conversation).length, 6)
      assert.deepStrictEqual(byStream.requests(), byRun.requests())
      assert.deepStrictEqual(bySteps.requests(), byRun.requests())
      assert.deepStrictEqual(roundTrip(stepped.state), roundTrip(ran.state))
      assert.deepStrictEqual(roundTrip(streamed.state), roundTrip(ran.state))
    }).pipe(Effect.orDie)
  })

  it.effect("the token budget counts across stored steps", () => {
    const model = ScriptedModel.fromMessages([
      addCall("toolu_1", 1, 1),
      addCall("toolu_2", 2, 2),
      addCall("toolu_3", 3, 3),
      done
    ])
    return Effect.gen(function* () {
      const options: LoopOptions = { model: "m", toolkit, limits: { tokenBudget: 300 } }
      let state = yield* AgentLoop.init({ ...options, prompt: "spend" })
      state = roundTrip(continued(yield* AgentLoop.step(options, state)))
      state = roundTrip(continued(yield* AgentLoop.step(options, state)))
      assert.strictEqual(state.usage.total, 220)
      const result = yield* AgentLoop.run({ ...options, state })
      assert.deepStrictEqual(result.stopReason, StopReason.TokenBudget({ limit: 300, used: 330 }))
      assert.strictEqual(result.turns, 3)
      assert.strictEqual(model.requests().length, 3)
      assert.deepStrictEqual(
        result.tools.map((report) => [report.call.id, report.outcome]),
        [["toolu_3", "not-run"]]
      )
    }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
  })

  it.effect("a run that failed on a 429 continues from LoopError.state through JSON; the failed call counts", () => {
    const limited = new ModelError.ModelFailure({
      reason: "rate-limit",
      errorType: "rate_limit_error",
      message: "slow down",
      status: 429
    })
    const model = ScriptedModel.make((_, index) =>
      index === 0 ? Effect.succeed(addCall("toolu_1", 1, 1)) : index === 1 ? Effect.fail(limited) : Effect.succeed(done)
    )
    return Effect.gen(function* () {
      const options: LoopOptions = { model: "m", toolkit, limits: { maxTurns: 3 } }
      const error = yield* Effect.flip(AgentLoop.run({ ...options, prompt: "add" }))
      assert.strictEqual(error.reason, "ModelCall")
      assert.strictEqual(error.modelError?.reason, "rate-limit")
      assert.strictEqual(error.turn, 2)
      const stored = roundTrip(error.state!)
      assert.strictEqual(stored.turns, 2)
      assert.strictEqual(stored.toolCalls, 1)
      assert.strictEqual(stored.usage.total, 110)
      const result = yield* AgentLoop.run({ ...options, state: stored })
      assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
      assert.strictEqual(result.turns, 3)
      assert.strictEqual(result.usage.total, 220)
      assert.strictEqual(result.text, "Done.")
      // The retry sends what the failed call sent.
      assert.strictEqual(model.requests().length, 3)
      assert.deepStrictEqual(model.requests()[2], model.requests()[1])
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.live("a run waiting for approval is decided and continued in another process, its limits intact", () => {
    const model = ScriptedModel.fromMessages([
      reply(
        [
          { type: "tool_use", id: "toolu_ok", name: "add", input: { a: 1, b: 1 } },
          { type: "tool_use", id: "toolu_ask", name: "add", input: { a: 2, b: 2 } }
        ],
        "tool_use"
      )
    ])
    const { toolkit, added } = makeToolkit()
    const options: LoopOptions = {
      model: "m",
      toolkit,
      limits: { maxTurns: 2 },
      approve: (call) => Effect.succeed(call.id === "toolu_ask" ? Approval.defer : Approval.allow)
    }
    return Effect.gen(function* () {
      const waiting = yield* AgentLoop.run({ ...options, prompt: "add", runId: "run_approval" })
      assert.deepStrictEqual(waiting.stopReason, StopReason.AwaitingApproval({ ids: ["toolu_ask"] }))
      assert.deepStrictEqual(added, ["1+1"])
      const report = yield* inChild("fixtures/decideRun.ts", Schema.encodeSync(RunState.Json)(waiting.state))
      assert.notStrictEqual(report.pid, process.pid)
      assert.deepStrictEqual(
        { ...report, pid: undefined },
        {
          pid: undefined,
          waiting: true,
          // Only the decided call ran there, with the edited input; the allowed one kept its result from here.
          ran: ["40+2"],
          stopReason: "EndTurn",
          runId: "run_approval",
          turns: 2,
          toolCalls: 2,
          total: 220,
          text: "It is 42.",
          sent: [
            {
              role: "user",
              content: [
                { type: "tool_result", tool_use_id: "toolu_ok", content: "2" },
                { type: "tool_result", tool_use_id: "toolu_ask", content: "42" }
              ]
            }
          ],
          tools: [[1, "toolu_ask", "ok"]]
        }
      )
    }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
  })

  it.effect(
    "a run stopped mid-step continues from its result's state through JSON, its deadline counting on (TestClock)",
    () => {
      const slowCall = (id: string) => reply([{ type: "tool_use", id, name: "slow", input: {} }], "tool_use")
      const model = ScriptedModel.fromMessages([slowCall("toolu_1"), slowCall("toolu_2")])
      return Effect.gen(function* () {
        const stop = yield* Deferred.make<void>()
        const options: LoopOptions = { model: "m", toolkit, limits: { deadline: Duration.seconds(8), maxTurns: 5 } }
        const fiber = yield* Effect.fork(AgentLoop.run({ ...options, prompt: "slowly", stop: Deferred.await(stop) }))
        yield* TestClock.adjust(Duration.seconds(3))
        yield* Deferred.succeed(stop, undefined)
        const stopped = yield* Fiber.join(fiber)
        assert.deepStrictEqual(stopped.stopReason, StopReason.Stopped())
        const stored = roundTrip(stopped.state)
        assert.strictEqual(stored.elapsedMillis, 3000)
        assert.strictEqual(stored.turns, 1)
        assert.isUndefined(stored.pending)
        assert.deepStrictEqual(Conversation.lastTurn(stored.conversation)?.content, [
          {
            type: "tool_result",
            tool_use_id: "toolu_1",
            content: "Interrupted: the loop was stopped while this call was running.",
            is_error: true
          }
        ])
        // A day later, elsewhere: 5 s of the deadline are left, and the next call's tool takes 6 s.
        yield* TestClock.adjust(Duration.hours(24))
        const rest = yield* Effect.fork(AgentLoop.run({ ...options, state: stored, prompt: "Try again." }))
        yield* TestClock.adjust(Duration.seconds(5))
        const result = yield* Fiber.join(rest)
        assert.deepStrictEqual(result.stopReason, StopReason.Deadline({ limit: Duration.seconds(8) }))
        assert.strictEqual(result.turns, 2)
        assert.strictEqual(result.state.elapsedMillis, 8000)
        assert.deepStrictEqual(model.requests()[1]!.messages[2], {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_1",
              content: "Interrupted: the loop was stopped while this call was running.",
              is_error: true
            },
            { type: "text", text: "Try again." }
          ]
        })
      }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
    }
  )
})
