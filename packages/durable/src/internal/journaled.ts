/**
 * The loop's model port and toolkit with every call journaled as an Activity: a model call by its turn, a tool call
 * by its `tool_use` id. A completed call is replayed from the journal; one in flight at a crash runs again with
 * the same idempotency key, or — for a tool declared not re-runnable — is answered as interrupted.
 */
import * as Crypto from "node:crypto"
import * as Activity from "@effect/workflow/Activity"
import * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import * as Content from "@parley/core/Content"
import * as Message from "@parley/core/Message"
import type * as Model from "@parley/core/Model"
import * as ModelError from "@parley/core/ModelError"
import * as StreamEvent from "@parley/core/StreamEvent"
import type * as Toolkit from "@parley/core/Toolkit"
import * as ToolOutcome from "@parley/core/ToolOutcome"
import * as Chunk from "effect/Chunk"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { ToolCall } from "../ToolCall.js"
import * as JournalUnavailable from "./journalUnavailable.js"

/** What an Activity needs from the workflow it runs in. */
export type WorkflowContext = Context.Context<WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance>

const toFailure = (error: ModelError.ModelError): ModelError.ModelFailure =>
  error instanceof ModelError.ModelFailure
    ? error
    : new ModelError.ModelFailure({
        reason: error.reason,
        message: error.message,
        errorType: error.errorType,
        retryable: error.isRetryable,
        delivered: error.delivered,
        status: error.status,
        requestId: error.requestId,
        retryAfter: error.retryAfter
      })

const Events = Schema.Array(StreamEvent.StreamEvent)

/**
 * The model port of one step: its calls are Activities named `model/<turn>` (a second call in the same step, such
 * as a summarising hook's, `model/<turn>.2`, …). A streamed call is journaled as its events and replayed as them.
 */
export const model = (real: Model.Service, turn: number, workflow: WorkflowContext): Model.Service => {
  let calls = 0
  const nextName = (): string => {
    calls += 1
    return calls === 1 ? `model/${turn}` : `model/${turn}.${calls}`
  }
  return {
    create: (request) =>
      Effect.suspend(() =>
        Activity.make({
          name: nextName(),
          success: Message.Message,
          error: ModelError.ModelFailure,
          execute: Effect.mapError(real.create(request), toFailure)
        }).pipe(Effect.provide(workflow))
      ),
    stream: (request) =>
      Stream.unwrap(
        Effect.suspend(() =>
          Activity.make({
            name: nextName(),
            success: Events,
            error: ModelError.ModelFailure,
            execute: real
              .stream(request)
              .pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray), Effect.mapError(toFailure))
          }).pipe(Effect.provide(workflow), Effect.map(Stream.fromIterable))
        )
      )
  }
}

const ToolRunSchema = Schema.Struct({ result: Content.ToolResultBlock, outcome: ToolOutcome.Outcome })

const errorResult = (call: Content.ToolUseBlock, text: string): Content.ToolResultBlock => ({
  type: "tool_result",
  tool_use_id: call.id,
  content: text,
  is_error: true
})

/**
 * The idempotency key of the activity `name` in the current workflow execution: the key `Activity.idempotencyKey`
 * gives (the first 16 bytes of SHA-256 of `<executionId>-<name>`, as hex), computed synchronously instead of
 * through the thread pool of WebCrypto's `digest`.
 */
export const idempotencyKeyOf = (name: string): Effect.Effect<string, never, WorkflowEngine.WorkflowInstance> =>
  Effect.map(WorkflowEngine.WorkflowInstance, (instance) =>
    Crypto.createHash("sha256").update(`${instance.executionId}-${name}`).digest("hex").slice(0, 32)
  )

/** How the journaled toolkit runs one call. */
export interface ToolSettings {
  readonly runId: string
  /** Tool names whose call, in flight at a crash, is answered as interrupted instead of run again. */
  readonly notRerunnable: ReadonlySet<string>
  readonly timeoutOf: (name: string) => Duration.Duration
  /**
   * Told when a call's Activity could not be journaled. The call then answers a placeholder that no model sees:
   * the run body fails the step with the failure before the next model call.
   */
  readonly journalFailed: (failure: JournalUnavailable.JournalUnavailable) => void
}

/** The text the model gets for a call that was in flight at a crash and must not run twice. */
export const crashText = (call: Content.ToolUseBlock): string =>
  `Error: tool "${call.name}" was interrupted by a crash of the process running it and was not run again, because it must not run twice. It may or may not have taken effect.`

/** Runs the handler with the call's timeout, inside the Activity, so the journal holds what the model was told. */
const bounded = (
  run: Effect.Effect<ToolOutcome.ToolRun, never, never>,
  call: Content.ToolUseBlock,
  timeout: Duration.Duration
): Effect.Effect<ToolOutcome.ToolRun> => {
  if (!Duration.isFinite(timeout)) return run
  return Effect.flatMap(Effect.forkDaemon(run), (fiber) =>
    Effect.timeoutTo(Fiber.join(fiber), {
      duration: timeout,
      onSuccess: (result) => Effect.succeed(result),
      onTimeout: () =>
        Effect.as(
          Effect.zipRight(
            Fiber.interruptFork(fiber),
            Effect.logWarning(`tool "${call.name}" did not finish within ${Duration.format(timeout)}; abandoned`)
          ),
          ToolOutcome.make(
            errorResult(
              call,
              `Error: tool "${call.name}" did not finish within ${Duration.format(timeout)} and was abandoned. It may still complete: do not assume it had no effect.`
            ),
            "timeout"
          )
        )
    }).pipe(Effect.flatten)
  )
}

/**
 * The toolkit of a durable run: each call is the Activity `tool/<tool_use id>`, whose handler sees the call's
 * idempotency key through {@link ToolCall}. A not re-runnable tool first journals that it started
 * (`tool/<id>/started`): when that mark is replayed but the result is missing, the call was in flight at a crash.
 */
export const toolkit = <R>(
  real: Toolkit.Handled<R>,
  settings: ToolSettings,
  workflow: WorkflowContext
): Toolkit.Handled<R> => {
  // The handler's own failures are outcomes inside the Activity (the real toolkit catches them), so a defect out of
  // the Activity is the engine's: the journal could not be written.
  const journalFailure = (call: Content.ToolUseBlock) => (defect: unknown) =>
    Effect.sync(() => {
      settings.journalFailed(JournalUnavailable.fromDefect(`journal the call ${call.id} of ${call.name}`)(defect))
      return { result: errorResult(call, "Error: the call could not be journaled."), outcome: "error" as const }
    })
  const execute = (call: Content.ToolUseBlock): Effect.Effect<ToolOutcome.ToolRun, never, R> =>
    Effect.gen(function* () {
      const name = `tool/${call.id}`
      let startedEarlier = false
      if (settings.notRerunnable.has(call.name)) {
        let markedNow = false
        const marked = yield* Activity.make({
          name: `${name}/started`,
          success: Schema.Literal(true),
          execute: Effect.sync(() => {
            markedNow = true
            return true as const
          })
        }).pipe(
          Effect.provide(workflow),
          Effect.orDie,
          Effect.as(undefined),
          Effect.catchAllDefect(journalFailure(call))
        )
        // Not marked as started, it must not run: the step fails before the next model call, and runs again.
        if (marked !== undefined) return ToolOutcome.make(marked.result, marked.outcome)
        startedEarlier = !markedNow
      }
      const context = yield* Effect.context<R>()
      const run = yield* Activity.make({
        name,
        success: ToolRunSchema,
        execute: Effect.gen(function* () {
          if (startedEarlier) return ToolOutcome.make(errorResult(call, crashText(call)), "interrupted")
          const idempotencyKey = yield* idempotencyKeyOf(name)
          const attempt = yield* Activity.CurrentAttempt
          const handler = real
            .execute(call)
            .pipe(
              Effect.provide(context),
              Effect.provideService(ToolCall, { runId: settings.runId, toolUseId: call.id, idempotencyKey, attempt })
            )
          const outcome = yield* bounded(handler, call, settings.timeoutOf(call.name))
          return { result: outcome.result, outcome: outcome.outcome }
        })
      }).pipe(Effect.provide(workflow), Effect.orDie, Effect.catchAllDefect(journalFailure(call)))
      return ToolOutcome.make(run.result, run.outcome)
    })
  return {
    definitions: real.definitions,
    names: real.names,
    execute,
    run: (call) => Effect.map(execute(call), (run) => run.result)
  }
}
