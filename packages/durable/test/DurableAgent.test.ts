import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Conversation, Tool, Toolkit } from "@parley/core"
import { AgentLoop } from "@parley/loop"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import { Effect, Layer, Schema } from "effect"
import { DurableAgent, DurableEngine, ToolCall } from "../src/index.js"
import { reply, toolUse } from "./fixtures.js"

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

      const durableModel = ScriptedModel.fromMessages(script)
      const agent = DurableAgent.make("adder", options)
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
      expect(durableModel.requests().length).toBe(2)
      expect(sends).toBe(2) // once per loop
      expect(keys[0]).toBeUndefined()
      expect(keys[1]).toMatch(/^[0-9a-f]{16,}$/)
    })
  )
})
