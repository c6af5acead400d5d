import type * as Message from "@parley/core/Message"
import type * as Request from "@parley/core/Request"
import * as Telemetry from "@parley/core/Telemetry"
import type * as Usage from "@parley/core/Usage"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type * as Tracer from "effect/Tracer"
import type { MessagesError } from "../MessagesError.js"
import type { ResponseMeta } from "../ResponseMeta.js"

/**
 * The client's spans and metrics after the GenAI conventions, made only when `Telemetry` is in context: a span per
 * call (`chat <model>`), a child span per HTTP attempt (`POST`), the token-usage and duration histograms.
 */
const A = Telemetry.Attributes

/** What a finished call reports about its message. */
export interface Outcome {
  readonly id?: string | undefined
  readonly model?: string | undefined
  readonly stopReason?: string | null | undefined
  readonly usage?: Usage.MessageUsage | undefined
}

/** The outcome of a whole message. */
export const outcomeOf = (message: Message.Message): Outcome => ({
  id: message.id,
  model: message.model,
  stopReason: message.stop_reason,
  usage: message.usage
})

/** The attributes of a call's span known before it starts. */
export const callAttributes = (
  operation: string,
  request: Omit<Request.MessagesRequest, "model"> | Omit<Request.CountTokensRequest, "model">,
  model: string,
  server: string,
  streaming: boolean
): Record<string, unknown> => {
  const attributes: Record<string, unknown> = {
    [A.operationName]: operation,
    [A.providerName]: Telemetry.anthropic,
    [A.requestModel]: model,
    [A.serverAddress]: server
  }
  if (streaming) attributes[A.streaming] = true
  const r = request as Partial<Request.MessagesRequest>
  if (typeof r.max_tokens === "number") attributes[A.requestMaxTokens] = r.max_tokens
  if (typeof r.temperature === "number") attributes[A.requestTemperature] = r.temperature
  if (typeof r.top_p === "number") attributes[A.requestTopP] = r.top_p
  if (typeof r.top_k === "number") attributes[A.requestTopK] = r.top_k
  if (Array.isArray(r.stop_sequences)) attributes[A.requestStopSequences] = [...r.stop_sequences]
  return attributes
}

/** Sets the response attributes of a call's span and records the call's metrics. */
export const finish = (
  span: Tracer.Span,
  operation: string,
  requestModel: string,
  outcome: Outcome,
  seconds: number
): Effect.Effect<void> => {
  if (outcome.id !== undefined) span.attribute(A.responseId, outcome.id)
  if (outcome.model !== undefined) span.attribute(A.responseModel, outcome.model)
  if (outcome.stopReason !== undefined && outcome.stopReason !== null) {
    span.attribute(A.responseFinishReasons, [outcome.stopReason])
  }
  const usage = outcome.usage
  const input = typeof usage?.input_tokens === "number" ? usage.input_tokens : undefined
  const output = typeof usage?.output_tokens === "number" ? usage.output_tokens : undefined
  if (input !== undefined) span.attribute(A.usageInputTokens, input)
  if (output !== undefined) span.attribute(A.usageOutputTokens, output)
  if (typeof usage?.cache_creation_input_tokens === "number") {
    span.attribute(A.usageCacheCreationInputTokens, usage.cache_creation_input_tokens)
  }
  if (typeof usage?.cache_read_input_tokens === "number") {
    span.attribute(A.usageCacheReadInputTokens, usage.cache_read_input_tokens)
  }
  const labels = (metric: typeof Telemetry.tokenUsage) =>
    metric.pipe(
      Metric.tagged(A.operationName, operation),
      Metric.tagged(A.providerName, Telemetry.anthropic),
      Metric.tagged(A.requestModel, requestModel)
    )
  return Effect.all(
    [
      Metric.update(labels(Telemetry.operationDuration), seconds),
      input === undefined
        ? Effect.void
        : Metric.update(Metric.tagged(labels(Telemetry.tokenUsage), A.tokenType, "input"), input),
      output === undefined
        ? Effect.void
        : Metric.update(Metric.tagged(labels(Telemetry.tokenUsage), A.tokenType, "output"), output)
    ],
    { discard: true }
  )
}

/** Marks a failed call: `error.type` on its span and its duration in the histogram. */
export const fail = (
  span: Tracer.Span,
  operation: string,
  requestModel: string,
  error: MessagesError,
  seconds: number
): Effect.Effect<void> => {
  span.attribute(A.errorType, error._tag)
  return Metric.update(
    Telemetry.operationDuration.pipe(
      Metric.tagged(A.operationName, operation),
      Metric.tagged(A.providerName, Telemetry.anthropic),
      Metric.tagged(A.requestModel, requestModel),
      Metric.tagged(A.errorType, error._tag)
    ),
    seconds
  )
}

/** The attributes of an HTTP attempt's span. */
export const attemptAttributes = (server: string, number: number, waitMillis: number): Record<string, unknown> => ({
  [A.httpMethod]: "POST",
  [A.serverAddress]: server,
  ...(number > 1 ? { [A.httpResendCount]: number - 1, [A.retryWaitMillis]: waitMillis } : {})
})

/** Notes a response on the current (attempt) span: its status and request id. */
export const response = (meta: ResponseMeta): Effect.Effect<void> =>
  Effect.annotateCurrentSpan(
    meta.requestId === undefined
      ? { [A.httpStatus]: meta.status }
      : { [A.httpStatus]: meta.status, [A.requestId]: meta.requestId }
  )

/** The W3C `traceparent` of a span. */
export const traceparent = (span: Tracer.AnySpan): string =>
  `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`
