/**
 * Keeping a conversation inside the model's context window: a budget (the window and a warning threshold, by
 * default the API docs' 180,000 of 200,000 tokens), a measure of a request (core's estimate, or `count_tokens`
 * through the model), and strategies for when it is over: drop the oldest turns, summarise them with a model call,
 * or let the API clear old tool uses server-side.
 *
 * Dropping and summarising cut only where the conversation stays valid: before a user turn that answers no
 * `tool_use` (so no `tool_result` loses its call), keeping whole assistant turns (so no thinking block is split).
 *
 * @example
 * ```ts
 * import { ContextWindow } from "@parley/core"
 *
 * const fit = ContextWindow.dropOldest(request.messages, { target: 150_000 })
 * if (fit.dropped > 0) console.log(`dropped ${fit.dropped} messages`)
 * ```
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Message from "./Message.js"
import type * as Model from "./Model.js"
import type { ModelError } from "./ModelError.js"
import type * as Request from "./Request.js"
import * as Tokens from "./Tokens.js"

/**
 * A context budget: the window (tokens the model takes) and the threshold past which a run is warned.
 *
 * @since 0.2.0
 * @category models
 */
export interface Budget {
  readonly window: number
  readonly warnAt: number
}

/**
 * The API docs' budget: warn past 180,000 of a 200,000-token window.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultBudget: Budget = { window: 200_000, warnAt: 180_000 }

/**
 * The budget of a model from core's registry of context windows (`Tokens.models`): its window, warning at 90% of
 * it; the default budget for a model the registry does not know.
 *
 * @since 0.2.0
 * @category constructors
 */
export const budgetOf = (model: string, registry: Tokens.Registry = Tokens.models): Budget =>
  Option.match(Tokens.contextWindow(model, registry), {
    onNone: () => defaultBudget,
    onSome: (window) => ({ window, warnAt: Math.floor(window * 0.9) })
  })

/**
 * Where a request stands against a budget.
 *
 * @since 0.2.0
 * @category models
 */
export interface Measure {
  readonly tokens: number
  readonly warn: boolean
  readonly over: boolean
}

/**
 * A request against a budget, by core's estimate (about 4 characters a token; no call).
 *
 * @since 0.2.0
 * @category measuring
 */
export const estimate = (request: Request.MessagesRequest, budget: Budget = defaultBudget): Measure =>
  measureOf(Tokens.estimateRequest(request), budget)

/**
 * A request against a budget, by the API's own count (`count_tokens`, through a function such as the transport
 * client's `countTokens`).
 *
 * @since 0.2.0
 * @category measuring
 */
export const count = <E>(
  countTokens: (request: Request.CountTokensRequest) => Effect.Effect<number, E>,
  request: Request.MessagesRequest,
  budget: Budget = defaultBudget
): Effect.Effect<Measure, E> => {
  const { max_tokens: _, stream: _s, ...counted } = request
  return Effect.map(countTokens(counted as Request.CountTokensRequest), (tokens) => measureOf(tokens, budget))
}

const measureOf = (tokens: number, budget: Budget): Measure => ({
  tokens,
  warn: tokens > budget.warnAt,
  over: tokens > budget.window
})

const answersToolUse = (message: Message.RequestMessage): boolean =>
  typeof message.content !== "string" &&
  message.content !== undefined &&
  message.content.some((block) => block.type === "tool_result")

/**
 * The indexes where the messages may be cut (everything before dropped) and still form a valid conversation: user
 * turns that answer no `tool_use`. The first message is one when it is a user turn.
 *
 * @since 0.2.0
 * @category cutting
 */
export const cutPoints = (messages: ReadonlyArray<Message.RequestMessage>): Array<number> => {
  const points: Array<number> = []
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!
    if (message.role === "user" && !answersToolUse(message)) points.push(i)
  }
  return points
}

/**
 * What a strategy did: the messages kept (a suffix of the input, or a summary and a suffix), how many were dropped,
 * and the estimated tokens of what is kept.
 *
 * @since 0.2.0
 * @category models
 */
export interface Fitted<M extends Message.RequestMessage = Message.MessageParam> {
  /** The kept messages, after the user turn that stands for the dropped ones, if one does. */
  readonly messages: ReadonlyArray<M | Message.MessageParam>
  readonly dropped: number
  readonly tokens: number
}

/**
 * Drops the oldest turns until the messages' estimate is at most `target` tokens, cutting only at {@link cutPoints}
 * and always keeping the last one (the current turn), so the result may stay over the target when the last turn
 * alone is. Linear in the messages.
 *
 * With `note`, a run that is one long chain of tool calls (where no user turn is free of tool results) can be cut
 * too: before any assistant turn, the dropped turns replaced by a user turn saying `note`, so the kept turns still
 * start with a user turn and every `tool_result` still follows its call.
 *
 * @since 0.2.0
 * @category strategies
 */
export const dropOldest = <M extends Message.RequestMessage = Message.MessageParam>(
  messages: ReadonlyArray<M>,
  options: { readonly target: number; readonly note?: string | undefined }
): Fitted<M> => {
  const sizes = messages.map((message) => Tokens.estimateMessage(message))
  // suffix[i] = the estimate of messages[i..]
  const suffix = new Array<number>(messages.length + 1).fill(0)
  for (let i = messages.length - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + sizes[i]!
  if (suffix[0]! <= options.target) return { messages, dropped: 0, tokens: suffix[0]! }
  const noteMessage: Message.MessageParam | undefined =
    options.note === undefined ? undefined : { role: "user", content: options.note }
  const noteSize = noteMessage === undefined ? 0 : Tokens.estimateMessage(noteMessage)
  const fresh = new Set(cutPoints(messages))
  // every place a cut may start, in order: a fresh user turn, or (with a note) an assistant turn after a user turn
  const points: Array<number> = []
  for (let i = 1; i < messages.length; i++) {
    if (fresh.has(i)) points.push(i)
    else if (noteMessage !== undefined && messages[i]!.role === "assistant" && messages[i - 1]!.role === "user") {
      points.push(i)
    }
  }
  if (points.length === 0) return { messages, dropped: 0, tokens: suffix[0]! }
  const costOf = (point: number) => suffix[point]! + (fresh.has(point) ? 0 : noteSize)
  let cut = points[points.length - 1]!
  for (const point of points) {
    if (costOf(point) <= options.target) {
      cut = point
      break
    }
  }
  const kept = messages.slice(cut)
  return fresh.has(cut) || noteMessage === undefined
    ? { messages: kept, dropped: cut, tokens: suffix[cut]! }
    : { messages: [noteMessage, ...kept], dropped: cut, tokens: suffix[cut]! + noteSize }
}

/**
 * Summarises the oldest turns with a model call instead of dropping them: the turns {@link dropOldest} would drop
 * are sent to the model with `instructions`, and its answer is put in front of the kept turns, as a text block of
 * the first kept user turn (so the conversation still starts with, and alternates from, a user turn).
 *
 * @since 0.2.0
 * @category strategies
 */
export const summarizeOldest = <M extends Message.RequestMessage = Message.MessageParam>(
  model: Model.Service,
  messages: ReadonlyArray<M>,
  options: {
    readonly target: number
    readonly model?: string | undefined
    readonly maxTokens?: number | undefined
    readonly instructions?: string | undefined
  }
): Effect.Effect<Fitted<M>, ModelError> => {
  const fitted = dropOldest(messages, { target: options.target })
  if (fitted.dropped === 0) return Effect.succeed(fitted)
  const older = messages.slice(0, fitted.dropped)
  const transcript = older
    // a content-less system message (beta) only changed settings: there is nothing of it to summarise
    .flatMap((message) =>
      message.content === undefined
        ? []
        : [
            `${message.role}: ${typeof message.content === "string" ? message.content : JSON.stringify(message.content)}`
          ]
    )
    .join("\n")
  const instructions =
    options.instructions ??
    "Summarise this earlier part of a conversation in a few sentences: the facts, decisions and open questions a continuation needs."
  return Effect.map(
    model.create({
      ...(options.model === undefined ? {} : { model: options.model }),
      max_tokens: options.maxTokens ?? 1024,
      messages: [{ role: "user", content: `${instructions}\n\n${transcript}` }]
    }),
    (reply) => {
      const summary = reply.content
        .filter((block): block is Extract<typeof block, { readonly type: "text" }> => block.type === "text")
        .map((block) => (block as { readonly text: string }).text)
        .join("")
      const [first, ...rest] = fitted.messages
      const note = { type: "text" as const, text: `Summary of the earlier conversation: ${summary}` }
      const firstContent =
        first === undefined
          ? [note]
          : typeof first.content === "string"
            ? [note, { type: "text" as const, text: first.content }]
            : [note, ...(first.content ?? [])]
      const kept: ReadonlyArray<M | Message.MessageParam> = [
        { ...(first ?? { role: "user" }), role: "user", content: firstContent } as Message.MessageParam,
        ...rest
      ]
      return { messages: kept, dropped: fitted.dropped, tokens: Tokens.estimateMessages(kept) }
    }
  )
}

/**
 * The API's own context management where the API supports it (beta `context-management-2025-06-27`): clear old
 * tool uses once the input passes `trigger` tokens, keeping the last `keep` tool uses.
 *
 * @since 0.2.0
 * @category strategies
 */
export const serverSide = <R extends Request.MessagesRequest>(
  request: R,
  options: { readonly trigger?: number | undefined; readonly keep?: number | undefined } = {}
): R => ({
  ...request,
  context_management: {
    edits: [
      {
        type: "clear_tool_uses_20250919",
        trigger: { type: "input_tokens", value: options.trigger ?? defaultBudget.warnAt },
        keep: { type: "tool_uses", value: options.keep ?? 3 }
      }
    ]
  }
})
