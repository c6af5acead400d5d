import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Telemetry, Usage } from "@parley/core"
import { MessagesClient } from "@parley/transport"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import { Effect, Layer } from "effect"

// Spans go wherever the OpenTelemetry SDK sends them (an OTLP exporter in production); here, to an array.
const spans: Array<ReadableSpan> = []
const OtelLive = NodeSdk.layer(() => ({
  resource: { serviceName: "support-agent" },
  spanProcessor: new SimpleSpanProcessor({
    export: (batch, done) => {
      spans.push(...batch)
      done({ code: 0 })
    },
    shutdown: () => Promise.resolve()
  })
}))

// Telemetry.layer turns Parley's spans and metrics on; without it Parley makes none.
const AppLive = Layer.mergeAll(
  MessagesClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layer)),
  Telemetry.layer({ captureContent: false }),
  OtelLive
)

const program = Effect.gen(function* () {
  const client = yield* MessagesClient.MessagesClient
  yield* client.create({ model: "claude-sonnet-4-5", max_tokens: 256, messages: [{ role: "user", content: "Hi" }] })
  const usage = yield* client.usage
  const cost = Usage.costOfAll(usage)
  console.log(`calls: ${Usage.total(usage).calls}, priced: ${cost.priced}, prices as of ${cost.asOf}`)
}).pipe(Effect.withSpan("handle ticket"))

await Effect.runPromise(program.pipe(Effect.provide(AppLive)))

for (const span of spans) {
  const parent = spans.find((other) => other.spanContext().spanId === span.parentSpanContext?.spanId)
  const keys = ["gen_ai.operation.name", "gen_ai.request.model", "http.response.status_code"]
  const shown = keys.filter((key) => span.attributes[key] !== undefined).map((key) => `${key}=${span.attributes[key]}`)
  console.log(`${span.name} (in ${parent?.name ?? "-"}) ${shown.join(" ")}`.trimEnd())
}
