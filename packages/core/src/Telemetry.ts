/**
 * Whether Parley reports spans and metrics, and how: with `Telemetry.layer` in context, the transport's client and
 * the agent loop make spans after the OpenTelemetry GenAI semantic conventions (revision 1.37.0, "Development"
 * stability) through Effect's `Tracer` (so `@effect/opentelemetry` exports them), and record the conventions'
 * metrics through Effect's `Metric`. Without it they make none, so a service that exports no telemetry pays nothing
 * for it.
 *
 * Message content, tool arguments and tool results are never recorded unless `captureContent` is set. No key and no
 * header value is ever an attribute.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@parley/core"
 * import { NodeSdk } from "@effect/opentelemetry"
 * import { Layer } from "effect"
 *
 * const TelemetryLive = Layer.merge(Telemetry.layer(), NodeSdk.layer(() => ({ resource: { serviceName: "agent" } })))
 * ```
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

/**
 * Options of {@link layer}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Record message content, tool arguments and tool results on spans. Default `false`. */
  readonly captureContent?: boolean | undefined
  /** Send the W3C `traceparent` header of the current span with each request. Default `true`. */
  readonly propagate?: boolean | undefined
}

/**
 * The settings in force.
 *
 * @since 0.2.0
 * @category models
 */
export interface Settings {
  readonly captureContent: boolean
  readonly propagate: boolean
}

/**
 * The telemetry settings; when absent, no spans and no metrics.
 *
 * @since 0.2.0
 * @category tags
 */
export class Telemetry extends Context.Tag("@parley/core/Telemetry")<Telemetry, Settings>() {}

/**
 * Turns Parley's spans and metrics on.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Telemetry> =>
  Layer.succeed(Telemetry, {
    captureContent: options.captureContent ?? false,
    propagate: options.propagate ?? true
  })

/**
 * The attribute names Parley sets, from the GenAI conventions (and `parley.*` for what they do not name).
 *
 * Cache tokens: `gen_ai.usage.cache_creation.input_tokens` and `gen_ai.usage.cache_read.input_tokens`, the names of
 * the released conventions; the newer draft's `cache_write` is not used until it is released, so that dashboards
 * built on released names keep working.
 *
 * @since 0.2.0
 * @category constants
 */
export const Attributes = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  requestMaxTokens: "gen_ai.request.max_tokens",
  requestTemperature: "gen_ai.request.temperature",
  requestTopP: "gen_ai.request.top_p",
  requestTopK: "gen_ai.request.top_k",
  requestStopSequences: "gen_ai.request.stop_sequences",
  responseModel: "gen_ai.response.model",
  responseId: "gen_ai.response.id",
  responseFinishReasons: "gen_ai.response.finish_reasons",
  usageInputTokens: "gen_ai.usage.input_tokens",
  usageOutputTokens: "gen_ai.usage.output_tokens",
  usageCacheCreationInputTokens: "gen_ai.usage.cache_creation.input_tokens",
  usageCacheReadInputTokens: "gen_ai.usage.cache_read.input_tokens",
  tokenType: "gen_ai.token.type",
  toolName: "gen_ai.tool.name",
  toolCallId: "gen_ai.tool.call.id",
  toolType: "gen_ai.tool.type",
  agentName: "gen_ai.agent.name",
  conversationId: "gen_ai.conversation.id",
  errorType: "error.type",
  serverAddress: "server.address",
  httpMethod: "http.request.method",
  httpStatus: "http.response.status_code",
  httpResendCount: "http.request.resend_count",
  requestId: "parley.request_id",
  retryWaitMillis: "parley.retry.wait_ms",
  streaming: "parley.streaming",
  toolOutcome: "parley.tool.outcome"
} as const

/**
 * The provider name of the Messages API.
 *
 * @since 0.2.0
 * @category constants
 */
export const anthropic = "anthropic"

/**
 * `gen_ai.client.token.usage`: tokens per call, by `gen_ai.token.type` (`input`, `output`), operation, provider
 * and model, with the conventions' bucket boundaries.
 *
 * @since 0.2.0
 * @category metrics
 */
export const tokenUsage = Metric.histogram(
  "gen_ai.client.token.usage",
  MetricBoundaries.fromIterable([
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864
  ]),
  "Number of input and output tokens used"
)

/**
 * `gen_ai.client.operation.duration`: seconds per call, with the conventions' bucket boundaries.
 *
 * @since 0.2.0
 * @category metrics
 */
export const operationDuration = Metric.histogram(
  "gen_ai.client.operation.duration",
  MetricBoundaries.fromIterable([
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
  ]),
  "GenAI operation duration in seconds"
)

/**
 * `parley_tool_calls`: tool calls an agent loop ran, by `gen_ai.tool.name` and `parley.tool.outcome` (`ok`,
 * `error`, `invalid-input`, `unknown-tool`, `timeout`, `denied`, `not-run`, `interrupted`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const toolCalls = Metric.counter("parley_tool_calls", {
  description: "Tool calls run by an agent loop, by tool and outcome",
  incremental: true
})
