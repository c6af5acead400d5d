import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Tool, Toolkit } from "@parley/core"
import { DurableAgent, DurableEngine, ToolCall } from "@parley/durable"
import { Approval } from "@parley/loop"
import * as MessagesClient from "@parley/transport/MessagesClient"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import { Effect, Layer, Schema } from "effect"

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const toolkit = Toolkit.make(add).handle({
  add: ({ a, b }) =>
    Effect.gen(function* () {
      const key = yield* ToolCall.idempotencyKey // the same on every attempt of this call: pass it to your API
      console.log(`add ran with an idempotency key: ${key !== undefined}`)
      return a + b
    })
})

// The same name and settings in every process that runs or starts this agent's runs.
const agent = DurableAgent.make("calculator", {
  model: "claude-sonnet-4-5",
  toolkit,
  approve: () => Effect.succeed(Approval.defer) // every call waits for a person
})

const program = Effect.gen(function* () {
  const runId = yield* DurableAgent.start(agent, { prompt: "Add 17 and 23." })
  const waiting = yield* DurableAgent.wait(agent, runId)
  if (waiting._tag === "AwaitingApproval") {
    console.log(`waiting for ${waiting.calls.map((call) => call.name).join(", ")}`)
    // From any process that can open the journal (DurableEngine.sqliteClientLayer), even after a restart:
    for (const call of waiting.calls) yield* DurableAgent.decide(runId, call.id, { _tag: "Allow" })
  }
  const outcome = yield* DurableAgent.wait(agent, runId)
  if (outcome._tag === "Ended") console.log(outcome.end.stopReason._tag, outcome.end.text)
  const [run] = yield* DurableAgent.list({ agent: "calculator" })
  console.log(run?.status, run?.turns, run?.toolCalls)
})

const journal = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "parley-")), "runs.db")
const engine = DurableEngine.sqlite({ filename: journal })
const model = MessagesClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layer))

await program.pipe(
  Effect.provide(
    Layer.mergeAll(DurableAgent.layer(agent), DurableEngine.layerClient).pipe(
      Layer.provideMerge(engine),
      Layer.provide(model)
    )
  ),
  Effect.scoped,
  Effect.runPromise
)
