import { execFile } from "node:child_process"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import * as RunState from "@parley/core/RunState"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as Approval from "@parley/loop/Approval"
import type { LoopOptions } from "@parley/loop/LoopOptions"
import type * as Step from "@parley/loop/Step"
import * as StopReason from "@parley/loop/StopReason"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
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
      const root = path.resolve(import.meta.dirname, "../../..")
      const output = yield* Effect.async<string, Error>((resume) => {
        const child = execFile(
          path.join(root, "node_modules/.bin/tsx"),
          [
            "--tsconfig",
            path.join(root, "tsconfig.dev.json"),
            path.join(import.meta.dirname, "fixtures/continueRun.ts")
          ],
          { cwd: root },
          (error, stdout, stderr) =>
            resume(error ? Effect.fail(new Error(`${error.message}\n${stderr}`)) : Effect.succeed(stdout))
        )
        child.stdin?.end(stored)
      })
      const report = JSON.parse(output)
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
})
