/**
 * Many runner processes sharing one PostgreSQL database: every process that provides {@link layer} is a runner of
 * one cluster (`@effect/cluster` over `@effect/sql-pg`, runners talking over TCP). A run is owned by the runner
 * holding its shard; when a runner dies, its shard locks lapse and the other runners take its runs over, replaying
 * each from the journal (completed model and tool calls are not run again, a call in flight runs again with the
 * same idempotency key). A process that only lists runs or decides approvals uses {@link clientLayer}.
 *
 * A separate entry point, so that a SQLite-only application never loads `pg`: `@effect/sql-pg` and
 * `@effect/platform-node` are optional peer dependencies, needed only here.
 *
 * @example
 * ```ts
 * import { DurableAgent } from "@parley/durable"
 * import * as PgEngine from "@parley/durable/PgEngine"
 * import { Layer } from "effect"
 *
 * const agent = DurableAgent.make("support", { model: "claude-sonnet-4-5" })
 * const engine = PgEngine.layer({
 *   url: "postgres://postgres@127.0.0.1:5432/agents",
 *   runner: { host: "10.0.0.7", port: 34431 } // where the other runners reach this one
 * })
 * const runner = DurableAgent.layer(agent).pipe(Layer.provideMerge(engine)) // + a Model layer and the tools' needs
 * ```
 *
 * @since 0.1.0
 */
import * as ClusterWorkflowEngine from "@effect/cluster/ClusterWorkflowEngine"
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import {
  type Client,
  DurableClient,
  DurableEngine,
  engineFromSql,
  type JournalError,
  shardingConfig,
  type Timings,
  toJournalError
} from "./DurableEngine.js"
import * as Runs from "./internal/runsTable.js"

/**
 * Where the database is: a connection URL (`postgres://user:password@host:5432/database`), or the client's options
 * one by one (`host`, `port`, `database`, `username`, `password`, `ssl`, `maxConnections`, …; see
 * `@effect/sql-pg`'s `PgClientConfig`). Given both, `url` is read first and the other options override its parts.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectionOptions extends Omit<PgClient.PgClientConfig, "url"> {
  readonly url?: string | Redacted.Redacted | undefined
}

/**
 * A host and a port.
 *
 * @since 0.1.0
 * @category models
 */
export interface Address {
  readonly host: string
  readonly port: number
}

/**
 * Options of a runner process.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends ConnectionOptions {
  /**
   * The runner's address as the other runners reach it (it is written to the database): a host name or IP the
   * other processes can connect to, and a port free on this machine. Each runner process needs its own.
   */
  readonly runner: Address
  /**
   * Where the runner's socket listens, when that differs from {@link runner} (`0.0.0.0` in a container whose
   * advertised address is the service's). Default: `runner`.
   */
  readonly listen?: Address | undefined
  /**
   * The cluster's timings (see `DurableEngine.Timings`). `shardLockExpiration` is how long a killed runner's runs
   * wait before another runner takes them over; keep it a few times `shardLockRefreshInterval`.
   */
  readonly timings?: Timings | undefined
}

/** Lock keys (the two-int key space of PostgreSQL's advisory locks, apart from the cluster's one-bigint shard locks). */
const setupLock = { space: 1885434478, key: 1 } as const

const clientConfig = (options: ConnectionOptions): PgClient.PgClientConfig => {
  const { url, ...rest } = options
  const config: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined && key !== "runner" && key !== "listen" && key !== "timings") config[key] = value
  }
  return {
    ...(url === undefined ? {} : { url: typeof url === "string" ? Redacted.make(url) : url }),
    ...config
  } as PgClient.PgClientConfig
}

const describe = (options: ConnectionOptions): string => {
  if (options.url !== undefined) {
    const url = typeof options.url === "string" ? options.url : Redacted.value(options.url)
    try {
      const parsed = new URL(url)
      return `${parsed.host}${parsed.pathname}`
    } catch {
      return "the database"
    }
  }
  return `${options.host ?? "localhost"}:${options.port ?? 5432}/${options.database ?? ""}`
}

const pgClient = (options: ConnectionOptions) =>
  Layer.mapError(PgClient.layer(clientConfig(options)), toJournalError(`connect to PostgreSQL at ${describe(options)}`))

/**
 * Builds `layer` while holding a PostgreSQL advisory lock, so that runners starting at the same moment on a fresh
 * database create the journal's tables one after the other (concurrent `CREATE TABLE IF NOT EXISTS` of one table
 * can fail in PostgreSQL with a duplicate key in `pg_type`).
 */
const serialized = <A, E, R>(layer: Layer.Layer<A, E, R>): Layer.Layer<A, E | JournalError, R | SqlClient.SqlClient> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const outer = yield* Effect.scope
      const lockKey = `${setupLock.space}, ${setupLock.key}`
      // One reserved connection holds the lock; it unlocks before going back to the pool.
      return yield* Effect.acquireUseRelease(
        Scope.make(),
        (setup) =>
          Effect.gen(function* () {
            const connection = yield* Effect.mapError(
              Scope.extend(sql.reserve, setup),
              toJournalError("lock the journal's setup")
            )
            yield* Effect.mapError(
              connection.executeRaw(`SELECT pg_advisory_lock(${lockKey})`, []),
              toJournalError("lock the journal's setup")
            )
            yield* Scope.addFinalizer(
              setup,
              Effect.ignore(connection.executeRaw(`SELECT pg_advisory_unlock(${lockKey})`, []))
            )
            return yield* Layer.buildWithScope(layer, outer)
          }),
        (setup, exit) => Scope.close(setup, exit)
      )
    })
  )

/**
 * A runner process of the cluster on PostgreSQL: the durable engine (`DurableEngine.DurableEngine`) journaling to
 * the database, with a socket server at `runner` for the other runners. Register agents on it with
 * `DurableAgent.layer`; every runner registers the same agents. The journal's tables (`cluster_*` of
 * `@effect/cluster` and `parley_durable_*`) are created on first use.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<DurableEngine, JournalError> => {
  const cluster = NodeClusterSocket.layer({
    storage: "sql",
    shardingConfig: {
      ...shardingConfig(options.timings),
      runnerAddress: Option.some(RunnerAddress.make(options.runner.host, options.runner.port)),
      runnerListenAddress:
        options.listen === undefined
          ? Option.none()
          : Option.some(RunnerAddress.make(options.listen.host, options.listen.port))
    }
  }).pipe(
    Layer.mapError(
      toJournalError(
        `start the runner at ${(options.listen ?? options.runner).host}:${(options.listen ?? options.runner).port}`
      )
    )
  )
  const workflows = ClusterWorkflowEngine.layer.pipe(Layer.provideMerge(cluster))
  const engine = Layer.effect(DurableEngine, engineFromSql("postgres")).pipe(Layer.provide(workflows))
  return serialized(engine).pipe(Layer.provide(pgClient(options)))
}

/**
 * The journal's runs and decisions tables on PostgreSQL, for a process that lists runs or decides approvals
 * without running agents (a CLI, an admin page): `DurableAgent.list`, `status` and `decide` work with it alone.
 *
 * @since 0.1.0
 * @category layers
 */
export const clientLayer = (options: ConnectionOptions): Layer.Layer<DurableClient, JournalError> =>
  serialized(
    Layer.effect(
      DurableClient,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const runs = yield* Effect.mapError(Runs.make(sql, "postgres"), toJournalError("create the runs table"))
        return { kind: "postgres", runs } satisfies Client
      })
    )
  ).pipe(Layer.provide(pgClient(options)))
