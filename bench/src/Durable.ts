/**
 * Issue 15's bench: what the durable journal costs.
 *
 * 1. `turns`: the journal's overhead per turn. One process runs the same scripted conversation — `turns` turns, each
 *    with 2 tool calls (the last one the final text) — through the plain loop (`AgentLoop.run` with a scripted
 *    model) and through `DurableAgent` on each engine: `DurableEngine.sqlite` (the embedded default), the cluster's
 *    engine on SQLite (`SingleRunner` + `ClusterWorkflowEngine`, what step 1 shipped), and `PgEngine` with this
 *    process as the only runner. The rows run interleaved, `reps` times after one warm-up round; each run is a
 *    fresh run id, on a fresh SQLite file (the PostgreSQL rows on a database created for the bench). Reported: wall
 *    time and CPU time per turn, and the overhead per turn over the plain loop in the same repetition.
 * 2. `cluster`: runs per second on PostgreSQL with 3 runner processes (packages/durable/test/fixtures/pgRunner.ts,
 *    the multi-process test's runner, tools without delay): each runner starts a third of `runs` runs (2 turns, 2
 *    tool calls each); the clock runs from the first start to the last run listed as finished in the runs table.
 *
 * `npx tsx --tsconfig tsconfig.dev.json bench/src/Durable.ts [--turns 50] [--reps 5] [--runs 300] [--concurrency 1] [--only turns|cluster]
 * [--engines sqlite,power-loss,cluster,pg]`
 * from the repository root (PostgreSQL on 127.0.0.1:5432, or PARLEY_PG_URL to a database whose user may create
 * databases); prints a Markdown section for bench/RESULTS.md.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { parseArgs } from "node:util"
import * as ClusterWorkflowEngine from "@effect/cluster/ClusterWorkflowEngine"
import * as SingleRunner from "@effect/cluster/SingleRunner"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Tool, Toolkit } from "@parley/core"
import type * as Message from "@parley/core/Message"
import { DurableAgent, DurableEngine } from "@parley/durable"
import * as PgEngine from "@parley/durable/PgEngine"
import { AgentLoop } from "@parley/loop"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stats from "./Stats.js"

const { values: flags } = parseArgs({
  options: {
    turns: { type: "string", default: "50" },
    reps: { type: "string", default: "5" },
    runs: { type: "string", default: "300" },
    concurrency: { type: "string", default: "1" },
    only: { type: "string" },
    engines: { type: "string", default: "sqlite,power-loss,cluster,pg" }
  }
})
const turns = Number(flags.turns)
const reps = Number(flags.reps)
const clusterRuns = Number(flags.runs)
const startConcurrency = Number(flags.concurrency)
const root = Path.resolve(import.meta.dirname, "../..")
const runnerScript = Path.join(root, "packages/durable/test/fixtures/pgRunner.ts")
const log = (line: string) => process.stderr.write(`${line}\n`)

// ---------------------------------------------------------------------------------------------------- the script

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const echo = Tool.make("echo", {
  description: "Echoes a word",
  input: Schema.Struct({ word: Schema.String }),
  output: Schema.String
})
const toolkit = Toolkit.make(add, echo).handle({
  add: ({ a, b }) => Effect.succeed(a + b),
  echo: ({ word }) => Effect.succeed(word)
})

const message = (content: Message.Message["content"], stop_reason: string): Message.Message => ({
  id: "msg_bench",
  type: "message",
  role: "assistant",
  content,
  stop_reason,
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 }
})

/** Turn k (1-based) answers with 2 tool calls while k < turns, then the final text; read from the conversation. */
const respond = (request: { readonly messages: ReadonlyArray<{ readonly role: string }> }): Message.Message => {
  const turn = 1 + request.messages.filter((message) => message.role === "assistant").length
  return turn < turns
    ? message(
        [
          { type: "tool_use", id: `toolu_${turn}_a`, name: "add", input: { a: turn, b: 1 } },
          { type: "tool_use", id: `toolu_${turn}_b`, name: "echo", input: { word: `w${turn}` } }
        ] as Message.Message["content"],
        "tool_use"
      )
    : message([{ type: "text", text: "done" }], "end_turn")
}
const model = ScriptedModel.layer(
  ScriptedModel.make((request) => Effect.sync(() => respond(request)), { record: false })
)
const options = { model: "claude-bench", toolkit, limits: { maxTurns: turns + 1 } }

// ---------------------------------------------------------------------------------------------------- part 1

const tempFile = () => Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "parley-bench-durable-")), "runs.db")

/** The cluster's workflow engine on one runner over SQLite: what `DurableEngine.sqlite` was at 51d700e. */
const clusterSqlite = (filename: string): Layer.Layer<DurableEngine.DurableEngine> => {
  const cluster = SingleRunner.layer({ runnerStorage: "sql", shardingConfig: DurableEngine.shardingConfig(undefined) })
  const workflows = ClusterWorkflowEngine.layer.pipe(Layer.provideMerge(cluster))
  return Layer.effect(DurableEngine.DurableEngine, DurableEngine.engineFromSql("sqlite")).pipe(
    Layer.provide(workflows),
    Layer.provide(SqliteClient.layer({ filename })),
    Layer.orDie
  )
}

interface Sample {
  readonly wallMs: number
  readonly cpuMs: number
}

const timed = async (run: () => Promise<void>): Promise<Sample> => {
  const cpu = process.cpuUsage()
  const started = performance.now()
  await run()
  const wallMs = performance.now() - started
  const used = process.cpuUsage(cpu)
  return { wallMs, cpuMs: (used.user + used.system) / 1000 }
}

const plainRun = () =>
  Effect.runPromise(
    Effect.gen(function* () {
      const result = yield* AgentLoop.run({ ...options, prompt: "Go." })
      if (result.turns !== turns || result.toolCalls !== 2 * (turns - 1)) {
        throw new Error(`plain: wrong run (${result.turns} turns, ${result.toolCalls} tool calls)`)
      }
    }).pipe(Effect.provide(model))
  )

/** An engine built once with the agent registered, and a function running one whole durable run on it. */
interface Built {
  readonly run: () => Promise<void>
  readonly close: () => Promise<void>
}

let runCounter = 0

const build = async (engine: Layer.Layer<DurableEngine.DurableEngine, unknown>): Promise<Built> => {
  const agent = DurableAgent.make("bench", options)
  const layer = DurableAgent.layer(agent).pipe(Layer.provideMerge(engine), Layer.provide(model))
  const scope = await Effect.runPromise(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const run = () =>
    Effect.runPromise(
      Effect.gen(function* () {
        runCounter += 1
        const runId = yield* DurableAgent.start(agent, { runId: `bench-${process.pid}-${runCounter}`, prompt: "Go." })
        const outcome = yield* DurableAgent.wait(agent, runId, { pollInterval: "1 millis" })
        if (outcome._tag !== "Ended" || outcome.end.state.turns !== turns) throw new Error("durable: wrong run")
      }).pipe(Effect.provide(context))
    )
  return { run, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = Net.createServer()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

/** A database created for the bench on the server at PARLEY_PG_URL (default the local `test` database's server). */
const freshDatabase = async (): Promise<{ readonly url: string; readonly drop: () => Promise<void> } | undefined> => {
  const admin = process.env.PARLEY_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"
  const name = `parley_bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const sql = (statement: string) =>
    Effect.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (client) => client.unsafe(statement)).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(admin) })),
        Effect.scoped
      )
    )
  try {
    await sql(`CREATE DATABASE ${name}`)
  } catch (error) {
    log(`PostgreSQL at ${new URL(admin).host} did not answer (${String(error)}): its rows are left out.`)
    return undefined
  }
  const url = new URL(admin)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined) }
}

interface Row {
  readonly name: string
  readonly samples: Array<Sample>
}

const perTurn = (sample: Sample) => ({ wallMs: sample.wallMs / turns, cpuMs: sample.cpuMs / turns })

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "–")

const partTurns = async (): Promise<string> => {
  const wanted = new Set(flags.engines.split(","))
  const database = wanted.has("pg") ? await freshDatabase() : undefined
  const engines: Array<{
    readonly key: string
    readonly name: string
    readonly layer: Layer.Layer<DurableEngine.DurableEngine, unknown>
  }> = [
    {
      key: "sqlite",
      name: "DurableEngine.sqlite (process-crash, default)",
      layer: DurableEngine.sqlite({ filename: tempFile() })
    },
    {
      key: "power-loss",
      name: "DurableEngine.sqlite (power-loss)",
      layer: DurableEngine.sqlite({ filename: tempFile(), durability: "power-loss" })
    },
    {
      key: "cluster",
      name: "cluster engine on SQLite (SingleRunner, as at 51d700e)",
      layer: clusterSqlite(tempFile())
    },
    ...(database === undefined
      ? []
      : [
          {
            key: "pg",
            name: "PgEngine, this process the only runner",
            layer: PgEngine.layer({ url: database.url, runner: { host: "127.0.0.1", port: await freePort() } })
          }
        ])
  ].filter((engine) => wanted.has(engine.key))
  const built: Array<Built & { readonly name: string }> = []
  for (const engine of engines) built.push({ name: engine.name, ...(await build(engine.layer)) })
  const plain: Row = { name: "plain loop (AgentLoop.run)", samples: [] }
  const rows: Array<Row> = built.map((engine) => ({ name: engine.name, samples: [] }))
  // One warm-up round, then `reps` rounds, the rows interleaved.
  for (let rep = 0; rep <= reps; rep++) {
    const round = [await timed(plainRun)]
    for (const engine of built) round.push(await timed(engine.run))
    if (rep === 0) continue
    plain.samples.push(round[0] as Sample)
    for (const [i, row] of rows.entries()) row.samples.push(round[i + 1] as Sample)
    log(`round ${rep}: ${round.map((sample) => fmt(perTurn(sample).wallMs)).join(" ")} ms per turn`)
  }
  for (const engine of built) await engine.close()
  await database?.drop()
  const median = (row: Row, key: keyof Sample) => Stats.median(row.samples.map((sample) => perTurn(sample)[key]))
  const overhead = (row: Row, key: keyof Sample) =>
    Stats.median(row.samples.map((sample, i) => perTurn(sample)[key] - perTurn(plain.samples[i] as Sample)[key]))
  const lines = [
    `Per turn of a ${turns}-turn run, each turn but the last with 2 tool calls (scripted model, tools that return at once); median of ${reps} rounds after a warm-up, the rows interleaved.`,
    "",
    "| | wall per turn | CPU per turn | overhead over the plain loop (wall) | overhead (CPU) |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| ${plain.name} | ${fmt(median(plain, "wallMs"), 3)} ms | ${fmt(median(plain, "cpuMs"), 3)} ms | – | – |`,
    ...rows.map(
      (row) =>
        `| ${row.name} | ${fmt(median(row, "wallMs"))} ms | ${fmt(median(row, "cpuMs"))} ms | ${fmt(overhead(row, "wallMs"))} ms | ${fmt(overhead(row, "cpuMs"))} ms |`
    )
  ]
  return lines.join("\n")
}

// ---------------------------------------------------------------------------------------------------- part 2

/** One runner process of packages/durable/test/fixtures/pgRunner.ts, driven by JSON lines. */
const spawnRunner = (job: PgRunnerJob) => {
  const child = ChildProcess.spawn(process.execPath, ["--import", "tsx", runnerScript, JSON.stringify(job)], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: Path.join(root, "tsconfig.dev.json") },
    stdio: ["pipe", "pipe", "inherit"]
  })
  const answers: Array<(line: Record<string, unknown>) => void> = []
  Readline.createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith("{")) answers.shift()?.(JSON.parse(line) as Record<string, unknown>)
  })
  const next = () => new Promise<Record<string, unknown>>((resolve) => answers.push(resolve))
  return {
    child,
    ready: next(),
    send: (command: unknown) => {
      const answer = next()
      child.stdin.write(`${JSON.stringify(command)}\n`)
      return answer
    }
  }
}

interface PgRunnerJob {
  readonly url: string
  readonly port: number
  readonly dir: string | undefined
  readonly toolDelayMs: number
  readonly timings: { readonly refresh: number; readonly expiration: number; readonly poll: number }
}

const partCluster = async (): Promise<string> => {
  const database = await freshDatabase()
  if (database === undefined) return "PostgreSQL did not answer: no figures."
  const timings = { refresh: 1000, expiration: 5000, poll: 100 }
  const runners = []
  for (let i = 0; i < 3; i++) {
    runners.push(spawnRunner({ url: database.url, port: await freePort(), dir: undefined, toolDelayMs: 0, timings }))
  }
  await Promise.all(runners.map((runner) => runner.ready))
  // Warm-up: one run per runner.
  const warm = runners.map((_, i) => `warm-${i}-1`)
  await Promise.all(runners.map((runner, i) => runner.send({ start: [warm[i]] })))
  await Promise.all(runners.map((runner, i) => runner.send({ report: [warm[i]] })))
  const ids = runners.map((_, i) => Array.from({ length: Math.ceil(clusterRuns / 3) }, (_, k) => `bench-${i}-${k + 1}`))
  const started = performance.now()
  await Promise.all(runners.map((runner, i) => runner.send({ start: ids[i], concurrency: startConcurrency })))
  const startedMs = performance.now() - started
  const finished = await Effect.runPromise(
    Effect.gen(function* () {
      while (true) {
        const runs = yield* DurableAgent.list({ agent: "pg-test", status: "finished" })
        if (runs.filter((run) => run.runId.startsWith("bench-")).length >= ids.flat().length) return performance.now()
        yield* Effect.sleep("20 millis")
      }
    }).pipe(Effect.provide(PgEngine.clientLayer({ url: database.url })))
  )
  const total = ids.flat().length
  const seconds = (finished - started) / 1000
  for (const runner of runners) runner.child.stdin.end()
  await Promise.all(runners.map((runner) => new Promise((resolve) => runner.child.on("exit", resolve))))
  await database.drop()
  return [
    `${total} runs (2 turns, 2 tool calls each; scripted model, tools without delay) started across 3 runner processes (each starting ${startConcurrency} at a time) on one PostgreSQL database (shard lock refresh 1 s, entity poll 100 ms): all started in ${fmt(startedMs / 1000)} s, all finished after ${fmt(seconds)} s: **${fmt(total / seconds, 1)} runs/s** (${fmt((seconds * 1000) / total, 1)} ms per run, as measured from the runs table).`
  ].join("\n")
}

// ---------------------------------------------------------------------------------------------------- main

const main = async () => {
  const sections: Array<string> = []
  if (flags.only === undefined || flags.only === "turns") sections.push(await partTurns())
  if (flags.only === undefined || flags.only === "cluster") sections.push(await partCluster())
  process.stdout.write(`${sections.join("\n\n")}\n`)
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)
