/**
 * Where durable runs are journaled and executed: an embedded engine on one SQLite file (one process, nothing to
 * start), or — in `@parley/durable/PgEngine` — a cluster of runner processes sharing one PostgreSQL database.
 * Either way the engine also keeps a table of runs (status, stop reason, calls waiting for approval) and of
 * approval decisions, which another process can read and write with {@link layerClient} alone.
 *
 * @example
 * ```ts
 * import { DurableEngine } from "@parley/durable"
 *
 * const engine = DurableEngine.sqlite({ filename: "runs.db" })
 * ```
 *
 * @since 0.1.0
 */
import type * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlError from "@effect/sql/SqlError"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import type * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Lease from "./internal/lease.js"
import * as Runs from "./internal/runsTable.js"
import * as SqlWorkflowEngine from "./internal/sqlWorkflowEngine.js"

/**
 * The engine could not be started or its journal could not be read or written (the database is unreachable,
 * the file cannot be opened, a query failed). `operation` says what was being done.
 *
 * @since 0.1.0
 * @category errors
 */
export class JournalError extends Schema.TaggedError<JournalError>("@parley/durable/JournalError")("JournalError", {
  operation: Schema.String,
  message: Schema.String
}) {}

/**
 * A durable engine: runs agents registered on it (`DurableAgent.layer`) and journals their steps.
 *
 * @since 0.1.0
 * @category models
 */
export interface Engine {
  /** Which journal the engine writes. */
  readonly kind: "sqlite" | "postgres"
  /** @internal */
  readonly workflows: WorkflowEngine.WorkflowEngine["Type"]
  /** @internal */
  readonly runs: Runs.RunsTable
  /** @internal Deletes the journal of executions that ended. */
  readonly forget: (executionIds: ReadonlyArray<string>) => Effect.Effect<void, SqlError.SqlError>
  /** @internal Waits until the execution, running in this process, stops or suspends, for at most `atMost`. */
  readonly settled: (executionId: string, atMost: Duration.Duration) => Effect.Effect<void>
}

/**
 * The durable engine of this process.
 *
 * @since 0.1.0
 * @category tags
 */
export class DurableEngine extends Context.Tag("@parley/durable/DurableEngine")<DurableEngine, Engine>() {}

/**
 * The journal tables of a process that does not run agents (a CLI listing runs or approving calls): it reads and
 * writes the runs and decisions tables only.
 *
 * @since 0.1.0
 * @category models
 */
export interface Client {
  readonly kind: "sqlite" | "postgres"
  /** @internal */
  readonly runs: Runs.RunsTable
}

/**
 * The journal's tables, without an engine.
 *
 * @since 0.1.0
 * @category tags
 */
export class DurableClient extends Context.Tag("@parley/durable/DurableClient")<DurableClient, Client>() {}

/**
 * Timings of the engine's cluster layer, for tests and for tuning failover. Defaults: shard locks refreshed every
 * 2 seconds and expiring after 10 (how soon another runner takes over a killed runner's runs), new messages
 * polled every second.
 *
 * @since 0.1.0
 * @category models
 */
export interface Timings {
  readonly shardLockRefreshInterval?: Duration.DurationInput | undefined
  readonly shardLockExpiration?: Duration.DurationInput | undefined
  readonly entityMessagePollInterval?: Duration.DurationInput | undefined
}

/** @internal */
export const shardingConfig = (timings: Timings | undefined): Partial<ShardingConfig.ShardingConfig["Type"]> => ({
  shardLockRefreshInterval: timings?.shardLockRefreshInterval ?? Duration.seconds(2),
  shardLockExpiration: timings?.shardLockExpiration ?? Duration.seconds(10),
  entityMessagePollInterval: timings?.entityMessagePollInterval ?? Duration.seconds(1),
  entityTerminationTimeout: Duration.seconds(1)
})

/** @internal */
export const toJournalError =
  (operation: string) =>
  (error: unknown): JournalError =>
    new JournalError({
      operation,
      message: error instanceof Error ? error.message : typeof error === "string" ? error : "unknown error"
    })

/**
 * Deletes what the cluster's tables hold of ended workflow executions: the messages of their entities (the
 * workflow's, with its activities, and its clock's: all have the execution id as entity id) and their replies.
 */
const forgetClusterExecutions =
  (sql: SqlClient.SqlClient) =>
  (executionIds: ReadonlyArray<string>): Effect.Effect<void, SqlError.SqlError> =>
    Effect.forEach(
      executionIds,
      (id) =>
        sql`DELETE FROM cluster_replies WHERE request_id IN (
          SELECT id FROM cluster_messages WHERE entity_id = ${id})`.pipe(
          Effect.zipRight(sql`DELETE FROM cluster_messages WHERE entity_id = ${id}`),
          sql.withTransaction
        ),
      { discard: true }
    )

/** @internal */
export const engineFromSql = (
  kind: "sqlite" | "postgres"
): Effect.Effect<Engine, JournalError, SqlClient.SqlClient | WorkflowEngine.WorkflowEngine> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const runs = yield* Effect.mapError(Runs.make(sql, kind), toJournalError("create the runs table"))
    const workflows = yield* Effect.serviceOption(
      Context.GenericTag<WorkflowEngine.WorkflowEngine, WorkflowEngine.WorkflowEngine["Type"]>(
        "@effect/workflow/WorkflowEngine"
      )
    )
    if (workflows._tag === "None") return yield* new JournalError({ operation: "start", message: "no engine" })
    return {
      kind,
      workflows: workflows.value,
      runs,
      forget: forgetClusterExecutions(sql),
      settled: (_executionId, atMost) => Effect.sleep(atMost)
    }
  })

/**
 * Options of the embedded engine.
 *
 * @since 0.1.0
 * @category models
 */
export interface SqliteOptions {
  /** The journal file; created when missing. */
  readonly filename: string
  /**
   * What a committed step survives. `"process-crash"` (default): a killed process (SIGKILL, OOM, a deploy) loses
   * nothing; the operating system writes the journal out (SQLite's WAL with `synchronous = NORMAL`). `"power-loss"`:
   * every commit is also flushed to the disk (`synchronous = FULL`), about 0.9 ms more per commit here.
   */
  readonly durability?: "process-crash" | "power-loss" | undefined
}

const sqliteClient = (filename: string) =>
  Layer.mapError(SqliteClient.layer({ filename }), toJournalError(`open the journal ${filename}`))

/**
 * The embedded engine: one process journals and runs on one SQLite file (WAL mode), with Parley's own engine for
 * one process (see the README for why and what it costs). Only one process may run an engine on a file at a
 * time; other processes use {@link sqliteClientLayer} to list runs and decide approvals.
 *
 * @since 0.1.0
 * @category layers
 */
export const sqlite = (options: SqliteOptions): Layer.Layer<DurableEngine, JournalError> =>
  Layer.scoped(
    DurableEngine,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const synchronous = options.durability === "power-loss" ? "FULL" : "NORMAL"
      yield* Effect.mapError(sql.unsafe(`PRAGMA synchronous = ${synchronous}`), toJournalError("configure the journal"))
      yield* Effect.mapError(
        Lease.acquire(sql, options.filename),
        toJournalError(`take the journal ${options.filename}`)
      )
      const { engine, forget, settled } = yield* Effect.mapError(
        SqlWorkflowEngine.make(sql),
        toJournalError("start the engine")
      )
      const runs = yield* Effect.mapError(Runs.make(sql, "sqlite"), toJournalError("create the runs table"))
      return { kind: "sqlite" as const, workflows: engine, runs, forget, settled }
    })
  ).pipe(Layer.provide(sqliteClient(options.filename)))

/**
 * The journal tables of a SQLite file, for a process that lists runs or decides approvals while (or after)
 * another process runs the engine.
 *
 * @since 0.1.0
 * @category layers
 */
export const sqliteClientLayer = (options: { readonly filename: string }): Layer.Layer<DurableClient, JournalError> =>
  Layer.effect(
    DurableClient,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const runs = yield* Effect.mapError(Runs.make(sql, "sqlite"), toJournalError("create the runs table"))
      return { kind: "sqlite" as const, runs }
    })
  ).pipe(Layer.provide(sqliteClient(options.filename)))

/**
 * The client tables of a running engine (so one process can both run agents and answer `DurableAgent.list`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient: Layer.Layer<DurableClient, never, DurableEngine> = Layer.effect(
  DurableClient,
  Effect.map(DurableEngine, (engine) => ({ kind: engine.kind, runs: engine.runs }))
)
