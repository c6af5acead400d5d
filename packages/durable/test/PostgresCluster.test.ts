/**
 * Many runner processes on PostgreSQL (PgEngine): 3 runner processes (fixtures/pgRunner.ts) share a database created
 * for this test run (dropped after); 50 runs are started, one runner is SIGKILLed while a tool call runs on it; the
 * other two take its runs over. Asserted: every run finishes with its complete conversation, every tool call ran
 * with its own idempotency key, only calls the killed runner had started ran again (with the same key), each at
 * most once more; the runs table lists every run as finished. Then the database going away for a moment: every
 * connection of a runner terminated while its tool calls run, and every run still finishes.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Readline from "node:readline"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import { describe, expect } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import * as Services from "../../../test/utils/services.js"
import { DurableAgent } from "../src/index.js"
import * as PgEngine from "../src/PgEngine.js"
import type { Job } from "./fixtures/pgRunner.js"

const postgres = await Services.postgres()
const root = Path.resolve(import.meta.dirname, "../../..")

/** The server's `test` database as the first of these users that can connect (PARLEY_PG_URL overrides). */
const adminUrl = Effect.gen(function* () {
  const candidates =
    process.env.PARLEY_PG_URL !== undefined
      ? [process.env.PARLEY_PG_URL]
      : ["postgres", "root"].map((user) => `postgres://${user}@${postgres.host}:${postgres.port}/test`)
  for (const url of candidates) {
    const works = yield* SqlClient.SqlClient.pipe(
      Effect.flatMap((sql) => sql`SELECT 1`),
      Effect.provide(PgClient.layer({ url: Redacted.make(url) })),
      Effect.scoped,
      Effect.isSuccess
    )
    if (works) return url
  }
  return yield* Effect.dieMessage(`no user among postgres, root can connect to ${postgres.host}:${postgres.port}/test`)
})

const connect = (url: string) =>
  Effect.map(Layer.build(PgClient.layer({ url: Redacted.make(url) })), Context.get(SqlClient.SqlClient))

/** A fresh database, dropped (with its connections) when the scope closes; its URL. */
const freshDatabase = Effect.gen(function* () {
  const admin = yield* adminUrl
  const name = `parley_durable_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const sql = yield* connect(admin)
  yield* Effect.acquireRelease(sql.unsafe(`CREATE DATABASE ${name}`), () =>
    Effect.ignore(sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  )
  const url = new URL(admin)
  url.pathname = `/${name}`
  return { url: url.toString(), sql: yield* connect(url.toString()) }
})

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = Net.createServer()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

interface Runner {
  readonly pid: number
  readonly child: ChildProcess.ChildProcess
  /** The next JSON line the runner prints. */
  readonly next: () => Promise<Record<string, unknown>>
  readonly send: (command: unknown) => void
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly stderr: () => string
  /** What the runner logged (Effect's logger writes to stdout). */
  readonly logs: () => string
}

const spawnRunner = (job: Job): Runner => {
  const child = ChildProcess.spawn(
    process.execPath,
    ["--import", "tsx", Path.join(import.meta.dirname, "fixtures", "pgRunner.ts"), JSON.stringify(job)],
    {
      cwd: root,
      env: { ...process.env, TSX_TSCONFIG_PATH: Path.join(root, "tsconfig.dev.json") },
      stdio: ["pipe", "pipe", "pipe"]
    }
  )
  let stderr = ""
  child.stderr?.setEncoding("utf8").on("data", (data: string) => (stderr += data))
  const lines: Array<string> = []
  const waiting: Array<(line: string) => void> = []
  let logs = ""
  Readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    // the runner's answers are JSON lines; anything else is Effect's logger
    if (!line.startsWith("{")) return void (logs += `${line}\n`)
    const resolve = waiting.shift()
    if (resolve === undefined) lines.push(line)
    else resolve(line)
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  )
  const next = () =>
    Promise.race([
      new Promise<string>((resolve) => {
        const line = lines.shift()
        if (line === undefined) waiting.push(resolve)
        else resolve(line)
      }),
      exited.then(({ code, signal }) => {
        throw new Error(`runner exited (${code ?? signal}) before answering: ${stderr}`)
      })
    ]).then((line) => JSON.parse(line) as Record<string, unknown>)
  return {
    pid: child.pid ?? -1,
    child,
    next,
    send: (command) => child.stdin?.write(`${JSON.stringify(command)}\n`),
    exited,
    stderr: () => stderr,
    logs: () => logs
  }
}

interface Execution {
  readonly phase: "start" | "done"
  readonly runId: string
  readonly toolUseId: string
  readonly key: string
  readonly pid: number
}

const executions = (dir: string): Array<Execution> => {
  const path = Path.join(dir, "executions.log")
  if (!Fs.existsSync(path)) return []
  return Fs.readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [phase, runId, toolUseId, key, pid] = line.split(" ")
      return { phase, runId, toolUseId, key, pid: Number(pid) } as Execution
    })
}

const until = <A>(what: string, timeoutMs: number, check: () => Promise<A | undefined>): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs
    const tick = () =>
      check().then((value) => {
        if (value !== undefined) return resolve(value)
        if (Date.now() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
        setTimeout(tick, 20)
      }, reject)
    tick()
  })

/**
 * Stderr without node-postgres's warning about a query sent while one runs on the same client: @effect/cluster's
 * SQL runner storage queries its advisory-lock connection from concurrent fibers (pg queues them; pg 9 will not).
 */
const withoutPgDeprecation = (stderr: string): string =>
  stderr
    .replace(
      /\(node:\d+\) DeprecationWarning: Calling client\.query\(\) when the client is already executing a query[^\n]*\n/g,
      ""
    )
    .replace(/\(Use `node --trace-deprecation \.\.\.` to show where the warning was created\)\n/g, "")

const runIds = Array.from({ length: 50 }, (_, i) => `run-${i + 1}`)

describe("PgEngine: many runner processes on PostgreSQL", () => {
  Services.live(
    postgres,
    "3 runners, 50 runs, one runner SIGKILLed midway: every run finishes, each completed tool call ran once",
    () =>
      Effect.gen(function* () {
        const database = yield* freshDatabase
        const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "parley-pg-"))
        const ports = yield* Effect.promise(() => Promise.all([freePort(), freePort(), freePort()]))
        const runners = ports.map((port) =>
          spawnRunner({
            url: database.url,
            port,
            dir,
            toolDelayMs: 400,
            timings: { refresh: 500, expiration: 2000, poll: 100 }
          })
        )
        yield* Effect.addFinalizer(() =>
          Effect.promise(async () => {
            for (const runner of runners) runner.child.stdin?.end()
            const timer = setTimeout(() => {
              for (const runner of runners) runner.child.kill("SIGKILL")
            }, 5000)
            await Promise.all(runners.map((runner) => runner.exited))
            clearTimeout(timer)
          })
        )
        const query = <A extends object>(statement: string) => Effect.runPromise(database.sql.unsafe<A>(statement))
        yield* Effect.promise(() => Promise.all(runners.map((runner) => runner.next())))

        // Wait until the 300 shards are held, by all three runners, and the split stays the same for a second
        // (shards moving while runs execute would interrupt calls on runners that are not killed).
        yield* Effect.promise(() => {
          let previous = ""
          let since = 0
          return until("the shards to settle on 3 runners", 30_000, async () => {
            const rows = await query<{ pid: number; shards: string }>(
              "SELECT pid, count(*) AS shards FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 GROUP BY pid ORDER BY pid"
            )
            const split = rows.map((row) => row.shards).join(",")
            const total = rows.reduce((sum, row) => sum + Number(row.shards), 0)
            if (rows.length !== 3 || total !== 300) return undefined
            if (split !== previous) {
              previous = split
              since = Date.now()
              return undefined
            }
            return Date.now() - since >= 1000 ? true : undefined
          })
        })

        // Each runner starts a third of the runs, 30 ms apart.
        for (const [index, runner] of runners.entries()) {
          runner.send({ start: runIds.filter((_, i) => i % 3 === index), spacingMs: 30 })
        }
        const started = yield* Effect.promise(() => Promise.all(runners.map((runner) => runner.next())))
        expect(started).toEqual([{ started: 17 }, { started: 17 }, { started: 16 }])

        // The victim: a runner with a charge call started and not done (the tool takes 400 ms).
        const pids = new Set(runners.map((runner) => runner.pid))
        const inFlight = yield* Effect.promise(() =>
          until("a tool call in flight", 20_000, async () => {
            const all = executions(dir)
            const done = new Set(all.filter((e) => e.phase === "done").map((e) => `${e.key} ${e.pid}`))
            return all.find((e) => e.phase === "start" && pids.has(e.pid) && !done.has(`${e.key} ${e.pid}`))
          })
        )
        const victim = runners.find((runner) => runner.pid === inFlight.pid)
        if (victim === undefined) return expect.fail("no victim")
        victim.child.kill("SIGKILL")
        expect((yield* Effect.promise(() => victim.exited)).signal).toBe("SIGKILL")
        const survivors = runners.filter((runner) => runner !== victim)

        // Every run finishes, as the runs table says (read through the client layer, as a CLI would).
        const client = PgEngine.clientLayer({ url: database.url })
        const finished = yield* Effect.promise(() =>
          until("all 50 runs to finish", 40_000, async () => {
            const runs = await Effect.runPromise(DurableAgent.list({ agent: "pg-test" }).pipe(Effect.provide(client)))
            return runs.filter((run) => run.status === "finished").length === 50 ? runs : undefined
          })
        )
        expect(
          finished
            .map((run) => [run.runId, run.status, run.stopReason, run.text, run.turns, run.toolCalls])
            .sort((a, b) => String(a[0]).localeCompare(String(b[0]), "en", { numeric: true }))
        ).toEqual(runIds.map((runId, i) => [runId, "finished", "EndTurn", `Charged ${i + 1} to Ana.`, 2, 2]))

        // Each run's conversation, from the journal, through a surviving runner.
        const [reporter] = survivors
        if (reporter === undefined) return expect.fail("no survivor")
        reporter.send({ report: runIds })
        const { report } = (yield* Effect.promise(() => reporter.next())) as {
          report: ReadonlyArray<{
            runId: string
            text: string
            messages: Array<{ role: string; content: unknown }>
            tools: unknown
          }>
        }
        expect(report.length).toBe(50)
        report.forEach((run, i) => {
          const n = i + 1
          expect(run.runId).toBe(`run-${n}`)
          expect(run.text).toBe(`Charged ${n} to Ana.`)
          expect(run.messages).toEqual([
            { role: "user", content: `Charge ${n} to customer 7.` },
            {
              role: "assistant",
              content: [
                { type: "tool_use", id: "c1", name: "charge", input: { amount: n } },
                { type: "tool_use", id: "l1", name: "lookup", input: { id: String(n) } }
              ]
            },
            {
              role: "user",
              content: [
                { type: "tool_result", tool_use_id: "c1", content: `charged ${n}` },
                { type: "tool_result", tool_use_id: "l1", content: `customer ${n} is Ana` }
              ]
            },
            { role: "assistant", content: [{ type: "text", text: `Charged ${n} to Ana.` }] }
          ])
          // the reports come in the order the calls finished
          expect([...(run.tools as Array<[string, string]>)].sort()).toEqual([
            ["c1", "ok"],
            ["l1", "ok"]
          ])
        })

        // The side effects: one key per tool call (100), every call ran; a call ran more than once only when the
        // killed runner had started it, and then once more on a survivor, with the same key.
        const starts = executions(dir).filter((e) => e.phase === "start")
        const byKey = new Map<string, Array<Execution>>()
        for (const e of starts) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e])
        expect(byKey.size).toBe(100)
        expect(new Set(starts.map((e) => `${e.runId} ${e.toolUseId}`))).toEqual(
          new Set(runIds.flatMap((runId) => [`${runId} c1`, `${runId} l1`]))
        )
        for (const [key, runs] of byKey) {
          expect(new Set(runs.map((e) => `${e.runId} ${e.toolUseId}`)).size, key).toBe(1)
          const onSurvivors = runs.filter((e) => e.pid !== victim.pid)
          expect(onSurvivors.length, key).toBeLessThanOrEqual(1)
          if (runs.length > 1) expect(runs[0]?.pid, key).toBe(victim.pid)
        }
        const again = [...byKey.values()].filter((runs) => runs.length > 1)
        expect(again.length).toBeGreaterThanOrEqual(1)
        expect(byKey.get(inFlight.key)?.map((e) => e.pid === victim.pid)).toEqual([true, false])
        expect(starts.length).toBe(100 + again.length)
        for (const survivor of survivors) expect(withoutPgDeprecation(survivor.stderr())).toBe("")
      }),
    90_000
  )

  Services.live(
    postgres,
    "the database's connections terminated mid-run: the runner reconnects and every run finishes, each tool call with one key; purged, the journal is empty",
    () =>
      Effect.gen(function* () {
        const database = yield* freshDatabase
        const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "parley-pg-"))
        const runner = spawnRunner({
          url: database.url,
          port: yield* Effect.promise(freePort),
          dir,
          toolDelayMs: 400,
          timings: { refresh: 500, expiration: 2000, poll: 100 }
        })
        yield* Effect.addFinalizer(() =>
          Effect.promise(async () => {
            runner.child.stdin?.end()
            const timer = setTimeout(() => runner.child.kill("SIGKILL"), 5000)
            await runner.exited
            clearTimeout(timer)
          })
        )
        yield* Effect.promise(() => runner.next())
        const ids = runIds.slice(0, 10)
        runner.send({ start: ids, spacingMs: 30 })
        expect(yield* Effect.promise(() => runner.next())).toEqual({ started: 10 })

        // A tool call in flight, then every connection of the runner to the database is cut.
        yield* Effect.promise(() =>
          until("a tool call in flight", 20_000, async () =>
            executions(dir).some((e) => e.phase === "start") ? true : undefined
          )
        )
        const terminated = yield* database.sql.unsafe<{ terminated: boolean }>(
          "SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        expect(terminated.length).toBeGreaterThanOrEqual(1)
        expect(terminated.every((row) => row.terminated)).toBe(true)

        const client = PgEngine.clientLayer({ url: database.url })
        const finished = yield* Effect.promise(() =>
          until("the 10 runs to finish", 60_000, async () => {
            const runs = await Effect.runPromise(DurableAgent.list({ agent: "pg-test" }).pipe(Effect.provide(client)))
            return runs.filter((run) => run.status === "finished").length === 10 ? runs : undefined
          })
        )
        expect(finished.map((run) => [run.runId, run.text]).sort()).toEqual(
          ids.map((runId) => [runId, `Charged ${runId.slice(4)} to Ana.`]).sort()
        )
        // The same process ran every call; a call cut off mid-way may run again with its key, never a third time.
        const starts = executions(dir).filter((e) => e.phase === "start")
        const byKey = new Map<string, number>()
        for (const e of starts) byKey.set(e.key, (byKey.get(e.key) ?? 0) + 1)
        expect(byKey.size).toBe(20)
        for (const [key, count] of byKey) expect(count, key).toBeLessThanOrEqual(2)

        // Retention: purging the ended runs deletes their rows and the cluster's messages and replies for them.
        const journalRows = async () => {
          const [row] = await Effect.runPromise(
            database.sql.unsafe<{ messages: string; replies: string; runs: string }>(
              "SELECT (SELECT count(*) FROM cluster_messages) AS messages, (SELECT count(*) FROM cluster_replies) AS replies, (SELECT count(*) FROM parley_durable_runs) AS runs"
            )
          )
          return [Number(row?.messages), Number(row?.replies), Number(row?.runs)]
        }
        const [messages, replies] = yield* Effect.promise(journalRows)
        expect(messages).toBeGreaterThan(0)
        expect(replies).toBeGreaterThan(0)
        runner.send({ purge: Date.now() + 1 })
        const purged = (yield* Effect.promise(() => runner.next())) as { purged: Array<string> }
        expect([...purged.purged].sort()).toEqual([...ids].sort())
        expect(yield* Effect.promise(journalRows)).toEqual([0, 0, 0])
        expect(runner.child.exitCode).toBe(null)
      }),
    90_000
  )
})
