/**
 * One engine per journal file: the process running the embedded engine holds a lease row (its host, pid and a
 * heartbeat). Another process is refused while the holder lives; a holder that was killed is taken over at once on
 * the same host (its pid is gone), or once its heartbeat is older than {@link staleAfter} elsewhere.
 */
import * as Os from "node:os"
import type * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlError from "@effect/sql/SqlError"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"

/** A heartbeat older than this frees the lease of a holder on another host. */
export const staleAfter = Duration.seconds(10)
const heartbeatEvery = Duration.seconds(2)

export class LeaseHeld extends Data.TaggedError("LeaseHeld")<{ readonly message: string }> {}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

export const acquire = (
  sql: SqlClient.SqlClient,
  journal: string
): Effect.Effect<void, SqlError.SqlError | LeaseHeld, Scope.Scope> =>
  Effect.gen(function* () {
    const host = Os.hostname()
    const pid = process.pid
    yield* sql`CREATE TABLE IF NOT EXISTS parley_durable_owner (
      id INTEGER PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, heartbeat BIGINT NOT NULL)`
    const take = Effect.gen(function* () {
      const now = Date.now()
      const rows = yield* sql<{ host: string; pid: number | string; heartbeat: number | string }>`
        SELECT host, pid, heartbeat FROM parley_durable_owner WHERE id = 1`
      const holder = rows[0]
      if (holder !== undefined) {
        const holderPid = Number(holder.pid)
        const free =
          (holder.host === host && (holderPid === pid || !alive(holderPid))) ||
          now - Number(holder.heartbeat) > Duration.toMillis(staleAfter)
        if (!free) {
          return yield* new LeaseHeld({
            message: `The journal ${journal} is in use by process ${holderPid} on ${holder.host}; only one process may run the engine on it (use DurableEngine.sqliteClientLayer to read it).`
          })
        }
      }
      yield* sql`INSERT INTO parley_durable_owner ${sql.insert({ id: 1, host, pid, heartbeat: now })}
        ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, heartbeat = excluded.heartbeat`
    })
    yield* sql.withTransaction(take)
    yield* Effect.addFinalizer(() =>
      Effect.ignore(sql`DELETE FROM parley_durable_owner WHERE id = 1 AND host = ${host} AND pid = ${pid}`)
    )
    yield* sql`UPDATE parley_durable_owner SET heartbeat = ${Date.now()} WHERE id = 1 AND pid = ${pid}`.pipe(
      Effect.ignore,
      Effect.repeat(Schedule.spaced(heartbeatEvery)),
      Effect.forkScoped
    )
  })
