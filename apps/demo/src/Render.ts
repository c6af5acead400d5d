/**
 * How the demo shows a run: streamed text as it arrives, tool calls and results on one compact line each, and a
 * usage line at the end of each answer — or, with `--json`, every loop event as one JSON line.
 */
import * as Content from "@parley/core/Content"
import * as Usage from "@parley/core/Usage"
import type * as LoopEvent from "@parley/loop/LoopEvent"
import type { LoopResult } from "@parley/loop/LoopResult"
import * as StopReason from "@parley/loop/StopReason"
import type { StatusLine } from "./StatusLine.js"

/** Ends `text` as a sentence: a final `.` unless it already ends with `.`, `!`, `?` or `…`. */
export const sentence = (text: string): string => {
  const trimmed = text.trim()
  return trimmed === "" || /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`
}

/** Where rendered output goes (stdout in the app). */
export type Write = (text: string) => void

const maxLine = 160

const clip = (text: string): string => {
  const line = text.replace(/\s+/g, " ").trim()
  return line.length <= maxLine ? line : `${line.slice(0, maxLine - 1)}…`
}

const resultText = (result: Content.ToolResultBlock): string => {
  const content = result.content
  if (content === undefined) return ""
  if (typeof content === "string") return content
  return content
    .filter(Content.is("text"))
    .map((block) => block.text)
    .join("")
}

/** The essence of a tool's answer: `result`, `message`, `iso` or `content` of a JSON object, else the text. */
const summary = (text: string): string => {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>
      for (const key of ["result", "message", "iso", "content"]) {
        const field = record[key]
        if (typeof field === "string") return field
        if (typeof field === "number" || typeof field === "boolean") return String(field)
      }
    }
  } catch {
    // Not JSON: shown as it is.
  }
  return text
}

/** What a run's tokens cost on `model`, by core's dated price table. */
const costOf = (result: LoopResult, model: string): string => {
  const usage = result.usage
  const cost = Usage.costOf(model, {
    calls: result.turns,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheCreationInputTokens: usage.cacheCreationInputTokens,
    cacheCreation1hInputTokens: 0,
    cacheReadInputTokens: usage.cacheReadInputTokens
  })
  return cost.priced ? `$${cost.usd.toFixed(4)} (prices of ${cost.asOf})` : `no price for ${model}`
}

/**
 * The usage line that ends an answer, e.g. `[2 turns · 2 tool calls · 1,234 tokens (1,000 in, 234 out) · $0.0068]`,
 * the cost from core's price table (`~` when the model has no price there).
 */
export const usageLine = (result: LoopResult, model: string): string => {
  const n = (value: number) => value.toLocaleString("en-US")
  const plural = (count: number, word: string) => `${n(count)} ${word}${count === 1 ? "" : "s"}`
  const usage = result.usage
  const parts = [
    plural(result.turns, "turn"),
    plural(result.toolCalls, "tool call"),
    `${plural(usage.total, "token")} (${n(usage.inputTokens)} in, ${n(usage.outputTokens)} out)`,
    costOf(result, model)
  ]
  const stop = result.stopReason._tag === "EndTurn" ? "" : ` · stopped: ${StopReason.describe(result.stopReason)}`
  return `[${parts.join(" · ")}${stop}]`
}

/** Shows the events of one answer. */
export interface Renderer {
  /** Shows an event. */
  readonly event: (event: LoopEvent.LoopEvent) => void
  /**
   * Ends an answer that stopped before its `Finished` event: `cancelled` by Ctrl-C, or `failed` (its error is
   * reported on stderr). The text renderer erases the status line and closes a line left open by a stream; the JSON
   * renderer writes `{"_tag":"Cancelled"}` for a cancelled answer, so a reader knows the answer ended.
   */
  readonly stopped: (how: "cancelled" | "failed") => void
}

/** The text of the status line shown while the model has not answered yet. */
export const waiting = "Waiting for the model…"

/**
 * A text renderer for one answer. `streamed` says whether text arrives as `TextDelta` events (streaming calls) or
 * only in `TurnFinished` messages. With a `status` line (on a terminal), each model call shows {@link waiting} until
 * its first output; the status line erases itself when anything is written.
 */
export const text = (
  write: Write,
  options: { readonly streamed: boolean; readonly model: string; readonly status?: StatusLine | undefined }
): Renderer => {
  let atLineStart = true
  const out = (chunk: string) => {
    if (chunk === "") return
    write(chunk)
    atLineStart = chunk.endsWith("\n")
  }
  const line = (content: string) => {
    if (!atLineStart) out("\n")
    out(`${content}\n`)
  }
  return {
    event: (event) => {
      switch (event._tag) {
        case "TurnStarted":
          if (atLineStart) options.status?.show(waiting)
          break
        case "TextDelta":
          out(event.text)
          break
        case "TurnFinished":
          if (!options.streamed) {
            const texts = event.message.content.filter(Content.is("text")).map((block) => block.text)
            if (texts.length > 0) out(texts.join(""))
          }
          break
        case "ToolCalled":
          line(`→ ${event.call.name}(${clip(JSON.stringify(event.call.input) ?? "")})`)
          break
        case "ToolResult": {
          const body = clip(summary(resultText(event.result)))
          line(event.outcome === "ok" ? `← ${body}` : `← ${event.outcome}: ${body}`)
          break
        }
        case "ToolLate":
          line(`← late (${event.call.name}, ${event.outcome}): ${clip(summary(resultText(event.result)))}`)
          break
        case "Finished":
          line(usageLine(event.result, options.model))
          break
        default:
          break
      }
    },
    stopped: () => {
      options.status?.clear()
      if (!atLineStart) out("\n")
    }
  }
}

/**
 * A JSON-lines renderer: one JSON object per event. `Finished` carries the result without the conversation and the
 * run state (every turn of it has already been reported by `TurnFinished` and `ToolResult`). A cancelled answer ends
 * with `{"_tag":"Cancelled"}`.
 */
export const json = (write: Write): Renderer => ({
  event: (event) => {
    if (event._tag === "Finished") {
      const { conversation: _conversation, state: _state, ...result } = event.result
      write(`${JSON.stringify({ _tag: "Finished", ...result })}\n`)
    } else {
      write(`${JSON.stringify(event)}\n`)
    }
  },
  stopped: (how) => {
    if (how === "cancelled") write(`${JSON.stringify({ _tag: "Cancelled" })}\n`)
  }
})
