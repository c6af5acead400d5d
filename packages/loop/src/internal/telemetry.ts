import type * as Content from "@parley/core/Content"
import * as Telemetry from "@parley/core/Telemetry"
import type * as ToolOutcome from "@parley/core/ToolOutcome"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type { LoopResult } from "../LoopResult.js"

/**
 * The loop's spans after the GenAI conventions, made only when `Telemetry` is in context: `invoke_agent` per run
 * (the transport's `chat` spans nest under it) and `execute_tool <name>` per tool call, with the tool-call counter.
 */
const A = Telemetry.Attributes

/** A run in an `invoke_agent` span: the model asked for, and at the end the run's id, usage and stop reason. */
export const invokeAgent = <E, R>(
  model: string,
  agentName: string | undefined,
  run: Effect.Effect<LoopResult, E, R>
): Effect.Effect<LoopResult, E, R> =>
  Effect.useSpan(
    agentName === undefined ? "invoke_agent" : `invoke_agent ${agentName}`,
    {
      kind: "internal",
      captureStackTrace: false,
      attributes: {
        [A.operationName]: "invoke_agent",
        [A.providerName]: Telemetry.anthropic,
        [A.requestModel]: model,
        ...(agentName === undefined ? {} : { [A.agentName]: agentName })
      }
    },
    (span) =>
      Effect.tap(Effect.withParentSpan(run, span), (result) => {
        span.attribute(A.conversationId, result.state.runId)
        span.attribute(A.usageInputTokens, result.usage.inputTokens)
        span.attribute(A.usageOutputTokens, result.usage.outputTokens)
        span.attribute(A.usageCacheCreationInputTokens, result.usage.cacheCreationInputTokens)
        span.attribute(A.usageCacheReadInputTokens, result.usage.cacheReadInputTokens)
        span.attribute(A.responseFinishReasons, [result.stopReason._tag])
      })
  )

/** A tool call in an `execute_tool <name>` span with its outcome; arguments and result only with `captureContent`. */
export const executeTool = <R>(
  settings: Telemetry.Settings,
  call: Content.ToolUseBlock,
  run: Effect.Effect<ToolOutcome.ToolRun, never, R>
): Effect.Effect<ToolOutcome.ToolRun, never, R> =>
  Effect.withSpan(
    Effect.tap(run, (result) =>
      Effect.zipRight(
        Effect.annotateCurrentSpan({
          [A.toolOutcome]: result.outcome,
          ...(result.outcome === "ok" ? {} : { [A.errorType]: result.outcome }),
          ...(settings.captureContent
            ? {
                "gen_ai.tool.call.arguments": JSON.stringify(call.input),
                "gen_ai.tool.call.result": JSON.stringify(result.result.content ?? "")
              }
            : {})
        }),
        Metric.increment(
          Metric.tagged(Metric.tagged(Telemetry.toolCalls, A.toolName, call.name), A.toolOutcome, result.outcome)
        )
      )
    ),
    `execute_tool ${call.name}`,
    {
      kind: "internal",
      captureStackTrace: false,
      attributes: {
        [A.operationName]: "execute_tool",
        [A.toolName]: call.name,
        [A.toolCallId]: call.id,
        [A.toolType]: "function"
      }
    }
  )
