/**
 * A `WorkflowEngine` for one process over one SQL database (the embedded SQLite mode). It follows
 * `@effect/workflow`'s in-memory engine step for step and journals what that engine keeps in maps: executions
 * (payload, result, interrupted), activity exits and deferred results, and durable clocks. An execution's journal
 * is read in one query when it (re)starts; each activity then costs one insert. It exists because the cluster's
 * engine on one runner costs ~15 ms of wall time (~7 ms of CPU) per activity (bench/RESULTS.md, durable section).
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlError from "@effect/sql/SqlError"
import type * as Activity from "@effect/workflow/Activity"
import type * as DurableClock from "@effect/workflow/DurableClock"
import * as Workflow from "@effect/workflow/Workflow"
import * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import type * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberMap from "effect/FiberMap"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as JournalUnavailable from "./journalUnavailable.js"

type Execute = (
  payload: object,
  executionId: string
) => Effect.Effect<unknown, unknown, WorkflowEngine.WorkflowInstance | WorkflowEngine.WorkflowEngine>

interface Registered {
  readonly workflow: Workflow.Any
  readonly execute: Execute
  readonly scope: Scope.Scope
}

/** An execution this process knows: its journal (loaded once) and the fiber running its body, if any. */
interface Execution {
  readonly workflow: Workflow.Any
  readonly payload: object
  readonly parent: string | undefined
  /** Activity exits by `name/attempt`, as encoded JSON. */
  readonly activities: Map<string, string>
  /** Deferred results by name, as encoded JSON. */
  readonly deferreds: Map<string, string>
  interrupted: boolean
  instance: WorkflowEngine.WorkflowInstance["Type"]
  fiber: Fiber.RuntimeFiber<Workflow.Result<unknown, unknown>> | undefined
}

/** Exits whose values are already encoded (an activity's `executeEncoded`, a deferred's encoded exit), as JSON. */
const EncodedExit = Schema.parseJson(
  Schema.Exit({ success: Schema.Unknown, failure: Schema.Unknown, defect: Schema.Defect })
)
const encodeExit = Schema.encodeSync(EncodedExit)
const decodeExit = Schema.decodeSync(EncodedExit)

/** A schema per workflow, built once (its parser is built with it, on first use). */
const perWorkflow = <S>(build: (workflow: Workflow.Any) => S): ((workflow: Workflow.Any) => S) => {
  const built = new WeakMap<Workflow.Any, S>()
  return (workflow) => {
    let schema = built.get(workflow)
    if (schema === undefined) {
      schema = build(workflow)
      built.set(workflow, schema)
    }
    return schema
  }
}

const resultSchema = perWorkflow((workflow) =>
  Schema.parseJson(
    Workflow.Result({ success: workflow.successSchema, error: workflow.errorSchema }) as Schema.Schema<
      Workflow.Result<unknown, unknown>,
      unknown
    >
  )
)
const payloadSchema = perWorkflow((workflow) =>
  Schema.parseJson(workflow.payloadSchema as unknown as Schema.Schema<object, unknown>)
)

const createTables = (sql: SqlClient.SqlClient) =>
  Effect.all(
    [
      sql`CREATE TABLE IF NOT EXISTS parley_wf_executions (
        execution_id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        payload TEXT NOT NULL,
        parent TEXT,
        status TEXT NOT NULL,
        result TEXT,
        interrupted INTEGER NOT NULL DEFAULT 0
      )`,
      sql`CREATE TABLE IF NOT EXISTS parley_wf_activities (
        execution_id TEXT NOT NULL,
        activity TEXT NOT NULL,
        exit TEXT NOT NULL,
        PRIMARY KEY (execution_id, activity)
      )`,
      sql`CREATE TABLE IF NOT EXISTS parley_wf_deferreds (
        execution_id TEXT NOT NULL,
        name TEXT NOT NULL,
        exit TEXT NOT NULL,
        PRIMARY KEY (execution_id, name)
      )`,
      sql`CREATE TABLE IF NOT EXISTS parley_wf_clocks (
        execution_id TEXT NOT NULL,
        name TEXT NOT NULL,
        deferred TEXT NOT NULL,
        wake_at BIGINT NOT NULL,
        PRIMARY KEY (execution_id, name)
      )`
    ],
    { discard: true }
  )

/** The engine, and a function that starts the executions of a registered workflow the journal left unfinished. */
/** The engine, and a way to delete the journal of executions that ended. */
export interface SqlWorkflowEngine {
  readonly engine: WorkflowEngine.WorkflowEngine["Type"]
  /** Deletes the executions' journals (they must have ended: a running one is left alone). */
  readonly forget: (executionIds: ReadonlyArray<string>) => Effect.Effect<void, SqlError.SqlError>
  /** Waits until the execution's body, if it runs here, stops or suspends, for at most `atMost`. */
  readonly settled: (executionId: string, atMost: Duration.Duration) => Effect.Effect<void>
}

export const make = (sql: SqlClient.SqlClient): Effect.Effect<SqlWorkflowEngine, SqlError.SqlError, Scope.Scope> =>
  Effect.gen(function* () {
    yield* createTables(sql)
    const scope = yield* Effect.scope
    const clocks = yield* FiberMap.make<string>()
    const registered = new Map<string, Registered>()
    const executions = new Map<string, Execution>()

    /** Reads an execution's journal into memory. */
    const load = (executionId: string) =>
      Effect.gen(function* () {
        const rows = yield* sql<{
          workflow: string
          payload: string
          parent: string | null
          status: string
          interrupted: number | string
        }>`SELECT workflow, payload, parent, status, interrupted FROM parley_wf_executions WHERE execution_id = ${executionId}`
        const row = rows[0]
        if (row === undefined) return undefined
        const entry = registered.get(row.workflow)
        if (entry === undefined) return undefined
        const activities = yield* sql<{ activity: string; exit: string }>`
          SELECT activity, exit FROM parley_wf_activities WHERE execution_id = ${executionId}`
        const deferreds = yield* sql<{ name: string; exit: string }>`
          SELECT name, exit FROM parley_wf_deferreds WHERE execution_id = ${executionId}`
        const execution: Execution = {
          workflow: entry.workflow,
          payload: yield* Effect.orDie(Schema.decode(payloadSchema(entry.workflow))(row.payload)),
          parent: row.parent ?? undefined,
          activities: new Map(activities.map((activity) => [activity.activity, activity.exit])),
          deferreds: new Map(deferreds.map((deferred) => [deferred.name, deferred.exit])),
          interrupted: Number(row.interrupted) === 1,
          instance: WorkflowEngine.WorkflowInstance.initial(entry.workflow, executionId),
          fiber: undefined
        }
        executions.set(executionId, execution)
        return { execution, status: row.status }
      })

    const record = (executionId: string, result: Workflow.Result<unknown, unknown>, workflow: Workflow.Any) =>
      result._tag === "Complete"
        ? Effect.flatMap(Effect.orDie(Schema.encode(resultSchema(workflow))(result)), (encoded) =>
            sql`UPDATE parley_wf_executions SET status = 'complete', result = ${encoded}
              WHERE execution_id = ${executionId}`.pipe(Effect.asVoid)
          )
        : sql`UPDATE parley_wf_executions SET status = 'suspended' WHERE execution_id = ${executionId}`.pipe(
            Effect.asVoid
          )

    /** (Re)runs an execution's body from its journal, unless it is running or complete. */
    const resume = (executionId: string): Effect.Effect<void> =>
      Effect.gen(function* () {
        const execution = executions.get(executionId)
        if (execution === undefined) return
        const running = execution.fiber?.unsafePoll()
        if (execution.fiber !== undefined && running === null) return
        if (running !== undefined && running !== null && Exit.isSuccess(running) && running.value._tag === "Complete") {
          return
        }
        const entry = registered.get(execution.workflow.name)
        if (entry === undefined) return
        const instance = WorkflowEngine.WorkflowInstance.initial(execution.workflow, executionId)
        instance.interrupted = execution.interrupted
        execution.instance = instance
        execution.fiber = yield* entry.execute(execution.payload, executionId).pipe(
          Effect.onExit(() => {
            if (!instance.interrupted) return Effect.void
            instance.suspended = false
            return Effect.withFiberRuntime<void>((fiber) => Effect.interruptible(Fiber.interrupt(fiber)))
          }),
          Workflow.intoResult,
          Effect.provideService(WorkflowEngine.WorkflowInstance, instance),
          Effect.provideService(WorkflowEngine.WorkflowEngine, engine),
          Effect.tap((result) =>
            Effect.zipRight(
              Effect.orDieWith(
                record(executionId, result, execution.workflow),
                JournalUnavailable.fromDefect("journal the end of the run")
              ),
              execution.parent === undefined || result._tag !== "Complete"
                ? Effect.void
                : Effect.forkIn(resume(execution.parent), scope)
            )
          ),
          Effect.forkIn(entry.scope)
        )
      })

    /** Starts the executions of a just-registered workflow that the journal left unfinished, and their clocks. */
    const recover = (workflow: Workflow.Any) =>
      Effect.gen(function* () {
        const rows = yield* sql<{ execution_id: string }>`SELECT execution_id FROM parley_wf_executions
          WHERE workflow = ${workflow.name} AND status <> 'complete'`
        for (const row of rows) {
          if (executions.has(row.execution_id)) continue
          const loaded = yield* load(row.execution_id)
          if (loaded !== undefined) yield* resume(row.execution_id)
        }
        const pending = yield* sql<{ execution_id: string; name: string; deferred: string; wake_at: number | string }>`
          SELECT c.execution_id, c.name, c.deferred, c.wake_at FROM parley_wf_clocks c
          JOIN parley_wf_executions e ON e.execution_id = c.execution_id
          WHERE e.workflow = ${workflow.name} AND e.status <> 'complete'`
        for (const clock of pending) {
          yield* wakeAt(workflow, clock.execution_id, clock.name, clock.deferred, Number(clock.wake_at))
        }
      })

    const wakeAt = (workflow: Workflow.Any, executionId: string, name: string, deferred: string, at: number) =>
      Effect.flatMap(
        Effect.clockWith((clock) => clock.currentTimeMillis),
        (now) =>
          deferredDone({ workflowName: workflow.name, executionId, deferredName: deferred, exit: Exit.void }).pipe(
            Effect.delay(Duration.millis(Math.max(0, at - Number(now)))),
            FiberMap.run(clocks, `${executionId}/${name}`, { onlyIfMissing: true }),
            Effect.asVoid
          )
      )

    const deferredDone = (options: {
      readonly workflowName: string
      readonly executionId: string
      readonly deferredName: string
      readonly exit: Exit.Exit<unknown, unknown>
    }): Effect.Effect<void> =>
      Effect.gen(function* () {
        const encoded = encodeExit(options.exit)
        const inserted = yield* sql<{ name: string }>`INSERT INTO parley_wf_deferreds ${sql.insert({
          execution_id: options.executionId,
          name: options.deferredName,
          exit: encoded
        })} ON CONFLICT (execution_id, name) DO NOTHING RETURNING name`
        if (inserted.length === 0) return
        const known = executions.get(options.executionId) ?? (yield* load(options.executionId))?.execution
        if (known === undefined) return
        known.deferreds.set(options.deferredName, encoded)
        yield* resume(options.executionId)
      }).pipe(Effect.orDieWith(JournalUnavailable.fromDefect("journal a decision")))

    const base: WorkflowEngine.WorkflowEngine["Type"] = WorkflowEngine.makeUnsafe({
      register: (workflow, execute) =>
        Effect.gen(function* () {
          registered.set(workflow.name, { workflow, execute, scope: yield* Effect.scope })
          yield* Effect.orDie(recover(workflow))
        }),
      execute: (workflow, options) =>
        Effect.gen(function* () {
          if (!registered.has(workflow.name)) return yield* Effect.die(`Workflow ${workflow.name} is not registered`)
          let execution = executions.get(options.executionId)
          if (execution === undefined) {
            const payload = yield* Effect.orDie(Schema.encode(payloadSchema(workflow))(options.payload))
            yield* sql`INSERT INTO parley_wf_executions ${sql.insert({
              execution_id: options.executionId,
              workflow: workflow.name,
              payload,
              parent: options.parent?.executionId ?? null,
              status: "running",
              result: null,
              interrupted: 0
            })} ON CONFLICT (execution_id) DO NOTHING`
            const loaded = yield* load(options.executionId)
            execution = loaded?.execution
            if (execution !== undefined && loaded?.status !== "complete") yield* resume(options.executionId)
          }
          if (options.discard) return undefined as never
          if (execution?.fiber === undefined) {
            const polled = yield* poll(workflow, options.executionId)
            return (polled ?? new Workflow.Suspended({})) as never
          }
          return (yield* Fiber.join(execution.fiber)) as never
        }).pipe(Effect.orDieWith(JournalUnavailable.fromDefect("journal the start of the run"))),
      interrupt: (_workflow, executionId) =>
        Effect.gen(function* () {
          const execution = executions.get(executionId) ?? (yield* load(executionId))?.execution
          if (execution === undefined) return
          execution.interrupted = true
          execution.instance.interrupted = true
          yield* sql`UPDATE parley_wf_executions SET interrupted = 1 WHERE execution_id = ${executionId}`
          yield* resume(executionId)
        }).pipe(Effect.orDieWith(JournalUnavailable.fromDefect("journal the interruption"))),
      resume: (_workflow, executionId) => resume(executionId),
      // Replaced below by `activityExecute`, which decodes with cached parsers.
      activityExecute: () => Effect.die("unused"),
      poll,
      deferredResult: (deferred) =>
        Effect.map(WorkflowEngine.WorkflowInstance, (instance) => {
          const encoded = executions.get(instance.executionId)?.deferreds.get(deferred.name)
          return encoded === undefined ? undefined : decodeExit(encoded)
        }),
      deferredDone,
      scheduleClock: (workflow, options) =>
        Effect.gen(function* () {
          const clock: DurableClock.DurableClock = options.clock
          const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
          const at = Number(now) + Duration.toMillis(clock.duration)
          yield* sql`INSERT INTO parley_wf_clocks ${sql.insert({
            execution_id: options.executionId,
            name: clock.name,
            deferred: clock.deferred.name,
            wake_at: at
          })} ON CONFLICT (execution_id, name) DO NOTHING`
          yield* wakeAt(workflow, options.executionId, clock.name, clock.deferred.name, at)
        }).pipe(Effect.orDieWith(JournalUnavailable.fromDefect("journal a durable clock")))
    })

    /**
     * Runs an activity, or replays its journaled exit. In place of `makeUnsafe`'s wrapper, which decodes every exit
     * through the activity's own `exitSchema` (a new schema per `Activity.make`, so its parser is built anew on
     * each call), it decodes the value through the success or error schema, whose parsers are cached.
     */
    const activityExecute: WorkflowEngine.WorkflowEngine["Type"]["activityExecute"] = (activity, attempt) =>
      Effect.gen(function* () {
        const instance = yield* WorkflowEngine.WorkflowInstance
        const execution = executions.get(instance.executionId)
        const key = `${activity.name}/${attempt}`
        const journaled = execution?.activities.get(key)
        if (journaled !== undefined) {
          return new Workflow.Complete({ exit: yield* decodeActivityExit(activity, decodeExit(journaled)) })
        }
        const activityInstance = WorkflowEngine.WorkflowInstance.initial(instance.workflow, instance.executionId)
        activityInstance.interrupted = instance.interrupted
        const result = yield* activity.executeEncoded.pipe(
          Workflow.intoResult,
          Effect.provideService(WorkflowEngine.WorkflowInstance, activityInstance)
        )
        if (result._tag === "Suspended") return result
        const encoded = encodeExit(result.exit)
        yield* sql`INSERT INTO parley_wf_activities ${sql.insert({
          execution_id: instance.executionId,
          activity: key,
          exit: encoded
        })} ON CONFLICT (execution_id, activity) DO NOTHING`.pipe(
          Effect.orDieWith(JournalUnavailable.fromDefect(`journal the result of ${activity.name}`))
        )
        execution?.activities.set(key, encoded)
        return new Workflow.Complete({ exit: yield* decodeActivityExit(activity, result.exit) })
      }) as never

    function poll(workflow: Workflow.Any, executionId: string) {
      return Effect.gen(function* () {
        const execution = executions.get(executionId)
        const exit = execution?.fiber?.unsafePoll()
        // A body that died (its journal could not be written) is complete here, with that defect.
        if (exit !== undefined && exit !== null) {
          return Exit.isSuccess(exit) ? exit.value : new Workflow.Complete({ exit: Exit.failCause(exit.cause) })
        }
        if (execution?.fiber !== undefined) return undefined
        const rows = yield* sql<{ status: string; result: string | null }>`
          SELECT status, result FROM parley_wf_executions WHERE execution_id = ${executionId}`
        const row = rows[0]
        if (row === undefined) return undefined
        if (row.status === "complete" && row.result !== null) {
          return yield* Effect.orDie(Schema.decode(resultSchema(workflow))(row.result))
        }
        return row.status === "suspended" ? new Workflow.Suspended({}) : undefined
      }).pipe(Effect.orDieWith(JournalUnavailable.fromDefect("read the run's result")))
    }

    const engine: WorkflowEngine.WorkflowEngine["Type"] = { ...base, activityExecute }

    const forget = (executionIds: ReadonlyArray<string>) => {
      const ended = executionIds.filter((id) => {
        const fiber = executions.get(id)?.fiber
        return fiber === undefined || fiber.unsafePoll() !== null
      })
      if (ended.length === 0) return Effect.void
      return Effect.forEach(
        ["parley_wf_activities", "parley_wf_deferreds", "parley_wf_clocks", "parley_wf_executions"],
        (table) => sql`DELETE FROM ${sql(table)} WHERE ${sql.in("execution_id", ended)}`,
        { discard: true }
      ).pipe(
        sql.withTransaction,
        Effect.tap(() =>
          Effect.sync(() => {
            for (const id of ended) executions.delete(id)
          })
        )
      )
    }
    const settled = (executionId: string, atMost: Duration.Duration) =>
      Effect.suspend(() => {
        const fiber = executions.get(executionId)?.fiber
        return fiber === undefined || fiber.unsafePoll() !== null
          ? Effect.sleep(atMost)
          : Effect.asVoid(Effect.timeout(Fiber.await(fiber), atMost).pipe(Effect.ignore))
      })
    return { engine, forget, settled }
  })

/** Per error schema, the schema of an activity's failure cause (built once: a new one per call costs its parser). */
const causeSchemas = new WeakMap<Schema.Schema.Any, Schema.Schema<Cause.Cause<unknown>, unknown>>()

const causeSchema = (error: Schema.Schema.Any): Schema.Schema<Cause.Cause<unknown>, unknown> => {
  let schema = causeSchemas.get(error)
  if (schema === undefined) {
    schema = Schema.CauseFromSelf({ error, defect: Schema.Defect }) as unknown as Schema.Schema<
      Cause.Cause<unknown>,
      unknown
    >
    causeSchemas.set(error, schema)
  }
  return schema
}

/** An activity's exit with encoded values, decoded through its success or error schema. */
const decodeActivityExit = (
  activity: Activity.Any,
  exit: Exit.Exit<unknown, unknown>
): Effect.Effect<Exit.Exit<unknown, unknown>> =>
  Effect.orDie(
    Exit.isSuccess(exit)
      ? Effect.map(
          Schema.decodeUnknown(activity.successSchema as Schema.Schema<unknown, unknown>)(exit.value),
          (value): Exit.Exit<unknown, unknown> => Exit.succeed(value)
        )
      : Effect.map(
          Schema.decodeUnknown(causeSchema(activity.errorSchema as Schema.Schema.Any))(exit.cause),
          (cause): Exit.Exit<unknown, unknown> => Exit.failCause(cause)
        )
  )
