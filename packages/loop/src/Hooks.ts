/**
 * Hooks of an agent loop: one before each model call (change the request — tools, `tool_choice`, model, system —
 * or compact the history), one after each turn (continue, or stop with a reason of the user's), and a stop
 * predicate. They are options of `AgentLoop.run` / `stream` / `step`.
 *
 * @since 0.2.0
 */
import * as ContextWindow from "@parley/core/ContextWindow"
import * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import * as Model from "@parley/core/Model"
import * as PromptCaching from "@parley/core/PromptCaching"
import * as Tokens from "@parley/core/Tokens"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { UsageTotals } from "./LoopResult.js"

/**
 * What the before-model-call hook sees: the turn about to start, the request the loop built, and the conversation.
 *
 * @since 0.2.0
 * @category models
 */
export interface ModelCallContext {
  readonly turn: number
  readonly request: Model.ModelRequest
  readonly conversation: Conversation.Conversation
}

/**
 * What the before-model-call hook may change, for this call: `request` replaces the request sent (any field: tools,
 * `tool_choice`, `model`, `system`, ...). `conversation` replaces the run's conversation from now on (compaction:
 * the later requests and the result hold it); without `request`, this call's request is rebuilt from it.
 *
 * @since 0.2.0
 * @category models
 */
export interface ModelCallChanges {
  readonly request?: Model.ModelRequest | undefined
  readonly conversation?: Conversation.Conversation | undefined
}

/**
 * What the after-turn hook and the stop predicate see: the turn that ended (its model call, and its tool results
 * when it had calls), its message, the conversation and the usage so far.
 *
 * @since 0.2.0
 * @category models
 */
export interface TurnContext {
  readonly turn: number
  readonly message: Message.Message
  readonly conversation: Conversation.Conversation
  readonly usage: UsageTotals
}

/**
 * The after-turn hook's decision: go on, or end the run with `StopReason.UserStop({ reason })`.
 *
 * @since 0.2.0
 * @category models
 */
export type TurnDecision = Data.TaggedEnum<{
  Continue: {}
  Stop: { readonly reason: string }
}>

const decisions = Data.taggedEnum<TurnDecision>()

/**
 * Go on with the next turn.
 *
 * @since 0.2.0
 * @category constructors
 */
export const proceed: TurnDecision = decisions.Continue()

/**
 * End the run with `StopReason.UserStop({ reason })`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const stop = (reason: string): TurnDecision => decisions.Stop({ reason })

// =============================================================================
// Ready-made hooks
// =============================================================================

/**
 * A before-model-call hook.
 *
 * @since 0.2.0
 * @category models
 */
export type BeforeModelCall<R = never> = (
  context: ModelCallContext
) => Effect.Effect<ModelCallChanges | undefined, never, R>

/**
 * Prompt caching turn after turn: each call's request gets core's `PromptCaching.apply` (top-level `cache_control`,
 * or breakpoints on the last two user turns, then system and tools), so the next call reads the prefix this one
 * wrote. Never a fifth breakpoint.
 *
 * @since 0.2.0
 * @category hooks
 */
export const promptCaching =
  (options: PromptCaching.Options = {}): BeforeModelCall =>
  ({ request }) =>
    Effect.succeed({ request: PromptCaching.apply(request, options) })

/**
 * Keeps the conversation inside a context budget (default the docs' 180,000 of 200,000 tokens, by core's
 * estimate): past the warning threshold, `onWarn` is called (default: a warning in the log) and the oldest turns are
 * dropped until the estimate is at most `target` (default 80% of the threshold), cutting only where no tool call
 * loses its result and no thinking block is split. The dropped turns are gone from the run's conversation from then
 * on.
 *
 * @since 0.2.0
 * @category hooks
 */
export const contextWindow =
  <R = never>(
    options: {
      readonly budget?: ContextWindow.Budget | undefined
      readonly target?: number | undefined
      readonly onWarn?: ((measure: ContextWindow.Measure) => Effect.Effect<void, never, R>) | undefined
      /** What the user turn that stands for the dropped turns says, when a cut needs one (a long tool chain). */
      readonly note?: string | undefined
    } = {}
  ): BeforeModelCall<R> =>
  ({ request, conversation }) =>
    Effect.suspend(() => {
      const budget = options.budget ?? ContextWindow.defaultBudget
      const measure = ContextWindow.estimate({ ...request, model: request.model ?? "" }, budget)
      if (!measure.warn) return Effect.succeed(undefined)
      const warn =
        options.onWarn?.(measure) ??
        Effect.logWarning(
          `The conversation is at ~${measure.tokens} tokens, past ${budget.warnAt} of a ${budget.window}-token window: dropping the oldest turns`
        )
      const messages = Conversation.messages(conversation)
      // the target is for the whole request: what is not the messages (system, tools) stays
      const overhead = measure.tokens - Tokens.estimateMessages(request.messages)
      const fitted = ContextWindow.dropOldest(messages, {
        target: (options.target ?? Math.floor(budget.warnAt * 0.8)) - overhead,
        note: options.note ?? "(Earlier turns of this conversation were removed to fit the context window.)"
      })
      if (fitted.dropped === 0) return Effect.as(warn, undefined)
      const kept = Conversation.fromMessages(fitted.messages, {
        system: conversation.system,
        consecutiveUsers: conversation.consecutiveUsers,
        apiVersion: conversation.apiVersion
      })
      return Effect.as(warn, Either.isRight(kept) ? { conversation: kept.right } : undefined)
    })

/**
 * Like {@link contextWindow}, but the oldest turns are summarised by a model call (core's
 * `ContextWindow.summarizeOldest`, through the `Model` in context) instead of dropped: past the threshold, the turns
 * before the last fresh user turn that brings the request under `target` are replaced by their summary, put in front
 * of the kept turns. A failed summary call is logged and the call goes on unchanged.
 *
 * @since 0.2.0
 * @category hooks
 */
export const summarize =
  (
    options: {
      readonly budget?: ContextWindow.Budget | undefined
      readonly target?: number | undefined
      /** The model that summarises (e.g. a small, fast one). Default: the model's default. */
      readonly model?: string | undefined
      readonly maxTokens?: number | undefined
      readonly instructions?: string | undefined
    } = {}
  ): BeforeModelCall<Model.Model> =>
  ({ request, conversation }) =>
    Effect.gen(function* () {
      const budget = options.budget ?? ContextWindow.defaultBudget
      const measure = ContextWindow.estimate({ ...request, model: request.model ?? "" }, budget)
      if (!measure.warn) return undefined
      const overhead = measure.tokens - Tokens.estimateMessages(request.messages)
      const model = yield* Model.Model
      const fitted = yield* ContextWindow.summarizeOldest(model, Conversation.messages(conversation), {
        target: (options.target ?? Math.floor(budget.warnAt * 0.8)) - overhead,
        model: options.model,
        maxTokens: options.maxTokens,
        instructions: options.instructions
      }).pipe(
        Effect.catchAll((error) =>
          Effect.as(Effect.logWarning(`Summarising the oldest turns failed: ${error.message}`), undefined)
        )
      )
      if (fitted === undefined || fitted.dropped === 0) return undefined
      const kept = Conversation.fromMessages(fitted.messages, {
        system: conversation.system,
        consecutiveUsers: conversation.consecutiveUsers,
        apiVersion: conversation.apiVersion
      })
      return Either.isRight(kept) ? { conversation: kept.right } : undefined
    })

/**
 * Several before-model-call hooks, in order: each sees the request (and conversation) the previous one left.
 *
 * @since 0.2.0
 * @category combinators
 */
export const sequence =
  <R>(...hooks: ReadonlyArray<BeforeModelCall<R>>): BeforeModelCall<R> =>
  (context) =>
    Effect.reduce(hooks, undefined as ModelCallChanges | undefined, (changes, hook) =>
      Effect.map(
        hook({
          ...context,
          request: changes?.request ?? context.request,
          conversation: changes?.conversation ?? context.conversation
        }),
        (next): ModelCallChanges | undefined => {
          if (next === undefined) return changes
          const conversation = next.conversation ?? changes?.conversation
          // a new conversation without a request: the later hooks see the request rebuilt from it, as the loop would
          const request =
            next.request ??
            (next.conversation === undefined
              ? changes?.request
              : { ...(changes?.request ?? context.request), messages: Conversation.messages(next.conversation) })
          return { request, conversation }
        }
      )
    )
