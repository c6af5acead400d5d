/** The runs and decisions tables beside the workflow journal: what `DurableAgent.list` shows and approvals write. */
import type * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlError from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"

/** Where a run is: running (or waiting for a runner), waiting for approval, or ended. */
export type Status = "running" | "awaiting-approval" | "finished" | "failed" | "interrupted"

/** A tool call waiting for a decision. */
export interface AwaitingCall {
  readonly id: string
  readonly name: string
  readonly input: unknown
}

/** One row of the runs table. */
export interface RunRow {
  readonly runId: string
  readonly agent: string
  readonly status: Status
  /** The stop reason's tag (`EndTurn`, `MaxTurns`, …) once the run ended or waits. */
  readonly stopReason: string | undefined
  /** A sentence saying why the run ended, or what it waits for, or why it failed. */
  readonly detail: string | undefined
  /** The tool calls waiting for a decision. */
  readonly awaiting: ReadonlyArray<AwaitingCall>
  readonly text: string
  readonly turns: number
  readonly toolCalls: number
  readonly createdAt: number
  readonly updatedAt: number
}

/** A decision written by `DurableAgent.decide`, not yet delivered to the run. */
export interface DecisionRow {
  readonly runId: string
  readonly toolUseId: string
  /** The decision as JSON (`RunState.Decision`). */
  readonly decision: string
}

export interface RunsTable {
  /** Writes the row; an interrupted run stays interrupted (a replay after the interruption does not undo it). */
  readonly upsert: (row: RunRow) => Effect.Effect<void, SqlError.SqlError>
  /** Inserts the row unless the run exists; true when it was inserted. */
  readonly insertNew: (row: RunRow) => Effect.Effect<boolean, SqlError.SqlError>
  readonly get: (runId: string) => Effect.Effect<RunRow | undefined, SqlError.SqlError>
  readonly list: (filter: {
    readonly agent?: string | undefined
    readonly status?: Status | undefined
  }) => Effect.Effect<ReadonlyArray<RunRow>, SqlError.SqlError>
  /** Records a decision; false when one was already recorded for that call (the first one stands). */
  readonly putDecision: (row: DecisionRow) => Effect.Effect<boolean, SqlError.SqlError>
  readonly pendingDecisions: (
    agents: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<DecisionRow>, SqlError.SqlError>
  readonly markApplied: (runId: string, toolUseId: string) => Effect.Effect<void, SqlError.SqlError>
  /** The `tool_use` ids of the run that have a decision recorded (delivered or not). */
  readonly decided: (runId: string) => Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
  /** The agent's runs in one of `statuses` last updated before `before` (epoch ms), oldest first. */
  readonly endedBefore: (
    agent: string,
    statuses: ReadonlyArray<Status>,
    before: number
  ) => Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
  /** Deletes the runs' rows and decisions. */
  readonly remove: (runIds: ReadonlyArray<string>) => Effect.Effect<void, SqlError.SqlError>
}

interface RawRun {
  readonly run_id: string
  readonly agent: string
  readonly status: string
  readonly stop_reason: string | null
  readonly detail: string | null
  readonly awaiting: string
  readonly text: string
  readonly turns: number | string
  readonly tool_calls: number | string
  readonly created_at: number | string
  readonly updated_at: number | string
}

const fromRaw = (raw: RawRun): RunRow => ({
  runId: raw.run_id,
  agent: raw.agent,
  status: raw.status as Status,
  stopReason: raw.stop_reason ?? undefined,
  detail: raw.detail ?? undefined,
  awaiting: JSON.parse(raw.awaiting) as ReadonlyArray<AwaitingCall>,
  text: raw.text,
  turns: Number(raw.turns),
  toolCalls: Number(raw.tool_calls),
  createdAt: Number(raw.created_at),
  updatedAt: Number(raw.updated_at)
})

export const make = (
  sql: SqlClient.SqlClient,
  _kind: "sqlite" | "postgres"
): Effect.Effect<RunsTable, SqlError.SqlError> =>
  Effect.gen(function* () {
    yield* sql`CREATE TABLE IF NOT EXISTS parley_durable_runs (
      run_id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      status TEXT NOT NULL,
      stop_reason TEXT,
      detail TEXT,
      awaiting TEXT NOT NULL,
      text TEXT NOT NULL,
      turns INTEGER NOT NULL,
      tool_calls INTEGER NOT NULL,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    )`
    yield* sql`CREATE TABLE IF NOT EXISTS parley_durable_decisions (
      run_id TEXT NOT NULL,
      tool_use_id TEXT NOT NULL,
      decision TEXT NOT NULL,
      applied INTEGER NOT NULL DEFAULT 0,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (run_id, tool_use_id)
    )`

    const values = (row: RunRow) => ({
      run_id: row.runId,
      agent: row.agent,
      status: row.status,
      stop_reason: row.stopReason ?? null,
      detail: row.detail ?? null,
      awaiting: JSON.stringify(row.awaiting),
      text: row.text,
      turns: row.turns,
      tool_calls: row.toolCalls,
      created_at: row.createdAt,
      updated_at: row.updatedAt
    })

    const upsert = (row: RunRow) =>
      sql`INSERT INTO parley_durable_runs ${sql.insert(values(row))}
        ON CONFLICT (run_id) DO UPDATE SET
          status = excluded.status, stop_reason = excluded.stop_reason, detail = excluded.detail,
          awaiting = excluded.awaiting, text = excluded.text, turns = excluded.turns,
          tool_calls = excluded.tool_calls, updated_at = excluded.updated_at
        WHERE parley_durable_runs.status <> 'interrupted' OR excluded.status = 'interrupted'`.pipe(Effect.asVoid)

    const insertNew = (row: RunRow) =>
      Effect.map(
        sql<{ run_id: string }>`INSERT INTO parley_durable_runs ${sql.insert(values(row))}
          ON CONFLICT (run_id) DO NOTHING RETURNING run_id`,
        (rows) => rows.length === 1
      )

    const get = (runId: string) =>
      Effect.map(sql<RawRun>`SELECT * FROM parley_durable_runs WHERE run_id = ${runId}`, (rows) =>
        rows[0] === undefined ? undefined : fromRaw(rows[0])
      )

    const list = (filter: { readonly agent?: string | undefined; readonly status?: Status | undefined }) => {
      const conditions = [
        ...(filter.agent === undefined ? [] : [sql`agent = ${filter.agent}`]),
        ...(filter.status === undefined ? [] : [sql`status = ${filter.status}`])
      ]
      return Effect.map(
        sql<RawRun>`SELECT * FROM parley_durable_runs WHERE ${sql.and(conditions)} ORDER BY created_at, run_id`,
        (rows) => rows.map(fromRaw)
      )
    }

    const putDecision = (row: DecisionRow) =>
      Effect.map(
        sql<{ run_id: string }>`INSERT INTO parley_durable_decisions ${sql.insert({
          run_id: row.runId,
          tool_use_id: row.toolUseId,
          decision: row.decision,
          applied: 0,
          created_at: Date.now()
        })} ON CONFLICT (run_id, tool_use_id) DO NOTHING RETURNING run_id`,
        (rows) => rows.length === 1
      )

    const pendingDecisions = (agents: ReadonlyArray<string>) =>
      agents.length === 0
        ? Effect.succeed([])
        : Effect.map(
            sql<{ run_id: string; tool_use_id: string; decision: string }>`
              SELECT d.run_id, d.tool_use_id, d.decision FROM parley_durable_decisions d
              JOIN parley_durable_runs r ON r.run_id = d.run_id
              WHERE d.applied = 0 AND ${sql.in("r.agent", agents)} ORDER BY d.created_at`,
            (rows) => rows.map((raw) => ({ runId: raw.run_id, toolUseId: raw.tool_use_id, decision: raw.decision }))
          )

    const markApplied = (runId: string, toolUseId: string) =>
      sql`UPDATE parley_durable_decisions SET applied = 1
        WHERE run_id = ${runId} AND tool_use_id = ${toolUseId}`.pipe(Effect.asVoid)

    const decided = (runId: string) =>
      Effect.map(
        sql<{ tool_use_id: string }>`SELECT tool_use_id FROM parley_durable_decisions WHERE run_id = ${runId}`,
        (rows) => rows.map((row) => row.tool_use_id)
      )

    const endedBefore = (agent: string, statuses: ReadonlyArray<Status>, before: number) =>
      statuses.length === 0
        ? Effect.succeed([])
        : Effect.map(
            sql<{ run_id: string }>`SELECT run_id FROM parley_durable_runs
              WHERE agent = ${agent} AND ${sql.in("status", statuses)} AND updated_at < ${before}
              ORDER BY updated_at, run_id`,
            (rows) => rows.map((row) => row.run_id)
          )

    const remove = (runIds: ReadonlyArray<string>) =>
      runIds.length === 0
        ? Effect.void
        : sql`DELETE FROM parley_durable_decisions WHERE ${sql.in("run_id", runIds)}`.pipe(
            Effect.zipRight(sql`DELETE FROM parley_durable_runs WHERE ${sql.in("run_id", runIds)}`),
            sql.withTransaction,
            Effect.asVoid
          )

    return {
      upsert,
      insertNew,
      get,
      list,
      putDecision,
      pendingDecisions,
      markApplied,
      decided,
      endedBefore,
      remove
    }
  })
