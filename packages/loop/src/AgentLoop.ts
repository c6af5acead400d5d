/**
 * The agent loop: call the model, append its turn, run the `tool_use` blocks of that turn through a Toolkit
 * (concurrently, with a bound), append one user turn with every `tool_result` in the order of the calls, and call
 * again — until the model ends its turn or a limit ends the run.
 *
 * - Ends on `end_turn`, `stop_sequence`, `refusal`, `model_context_window_exceeded` (and any unknown stop reason),
 *   or on a limit (`maxTurns`, `tokenBudget`, `deadline`, the repeated-call guard) or the `stop` signal, each with a
 *   typed {@link StopReason}. `pause_turn` continues the turn; `max_tokens` stops or continues (`onMaxTokens`).
 * - Nothing is lost: the result (or the {@link LoopError}) carries the conversation so far, and it never holds a
 *   `tool_use` without its `tool_result`. Calls the loop does not run, or interrupts, are answered with `is_error`
 *   results that say why (`Not run: ...`, `Interrupted: ...`). When the loop decides to end (a limit, the guard),
 *   it does not run the tools of the last turn at all.
 * - Interruption: the `stop` signal and the deadline interrupt the model call or the tool handlers in flight, and
 *   the run then returns normally. If the run's own fiber is interrupted, the handlers are interrupted with it and
 *   the consistent conversation is written to `transcript` before the interruption completes.
 *
 * It needs only core's model port, the `Model` tag: provide any implementation (the transport's HTTP client, another
 * provider's adapter, or `ScriptedModel` from `@parley/loop/testing/ScriptedModel` in tests).
 * Per-turn work stays small as the history grows: the run keeps the turns in one array that grows with the
 * conversation and hands each request its own shallow copy (a pointer copy, so requests stay immutable); tool calls
 * run synchronously first and get a fiber and a timer only if they suspend.
 *
 * @example
 * ```ts
 * import { AgentLoop } from "@parley/loop"
 * import { Effect } from "effect"
 *
 * const program = AgentLoop.run({ model: "claude-sonnet-4-5", prompt: "What is 17 * 23?", toolkit })
 * // Effect<LoopResult, LoopError, Model | handler requirements>
 * ```
 *
 * @since 0.1.0
 */
import * as Accumulator from "@parley/core/Accumulator"
import * as Content from "@parley/core/Content"
import * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import * as Model from "@parley/core/Model"
import type * as Request from "@parley/core/Request"
import * as StreamEvent from "@parley/core/StreamEvent"
import type * as Validation from "@parley/core/Validation"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import * as Approval from "./Approval.js"
import { LoopError } from "./LoopError.js"
import * as LoopEvent from "./LoopEvent.js"
import { defaults, type LoopOptions } from "./LoopOptions.js"
import { addUsage, emptyUsage, type LoopResult, type UsageTotals } from "./LoopResult.js"
import * as RepeatedCallGuard from "./RepeatedCallGuard.js"
import * as StopReason from "./StopReason.js"

type Emit = ((event: LoopEvent.LoopEvent) => void) | undefined

/** The calls of the last assistant turn, until one user turn answers them all. */
interface Pending {
  readonly turn: number
  readonly calls: ReadonlyArray<Content.ToolUseBlock>
  readonly started: Set<string>
  readonly results: Map<string, Content.ToolResultBlock>
}

interface State {
  conversation: Conversation.Conversation
  /**
   * The conversation's turns as one array that grows with it (`Conversation.messages` walks the history for every
   * new value); each request gets a shallow copy, so a request a client keeps never changes under it.
   */
  readonly messages: Array<Message.MessageParam>
  turns: number
  toolCalls: number
  usage: UsageTotals
  guard: RepeatedCallGuard.RepeatedCallGuard
  message: Message.Message | undefined
  pending: Pending | undefined
}

const isToolUse = Content.is("tool_use")
const isText = Content.is("text")
const isBlockDelta = StreamEvent.is("content_block_delta")

const errorResult = (call: Content.ToolUseBlock, text: string): Content.ToolResultBlock =>
  Content.toolResult(call.id, text, { isError: true })

const isBlankText = (block: Content.ContentBlock): boolean => isText(block) && block.text.trim() === ""

/**
 * The content to keep of an assistant message: without blank text blocks, which the API returns at times (an empty
 * block before a `tool_use`) but rejects when they are sent back.
 */
const keptContent = (message: Message.Message): ReadonlyArray<Content.ContentBlock> =>
  message.content.some(isBlankText) ? message.content.filter((block) => !isBlankText(block)) : message.content

/** Makes `conversation` (the previous one plus one appended or merged turn) the current one. */
const commit = (state: State, conversation: Conversation.Conversation): void => {
  state.conversation = conversation
  const last = Conversation.lastTurn(conversation)
  if (last === undefined) return
  if (conversation.length === state.messages.length) state.messages[state.messages.length - 1] = last
  else state.messages.push(last)
}

/**
 * Answers the calls of the last assistant turn that have no result yet (with results saying why), so the
 * conversation never holds a `tool_use` without its `tool_result`.
 */
const settle = (
  state: State,
  reason: StopReason.StopReason,
  emit: Emit
): Either.Either<void, Validation.ValidationError> => {
  const pending = state.pending
  if (pending === undefined) return Either.void
  state.pending = undefined
  const why = StopReason.describe(reason)
  const results = pending.calls.map((call) => {
    const done = pending.results.get(call.id)
    if (done !== undefined) return done
    const result = errorResult(
      call,
      pending.started.has(call.id) ? `Interrupted: ${why} while this call was running.` : `Not run: ${why}.`
    )
    emit?.(LoopEvent.ToolResult({ turn: pending.turn, call, result, durationMillis: 0 }))
    return result
  })
  state.toolCalls += pending.calls.length
  return Either.map(Conversation.appendToolResults(state.conversation, results), (conversation) =>
    commit(state, conversation)
  )
}

const messageText = (message: Message.Message): string => {
  let text = ""
  for (const block of message.content) if (isText(block)) text += block.text
  return text
}

const modelStop = (message: Message.Message): StopReason.StopReason => {
  switch (message.stop_reason) {
    case "end_turn":
      return StopReason.EndTurn()
    case "stop_sequence":
      return StopReason.StopSequence({ sequence: message.stop_sequence ?? null })
    case "refusal":
      return StopReason.Refusal()
    case "model_context_window_exceeded":
      return StopReason.ContextWindowExceeded()
    case "max_tokens":
      return StopReason.MaxTokens()
    default:
      return StopReason.Other({ stopReason: message.stop_reason ?? null })
  }
}

/**
 * Runs a stream of events into a message (core's `Accumulator`), reporting text deltas as they pass: one pass
 * over each chunk, no extra stream stage.
 */
const collect = <E>(
  events: Stream.Stream<StreamEvent.StreamEvent, E>,
  turn: number,
  emit: Emit
): Effect.Effect<Message.Message, E | Accumulator.AccumulatorError> =>
  Effect.suspend(() => {
    const accumulator = Accumulator.make()
    return Stream.runForEachChunk(events, (chunk) => {
      for (const event of chunk) {
        const error = accumulator.add(event)
        if (error !== undefined) return Effect.fail(error)
        if (emit !== undefined && isBlockDelta(event) && event.delta.type === "text_delta") {
          emit(LoopEvent.TextDelta({ turn, index: event.index, text: (event.delta as { readonly text: string }).text }))
        }
      }
      return Effect.void
    }).pipe(Effect.flatMap(() => accumulator.finish()))
  })

const runLoop = <R>(options: LoopOptions<R>, emit: Emit): Effect.Effect<LoopResult, LoopError, Model.Model | R> =>
  Effect.gen(function* () {
    const model = yield* Model.Model
    const limits = options.limits
    const maxTurns = limits?.maxTurns ?? defaults.maxTurns
    const tokenBudget = limits?.tokenBudget ?? defaults.tokenBudget
    const deadline = Duration.decode(limits?.deadline ?? defaults.deadline)
    const repeatedCalls = limits?.repeatedCalls ?? defaults.repeatedCalls
    const concurrency = options.concurrency ?? defaults.concurrency
    const toolTimeout = Duration.decode(options.toolTimeout ?? defaults.toolTimeout)
    const toolkit = options.toolkit
    const approve = options.approve
    const streaming = (options.streaming ?? options.stream) === true
    const continueOnMaxTokens = options.onMaxTokens === "continue"

    const conversation =
      options.conversation === undefined
        ? Conversation.make({ system: options.system, consecutiveUsers: "merge" })
        : options.system === undefined
          ? options.conversation
          : Conversation.withSystem(options.conversation, options.system)

    // What `Conversation.toRequest` would build, except `messages` (see `State.messages`).
    const { tools: extraTools, ...settings } = options.request ?? {}
    const tools: ReadonlyArray<Request.ToolDefinition> = [...(toolkit?.definitions ?? []), ...(extraTools ?? [])]
    const params: Omit<Model.ModelRequest, "messages"> = {
      ...settings,
      model: options.model,
      max_tokens: options.maxTokens ?? defaults.maxTokens,
      ...(tools.length > 0 ? { tools } : {}),
      ...(conversation.system !== undefined ? { system: conversation.system } : {})
    }

    const state: State = {
      conversation,
      messages: [...Conversation.messages(conversation)],
      turns: 0,
      toolCalls: 0,
      usage: emptyUsage,
      guard: RepeatedCallGuard.empty,
      message: undefined,
      pending: undefined
    }

    const failure = (reason: LoopError["reason"], cause: LoopError["cause"]): LoopError =>
      new LoopError({
        reason,
        turn: state.turns,
        cause,
        conversation: state.conversation,
        usage: state.usage,
        toolCalls: state.toolCalls
      })

    /** Applies an append to the conversation, or fails with the reason given. */
    const append = (
      next: Either.Either<Conversation.Conversation, Validation.ValidationError>,
      reason: LoopError["reason"]
    ): Effect.Effect<void, LoopError> => {
      if (Either.isLeft(next)) return Effect.fail(failure(reason, next.left))
      commit(state, next.right)
      return Effect.void
    }

    const timeoutOf = (name: string): Duration.Duration => {
      const override = options.toolTimeouts?.[name]
      return override === undefined ? toolTimeout : Duration.decode(override)
    }

    // `Toolkit.Handled.run` never fails by contract; a hand-written implementation that does still gets an answer.
    const unexpected = (call: Content.ToolUseBlock) =>
      Effect.succeed(errorResult(call, `Error: tool "${call.name}" stopped unexpectedly.`))

    // A tool call first runs synchronously, without forking a fiber or arming a timer: most tools (pure functions,
    // lookups) finish there. One that suspends (I/O, sleeps) goes on in its own fiber, which the loop then awaits
    // with the tool's timeout and interrupts when the time is up or the loop itself is interrupted.
    const runtime = yield* Effect.runtime<R>()
    const runSync = Runtime.runSyncExit(runtime)

    const execute = (call: Content.ToolUseBlock): Effect.Effect<Content.ToolResultBlock, never, R> =>
      Effect.suspend(() => {
        if (toolkit === undefined) {
          return Effect.succeed(errorResult(call, `Error: there is no tool named "${call.name}".`))
        }
        const exit = runSync(toolkit.run(call))
        if (Exit.isSuccess(exit)) return Effect.succeed(exit.value)
        const defect = Cause.dieOption(exit.cause)
        if (Option.isNone(defect) || !Runtime.isAsyncFiberException(defect.value)) return unexpected(call)
        const fiber = defect.value.fiber as Fiber.RuntimeFiber<Content.ToolResultBlock>
        // `await`, not `join`: the tool's fiber refs must not leak into the loop's fiber.
        const done = Effect.flatMap(Fiber.await(fiber), (result) => result)
        const timeout = timeoutOf(call.name)
        const bounded = Duration.isFinite(timeout)
          ? Effect.timeoutTo(done, {
              duration: timeout,
              onSuccess: (result) => result,
              onTimeout: () =>
                errorResult(
                  call,
                  `Error: tool "${call.name}" timed out after ${Duration.format(timeout)} and was stopped.`
                )
            })
          : done
        return bounded.pipe(
          Effect.catchAllCause(() => unexpected(call)),
          Effect.ensuring(Fiber.interrupt(fiber))
        )
      })

    const decide =
      approve === undefined
        ? undefined
        : (call: Content.ToolUseBlock): Effect.Effect<Content.ToolResultBlock, never, R> =>
            approve(call).pipe(
              Effect.catchAllCause(() => Effect.succeed(Approval.deny("the approval hook failed"))),
              Effect.flatMap((approval) =>
                approval._tag === "Deny"
                  ? Effect.succeed(errorResult(call, `Denied: ${approval.reason}`))
                  : execute(call)
              )
            )

    const handle = (pending: Pending, call: Content.ToolUseBlock): Effect.Effect<Content.ToolResultBlock, never, R> =>
      Effect.suspend(() => {
        pending.started.add(call.id)
        const startedAt = emit === undefined ? 0 : performance.now()
        emit?.(LoopEvent.ToolCalled({ turn: pending.turn, call }))
        return Effect.map(decide === undefined ? execute(call) : decide(call), (result) => {
          pending.results.set(call.id, result)
          emit?.(
            LoopEvent.ToolResult({ turn: pending.turn, call, result, durationMillis: performance.now() - startedAt })
          )
          return result
        })
      })

    const callModel = (turn: number): Effect.Effect<Message.Message, LoopError> => {
      const request: Model.ModelRequest = { ...params, messages: state.messages.slice() }
      if (!streaming) return Effect.mapError(model.create(request), (cause) => failure("ModelCall", cause))
      return Effect.mapError(collect(model.stream(request), turn, emit), (cause) =>
        failure(cause._tag === "AccumulatorError" ? "InvalidResponse" : "ModelCall", cause)
      )
    }

    const body: Effect.Effect<StopReason.StopReason, LoopError, R> = Effect.gen(function* () {
      while (true) {
        if (state.turns >= maxTurns) return StopReason.MaxTurns({ limit: maxTurns })
        const turn = ++state.turns
        emit?.(LoopEvent.TurnStarted({ turn }))
        const message = yield* callModel(turn)
        state.message = message
        state.usage = addUsage(state.usage, message.usage)
        const content = keptContent(message)
        // An empty reply is not appended: the API rejects an empty assistant turn followed by a user turn.
        if (content.length > 0)
          yield* append(Conversation.appendAssistant(state.conversation, { content }), "InvalidResponse")
        const calls = content.filter(isToolUse)
        const pending: Pending | undefined =
          calls.length === 0 ? undefined : { turn, calls, started: new Set(), results: new Map() }
        state.pending = pending
        if (emit !== undefined) {
          emit(LoopEvent.TurnFinished({ turn, message }))
          emit(LoopEvent.TurnUsage({ turn, usage: message.usage, totals: state.usage }))
        }
        if (state.usage.total >= tokenBudget) {
          return StopReason.TokenBudget({ limit: tokenBudget, used: state.usage.total })
        }
        const stopReason = message.stop_reason
        if (stopReason === "pause_turn" && pending === undefined) continue
        // A reply cut off inside a tool call is never continued: its input may be incomplete.
        if (stopReason === "max_tokens" && continueOnMaxTokens && pending === undefined) continue
        if (stopReason !== "tool_use" || pending === undefined) return modelStop(message)

        for (const call of calls) {
          state.guard = RepeatedCallGuard.observe(state.guard, call)
          if (state.guard.count >= repeatedCalls) {
            return StopReason.RepeatedCall({ tool: call.name, count: state.guard.count })
          }
        }
        // Results nobody will send are not worth running the tools for.
        if (state.turns >= maxTurns) return StopReason.MaxTurns({ limit: maxTurns })

        const results =
          calls.length === 1
            ? [yield* handle(pending, calls[0]!)]
            : yield* Effect.forEach(calls, (call) => handle(pending, call), { concurrency })
        state.pending = undefined
        state.toolCalls += calls.length
        yield* append(Conversation.appendToolResults(state.conversation, results), "InvalidConversation")
      }
    })

    // The deadline and the stop signal race the body; the loser is interrupted and awaited, so no tool handler
    // outlives the run. (`raceFirst`, not `race`: a failing body must not wait for the deadline.)
    const signals: Array<Effect.Effect<StopReason.StopReason, never, R>> = []
    if (Duration.isFinite(deadline)) {
      signals.push(Effect.as(Effect.sleep(deadline), StopReason.Deadline({ limit: deadline })))
    }
    if (options.stop !== undefined) signals.push(Effect.as(options.stop, StopReason.Stopped()))
    const bounded =
      signals.length === 0 ? body : Effect.raceFirst(body, signals.length === 1 ? signals[0]! : Effect.raceAll(signals))

    const finish = (stopReason: StopReason.StopReason): Effect.Effect<LoopResult, LoopError> => {
      const settled = settle(state, stopReason, emit)
      if (Either.isLeft(settled)) return Effect.fail(failure("InvalidConversation", settled.left))
      const result: LoopResult = {
        conversation: state.conversation,
        text: state.message === undefined ? "" : messageText(state.message),
        stopReason,
        message: state.message,
        usage: state.usage,
        turns: state.turns,
        toolCalls: state.toolCalls
      }
      emit?.(LoopEvent.Finished({ result }))
      return Effect.succeed(result)
    }

    const start =
      options.prompt === undefined
        ? Effect.void
        : append(Conversation.appendUser(state.conversation, options.prompt), "InvalidConversation")
    const transcript = options.transcript
    return yield* start.pipe(
      Effect.zipRight(bounded),
      Effect.flatMap(finish),
      Effect.ensuring(
        Effect.suspend(() => {
          // Only an interruption of the run's own fiber can leave calls unanswered here.
          settle(state, StopReason.Stopped(), emit)
          return transcript === undefined ? Effect.void : Ref.set(transcript, state.conversation)
        })
      )
    )
  })

/**
 * Runs the loop to its end and returns the {@link LoopResult}; builds no events. Fails with {@link LoopError} when
 * a model call fails (the error carries the conversation so far).
 *
 * @since 0.1.0
 * @category running
 */
export const run = <R = never>(options: LoopOptions<R>): Effect.Effect<LoopResult, LoopError, Model.Model | R> =>
  runLoop(options, undefined)

/**
 * Runs the loop and streams its {@link LoopEvent}s, ending with `Finished` (which carries the result). Stopping the
 * stream early interrupts the loop, and with it any tool handler still running.
 *
 * @since 0.1.0
 * @category running
 */
export const stream = <R = never>(
  options: LoopOptions<R>
): Stream.Stream<LoopEvent.LoopEvent, LoopError, Model.Model | R> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const mailbox = yield* Mailbox.make<LoopEvent.LoopEvent, LoopError>()
      yield* runLoop(options, (event) => {
        mailbox.unsafeOffer(event)
      }).pipe(Mailbox.into(mailbox), Effect.forkScoped)
      return Mailbox.toStream(mailbox)
    })
  )
