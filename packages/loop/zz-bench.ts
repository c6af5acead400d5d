import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import type * as Message from "@parley/core/Message"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as ScriptedClient from "@parley/loop/ScriptedClient"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

const add = Tool.make("add", { description: "Adds", input: Schema.Struct({ a: Schema.Number, b: Schema.Number }), output: Schema.Number })
const handled = Toolkit.make(add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })
const message = (content: Message.Message["content"], stop_reason: string): Message.Message => ({ id: "m", type: "message", role: "assistant", content, stop_reason, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 5 } })
const N = Number(process.argv[2] ?? 1000)
const stream = process.argv[3] === "stream"
const run = () => {
  let index = 0
  const client = ScriptedClient.layer(() => Effect.sync(() => {
    index++
    return index <= N ? message([{ type: "tool_use", id: `toolu_${index}`, name: "add", input: { a: index, b: 1 } }], "tool_use") : message([{ type: "text", text: "done" }], "end_turn")
  }))
  return AgentLoop.run({ model: "m", prompt: "count", toolkit: handled, stream, limits: { maxTurns: N + 1, tokenBudget: Infinity, deadline: Infinity }, ...(process.argv[4] === "notimeout" ? { toolTimeout: Infinity } : {}) }).pipe(Effect.provide(client))
}
let best = Infinity
let bestCpu = Infinity
for (let i = 0; i < 10; i++) {
  const t = performance.now()
  const c = process.cpuUsage()
  const r = await Effect.runPromise(run())
  const cu = process.cpuUsage(c)
  const ms = performance.now() - t
  best = Math.min(best, ms / r.turns)
  bestCpu = Math.min(bestCpu, (cu.user + cu.system) / 1000 / r.turns)
}
console.log(`${process.argv.slice(2).join(" ")}: best wall ${best.toFixed(4)} ms/turn, best cpu ${bestCpu.toFixed(4)} ms/turn`)
