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
 * A run is a sequence of steps ({@link step}: one model call and the tools of its turn) over core's `RunState`;
 * {@link run} and {@link stream} drive them to the end, and take a stored `state` to continue a run with its limits
 * intact.
 *
 * It needs only core's model port, the `Model` tag: provide any implementation (the transport's HTTP client, another
 * provider's adapter, or `ScriptedModel` from `@parley/loop/testing/ScriptedModel` in tests).
 * Per-turn work stays small as the history grows: the run keeps no copy of the turns; each request sends the
 * conversation's own `messages` (core appends in amortised O(1) and builds that array once per value); tool calls
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
import * as ContextWindow from "@parley/core/ContextWindow"
import * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import * as Model from "@parley/core/Model"
import type * as Request from "@parley/core/Request"
import type * as RunState from "@parley/core/RunState"
import * as StreamEvent from "@parley/core/StreamEvent"
import * as Telemetry from "@parley/core/Telemetry"
import * as Toolkit from "@parley/core/Toolkit"
import * as ToolOutcome from "@parley/core/ToolOutcome"
import type * as Validation from "@parley/core/Validation"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
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
import * as Events from "./internal/events.js"
import * as Spans from "./internal/telemetry.js"
import { LoopError } from "./LoopError.js"
import * as LoopEvent from "./LoopEvent.js"
import { defaults, type LoopOptions } from "./LoopOptions.js"
import { addUsage, emptyUsage, type LoopResult, type ToolReport, type UsageTotals } from "./LoopResult.js"
import * as RepeatedCallGuard from "./RepeatedCallGuard.js"
import * as Step from "./Step.js"
import * as StopReason from "./StopReason.js"

type Emit = Events.Events | undefined

/** Events handed to a callback as they happen (`step`'s `onEvent`): nothing is buffered, so nothing waits. */
const callbackEvents = (onEvent: (event: LoopEvent.LoopEvent) => void): Events.Events => ({
  emit: onEvent,
  drain: () => Effect.void,
  capacity: Number.POSITIVE_INFINITY
})

/** The calls of the last assistant turn, until one user turn answers them all. */
interface Pending {
  readonly turn: number
  readonly calls: ReadonlyArray<Content.ToolUseBlock>
  readonly started: Set<string>
  readonly results: Map<string, Content.ToolResultBlock>
  /** Calls the approval hook deferred, still without a decision. */
  readonly awaiting: Array<string>
  /** Decisions supplied (through `RunState.decide`) for deferred calls. */
  readonly decisions: Readonly<Record<string, RunState.Decision>>
}

/** The run's state while a driver runs it: {@link RunState.RunState}, plus the request mirror and a done flag. */
interface State {
  readonly runId: string
  conversation: Conversation.Conversation
  turns: number
  toolCalls: number
  usage: UsageTotals
  guard: RepeatedCallGuard.RepeatedCallGuard
  message: Message.Message | undefined
  text: string
  elapsedMillis: number
  pending: Pending | undefined
  /** Set once the driver has finished (or paused) the run, so the interruption handler leaves it alone. */
  done: boolean
  /** The tool calls this driver answered, with their outcomes (`LoopResult.tools`). */
  readonly reports: Array<ToolReport>
  /** Handlers left running past their timeout; interrupted (not awaited) when the driver ends. */
  readonly abandoned: Array<Fiber.RuntimeFiber<ToolOutcome.ToolRun>>
}

const fromRunState = (state: RunState.RunState, conversation: Conversation.Conversation): State => ({
  runId: state.runId,
  conversation,
  turns: state.turns,
  toolCalls: state.toolCalls,
  usage: state.usage,
  guard: { last: state.guard.last, count: state.guard.count },
  message: state.message,
  text: state.text,
  elapsedMillis: state.elapsedMillis,
  pending:
    state.pending === undefined
      ? undefined
      : {
          turn: state.pending.turn,
          calls: state.pending.calls,
          started: new Set(),
          results: new Map(state.pending.results.map((result) => [result.tool_use_id, result])),
          awaiting: [...state.pending.awaiting],
          decisions: state.pending.decisions
        },
  done: false,
  reports: [],
  abandoned: []
})

const toRunState = (state: State): RunState.RunState => {
  const pending = state.pending
  return {
    runId: state.runId,
    conversation: state.conversation,
    turns: state.turns,
    toolCalls: state.toolCalls,
    usage: state.usage,
    elapsedMillis: state.elapsedMillis,
    guard: state.guard.last === undefined ? { count: state.guard.count } : state.guard,
    text: state.text,
    ...(state.message === undefined ? {} : { message: state.message }),
    ...(pending === undefined
      ? {}
      : {
          pending: {
            turn: pending.turn,
            calls: pending.calls,
            results: pending.calls.flatMap((call) => {
              const result = pending.results.get(call.id)
              return result === undefined ? [] : [result]
            }),
            awaiting: [...pending.awaiting],
            decisions: pending.decisions
          }
        })
  }
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
    const started = pending.started.has(call.id)
    const result = errorResult(call, started ? `Interrupted: ${why} while this call was running.` : `Not run: ${why}.`)
    const outcome = started ? "interrupted" : "not-run"
    state.reports.push({ turn: pending.turn, call, outcome })
    emit?.emit(LoopEvent.ToolResult({ turn: pending.turn, call, result, outcome, durationMillis: 0 }))
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
        if (emit !== undefined && isBlockDelta(event)) emitDelta(emit.emit, turn, event)
      }
      // Back-pressure: a consumer slower than the model holds the stream once the buffer is full.
      return emit === undefined ? Effect.void : emit.drain(emit.capacity - 1)
    }).pipe(Effect.flatMap(() => accumulator.finish()))
  })

/** Reports a content delta as its event: text, thinking, or tool input as it streams. */
const emitDelta = (
  emit: (event: LoopEvent.LoopEvent) => void,
  turn: number,
  event: StreamEvent.ContentBlockDeltaEvent
): void => {
  const delta = event.delta as { readonly type: string; readonly [key: string]: unknown }
  switch (delta.type) {
    case "text_delta":
      emit(LoopEvent.TextDelta({ turn, index: event.index, text: delta.text as string }))
      break
    case "thinking_delta":
      emit(LoopEvent.ThinkingDelta({ turn, index: event.index, thinking: delta.thinking as string }))
      break
    case "input_json_delta":
      emit(LoopEvent.ToolInputDelta({ turn, index: event.index, partialJson: delta.partial_json as string }))
      break
  }
}

/** Where a driver starts: a stored state (continued as it is) or the options' conversation and prompt. */
interface Start {
  readonly state: RunState.RunState | undefined
  /** Whether `options.prompt` is appended (the drivers `run` / `stream`), or not (`step`). */
  readonly prompt: boolean
}

/** What a driver ends with: the state, and the result when the run ended (or waits for approval). */
interface Outcome {
  readonly state: RunState.RunState
  readonly result: LoopResult | undefined
  /** The tool calls the step answered (when the run goes on; a result has its own). */
  readonly tools?: ReadonlyArray<ToolReport> | undefined
}

/** A run that cannot start with its tools (no call was made): `InvalidToolkit`, with the state given, if any. */
const invalidToolkit = <R>(
  options: LoopOptions<R>,
  cause: Toolkit.DuplicateToolName,
  state: RunState.RunState | undefined
): LoopError =>
  new LoopError({
    reason: "InvalidToolkit",
    turn: state?.turns ?? 0,
    cause,
    conversation: state?.conversation ?? options.conversation ?? Conversation.make(),
    usage: state?.usage ?? emptyUsage,
    toolCalls: state?.toolCalls ?? 0,
    state
  })

/** The options' toolkits as one (`Toolkit.merge`): a name two of them share fails the run. */
const toolkitOf = <R>(
  options: LoopOptions<R>,
  state: RunState.RunState | undefined
): Effect.Effect<Toolkit.Handled<R> | undefined, LoopError> => {
  const given = options.toolkit
  if (given === undefined || !Array.isArray(given)) return Effect.succeed(given as Toolkit.Handled<R> | undefined)
  return Effect.try({
    try: () => Toolkit.merge(...(given as ReadonlyArray<Toolkit.Handled<R>>)) as Toolkit.Handled<R>,
    catch: (error) => invalidToolkit(options, error as Toolkit.DuplicateToolName, state)
  })
}

/** The first name two tools of a request share (custom and server tools alike), if any. */
const sharedToolName = (tools: ReadonlyArray<Request.ToolDefinition>): string | undefined => {
  const names = new Set<string>()
  for (const tool of tools) {
    const name = (tool as { readonly name?: unknown }).name
    if (typeof name !== "string") continue
    if (names.has(name)) return name
    names.add(name)
  }
  return undefined
}

const newRunId = (): string => `run_${globalThis.crypto.randomUUID()}`

/** The conversation a new run starts from: the options' (or a new one), with the options' system prompt. */
const startConversation = <R>(options: LoopOptions<R>): Conversation.Conversation =>
  options.conversation === undefined
    ? Conversation.make({ system: options.system, consecutiveUsers: "merge" })
    : options.system === undefined
      ? options.conversation
      : Conversation.withSystem(options.conversation, options.system)

const freshState = (runId: string, conversation: Conversation.Conversation): RunState.RunState => ({
  runId,
  conversation,
  turns: 0,
  toolCalls: 0,
  usage: emptyUsage,
  elapsedMillis: 0,
  guard: { count: 0 },
  text: ""
})

/**
 * Runs the loop for at most `maxSteps` steps. A step takes the decided calls of a run waiting for approval, one
 * model call, and the tool calls of its turn (with their results appended); the run ends earlier on a stop reason.
 */
const drive = <R>(
  options: LoopOptions<R>,
  from: Start,
  emit: Emit,
  maxSteps: number
): Effect.Effect<Outcome, LoopError, Model.Model | R> =>
  Effect.gen(function* () {
    const model = yield* Model.Model
    const telemetry = Option.getOrUndefined(yield* Effect.serviceOption(Telemetry.Telemetry))
    const startedAt = yield* Clock.currentTimeMillis
    const limits = options.limits
    const maxTurns = limits?.maxTurns ?? defaults.maxTurns
    const tokenBudget = limits?.tokenBudget ?? defaults.tokenBudget
    const deadline = Duration.decode(limits?.deadline ?? defaults.deadline)
    const repeatedCalls = limits?.repeatedCalls ?? defaults.repeatedCalls
    const concurrency = options.concurrency ?? defaults.concurrency
    const toolTimeout = Duration.decode(options.toolTimeout ?? defaults.toolTimeout)
    const toolkit = yield* toolkitOf(options, from.state)
    const approve = options.approve
    const streaming = (options.streaming ?? options.stream) === true
    const continueOnMaxTokens = options.onMaxTokens === "continue"

    const stored = from.state
    const conversation =
      stored === undefined
        ? startConversation(options)
        : options.system === undefined
          ? stored.conversation
          : Conversation.withSystem(stored.conversation, options.system)
    const state = fromRunState(stored ?? freshState(options.runId ?? newRunId(), conversation), conversation)

    // What `Conversation.toRequest` would build, except `messages`: each request takes the conversation's own
    // read-only, O(1) view of its turns.
    const { tools: extraTools, ...settings } = options.request ?? {}
    const tools: ReadonlyArray<Request.ToolDefinition> = [...(toolkit?.definitions ?? []), ...(extraTools ?? [])]
    if (extraTools !== undefined && extraTools.length > 0) {
      const shared = sharedToolName(tools)
      if (shared !== undefined) {
        return yield* Effect.fail(
          invalidToolkit(
            options,
            new Toolkit.DuplicateToolName({
              tool: shared,
              message: `Two tools of the request are named "${shared}" (the toolkits' and request.tools)`
            }),
            stored
          )
        )
      }
    }
    const params: Omit<Model.ModelRequest, "messages"> = {
      ...settings,
      model: options.model,
      max_tokens: options.maxTokens ?? defaults.maxTokens,
      ...(tools.length > 0 ? { tools } : {}),
      ...(conversation.system !== undefined ? { system: conversation.system } : {})
    }

    const failure = (reason: LoopError["reason"], cause: LoopError["cause"]): LoopError =>
      new LoopError({
        reason,
        turn: state.turns,
        cause,
        conversation: state.conversation,
        usage: state.usage,
        toolCalls: state.toolCalls,
        state: toRunState(state)
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

    // `Toolkit.Handled.execute` never fails by contract; a hand-written implementation that does still gets an answer.
    const unexpected = (call: Content.ToolUseBlock, cause: Cause.Cause<unknown>) =>
      Effect.as(
        Effect.logWarning(`tool "${call.name}" stopped unexpectedly`, cause),
        ToolOutcome.make(errorResult(call, `Error: tool "${call.name}" stopped unexpectedly.`), "error", cause)
      )

    /**
     * A call past its timeout: the model is told, and the loop goes on without it — the handler's fiber is left to
     * finish (it is interrupted, without waiting, when the run ends). If it finishes while the run goes on,
     * `ToolLate` reports what it did (and a warning is logged): the model was told it timed out, so a write that
     * succeeded is not silent.
     */
    const abandon = (
      call: Content.ToolUseBlock,
      turn: number,
      fiber: Fiber.RuntimeFiber<ToolOutcome.ToolRun>,
      timeout: Duration.Duration
    ): Effect.Effect<ToolOutcome.ToolRun> => {
      state.abandoned.push(fiber)
      const watch = Effect.flatMap(Fiber.await(fiber), (exit) => {
        const late = Exit.isSuccess(exit) ? exit.value : undefined
        if (late === undefined || late.outcome === "interrupted") return Effect.void
        emit?.emit(LoopEvent.ToolLate({ turn, call, result: late.result, outcome: late.outcome }))
        return Effect.logWarning(
          `tool "${call.name}" finished after its timeout of ${Duration.format(timeout)} (outcome: ${late.outcome}); the model was told it timed out`
        ).pipe(Effect.annotateLogs({ tool: call.name, toolUseId: call.id }))
      })
      return Effect.as(
        Effect.forkDaemon(watch),
        ToolOutcome.make(
          errorResult(
            call,
            `Error: tool "${call.name}" did not finish within ${Duration.format(timeout)} and was abandoned. It may still complete: do not assume it had no effect.`
          ),
          "timeout"
        )
      )
    }

    // A tool call first runs synchronously, without arming a timer: most tools (pure functions, lookups) finish
    // there. One that suspends asynchronously (I/O, sleeps) goes on in its own fiber, which the loop then awaits
    // with the tool's timeout; at the timeout it is abandoned (see `abandon`), and it is interrupted (and awaited)
    // when the loop itself is interrupted. A handler that never suspends runs to its end before the loop goes on:
    // no timeout can bound it (see the README). `Effect.yieldNow()` is no suspension here: `runSyncExit` drains
    // Effect's scheduler inline.
    const runtime = yield* Effect.runtime<R>()
    const runSync = Runtime.runSyncExit(runtime)

    const execute = (call: Content.ToolUseBlock, turn: number): Effect.Effect<ToolOutcome.ToolRun, never, R> =>
      telemetry === undefined ? executeCall(call, turn) : Spans.executeTool(telemetry, call, executeCall(call, turn))

    const executeCall = (call: Content.ToolUseBlock, turn: number): Effect.Effect<ToolOutcome.ToolRun, never, R> =>
      Effect.suspend(() => {
        if (toolkit === undefined) {
          return Effect.succeed(
            ToolOutcome.make(errorResult(call, `Error: there is no tool named "${call.name}".`), "unknown-tool")
          )
        }
        const exit = runSync(toolkit.execute(call))
        if (Exit.isSuccess(exit)) return Effect.succeed(exit.value)
        const defect = Cause.dieOption(exit.cause)
        if (Option.isNone(defect) || !Runtime.isAsyncFiberException(defect.value)) return unexpected(call, exit.cause)
        const fiber = defect.value.fiber as Fiber.RuntimeFiber<ToolOutcome.ToolRun>
        // `await`, not `join`: the tool's fiber refs must not leak into the loop's fiber.
        const done = Effect.flatMap(Fiber.await(fiber), (result) => result)
        const timeout = timeoutOf(call.name)
        const bounded: Effect.Effect<ToolOutcome.ToolRun> = Duration.isFinite(timeout)
          ? Effect.flatten(
              Effect.timeoutTo(done, {
                duration: timeout,
                onSuccess: (result): Effect.Effect<ToolOutcome.ToolRun> => Effect.succeed(result),
                onTimeout: () => abandon(call, turn, fiber, timeout)
              })
            )
          : done
        return bounded.pipe(
          Effect.catchAllCause((cause) => unexpected(call, cause)),
          Effect.onInterrupt(() => Fiber.interrupt(fiber))
        )
      })

    const denied = (call: Content.ToolUseBlock, reason: string) =>
      Effect.succeed(ToolOutcome.make(errorResult(call, `Denied: ${reason}`), "denied"))

    /** Runs the call as the approval says; `undefined` when the decision is deferred. */
    const approved = (
      call: Content.ToolUseBlock,
      turn: number,
      approval: Approval.Approval
    ): Effect.Effect<ToolOutcome.ToolRun | undefined, never, R> => {
      switch (approval._tag) {
        case "Allow":
          return execute(call, turn)
        case "AllowEdited":
          return execute({ ...call, input: approval.input }, turn)
        case "Deny":
          return denied(call, approval.reason)
        case "Defer":
          return Effect.succeed(undefined)
      }
    }

    const decide =
      approve === undefined
        ? execute
        : (call: Content.ToolUseBlock, turn: number): Effect.Effect<ToolOutcome.ToolRun | undefined, never, R> =>
            approve(call).pipe(
              Effect.catchAllCause((cause) =>
                Effect.as(
                  Effect.logWarning(`the approval hook failed for tool "${call.name}"; the call is denied`, cause).pipe(
                    Effect.annotateLogs({ tool: call.name, toolUseId: call.id })
                  ),
                  Approval.deny("the approval hook failed")
                )
              ),
              Effect.flatMap((approval) => approved(call, turn, approval))
            )

    /**
     * Runs one call, then emits its result (or `ToolDeferred`, recording the call as awaiting a decision). The call
     * was announced already: with `ToolCalled` (a call of the turn just taken) or `ToolResumed` (a deferred call
     * decided since).
     */
    const handle = (
      pending: Pending,
      call: Content.ToolUseBlock,
      run: (call: Content.ToolUseBlock, turn: number) => Effect.Effect<ToolOutcome.ToolRun | undefined, never, R>
    ): Effect.Effect<void, never, R> =>
      Effect.suspend(() => {
        pending.started.add(call.id)
        const startedAt = emit === undefined ? 0 : performance.now()
        return Effect.map(run(call, pending.turn), (done) => {
          if (done === undefined) {
            pending.started.delete(call.id)
            pending.awaiting.push(call.id)
            emit?.emit(LoopEvent.ToolDeferred({ turn: pending.turn, call }))
            return
          }
          const { outcome, result } = done
          pending.results.set(call.id, result)
          state.reports.push({ turn: pending.turn, call, outcome })
          emit?.emit(
            LoopEvent.ToolResult({
              turn: pending.turn,
              call,
              result,
              outcome,
              durationMillis: performance.now() - startedAt
            })
          )
        })
      })

    const handleAll = (
      pending: Pending,
      calls: ReadonlyArray<Content.ToolUseBlock>,
      run: (call: Content.ToolUseBlock, turn: number) => Effect.Effect<ToolOutcome.ToolRun | undefined, never, R>
    ): Effect.Effect<void, never, R> =>
      calls.length === 1
        ? handle(pending, calls[0]!, run)
        : Effect.forEach(calls, (call) => handle(pending, call, run), { concurrency, discard: true })

    /** Appends one user turn answering every call of `pending`, or returns the calls still awaiting a decision. */
    const answer = (pending: Pending): Effect.Effect<ReadonlyArray<string> | undefined, LoopError> =>
      Effect.suspend(() => answerNow(pending))

    const answerNow = (pending: Pending): Effect.Effect<ReadonlyArray<string> | undefined, LoopError> => {
      if (pending.awaiting.length > 0) return Effect.succeed([...pending.awaiting])
      state.pending = undefined
      state.toolCalls += pending.calls.length
      const results = pending.calls.map((call) => pending.results.get(call.id)!)
      return Effect.as(
        append(Conversation.appendToolResults(state.conversation, results), "InvalidConversation"),
        undefined
      )
    }

    /** Runs the deferred calls that have a decision now; the others keep waiting. */
    const resume = (pending: Pending): Effect.Effect<ReadonlyArray<string> | undefined, LoopError, R> =>
      Effect.suspend(() => {
        const decided = pending.calls.filter(
          (call) => pending.awaiting.includes(call.id) && pending.decisions[call.id] !== undefined
        )
        for (const call of decided) pending.awaiting.splice(pending.awaiting.indexOf(call.id), 1)
        const run = (call: Content.ToolUseBlock, turn: number) => {
          const decision = pending.decisions[call.id]!
          return decision._tag === "Deny"
            ? denied(call, decision.reason)
            : execute(decision.input === undefined ? call : { ...call, input: decision.input }, turn)
        }
        const handled = Effect.zipRight(handleAll(pending, decided, run), answer(pending))
        if (emit === undefined || decided.length === 0) return handled
        // As with `ToolCalled`: the consumer has every `ToolResumed` before a decided call runs.
        for (const call of decided) {
          emit.emit(LoopEvent.ToolResumed({ turn: pending.turn, call, decision: pending.decisions[call.id]! }))
        }
        return Effect.zipRight(emit.drain(0), handled)
      })

    const beforeModelCall = options.beforeModelCall
    const contextBudget = options.contextBudget
    const afterTurn = options.afterTurn
    const stopWhen = options.stopWhen
    const hooked = stopWhen !== undefined || afterTurn !== undefined

    /** Replaces the run's conversation (a hook compacted it). */
    const replaceConversation = (conversation: Conversation.Conversation): void => {
      state.conversation = conversation
    }

    /** The request of this call, after the before-model-call hook. */
    const requestOf = (turn: number): Effect.Effect<Model.ModelRequest, never, R> => {
      const built: Model.ModelRequest = { ...params, messages: Conversation.messages(state.conversation) }
      if (beforeModelCall === undefined) return Effect.succeed(built)
      return Effect.map(
        beforeModelCall({ turn, request: built, conversation: state.conversation }),
        (changes): Model.ModelRequest => {
          if (changes === undefined) return built
          if (changes.conversation !== undefined) replaceConversation(changes.conversation)
          return (
            changes.request ??
            (changes.conversation === undefined
              ? built
              : { ...params, messages: Conversation.messages(state.conversation) })
          )
        }
      )
    }

    /** The stop predicate and the after-turn hook, where the loop would call the model again. */
    const turnEnded = (
      turn: number,
      message: Message.Message
    ): Effect.Effect<StopReason.StopReason | undefined, never, R> => {
      if (stopWhen === undefined && afterTurn === undefined) return Effect.succeed(undefined)
      const context = { turn, message, conversation: state.conversation, usage: state.usage }
      if (stopWhen?.(context) === true)
        return Effect.succeed(StopReason.UserStop({ reason: "the stop predicate held" }))
      if (afterTurn === undefined) return Effect.succeed(undefined)
      return Effect.map(afterTurn(context), (decision) =>
        decision._tag === "Stop" ? StopReason.UserStop({ reason: decision.reason }) : undefined
      )
    }

    const callModel = (turn: number, request: Model.ModelRequest): Effect.Effect<Message.Message, LoopError> => {
      if (!streaming) return Effect.mapError(model.create(request), (cause) => failure("ModelCall", cause))
      return Effect.mapError(collect(model.stream(request), turn, emit), (cause) =>
        failure(cause._tag === "AccumulatorError" ? "InvalidResponse" : "ModelCall", cause)
      )
    }

    const prompt = from.prompt ? options.prompt : undefined
    let prompted = false

    /** Ends with a stop reason, or `undefined` when `maxSteps` steps were taken and the run can go on. */
    const body: Effect.Effect<StopReason.StopReason | undefined, LoopError, R> = Effect.gen(function* () {
      let steps = 0
      while (true) {
        if (steps++ >= maxSteps) return undefined
        if (state.pending !== undefined) {
          const resumed = state.pending.turn
          const waiting = yield* resume(state.pending)
          if (waiting !== undefined) return StopReason.AwaitingApproval({ ids: waiting })
          if (prompt !== undefined && !prompted) {
            prompted = true
            yield* append(Conversation.appendUser(state.conversation, prompt), "InvalidConversation")
          }
          // The turn whose calls waited ends here: its hooks run now (the step that deferred them did not run them).
          const stopped = hooked && state.message !== undefined ? yield* turnEnded(resumed, state.message) : undefined
          if (stopped !== undefined) return stopped
        }
        if (state.turns >= maxTurns) return StopReason.MaxTurns({ limit: maxTurns })
        const turn = ++state.turns
        if (emit !== undefined) {
          // A slow consumer holds the next turn too (a run of `pause_turn` continuations has no tools to wait for).
          yield* emit.drain(emit.capacity - 1)
          emit.emit(LoopEvent.TurnStarted({ turn }))
        }
        const continuing = Conversation.lastTurn(state.conversation)?.role === "assistant"
        const request =
          beforeModelCall === undefined
            ? { ...params, messages: Conversation.messages(state.conversation) }
            : yield* requestOf(turn)
        if (contextBudget !== undefined && emit !== undefined) {
          const measure = ContextWindow.estimate({ ...request, model: request.model ?? "" }, contextBudget)
          if (measure.warn) {
            emit.emit(
              LoopEvent.ContextWarning({
                turn,
                tokens: measure.tokens,
                warnAt: contextBudget.warnAt,
                window: contextBudget.window
              })
            )
          }
        }
        const message = yield* callModel(turn, request)
        state.message = message
        state.text = continuing ? state.text + messageText(message) : messageText(message)
        state.usage = addUsage(state.usage, message.usage)
        const content = keptContent(message)
        // An empty reply is not appended: the API rejects an empty assistant turn followed by a user turn.
        if (content.length > 0)
          yield* append(Conversation.appendAssistant(state.conversation, { content }), "InvalidResponse")
        const calls = content.filter(isToolUse)
        const pending: Pending | undefined =
          calls.length === 0
            ? undefined
            : { turn, calls, started: new Set(), results: new Map(), awaiting: [], decisions: {} }
        state.pending = pending
        if (emit !== undefined) {
          emit.emit(LoopEvent.TurnFinished({ turn, message }))
          emit.emit(LoopEvent.TurnUsage({ turn, usage: message.usage, totals: state.usage }))
        }
        if (state.usage.total >= tokenBudget) {
          return StopReason.TokenBudget({ limit: tokenBudget, used: state.usage.total })
        }
        const stopReason = message.stop_reason
        // A reply cut off inside a tool call is never continued: its input may be incomplete.
        const continues =
          pending === undefined && (stopReason === "pause_turn" || (stopReason === "max_tokens" && continueOnMaxTokens))
        if (continues) {
          const stopped = hooked ? yield* turnEnded(turn, message) : undefined
          if (stopped !== undefined) return stopped
          continue
        }
        if (stopReason !== "tool_use" || pending === undefined) return modelStop(message)

        for (const call of calls) {
          state.guard = RepeatedCallGuard.observe(state.guard, call)
          if (state.guard.count >= repeatedCalls) {
            return StopReason.RepeatedCall({ tool: call.name, count: state.guard.count })
          }
        }
        // Results nobody will send are not worth running the tools for.
        if (state.turns >= maxTurns) return StopReason.MaxTurns({ limit: maxTurns })

        // The consumer of the events gets `TurnFinished`, `TurnUsage` and every `ToolCalled` of the turn before a
        // tool runs (its first part runs synchronously on this fiber).
        if (emit !== undefined) {
          for (const call of calls) emit.emit(LoopEvent.ToolCalled({ turn, call }))
          yield* emit.drain(0)
        }
        yield* handleAll(pending, calls, decide)
        const waiting = yield* answer(pending)
        if (waiting !== undefined) return StopReason.AwaitingApproval({ ids: waiting })
        const stopped = hooked ? yield* turnEnded(turn, message) : undefined
        if (stopped !== undefined) return stopped
      }
    })

    // The deadline and the stop signal race the body; the loser is interrupted and awaited, so no tool handler
    // outlives the run. (`raceFirst`, not `race`: a failing body must not wait for the deadline.) The deadline
    // counts the active time of earlier steps (`elapsedMillis`), not the time a stored run waited.
    const signals: Array<Effect.Effect<StopReason.StopReason, never, R>> = []
    if (Duration.isFinite(deadline)) {
      const left = Math.max(0, Duration.toMillis(deadline) - state.elapsedMillis)
      signals.push(Effect.as(Effect.sleep(Duration.millis(left)), StopReason.Deadline({ limit: deadline })))
    }
    if (options.stop !== undefined) signals.push(Effect.as(options.stop, StopReason.Stopped()))
    const bounded =
      signals.length === 0 ? body : Effect.raceFirst(body, signals.length === 1 ? signals[0]! : Effect.raceAll(signals))

    const finish = (stopReason: StopReason.StopReason | undefined): Effect.Effect<Outcome, LoopError> =>
      Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<Outcome, LoopError> => {
        state.elapsedMillis += now - startedAt
        state.done = true
        if (stopReason === undefined) {
          return Effect.succeed({ state: toRunState(state), result: undefined, tools: state.reports })
        }
        if (stopReason._tag !== "AwaitingApproval") {
          const settled = settle(state, stopReason, emit)
          if (Either.isLeft(settled)) return Effect.fail(failure("InvalidConversation", settled.left))
        }
        const runState = toRunState(state)
        const result: LoopResult = {
          conversation: state.conversation,
          text: state.text,
          stopReason,
          message: state.message,
          usage: state.usage,
          turns: state.turns,
          toolCalls: state.toolCalls,
          tools: state.reports,
          state: runState
        }
        emit?.emit(LoopEvent.Finished({ result }))
        return Effect.succeed({ state: runState, result })
      })

    // With calls still waiting for results, the prompt joins the turn of their results (see `body`).
    const start =
      prompt === undefined || state.pending !== undefined
        ? Effect.void
        : append(Conversation.appendUser(state.conversation, prompt), "InvalidConversation")
    const transcript = options.transcript
    return yield* start.pipe(
      Effect.zipRight(bounded),
      Effect.flatMap(finish),
      Effect.ensuring(
        Effect.suspend(() => {
          // Only an interruption of the run's own fiber can leave calls unanswered here.
          if (!state.done) settle(state, StopReason.Stopped(), emit)
          const release = Effect.forEach(state.abandoned, Fiber.interruptFork, { discard: true })
          return transcript === undefined ? release : Effect.zipRight(release, Ref.set(transcript, state.conversation))
        })
      )
    )
  })

const runLoop = <R>(options: LoopOptions<R>, emit: Emit): Effect.Effect<LoopResult, LoopError, Model.Model | R> =>
  Effect.flatMap(Effect.serviceOption(Telemetry.Telemetry), (telemetry) => {
    const run = Effect.map(
      drive(options, { state: options.state, prompt: true }, emit, Number.POSITIVE_INFINITY),
      (outcome) => outcome.result!
    )
    return Option.isNone(telemetry) ? run : Spans.invokeAgent(options.model, options.agentName, run)
  })

/**
 * Runs the loop to its end and returns the {@link LoopResult}; builds no events. Fails with {@link LoopError} when
 * a model call fails (the error carries the conversation so far, and the run's state to continue from).
 *
 * With `state` (a {@link RunState.RunState} from a result, an error, a {@link step} or storage), the run continues
 * that state with its limits intact: turns, tokens, active time and the repeated-call guard count on.
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
      const { events, mailbox, stream } = yield* Events.buffered<LoopError>(options.eventBuffer ?? defaults.eventBuffer)
      yield* runLoop(options, events).pipe(Mailbox.into(mailbox), Effect.forkScoped)
      return stream
    })
  )

/**
 * The state a new run starts from: the options' conversation (or a new one) with the options' system prompt and
 * `prompt` appended, no turns taken. Give it to {@link step}, store it, or pass it as `state` to {@link run}.
 *
 * @since 0.2.0
 * @category running
 */
export const init = <R = never>(options: LoopOptions<R>): Effect.Effect<RunState.RunState, LoopError> =>
  Effect.suspend(() => {
    const conversation = startConversation(options)
    const state = freshState(options.runId ?? newRunId(), conversation)
    if (options.prompt === undefined) return Effect.succeed(state)
    const next = Conversation.appendUser(conversation, options.prompt)
    if (Either.isRight(next)) return Effect.succeed({ ...state, conversation: next.right })
    return Effect.fail(
      new LoopError({
        reason: "InvalidConversation",
        turn: 0,
        cause: next.left,
        conversation,
        usage: emptyUsage,
        toolCalls: 0,
        state
      })
    )
  })

/**
 * Takes one step of a run: the decided calls of a run waiting for approval, one model call, and the tools of
 * its turn, with their results appended. `Continue` carries the state to take the next step from (store it,
 * encode it with `RunState.Json`, continue it in another process); `Finished` carries the result (which may be
 * `AwaitingApproval`: supply decisions with `RunState.decide` and step again). The options' `conversation`,
 * `prompt` and `runId` are not used: the state has them. Limits hold across steps: `maxTurns`, `tokenBudget`,
 * the deadline (active time) and the repeated-call guard read the state. `onEvent`, when given, receives the
 * step's {@link LoopEvent}s as they happen (synchronously: it must not block).
 *
 * @since 0.2.0
 * @category running
 */
export const step = <R = never>(
  options: LoopOptions<R>,
  state: RunState.RunState,
  onEvent?: ((event: LoopEvent.LoopEvent) => void) | undefined
): Effect.Effect<Step.Step, LoopError, Model.Model | R> =>
  Effect.map(
    drive(options, { state, prompt: false }, onEvent === undefined ? undefined : callbackEvents(onEvent), 1),
    (outcome) =>
      outcome.result === undefined
        ? Step.Continue({ state: outcome.state, tools: outcome.tools ?? [] })
        : Step.Finished({ state: outcome.state, result: outcome.result })
  )
