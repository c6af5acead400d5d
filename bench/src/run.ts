/**
 * `npm run bench`: compiles the drivers, starts the benchmark server in its own process, runs every case with the
 * drivers interleaved (A B C A B C …, one fresh process per run) for the plan's repetitions, then writes
 * `bench/RESULTS.md` and the raw runs to `bench/.out/results.json`.
 *
 * Flags: `--quick` (or `BENCH_QUICK=1`) for a smoke run; `--reps <n>`; `--only <groups>` with groups among
 * `create-c1,create-c64,stream-50k,streams-256,tool-2000,cold,cold-consumer,loop,conversation,ratelimit`;
 * `--drivers <names>`; `--cpu-prof` to write a V8 CPU profile of every driver run to `bench/.out/profiles`;
 * `--out <file>`. A run with `--only` and no `--out` writes `bench/.out/RESULTS.partial.md`, so that a partial run
 * never replaces the full run's `bench/RESULTS.md`.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { parseArgs } from "node:util"
import * as Schema from "effect/Schema"
import * as Build from "./Build.js"
import * as Consumer from "./Consumer.js"
import * as Plan from "./Plan.js"
import * as Report from "./Report.js"
import * as Spawn from "./Spawn.js"

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: process.env.BENCH_QUICK === "1" },
    reps: { type: "string" },
    only: { type: "string" },
    drivers: { type: "string" },
    "cpu-prof": { type: "boolean", default: false },
    out: { type: "string" }
  }
})
const outFile =
  flags.out ?? Path.join(Build.root, ...(flags.only === undefined ? ["RESULTS.md"] : [".out", "RESULTS.partial.md"]))

const plan = Plan.make({ quick: flags.quick, reps: flags.reps === undefined ? undefined : Number(flags.reps) })
const only = flags.only === undefined ? undefined : new Set(flags.only.split(","))
const wanted = (group: string) => only === undefined || only.has(group)
const log = (line: string) => process.stdout.write(`${line}\n`)

const ServerStats = Schema.Struct({
  cpuMs: Schema.Number,
  requests: Schema.Number,
  accepted: Schema.Number,
  rejectedRate: Schema.Number,
  rejectedConcurrency: Schema.Number,
  maxInFlight: Schema.Number,
  firstAcceptMs: Schema.Number,
  lastAcceptMs: Schema.Number
})

/** The benchmark server process, listening on 127.0.0.1. */
const startServer = (): Promise<{ readonly url: string; readonly stop: () => void }> =>
  new Promise((resolve, reject) => {
    const child = ChildProcess.spawn(
      process.execPath,
      [Build.output("server"), "--payloads", Plan.payloads.join(",")],
      { stdio: ["pipe", "pipe", "inherit"] }
    )
    child.on("error", reject)
    child.on("exit", (code) => reject(new Error(`server exited with ${code}`)))
    child.stdout.setEncoding("utf8").once("data", (line: string) => {
      const { port } = JSON.parse(line) as { port: number }
      resolve({ url: `http://127.0.0.1:${port}`, stop: () => child.stdin.end() })
    })
  })

const main = async () => {
  const started = performance.now()
  log("building the packages (tsc -b) …")
  Build.packages()
  log(`building drivers into ${Path.relative(process.cwd(), Build.dist)} …`)
  const built = new Set(await Build.build())
  const drivers = Plan.drivers.filter(
    (d) =>
      built.has(d.entry) &&
      (flags.drivers === undefined ? d.optional !== true : flags.drivers.split(",").includes(d.name))
  )
  const missing = Plan.drivers.filter((d) => !built.has(d.entry)).map((d) => d.name)
  if (missing.length > 0) log(`not built (source missing): ${missing.join(", ")}`)
  const server = await startServer()
  const stats = async () => Schema.decodeUnknownSync(ServerStats)(await (await fetch(`${server.url}/__stats`)).json())
  const profileDir = Path.join(Build.root, ".out", "profiles")
  if (flags["cpu-prof"]) Fs.mkdirSync(profileDir, { recursive: true })
  const profile = flags["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []
  const runs: Array<Report.Run> = []

  const measure = async (
    group: string,
    driver: string,
    rep: number,
    args: ReadonlyArray<string>,
    options?: { readonly cwd?: string; readonly timeoutMs?: number; readonly reset?: boolean; readonly url?: boolean }
  ) => {
    if (options?.reset === true) await fetch(`${server.url}/__reset`, { method: "POST" })
    const before = await stats()
    const outcome = await Spawn.run([...profile, ...args, ...(options?.url === false ? [] : ["--url", server.url])], {
      cwd: options?.cwd ?? Build.root,
      timeoutMs: options?.timeoutMs ?? 180_000
    })
    const after = await stats()
    const run: Report.Run = {
      group,
      driver,
      rep,
      outcome,
      server: {
        cpuMs: after.cpuMs - before.cpuMs,
        requests: after.requests - before.requests,
        rejected: after.rejectedRate + after.rejectedConcurrency - before.rejectedRate - before.rejectedConcurrency,
        maxInFlight: after.maxInFlight
      }
    }
    runs.push(run)
    log(`  ${group.padEnd(13)} ${driver.padEnd(13)} ${Report.describe(run)}`)
    return run
  }

  const parleyDriver = drivers.find((d) => d.name === Plan.parley)
  const agent = built.has("parley-agent") && (flags.drivers === undefined || parleyDriver !== undefined)
  const sdkDriver = drivers.find((d) => d.name === "sdk")
  for (let rep = 1; rep <= plan.reps; rep++) {
    log(`repetition ${rep}/${plan.reps}`)
    for (const kase of plan.cases.filter((c) => wanted(c.key))) {
      for (const driver of drivers) {
        await measure(kase.key, driver.name, rep, [
          Build.output(driver.entry),
          kase.scenario,
          ...kase.args,
          ...driver.args
        ])
      }
    }
    if (wanted("cold")) {
      const empty = `const u=process.resourceUsage();process.stdout.write(JSON.stringify({driver:"node",scenario:"cold",metrics:{maxRssMb:u.maxRSS/1024}})+"\\n")`
      await measure("cold", "node (empty)", rep, ["--input-type=module", "-e", empty], { url: false })
      // the floor under any client built on Effect: loading the modules every one of them needs, nothing else
      const imports = `import "effect/Schema";import "@effect/platform/HttpClient";${empty}`
      await measure(
        "cold",
        "import effect/Schema + @effect/platform HttpClient",
        rep,
        ["--input-type=module", "-e", imports],
        {
          url: false
        }
      )
      for (const driver of drivers) {
        await measure("cold", driver.name, rep, [Build.output(driver.entry), "cold", ...driver.args])
      }
      for (const [name, entry, base] of [
        ["sdk (bundled)", "sdk-bundled", "sdk"],
        ["parley (bundled)", "parley-bundled", "parley"]
      ] as const) {
        if (built.has(entry) && drivers.some((d) => d.name === base)) {
          await measure("cold", name, rep, [Build.output(entry), "cold", "--variant", "parley"])
        }
      }
      for (const [name, source] of [
        ["sdk (tsx)", "src/drivers/Sdk.ts"],
        ["parley (tsx)", "src/drivers/Parley.ts"]
      ] as const) {
        if (drivers.some((d) => `${d.name} (tsx)` === name)) {
          await measure("cold", name, rep, ["--import", "tsx", source, "cold", "--variant", "parley"])
        }
      }
    }
    if (agent && wanted("loop")) {
      await measure("loop", "parley", rep, [Build.output("parley-agent"), "loop", "--turns", String(plan.loopTurns)])
    }
    if (agent && wanted("conversation")) {
      await measure("conversation", "parley", rep, [
        Build.output("parley-agent"),
        "conversation",
        "--turns",
        String(plan.conversationTurns)
      ])
    }
  }
  const modules: Record<string, Record<string, number>> = {}
  if (wanted(Consumer.key)) {
    log(`${Consumer.key}: the plain-JS consumer against the stand-in in its own process`)
    const standin = await Consumer.startStandin()
    try {
      for (const row of Consumer.rows) modules[row.name] = Consumer.countModules(row.args(standin.url))
      for (let rep = 1; rep <= plan.consumerReps; rep++) {
        log(`${Consumer.key} repetition ${rep}/${plan.consumerReps}`)
        for (const row of Consumer.order(rep)) {
          await measure(Consumer.key, row.name, rep, row.args(standin.url), { url: false, timeoutMs: 60_000 })
        }
      }
    } finally {
      standin.stop()
    }
  }
  if (wanted("ratelimit")) {
    log("rate limiter")
    for (let rep = 1; rep <= plan.rateLimitReps; rep++) {
      for (const driver of [parleyDriver, sdkDriver]) {
        if (driver === undefined) continue
        const args = ["ratelimit", "--requests", String(plan.rateLimitCalls), "--concurrency", "8", ...driver.args]
        await measure("ratelimit", driver.name, rep, [Build.output(driver.entry), ...args], { reset: true })
      }
    }
  }
  server.stop()

  const totalMs = performance.now() - started
  Fs.mkdirSync(Path.join(Build.root, ".out"), { recursive: true })
  Fs.writeFileSync(
    Path.join(Build.root, ".out", "results.json"),
    JSON.stringify({ plan, runs, modules, totalMs }, null, 2)
  )
  const previous = Fs.existsSync(outFile) ? Fs.readFileSync(outFile, "utf8") : ""
  Fs.writeFileSync(
    outFile,
    Report.markdown({
      plan,
      runs,
      modules,
      drivers,
      totalMs,
      quick: flags.quick,
      previous,
      profiled: flags["cpu-prof"]
    })
  )
  log(`wrote ${Path.relative(process.cwd(), outFile)} in ${(totalMs / 1000).toFixed(0)} s`)
  const failed = runs.filter((r) => r.outcome._tag === "Failed")
  if (failed.length > 0) {
    log(`${failed.length} run(s) failed`)
    process.exitCode = 1
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
