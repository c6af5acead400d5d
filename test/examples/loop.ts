import { Tool, Toolkit } from "@parley/core"
import { AgentLoop, StopReason } from "@parley/loop"
import * as MessagesClient from "@parley/transport/MessagesClient"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import { Effect, Layer, Schema } from "effect"

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const toolkit = Toolkit.make(add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })

const program = Effect.gen(function* () {
  const result = yield* AgentLoop.run({ model: "claude-sonnet-4-5", prompt: "What is 17 + 23?", toolkit })
  console.log(result.text, StopReason.describe(result.stopReason), result.usage.total)
})

await program.pipe(
  Effect.provide(MessagesClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layer))),
  Effect.runPromise
)
