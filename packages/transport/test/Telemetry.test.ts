import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { assert, describe, it } from "@effect/vitest"
import type { ExportResult } from "@opentelemetry/core"
import { type ReadableSpan, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base"
import * as Telemetry from "@parley/core/Telemetry"
import * as Usage from "@parley/core/Usage"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Stream from "effect/Stream"
import * as Retry from "../src/Retry.js"
import * as L from "./utils/Loopback.js"

/**
 * An OpenTelemetry SDK whose spans land in memory and stay there after the SDK shuts down (the SDK's own
 * `InMemorySpanExporter` forgets them on shutdown, which closing the layer does).
 */
const otel = () => {
  const finished: Array<ReadableSpan> = []
  const exporter: SpanExporter & { readonly getFinishedSpans: () => ReadonlyArray<ReadableSpan> } = {
    export: (spans: Array<ReadableSpan>, done: (result: ExportResult) => void) => {
      finished.push(...spans)
      done({ code: 0 })
    },
    shutdown: () => Promise.resolve(),
    getFinishedSpans: () => finished
  }
  const layer = NodeSdk.layer(() => ({
    resource: { serviceName: "parley-test" },
    spanProcessor: new SimpleSpanProcessor(exporter)
  }))
  return { exporter, layer }
}

const usage = {
  input_tokens: 120,
  output_tokens: 30,
  cache_creation_input_tokens: 1000,
  cache_read_input_tokens: 4000
}

/** The spans as a tree of names, children in start order. */
const tree = (spans: ReadonlyArray<ReadableSpan>) => {
  const byParent = (id: string | undefined): Array<unknown> =>
    spans
      .filter((span) => span.parentSpanContext?.spanId === id)
      .sort((a, b) => a.startTime[1] - b.startTime[1] + (a.startTime[0] - b.startTime[0]) * 1e9)
      .map((span) => {
        const children = byParent(span.spanContext().spanId)
        return children.length === 0 ? span.name : [span.name, children]
      })
  return byParent(undefined)
}

const fast = Retry.layer({ jitter: 0, initialDelay: 0 })

describe("Telemetry", () => {
  it.scoped("a call is a GenAI chat span with one POST child per attempt, traceparent sent, nothing secret", () =>
    Effect.gen(function* () {
      const { exporter, layer } = otel()
      const server = yield* L.start((request, res, index) => {
        if (index === 0) return L.apiError(res, 529, "overloaded_error", "Overloaded", { "request-id": "req_529" })
        if (JSON.parse(request.body).stream === true) {
          L.streamHead(res, { "request-id": "req_s" })
          return res.end(L.sseBody(L.textEvents(["a", "b"])))
        }
        L.json(res, 200, L.message("Hi", { usage }), { "request-id": "req_ok" })
      })
      const client = yield* L.client(server.url, {}, Layer.mergeAll(fast, Telemetry.layer()))
      const program = Effect.gen(function* () {
        yield* client.create({ ...L.request, temperature: 0.5 })
        yield* Stream.runDrain(client.stream(L.request))
      }).pipe(Effect.withSpan("request handler"))
      yield* program.pipe(Effect.provide(layer))
      const spans = exporter.getFinishedSpans()
      assert.deepStrictEqual(tree(spans), [
        [
          "request handler",
          [
            ["chat claude-test", ["POST", "POST"]],
            ["chat claude-test", ["POST"]]
          ]
        ]
      ])
      const [create, stream] = spans.filter((span) => span.name === "chat claude-test")
      assert.deepStrictEqual(create?.attributes, {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-test",
        "gen_ai.request.max_tokens": 256,
        "gen_ai.request.temperature": 0.5,
        "server.address": new URL(server.url).host,
        "gen_ai.response.id": "msg_01",
        "gen_ai.response.model": "claude-test",
        // @effect/opentelemetry 0.64 sends every non-primitive attribute as its JSON text
        "gen_ai.response.finish_reasons": JSON.stringify(["end_turn"], null, 2),
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 30,
        "gen_ai.usage.cache_creation.input_tokens": 1000,
        "gen_ai.usage.cache_read.input_tokens": 4000
      })
      assert.strictEqual(create?.kind, 2) // SpanKind.CLIENT
      assert.strictEqual(stream?.attributes["parley.streaming"], true)
      assert.strictEqual(stream?.attributes["gen_ai.usage.output_tokens"], 6)
      assert.deepStrictEqual(
        stream?.attributes["gen_ai.response.finish_reasons"],
        JSON.stringify(["end_turn"], null, 2)
      )
      const posts = spans.filter((span) => span.name === "POST")
      assert.deepStrictEqual(
        posts.map((span) => [
          span.attributes["http.response.status_code"],
          span.attributes["http.request.resend_count"],
          span.attributes["parley.retry.wait_ms"],
          span.attributes["parley.request_id"]
        ]),
        [
          [529, undefined, undefined, "req_529"],
          [200, 1, 0, "req_ok"],
          [200, undefined, undefined, "req_s"]
        ]
      )
      // each request carried its own attempt span's context
      assert.deepStrictEqual(
        server.received.map((request) => request.headers.traceparent),
        posts.map((span) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`)
      )
      const everything = JSON.stringify(spans.map((span) => [span.name, span.attributes, span.events]))
      assert.notInclude(everything, L.SENTINEL_KEY)
      assert.notInclude(everything, "x-api-key")
    })
  )

  it.scoped("without Telemetry.layer no span is made and nothing is propagated, even with a tracer installed", () =>
    Effect.gen(function* () {
      const { exporter, layer } = otel()
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("Hi")))
      const client = yield* L.client(server.url)
      yield* client.create(L.request).pipe(Effect.withSpan("outer"), Effect.provide(layer))
      assert.deepStrictEqual(
        exporter.getFinishedSpans().map((span) => span.name),
        ["outer"]
      )
      assert.strictEqual(server.received[0]?.headers.traceparent, undefined)
    })
  )

  it.scoped("traceparent can be turned off; metrics record tokens and durations by model", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("Hi", { usage, model: "claude-metrics" })))
      const client = yield* L.client(server.url, {}, Telemetry.layer({ propagate: false }))
      const input = Telemetry.tokenUsage.pipe(
        Metric.tagged("gen_ai.operation.name", "chat"),
        Metric.tagged("gen_ai.provider.name", "anthropic"),
        Metric.tagged("gen_ai.request.model", "claude-metrics-req"),
        Metric.tagged("gen_ai.token.type", "input")
      )
      const before = (yield* Metric.value(input)).count
      yield* client.create({ ...L.request, model: "claude-metrics-req" })
      yield* client.create({ ...L.request, model: "claude-metrics-req" })
      const after = yield* Metric.value(input)
      assert.strictEqual(after.count - before, 2)
      assert.strictEqual(after.sum, 240)
      assert.strictEqual(server.received[0]?.headers.traceparent, undefined)
    })
  )

  it.scoped("the client keeps usage totals by model, and the price table gives their cost", () =>
    Effect.gen(function* () {
      const server = yield* L.start((request, res) => {
        const body = JSON.parse(request.body)
        if (body.stream === true) {
          L.streamHead(res)
          return res.end(L.sseBody(L.textEvents(["streamed"])))
        }
        L.json(res, 200, L.message("Hi", { usage, model: body.model }))
      })
      const client = yield* L.client(server.url)
      yield* client.create({ ...L.request, model: "claude-sonnet-4-5-20250929" })
      yield* client.create({ ...L.request, model: "claude-sonnet-4-5-20250929" })
      yield* client.create({ ...L.request, model: "claude-haiku-4-5" })
      yield* Stream.runDrain(client.stream({ ...L.request, model: "claude-haiku-4-5" }))
      yield* client.createStreaming({ ...L.request, model: "claude-unknown" })
      const totals = yield* client.usage
      assert.deepStrictEqual(totals["claude-sonnet-4-5-20250929"], {
        calls: 2,
        inputTokens: 240,
        outputTokens: 60,
        cacheCreationInputTokens: 2000,
        cacheCreation1hInputTokens: 0,
        cacheReadInputTokens: 8000
      })
      // the streamed call: message_start's input (12) and message_delta's output (6)
      assert.deepStrictEqual(totals["claude-haiku-4-5"], {
        calls: 2,
        inputTokens: 132,
        outputTokens: 36,
        cacheCreationInputTokens: 1000,
        cacheCreation1hInputTokens: 0,
        cacheReadInputTokens: 4000
      })
      assert.strictEqual(totals["claude-unknown"]?.calls, 1)
      const sonnet = Usage.costOf("claude-sonnet-4-5-20250929", totals["claude-sonnet-4-5-20250929"]!)
      // 240 x $3 + 60 x $15 + 2000 x $3.75 + 8000 x $0.30, per million tokens
      assert.strictEqual(sonnet.usd.toFixed(6), "0.011520")
      const all = Usage.costOfAll(totals)
      assert.isFalse(all.priced) // claude-unknown has no price
      assert.strictEqual(all.asOf, Usage.defaultTable.asOf)
    })
  )
})
