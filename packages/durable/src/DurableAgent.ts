/**
 * An agent whose runs survive crashes: each run is a workflow over the loop's `AgentLoop.step`, with every model
 * call and tool call journaled. A process that dies mid-run loses nothing — the next process with the engine
 * continues the run where the journal ends: completed model calls are replayed (never sent again), completed
 * tool calls are never run again, a call in flight at the crash runs again with the same idempotency key (or,
 * for a tool listed in `notRerunnable`, is answered as interrupted). A call deferred for approval waits in the
 * journal until {@link decide} answers it, from any process.
 *
 * @example
 * ```ts
 * import { DurableAgent, DurableEngine } from "@parley/durable"
 * import { Effect, Layer } from "effect"
 *
 * const agent = DurableAgent.make("support", { model: "claude-sonnet-4-5" })
 * const program = Effect.gen(function* () {
 *   const runId = yield* DurableAgent.start(agent, { prompt: "Hello" })
 *   return yield* DurableAgent.wait(agent, runId)
 * })
 * // provide DurableAgent.layer(agent), DurableEngine.sqlite({ filename: "runs.db" }) and a Model layer
 * ```
 *
 * @since 0.1.0
 */
import * as DurableDeferred from "@effect/workflow/DurableDeferred"
import * as Workflow from "@effect/workflow/Workflow"
import * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import * as Content from "@parley/core/Content"
import type * as Conversation from "@parley/core/Conversation"
import * as Model from "@parley/core/Model"
import * as RunState from "@parley/core/RunState"
import * as ToolOutcome from "@parley/core/ToolOutcome"
import { AgentLoop, type LoopError, type LoopEvent, LoopOptions, type LoopResult, StopReason } from "@parley/loop"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { DurableClient, DurableEngine, JournalError, toJournalError } from "./DurableEngine.js"
import * as Journaled from "./internal/journaled.js"
import * as JournalUnavailable from "./internal/journalUnavailable.js"
import type * as Runs from "./internal/runsTable.js"
import { StopReasonSchema } from "./internal/stopReasonSchema.js"

/**
 * The settings of a durable agent: the loop's options (without what a run brings: `conversation`, `state`,
 * `prompt`, `runId`, and without the in-process `stop` and `transcript`), plus the tools that must not run twice.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<R = never>
  extends Omit<LoopOptions.LoopOptions<R>, "conversation" | "state" | "prompt" | "runId" | "stop" | "transcript"> {
  /**
   * Tool names whose call, when it was in flight at a crash, is answered with an `is_error` result saying so
   * (outcome `interrupted`) instead of being run again. Other tools run again with the same idempotency key
   * (`ToolCall.idempotencyKey`).
   */
  readonly notRerunnable?: ReadonlyArray<string> | undefined
  /**
   * Receives the loop's events of the runs this process executes, as they happen (synchronously: it must not
   * block). A run that continues after a crash replays its journaled steps first, so their events come again.
   */
  readonly onEvent?: ((runId: string, event: LoopEvent.LoopEvent) => void) | undefined
}

/**
 * A durable agent: a name (unique per engine, the same in every process) and its settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface DurableAgent<R = never> {
  readonly name: string
  readonly options: Options<R>
  /** @internal */
  readonly workflow: RunWorkflow
}

/**
 * One tool call a run answered, with its typed outcome.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolReport = Schema.Struct({
  turn: Schema.Number,
  call: Content.ToolUseBlock,
  outcome: ToolOutcome.Outcome
})

/**
 * @since 0.1.0
 * @category models
 */
export type ToolReport = typeof ToolReport.Type

/**
 * How a run ended: its stop reason, its answer, its final state (conversation, usage, counters) and every tool
 * call it answered.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RunEnd = Schema.Struct({
  runId: Schema.String,
  stopReason: StopReasonSchema,
  text: Schema.String,
  state: RunState.RunState,
  tools: Schema.Array(ToolReport)
})

/**
 * @since 0.1.0
 * @category models
 */
export type RunEnd = typeof RunEnd.Type

/**
 * A run that failed: a model call failed after the transport's retries, or the conversation was refused. `state`
 * is where it stopped: start a new run from it (`start(agent, { state })`) to continue with its limits intact.
 *
 * @since 0.1.0
 * @category errors
 */
export class RunFailed extends Schema.TaggedError<RunFailed>("@parley/durable/RunFailed")("RunFailed", {
  runId: Schema.String,
  reason: Schema.String,
  message: Schema.String,
  state: Schema.optional(RunState.RunState)
}) {}

/**
 * No run with this id is journaled (for this agent).
 *
 * @since 0.1.0
 * @category errors
 */
export class RunNotFound extends Schema.TaggedError<RunNotFound>("@parley/durable/RunNotFound")("RunNotFound", {
  runId: Schema.String
}) {}

/**
 * A decision was given for a call the run is not waiting on (unknown id, already decided, or the run is not
 * waiting for approval).
 *
 * @since 0.1.0
 * @category errors
 */
export class NotAwaiting extends Schema.TaggedError<NotAwaiting>("@parley/durable/NotAwaiting")("NotAwaiting", {
  runId: Schema.String,
  toolUseId: Schema.String,
  message: Schema.String
}) {}

const Payload = { runId: Schema.String, state: Schema.String }

type RunWorkflow = Workflow.Workflow<string, Schema.Struct<typeof Payload>, typeof RunEnd, typeof RunFailed>

const approvalDeferred = (toolUseId: string) =>
  DurableDeferred.make(`approval/${toolUseId}`, { success: RunState.Decision })

/**
 * Defines a durable agent. Every process that runs or starts its runs defines it with the same name and settings.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <R = never>(name: string, options: Options<R>): DurableAgent<R> => ({
  name,
  options,
  workflow: Workflow.make({
    name: `parley/agent/${name}`,
    payload: Payload,
    success: RunEnd,
    error: RunFailed,
    idempotencyKey: (payload) => payload.runId
  })
})

/** Where a run is now, as the runs table says: see {@link status} and {@link list}. */
export type Status = Runs.Status

/**
 * A run as listed: its status and, once it ended or waits, its stop reason and a sentence saying why.
 *
 * @since 0.1.0
 * @category models
 */
export type RunInfo = Runs.RunRow

/**
 * A tool call a run waits on: its `tool_use` id, the tool and the input the model gave.
 *
 * @since 0.1.0
 * @category models
 */
export type AwaitingCall = Runs.AwaitingCall

const now = Effect.map(
  Effect.clockWith((clock) => clock.currentTimeMillis),
  Number
)

const rowOf = (
  agent: string,
  state: RunState.RunState,
  status: Runs.Status,
  at: number,
  extra?: {
    readonly stopReason?: string
    readonly detail?: string
    readonly awaiting?: ReadonlyArray<Runs.AwaitingCall>
  }
): Runs.RunRow => ({
  runId: state.runId,
  agent,
  status,
  stopReason: extra?.stopReason,
  detail: extra?.detail,
  awaiting: extra?.awaiting ?? [],
  text: state.text,
  turns: state.turns,
  toolCalls: state.toolCalls,
  createdAt: at,
  updatedAt: at
})

/** The row of a run that ended. */
const endedRow = (agent: string, end: RunEnd, at: number): Runs.RunRow =>
  rowOf(agent, end.state, "finished", at, {
    stopReason: end.stopReason._tag,
    detail: StopReason.describe(end.stopReason)
  })

/** The row of a run that failed (with the state it failed in, when it has one). */
const failedRow = (
  agent: string,
  failure: { readonly runId: string; readonly reason: string; readonly message: string },
  state: Pick<RunState.RunState, "text" | "turns" | "toolCalls"> | undefined,
  at: number
): Runs.RunRow => ({
  ...rowOf(
    agent,
    { runId: failure.runId, text: "", turns: 0, toolCalls: 0, ...state } as RunState.RunState,
    "failed",
    at
  ),
  stopReason: failure.reason,
  detail: failure.message
})

/**
 * Writes a run's row, trying again for a while when the database does not answer (the row is what `list` and
 * `status` read; the journal is what runs). A row still not written is repaired by {@link resumeStalled}.
 */
const writeRow = (runs: Runs.RunsTable, row: Runs.RunRow): Effect.Effect<void> =>
  runs
    .upsert(row)
    .pipe(
      Effect.retry(Schedule.exponential(Duration.millis(50)).pipe(Schedule.upTo(Duration.seconds(10)))),
      Effect.ignoreLogged
    )

const encodeState = Schema.encode(RunState.Json)
const decodeState = Schema.decode(RunState.Json)

/**
 * Suspends the run because its journal could not be written: it is not complete (an engine running it again
 * continues it where its journal ends), and a `wait` in this process reports the failure.
 */
const suspendFor = (
  failure: JournalUnavailable.JournalUnavailable
): Effect.Effect<never, never, WorkflowEngine.WorkflowInstance> =>
  Effect.flatMap(WorkflowEngine.WorkflowInstance, (instance) => {
    instance.suspended = true
    instance.cause = Cause.die(failure)
    return Effect.interrupt
  })

/** The body of a run: `AgentLoop.step` until the run ends, waiting for decisions in the journal when it must. */
const runBody = <R>(
  agent: DurableAgent<R>,
  payload: { readonly runId: string; readonly state: string },
  real: Model.Service,
  runs: Runs.RunsTable
): Effect.Effect<RunEnd, RunFailed, R | WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance> =>
  Effect.gen(function* () {
    const workflow = yield* Effect.context<WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance>()
    const record = (row: Runs.RunRow) => writeRow(runs, row)
    const { notRerunnable, onEvent, toolTimeout, toolTimeouts, toolkit, ...loopOptions } = agent.options
    const events = onEvent === undefined ? undefined : (event: LoopEvent.LoopEvent) => onEvent(payload.runId, event)
    const defaultTimeout = Duration.decode(toolTimeout ?? LoopOptions.defaults.toolTimeout)
    let journalFailure: JournalUnavailable.JournalUnavailable | undefined
    const settings: Journaled.ToolSettings = {
      journalFailed: (failure) => {
        journalFailure ??= failure
      },
      runId: payload.runId,
      notRerunnable: new Set(notRerunnable ?? []),
      timeoutOf: (name) => {
        const override = toolTimeouts?.[name]
        return override === undefined ? defaultTimeout : Duration.decode(override)
      }
    }
    const toolkits = toolkit === undefined ? [] : Array.isArray(toolkit) ? toolkit : [toolkit]
    const options: LoopOptions.LoopOptions<R> = {
      ...loopOptions,
      // The journaled toolkit applies the timeouts inside its Activity, so the journal holds what the model was told.
      toolTimeout: Duration.infinity,
      toolkit: toolkits.map((handled) => Journaled.toolkit(handled, settings, workflow))
    }
    const failed = (error: LoopError.LoopError) =>
      Effect.zipRight(
        Effect.flatMap(now, (at) =>
          record(
            failedRow(
              agent.name,
              { runId: payload.runId, reason: error.reason, message: error.message },
              error.state ?? { text: "", turns: error.turn, toolCalls: error.toolCalls },
              at
            )
          )
        ),
        Effect.fail(
          new RunFailed({ runId: payload.runId, reason: error.reason, message: error.message, state: error.state })
        )
      )

    let state = yield* Effect.orDie(decodeState(payload.state))
    const tools: Array<ToolReport> = []
    while (true) {
      const step = yield* AgentLoop.step(options, state, events).pipe(
        Effect.provideService(Model.Model, Journaled.model(real, state.turns + 1, workflow)),
        Effect.catchAll(failed),
        Effect.catchSomeDefect((defect) =>
          defect instanceof JournalUnavailable.JournalUnavailable ? Option.some(suspendFor(defect)) : Option.none()
        )
      )
      // A call that could not be journaled ends the body here: the step is not kept, the journal ends before it.
      if (journalFailure !== undefined) return yield* suspendFor(journalFailure)
      state = step.state
      if (step._tag === "Continue") {
        for (const report of step.tools) tools.push({ turn: report.turn, call: report.call, outcome: report.outcome })
        yield* Effect.flatMap(now, (at) => record(rowOf(agent.name, state, "running", at)))
        continue
      }
      const result: LoopResult.LoopResult = step.result
      for (const report of result.tools) tools.push({ turn: report.turn, call: report.call, outcome: report.outcome })
      if (result.stopReason._tag !== "AwaitingApproval") {
        const end: RunEnd = { runId: payload.runId, stopReason: result.stopReason, text: result.text, state, tools }
        yield* Effect.flatMap(now, (at) => record(endedRow(agent.name, end, at)))
        return end
      }
      const ids = result.stopReason.ids
      const awaiting = (state.pending?.calls ?? [])
        .filter((call) => ids.includes(call.id))
        .map((call) => ({ id: call.id, name: call.name, input: call.input }))
      yield* Effect.flatMap(now, (at) =>
        record(
          rowOf(agent.name, state, "awaiting-approval", at, {
            stopReason: "AwaitingApproval",
            detail: StopReason.describe(result.stopReason),
            awaiting
          })
        )
      )
      for (const id of ids) {
        const decision = yield* DurableDeferred.await(approvalDeferred(id)).pipe(Effect.provide(workflow))
        state = RunState.decide(state, id, decision)
      }
      yield* Effect.flatMap(now, (at) => record(rowOf(agent.name, state, "running", at)))
    }
  })

/** How often a runner looks for decisions written by other processes. */
const decisionPollInterval = Duration.millis(200)

/**
 * Delivers decisions written by {@link decide} (in any process) to the runs waiting for them: the runner that
 * owns the run resumes it.
 */
const deliverDecisions = (
  agents: ReadonlyArray<{ readonly name: string; readonly workflow: RunWorkflow }>,
  engine: DurableEngine["Type"]
): Effect.Effect<void> => {
  const byName = new Map(agents.map((agent) => [agent.name, agent]))
  const deliverOnce = Effect.gen(function* () {
    const pending = yield* engine.runs.pendingDecisions([...byName.keys()])
    for (const row of pending) {
      const run = yield* engine.runs.get(row.runId)
      const agent = run === undefined ? undefined : byName.get(run.agent)
      if (agent === undefined) continue
      const decision = yield* Schema.decode(Schema.parseJson(RunState.Decision))(row.decision)
      const executionId = yield* agent.workflow.executionId({ runId: row.runId, state: "" })
      const deferred = approvalDeferred(row.toolUseId)
      yield* DurableDeferred.done(deferred, {
        token: DurableDeferred.tokenFromExecutionId(deferred, { workflow: agent.workflow, executionId }),
        exit: Exit.succeed(decision)
      }).pipe(Effect.provideService(WorkflowEngine.WorkflowEngine, engine.workflows))
      yield* engine.runs.markApplied(row.runId, row.toolUseId)
    }
  })
  return deliverOnce.pipe(
    Effect.catchAllCause((cause) => Effect.logWarning("could not deliver approval decisions", cause)),
    Effect.repeat(Schedule.spaced(decisionPollInterval)),
    Effect.asVoid
  )
}

/** How often a runner looks for runs that stopped without ending (see {@link resumeStalled}). */
const stalledCheckInterval = Duration.seconds(5)

/**
 * Repairs what a database outage can leave behind, for the agent's runs listed as running: a run whose workflow
 * ended gets its final row (the row's write failed); a run that stopped without ending or waiting (its workflow
 * suspended because its journal could not be written) is resumed, and continues where its journal ends.
 */
const resumeStalled = (
  agent: { readonly name: string; readonly workflow: RunWorkflow },
  engine: DurableEngine["Type"]
): Effect.Effect<void> => {
  const once = Effect.gen(function* () {
    const running = yield* engine.runs.list({ agent: agent.name, status: "running" })
    for (const run of running) {
      const executionId = yield* agent.workflow.executionId({ runId: run.runId, state: "" })
      const result = yield* engine.workflows.poll(agent.workflow, executionId)
      if (result === undefined) continue
      if (result._tag === "Suspended") {
        yield* Effect.logInfo(`resuming the run ${run.runId}, which stopped without ending`)
        yield* engine.workflows.resume(agent.workflow, executionId)
        continue
      }
      const at = yield* now
      const exit = result.exit
      if (Exit.isSuccess(exit)) yield* writeRow(engine.runs, endedRow(agent.name, exit.value, at))
      else {
        const failure = Cause.failureOption(exit.cause)
        if (Option.isSome(failure)) {
          yield* writeRow(engine.runs, failedRow(agent.name, failure.value, failure.value.state, at))
        }
      }
    }
  })
  return once.pipe(
    Effect.catchAllCause((cause) => Effect.logWarning("could not look for stalled runs", cause)),
    Effect.repeat(Schedule.spaced(stalledCheckInterval)),
    Effect.delay(stalledCheckInterval),
    Effect.asVoid
  )
}

/**
 * Registers the agent with this process's engine, so the engine runs its runs: new ones, and unfinished ones
 * found in the journal (after a crash, on another runner). Needs the model port (`Model`) and what the tools need.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <R>(agent: DurableAgent<R>): Layer.Layer<never, never, DurableEngine | Model.Model | R> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const engine = yield* DurableEngine
      const real = yield* Model.Model
      const context = yield* Effect.context<R>()
      yield* engine.workflows
        .register(agent.workflow, (payload) => runBody(agent, payload, real, engine.runs).pipe(Effect.provide(context)))
        .pipe(Effect.provideService(WorkflowEngine.WorkflowEngine, engine.workflows))
      yield* Effect.forkScoped(deliverDecisions([agent], engine))
      yield* Effect.forkScoped(resumeStalled(agent, engine))
    }) as Effect.Effect<void, never, DurableEngine | Model.Model | R | Scope.Scope>
  )

/**
 * Where a new run starts: a prompt (a new conversation), or a conversation or state to continue.
 *
 * @since 0.1.0
 * @category models
 */
export interface StartOptions {
  /** The run's id; default a fresh `run_<uuid>`. Starting a run whose id exists does not start it again. */
  readonly runId?: string | undefined
  readonly prompt?: string | ReadonlyArray<Content.ContentBlock> | undefined
  readonly conversation?: Conversation.Conversation | undefined
  /** A state to continue (e.g. a failed run's `RunFailed.state`): its limits count on. */
  readonly state?: RunState.RunState | undefined
}

/**
 * Starts a run and returns its id at once; the engine runs it (in this process or, with PostgreSQL, on any
 * runner). Idempotent: a run id that is already journaled is not started again.
 *
 * @since 0.1.0
 * @category running
 */
export const start = <R>(
  agent: DurableAgent<R>,
  options: StartOptions
): Effect.Effect<string, JournalError | LoopError.LoopError, DurableEngine> =>
  Effect.gen(function* () {
    const engine = yield* DurableEngine
    const runId = options.state?.runId ?? options.runId ?? `run_${globalThis.crypto.randomUUID()}`
    const initial = yield* AgentLoop.init({
      ...agent.options,
      runId,
      prompt: options.prompt,
      conversation: options.conversation
    })
    const state =
      options.state === undefined
        ? initial
        : options.prompt === undefined
          ? options.state
          : { ...options.state, conversation: initial.conversation }
    const at = yield* now
    const inserted = yield* Effect.mapError(
      engine.runs.insertNew(rowOf(agent.name, state, "running", at)),
      toJournalError("record the run")
    )
    if (!inserted) return runId
    const encoded = yield* Effect.orDie(encodeState(state))
    yield* engine.workflows
      .execute(agent.workflow, {
        executionId: yield* agent.workflow.executionId({ runId, state: "" }),
        payload: { runId, state: encoded },
        discard: true
      })
      .pipe(Effect.orDie) // with `discard` the run's own failure is not awaited here
    return runId
  })

/**
 * What {@link wait} returns: the run ended, or it waits for decisions about `calls`.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome =
  | { readonly _tag: "Ended"; readonly end: RunEnd }
  | { readonly _tag: "Interrupted"; readonly runId: string }
  | { readonly _tag: "AwaitingApproval"; readonly runId: string; readonly calls: ReadonlyArray<AwaitingCall> }

/**
 * What {@link purge} deletes: the agent's runs that ended (by default finished, failed or interrupted; never a
 * running run or one waiting for approval) before `endedBefore`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PurgeOptions {
  /** Runs whose last change is older than this are deleted (a `Date` or epoch milliseconds). */
  readonly endedBefore: Date | number
  readonly statuses?: ReadonlyArray<"finished" | "failed" | "interrupted"> | undefined
}

/**
 * Deletes the journal of ended runs, to keep it from growing without bound: their executions, model replies,
 * tool results, decisions and rows in the runs table. Returns the ids of the runs deleted, oldest first. A run
 * deleted is unknown afterwards (`RunNotFound`); starting its id again starts a new run.
 *
 * @since 0.1.0
 * @category running
 */
export const purge = <R>(
  agent: DurableAgent<R>,
  options: PurgeOptions
): Effect.Effect<ReadonlyArray<string>, JournalError, DurableEngine> =>
  Effect.gen(function* () {
    const engine = yield* DurableEngine
    const before = typeof options.endedBefore === "number" ? options.endedBefore : options.endedBefore.getTime()
    const statuses = options.statuses ?? ["finished", "failed", "interrupted"]
    const runIds = yield* engine.runs.endedBefore(agent.name, statuses, before)
    const executionIds = yield* Effect.forEach(runIds, (runId) => agent.workflow.executionId({ runId, state: "" }))
    yield* engine.forget(executionIds)
    yield* engine.runs.remove(runIds)
    return runIds
  }).pipe(Effect.mapError(toJournalError("purge ended runs")))

/**
 * Waits until the run ends (its {@link RunEnd}, or {@link RunFailed}), was interrupted ({@link interrupt}), or waits
 * for approval (the calls waiting).
 *
 * @since 0.1.0
 * @category running
 */
export const wait = <R>(
  agent: DurableAgent<R>,
  runId: string,
  options?: { readonly pollInterval?: Duration.DurationInput | undefined }
): Effect.Effect<Outcome, RunFailed | RunNotFound | JournalError, DurableEngine> =>
  Effect.gen(function* () {
    const engine = yield* DurableEngine
    const executionId = yield* agent.workflow.executionId({ runId, state: "" })
    const interval = Duration.decode(options?.pollInterval ?? Duration.millis(50))
    while (true) {
      const result = yield* engine.workflows.poll(agent.workflow, executionId)
      const unavailable =
        result === undefined
          ? Option.none()
          : result._tag === "Suspended"
            ? JournalUnavailable.find(result.cause ?? Cause.empty)
            : Exit.isFailure(result.exit)
              ? JournalUnavailable.find(result.exit.cause)
              : Option.none()
      if (Option.isSome(unavailable)) {
        return yield* new JournalError({
          operation: unavailable.value.operation,
          message: `The run ${runId} stopped: its journal could not be written (${unavailable.value.message}). It continues where its journal ends when an engine runs it again.`
        })
      }
      if (result !== undefined && result._tag === "Complete") {
        const exit = result.exit
        if (Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) return { _tag: "Interrupted", runId } as const

        const end = yield* exit
        return { _tag: "Ended", end } as const
      }
      const row = yield* Effect.mapError(engine.runs.get(runId), toJournalError("read the run"))
      if (row === undefined || row.agent !== agent.name) return yield* new RunNotFound({ runId })
      if (row.status === "awaiting-approval") {
        const pending = yield* awaitingCalls(engine.runs, agent, runId)
        if (pending.length > 0) return { _tag: "AwaitingApproval", runId, calls: pending } as const
      }
      yield* engine.settled(executionId, interval)
    }
  })

const awaitingCalls = (
  runs: Runs.RunsTable,
  agent: { readonly name: string },
  runId: string
): Effect.Effect<ReadonlyArray<Runs.AwaitingCall>, JournalError> =>
  Effect.gen(function* () {
    const row = yield* runs.get(runId)
    if (row === undefined || row.agent !== agent.name || row.status !== "awaiting-approval") return []
    const decided = new Set(yield* runs.decided(runId))
    return row.awaiting.filter((call) => !decided.has(call.id))
  }).pipe(Effect.mapError(toJournalError("read the run")))

/**
 * Where a run is, from the runs table (any process with {@link DurableClient}).
 *
 * @since 0.1.0
 * @category inspecting
 */
export const status = (runId: string): Effect.Effect<RunInfo, RunNotFound | JournalError, DurableClient> =>
  Effect.gen(function* () {
    const client = yield* DurableClient
    const row = yield* Effect.mapError(client.runs.get(runId), toJournalError("read the run"))
    if (row === undefined) return yield* new RunNotFound({ runId })
    return row
  })

/**
 * The journaled runs, oldest first, optionally of one agent or in one status.
 *
 * @since 0.1.0
 * @category inspecting
 */
export const list = (filter?: {
  readonly agent?: string | undefined
  readonly status?: Status | undefined
}): Effect.Effect<ReadonlyArray<RunInfo>, JournalError, DurableClient> =>
  Effect.flatMap(DurableClient, (client) =>
    Effect.mapError(client.runs.list(filter ?? {}), toJournalError("list the runs"))
  )

/**
 * Decides a call a run waits on: `{ _tag: "Allow" }` (optionally with an edited `input`) or
 * `{ _tag: "Deny", reason }`. Works from any process that can reach the journal; the runner that owns the run
 * picks the decision up and continues the run. The first decision for a call stands.
 *
 * @since 0.1.0
 * @category approval
 */
export const decide = (
  runId: string,
  toolUseId: string,
  decision: RunState.Decision
): Effect.Effect<void, NotAwaiting | RunNotFound | JournalError, DurableClient> =>
  Effect.gen(function* () {
    const client = yield* DurableClient
    const row = yield* Effect.mapError(client.runs.get(runId), toJournalError("read the run"))
    if (row === undefined) return yield* new RunNotFound({ runId })
    if (row.status !== "awaiting-approval" || !row.awaiting.some((call) => call.id === toolUseId)) {
      return yield* new NotAwaiting({
        runId,
        toolUseId,
        message: `Run ${runId} is not waiting for a decision about ${toolUseId} (it is ${row.status}).`
      })
    }
    const encoded = JSON.stringify(Schema.encodeSync(RunState.Decision)(decision))
    const recorded = yield* Effect.mapError(
      client.runs.putDecision({ runId, toolUseId, decision: encoded }),
      toJournalError("record the decision")
    )
    if (!recorded) {
      return yield* new NotAwaiting({
        runId,
        toolUseId,
        message: `A decision about ${toolUseId} in run ${runId} was already recorded; the first one stands.`
      })
    }
  })

/**
 * Interrupts a run: one waiting for approval (or for a runner) ends at once; one executing ends at its next wait
 * or when its process restarts. Its status becomes `interrupted`. A run that already ended is left as it is.
 *
 * @since 0.1.0
 * @category running
 */
export const interrupt = <R>(
  agent: DurableAgent<R>,
  runId: string
): Effect.Effect<void, RunNotFound | JournalError, DurableEngine> =>
  Effect.gen(function* () {
    const engine = yield* DurableEngine
    const row = yield* Effect.mapError(engine.runs.get(runId), toJournalError("read the run"))
    if (row === undefined || row.agent !== agent.name) return yield* new RunNotFound({ runId })
    if (row.status === "finished" || row.status === "failed" || row.status === "interrupted") return
    const executionId = yield* agent.workflow.executionId({ runId, state: "" })
    yield* engine.workflows.interrupt(agent.workflow, executionId)
    const at = yield* now
    yield* Effect.mapError(
      engine.runs.upsert({
        ...row,
        status: "interrupted",
        awaiting: [],
        detail: "the run was interrupted",
        updatedAt: at
      }),
      toJournalError("record the interruption")
    )
  })
