import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { describe, expect, it } from "@effect/vitest"
import { Conversation, type Message, ModelError, Tool, Toolkit } from "@parley/core"
import { AgentLoop, Approval, type LoopEvent } from "@parley/loop"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import { Responder, StandinServer } from "@parley/standin"
import { MessagesClient } from "@parley/transport"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import { Chunk, Effect, Layer, Redacted, Schema, Stream } from "effect"
import { DurableAgent, DurableEngine, ToolCall } from "../src/index.js"
import { hasToolResult, reply, toolUse, twoTurns } from "./fixtures.js"

const tempJournal = () => Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "parley-durable-")), "runs.db")

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const send = Tool.make("send", {
  description: "Sends a message",
  input: Schema.Struct({ to: Schema.String }),
  output: Schema.String
})

const script = [
  reply([toolUse("t1", "add", { a: 2, b: 3 }), toolUse("t2", "send", { to: "ana" })], "tool_use"),
  reply([{ type: "text", text: "2 + 3 = 5, and the message is sent." }], "end_turn")
]

describe("DurableAgent on SQLite", () => {
  it.live("runs a scripted conversation exactly as the plain loop does", () =>
    Effect.gen(function* () {
      const keys: Array<string | undefined> = []
      let sends = 0
      const toolkit = Toolkit.make(add, send).handle({
        add: ({ a, b }) => Effect.succeed(a + b),
        send: ({ to }) =>
          Effect.gen(function* () {
            keys.push(yield* ToolCall.idempotencyKey)
            sends += 1
            return `sent to ${to}`
          })
      })
      const options = { model: "claude-test", toolkit }

      const plainModel = ScriptedModel.fromMessages(script)
      const plain = yield* AgentLoop.run({ ...options, prompt: "Add 2 and 3, then message ana." }).pipe(
        Effect.provide(ScriptedModel.layer(plainModel))
      )

      const streamed = yield* AgentLoop.stream({ ...options, prompt: "Add 2 and 3, then message ana." }).pipe(
        Stream.runCollect,
        Effect.provide(ScriptedModel.layer(ScriptedModel.fromMessages(script)))
      )
      sends = 0
      keys.length = 0

      const durableModel = ScriptedModel.fromMessages(script)
      const events: Array<LoopEvent.LoopEvent> = []
      const agent = DurableAgent.make("adder", { ...options, onEvent: (_, event) => events.push(event) })
      const engine = DurableEngine.sqlite({ filename: tempJournal() })
      const outcome = yield* Effect.gen(function* () {
        const runId = yield* DurableAgent.start(agent, { runId: "run-1", prompt: "Add 2 and 3, then message ana." })
        return yield* DurableAgent.wait(agent, runId)
      }).pipe(
        Effect.provide(
          DurableAgent.layer(agent).pipe(Layer.provideMerge(engine), Layer.provide(ScriptedModel.layer(durableModel)))
        ),
        Effect.scoped
      )
      expect(outcome._tag).toBe("Ended")
      if (outcome._tag !== "Ended") return
      const end = outcome.end
      expect(end.stopReason._tag).toBe(plain.stopReason._tag)
      expect(end.text).toBe("2 + 3 = 5, and the message is sent.")
      expect(end.text).toBe(plain.text)
      expect(Conversation.messages(end.state.conversation)).toEqual(Conversation.messages(plain.conversation))
      expect(end.state.turns).toBe(2)
      expect(end.state.toolCalls).toBe(2)
      expect(end.tools.map((report) => [report.call.id, report.outcome])).toEqual([
        ["t1", "ok"],
        ["t2", "ok"]
      ])
      // The same events as the plain loop's stream; all equal but the closing `Finished` (its state has the run id).
      const plainEvents = Chunk.toReadonlyArray(streamed)
      expect(events.map((event) => event._tag)).toEqual(plainEvents.map((event) => event._tag))
      const timeless = (list: ReadonlyArray<LoopEvent.LoopEvent>) =>
        list.slice(0, -1).map((event) => ("durationMillis" in event ? { ...event, durationMillis: 0 } : event))
      expect(timeless(events)).toEqual(timeless(plainEvents))
      expect(durableModel.requests().length).toBe(2)
      expect(sends).toBe(1)
      expect(keys.length).toBe(1)
      expect(keys[0]).toMatch(/^[0-9a-f]{16,}$/)
    })
  )

  it.live("waits for approval, decided through the journal, and stops on the same limits as the plain loop", () =>
    Effect.gen(function* () {
      let sends = 0
      const toolkit = Toolkit.make(add, send).handle({
        add: ({ a, b }) => Effect.succeed(a + b),
        send: ({ to }) =>
          Effect.sync(() => {
            sends += 1
            return `sent to ${to}`
          })
      })
      const agent = DurableAgent.make("approver", {
        model: "claude-test",
        toolkit,
        approve: (call) => Effect.succeed(call.name === "send" ? Approval.defer : Approval.allow)
      })
      const journal = tempJournal()
      const layer = DurableAgent.layer(agent).pipe(
        Layer.provideMerge(DurableEngine.sqlite({ filename: journal })),
        Layer.provide(ScriptedModel.layer(twoTurns(script[0]!, script[1]!)))
      )
      yield* Effect.gen(function* () {
        const runId = yield* DurableAgent.start(agent, { runId: "run-a", prompt: "Add, then send." })
        const waiting = yield* DurableAgent.wait(agent, runId)
        expect(waiting).toEqual({
          _tag: "AwaitingApproval",
          runId: "run-a",
          calls: [{ id: "t2", name: "send", input: { to: "ana" } }]
        })
        const listed = yield* DurableAgent.list({ agent: "approver" })
        expect(listed.map((run) => [run.runId, run.status, run.stopReason])).toEqual([
          ["run-a", "awaiting-approval", "AwaitingApproval"]
        ])
        expect(sends).toBe(0)
        const unknown = yield* Effect.flip(DurableAgent.decide("run-a", "t9", { _tag: "Allow" }))
        expect(unknown._tag).toBe("NotAwaiting")
        const missing = yield* Effect.flip(DurableAgent.decide("run-x", "t2", { _tag: "Allow" }))
        expect(missing._tag).toBe("RunNotFound")
        yield* DurableAgent.decide("run-a", "t2", { _tag: "Deny", reason: "not today" })
        const outcome = yield* DurableAgent.wait(agent, runId)
        if (outcome._tag !== "Ended") return expect.fail(`still ${outcome._tag}`)
        expect(sends).toBe(0)
        const results = Conversation.messages(outcome.end.state.conversation)[2]?.content
        expect(results).toEqual([
          { type: "tool_result", tool_use_id: "t1", content: "5" },
          { type: "tool_result", tool_use_id: "t2", content: "Denied: not today", is_error: true }
        ])
        expect(outcome.end.tools.map((report) => [report.call.id, report.outcome])).toEqual([
          ["t1", "ok"],
          ["t2", "denied"]
        ])
        expect((yield* DurableAgent.status("run-a")).status).toBe("finished")

        // A second run, interrupted while it waits: it ends, and no decision is taken for it any more.
        const second = yield* DurableAgent.start(agent, { runId: "run-b", prompt: "Add, then send." })
        expect((yield* DurableAgent.wait(agent, second))._tag).toBe("AwaitingApproval")
        yield* DurableAgent.interrupt(agent, second)
        expect(yield* DurableAgent.wait(agent, second)).toEqual({ _tag: "Interrupted", runId: "run-b" })
        expect((yield* DurableAgent.status("run-b")).status).toBe("interrupted")
        expect((yield* Effect.flip(DurableAgent.decide("run-b", "t2", { _tag: "Allow" })))._tag).toBe("NotAwaiting")
        expect(sends).toBe(0)
        // Starting the same run id again does not run it again.
        expect(yield* DurableAgent.start(agent, { runId: "run-a", prompt: "Add, then send." })).toBe("run-a")
        expect((yield* DurableAgent.list()).map((run) => [run.runId, run.status])).toEqual([
          ["run-a", "finished"],
          ["run-b", "interrupted"]
        ])

        // Retention: a third run waits; purging what ended before now deletes the two others, journal and all.
        const third = yield* DurableAgent.start(agent, { runId: "run-c", prompt: "Add, then send." })
        expect((yield* DurableAgent.wait(agent, third))._tag).toBe("AwaitingApproval")
        const rows = (table: string) =>
          Effect.flatMap(SqlClient.SqlClient, (sql) =>
            sql.unsafe<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)
          ).pipe(
            Effect.map((result) => Number(result[0]?.n)),
            Effect.provide(SqliteClient.layer({ filename: journal })),
            Effect.orDie
          )
        const tables = [
          "parley_wf_executions",
          "parley_wf_activities",
          "parley_durable_runs",
          "parley_durable_decisions"
        ]
        expect(yield* Effect.forEach(tables, rows)).toEqual([3, 7, 3, 1])
        expect(yield* DurableAgent.purge(agent, { endedBefore: 0 })).toEqual([])
        expect(yield* DurableAgent.purge(agent, { endedBefore: Date.now() + 1, statuses: ["failed"] })).toEqual([])
        expect(yield* DurableAgent.purge(agent, { endedBefore: new Date(Date.now() + 1) })).toEqual(["run-a", "run-b"])
        expect(yield* Effect.forEach(tables, rows)).toEqual([1, 2, 1, 0])
        expect((yield* Effect.flip(DurableAgent.status("run-a")))._tag).toBe("RunNotFound")
        expect((yield* DurableAgent.status("run-c")).status).toBe("awaiting-approval")
        // The waiting run goes on; a purged id starts a new run.
        yield* DurableAgent.decide("run-c", "t2", { _tag: "Allow" })
        expect((yield* DurableAgent.wait(agent, third))._tag).toBe("Ended")
        expect(sends).toBe(1)
        expect(yield* DurableAgent.start(agent, { runId: "run-a", prompt: "Add, then send." })).toBe("run-a")
        expect((yield* DurableAgent.wait(agent, "run-a"))._tag).toBe("AwaitingApproval")
      }).pipe(Effect.provide(Layer.merge(layer, DurableEngine.layerClient.pipe(Layer.provide(layer)))), Effect.scoped)
    })
  )

  it.live("ends on maxTurns like the plain loop, and a failed model call is a typed RunFailed", () =>
    Effect.gen(function* () {
      const toolkit = Toolkit.make(add, send).handle({
        add: ({ a, b }) => Effect.succeed(a + b),
        send: ({ to }) => Effect.succeed(`sent to ${to}`)
      })
      const options = { model: "claude-test", toolkit, limits: { maxTurns: 1 } }
      const plain = yield* AgentLoop.run({ ...options, prompt: "go" }).pipe(
        Effect.provide(ScriptedModel.layer(ScriptedModel.fromMessages(script)))
      )
      expect(plain.stopReason).toEqual({ _tag: "MaxTurns", limit: 1 })
      const limited = DurableAgent.make("limited", options)
      const failing = DurableAgent.make("failing", { model: "claude-test" })
      const overloaded = ScriptedModel.make(() =>
        Effect.fail(
          new ModelError.ModelFailure({ reason: "overloaded", message: "The API is overloaded.", status: 529 })
        )
      )
      const journal = tempJournal()
      const engine = DurableEngine.sqlite({ filename: journal })
      const end = yield* Effect.gen(function* () {
        const outcome = yield* DurableAgent.wait(limited, yield* DurableAgent.start(limited, { prompt: "go" }))
        return outcome._tag === "Ended" ? outcome.end : undefined
      }).pipe(
        Effect.provide(
          DurableAgent.layer(limited).pipe(
            Layer.provideMerge(engine),
            Layer.provide(ScriptedModel.layer(ScriptedModel.fromMessages(script)))
          )
        ),
        Effect.scoped
      )
      expect(end?.stopReason).toEqual(plain.stopReason)
      expect(Conversation.messages(end!.state.conversation)).toEqual(Conversation.messages(plain.conversation))

      const failure = yield* Effect.gen(function* () {
        const runId = yield* DurableAgent.start(failing, { runId: "run-f", prompt: "go" })
        return yield* Effect.flip(DurableAgent.wait(failing, runId))
      }).pipe(
        Effect.provide(
          DurableAgent.layer(failing).pipe(Layer.provideMerge(engine), Layer.provide(ScriptedModel.layer(overloaded)))
        ),
        Effect.scoped
      )
      expect(failure._tag).toBe("RunFailed")
      if (failure._tag !== "RunFailed") return
      expect([failure.runId, failure.reason]).toEqual(["run-f", "ModelCall"])
      expect(failure.message).toContain("The API is overloaded.")
      expect(failure.state?.turns).toBe(1) // the failed call counts, as in the plain loop
    })
  )

  it.live("keeps the API key out of the journal", () =>
    Effect.gen(function* () {
      const key = "sk-ant-journal-sentinel-0123456789"
      const standin = yield* StandinServer.start({ responder: Responder.planner() })
      const journal = tempJournal()
      const agent = DurableAgent.make("keyed", {
        model: "claude-sonnet-4-5",
        toolkit: Toolkit.make(add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })
      })
      const client = MessagesClient.layer({ apiKey: Redacted.make(key), baseUrl: standin.url }).pipe(
        Layer.provide(NodeHttpClient.layer)
      )
      const outcome = yield* Effect.gen(function* () {
        return yield* DurableAgent.wait(agent, yield* DurableAgent.start(agent, { prompt: "What is 2 + 3? Use add." }))
      }).pipe(
        Effect.provide(
          DurableAgent.layer(agent).pipe(
            Layer.provideMerge(DurableEngine.sqlite({ filename: journal })),
            Layer.provide(client)
          )
        ),
        Effect.scoped
      )
      expect(outcome._tag).toBe("Ended")
      const files = Fs.readdirSync(Path.dirname(journal)).map((name) =>
        Fs.readFileSync(Path.join(Path.dirname(journal), name))
      )
      expect(files.some((bytes) => bytes.includes("What is 2 + 3?"))).toBe(true)
      expect(files.some((bytes) => bytes.includes(key))).toBe(false)
    }).pipe(Effect.scoped)
  )

  /**
   * Another process breaks the journal (renames its activities table) while `when` runs: the call's result cannot
   * be journaled. The run's wait fails with a JournalError naming it; with the journal repaired, a new engine
   * continues the run where its journal ends, and it ends as it would have.
   */
  const journalAway = (when: "tool" | "model") =>
    Effect.gen(function* () {
      const journal = tempJournal()
      const onJournal = (statement: string) =>
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
          Effect.provide(SqliteClient.layer({ filename: journal })),
          Effect.orDie
        )
      const breakJournal = onJournal("ALTER TABLE parley_wf_activities RENAME TO parley_wf_activities_away")
      let sends = 0
      let modelCalls = 0
      const toolkit = Toolkit.make(add, send).handle({
        add: ({ a, b }) => Effect.succeed(a + b),
        send: () =>
          Effect.suspend(() => {
            sends += 1
            return when === "tool" && sends === 1 ? breakJournal : Effect.void
          }).pipe(Effect.as("sent"))
      })
      const model = ScriptedModel.make((request) =>
        Effect.suspend(() => {
          modelCalls += 1
          const answer = Effect.succeed(
            hasToolResult(request.messages) ? (script[1] as Message.Message) : (script[0] as Message.Message)
          )
          return when === "model" && modelCalls === 2 ? Effect.zipRight(breakJournal, answer) : answer
        })
      )
      const agent = DurableAgent.make("journal-away", { model: "claude-test", toolkit })
      const runner = DurableAgent.layer(agent).pipe(
        Layer.provideMerge(DurableEngine.sqlite({ filename: journal })),
        Layer.provide(ScriptedModel.layer(model))
      )

      const failure = yield* Effect.gen(function* () {
        const runId = yield* DurableAgent.start(agent, { runId: "away-1", prompt: "Add 2 and 3, then tell Ana." })
        return yield* Effect.flip(DurableAgent.wait(agent, runId))
      }).pipe(Effect.provide(runner), Effect.scoped, Effect.timeout("10 seconds"))
      if (failure._tag !== "JournalError") return expect.fail(`not a JournalError: ${failure._tag}`)
      expect(failure.operation).toBe(
        when === "tool" ? "journal the result of tool/t2" : "journal the result of model/2"
      )
      expect(failure.message).toBe(
        "The run away-1 stopped: its journal could not be written (Failed to execute statement: no such table: parley_wf_activities). It continues where its journal ends when an engine runs it again."
      )
      expect(
        yield* DurableAgent.status("away-1").pipe(
          Effect.provide(DurableEngine.sqliteClientLayer({ filename: journal }))
        )
      ).toMatchObject({ status: "running" })

      yield* onJournal("ALTER TABLE parley_wf_activities_away RENAME TO parley_wf_activities")
      const outcome = yield* DurableAgent.wait(agent, "away-1").pipe(
        Effect.provide(runner),
        Effect.scoped,
        Effect.timeout("10 seconds")
      )
      if (outcome._tag !== "Ended") return expect.fail(`not ended: ${outcome._tag}`)
      expect(outcome.end.text).toBe("2 + 3 = 5, and the message is sent.")
      expect(Conversation.messages(outcome.end.state.conversation).length).toBe(4)
      // The call whose result was not journaled runs again (with its idempotency key); the model call too.
      expect([sends, modelCalls]).toEqual(when === "tool" ? [2, 2] : [1, 3])
    })

  it.live(
    "a journal that cannot be written while a tool call runs: a JournalError from wait, the run continued later",
    () => journalAway("tool")
  )
  it.live(
    "a journal that cannot be written after a model call: a JournalError from wait, the run continued later",
    () => journalAway("model")
  )
})
