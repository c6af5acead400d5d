import { assert, describe, it } from "@effect/vitest"
import * as Telemetry from "@parley/core/Telemetry"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"
import { reply } from "./utils/replies.js"

const Add = Tool.make("add", {
  description: "Adds",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const toolkit = Toolkit.make(Add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })

/** Runs a two-turn scripted run (one tool call, then an answer) under a tracer that records every span. */
const traced = (layer: ReadonlyArray<"telemetry" | "content">) =>
  Effect.gen(function* () {
    const builtIn = yield* Effect.tracer
    const spans: Array<Tracer.Span> = []
    const recording = Tracer.make({
      span: (name, parent, context, links, startTime, kind, options) => {
        const span = builtIn.span(name, parent, context, links, startTime, kind, options)
        spans.push(span)
        return span
      },
      context: (f, fiber) => builtIn.context(f, fiber)
    })
    const model = ScriptedModel.fromMessages([
      reply([{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 2, b: 3 } }], "tool_use"),
      reply([{ type: "text", text: "5" }], "end_turn")
    ])
    let run = AgentLoop.run({
      model: "claude-test",
      prompt: "2 + 3?",
      toolkit,
      runId: "run_1",
      agentName: "calc"
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
    if (layer.includes("telemetry")) {
      run = run.pipe(Effect.provide(Telemetry.layer({ captureContent: layer.includes("content") })))
    }
    const result = yield* Effect.withTracer(run, recording)
    return { spans, result }
  })

describe("loop telemetry", () => {
  it.effect("a run is an invoke_agent span with an execute_tool child per tool call", () =>
    Effect.gen(function* () {
      const counter = Telemetry.toolCalls.pipe(
        Metric.tagged("gen_ai.tool.name", "add"),
        Metric.tagged("parley.tool.outcome", "ok")
      )
      const before = (yield* Metric.value(counter)).count
      const { spans, result } = yield* traced(["telemetry"])
      assert.strictEqual(result.text, "5")
      assert.deepStrictEqual(
        spans.map((span) => span.name),
        ["invoke_agent calc", "execute_tool add"]
      )
      const [agent, tool] = spans
      assert.strictEqual(tool?.parent._tag === "Some" && tool.parent.value.spanId, agent?.spanId)
      assert.deepStrictEqual(Object.fromEntries(agent!.attributes), {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-test",
        "gen_ai.agent.name": "calc",
        "gen_ai.conversation.id": "run_1",
        "gen_ai.usage.input_tokens": 20,
        "gen_ai.usage.output_tokens": 10,
        "gen_ai.usage.cache_creation.input_tokens": 0,
        "gen_ai.usage.cache_read.input_tokens": 0,
        "gen_ai.response.finish_reasons": ["EndTurn"]
      })
      assert.deepStrictEqual(Object.fromEntries(tool!.attributes), {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "add",
        "gen_ai.tool.call.id": "toolu_1",
        "gen_ai.tool.type": "function",
        "parley.tool.outcome": "ok"
      })
      assert.strictEqual((yield* Metric.value(counter)).count - before, 1)
    })
  )

  it.effect("tool arguments and results only with captureContent; no spans at all without Telemetry", () =>
    Effect.gen(function* () {
      const withContent = yield* traced(["telemetry", "content"])
      const tool = withContent.spans.find((span) => span.name === "execute_tool add")!
      assert.strictEqual(tool.attributes.get("gen_ai.tool.call.arguments"), '{"a":2,"b":3}')
      assert.strictEqual(tool.attributes.get("gen_ai.tool.call.result"), '"5"')
      const off = yield* traced([])
      assert.deepStrictEqual(off.spans, [])
      assert.strictEqual(off.result.text, "5")
    })
  )
})
