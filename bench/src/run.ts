/**
 * `npm run bench`: compiles the drivers, starts the benchmark server in its own process, runs every case with the
 * drivers interleaved (A B C A B C …, one fresh process per run) for the plan's repetitions, then writes
 * `bench/RESULTS.md` and the raw runs to `bench/.out/results.json`.
 *
 * Flags: `--quick` (or `BENCH_QUICK=1`) for a smoke run; `--reps <n>`; `--only <groups>` with groups among
 * `create-c1,create-c64,stream-50k,streams-256,tool-2000,cold,cold-consumer,loop,conversation,ratelimit`;
 * `--drivers <names>`; `--cpu-prof` to write a V8 CPU profile of every driver run to `bench/.out/profiles`;
 * `--out <file>`. A run with `--only` and no `--out` writes `bench/.out/RESULTS.partial.md`, so that a partial run
 * never replaces the full run's `bench/RESULTS.md`. `--before <rev>` adds, beside every Parley driver that runs, the
 * same driver built from that revision's own sources (`parley@<short>`, `parley-undici@<short>`, and
 * `parley-agent@<short>` in the loop and conversation cases), interleaved like the others: before and after in one
 * run (see {@link Build.revision}).
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
import * as Stats from "./Stats.js"

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: process.env.BENCH_QUICK === "1" },
    reps: { type: "string" },
    only: { type: "string" },
    drivers: { type: "string" },
    "cpu-prof": { type: "boolean", default: false },
    out: { type: "string" },
    before: { type: "string" }
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
  const rev = flags.before === undefined ? undefined : await Build.revision(flags.before)
  if (rev !== undefined) {
    log(`built ${flags.before} (${rev.short}) from its own sources in ${Path.relative(process.cwd(), rev.dir)}`)
  }
  const named = flags.drivers?.split(",")
  const chosen = (d: Plan.Driver) => (named === undefined ? d.optional !== true : named.includes(d.name))
  /** A Parley driver's twin at `--before`'s revision: same arguments, that revision's compiled driver. */
  const before = (d: Plan.Driver): Plan.Driver | undefined => {
    if (rev === undefined || d.entry !== "parley") return undefined
    const variant = d.args[d.args.indexOf("--variant") + 1]
    if (variant !== undefined && !rev.source.includes(`"${variant}"`)) {
      log(`${d.name}@${rev.short} skipped: ${rev.short}'s Parley.ts has no --variant ${variant}`)
      return undefined
    }
    return { ...d, name: `${d.name}@${rev.short}`, description: `${d.description}, at ${rev.short}`, file: rev.parley }
  }
  const drivers = Plan.drivers
    .filter((d) => built.has(d.entry))
    .flatMap((d) => {
      const twin = before(d)
      const twinNamed = [twin?.name, `${d.name}@${flags.before}`].some((n) => n !== undefined && named?.includes(n))
      return [...(chosen(d) ? [d] : []), ...(twin !== undefined && (chosen(d) || twinNamed) ? [twin] : [])]
    })
  const file = (d: Plan.Driver) => d.file ?? Build.output(d.entry)
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
  const agentBefore = rev?.agent === undefined ? undefined : { name: `parley-agent@${rev.short}`, file: rev.agent }
  for (let rep = 1; rep <= plan.reps; rep++) {
    log(`repetition ${rep}/${plan.reps}`)
    for (const kase of plan.cases.filter((c) => wanted(c.key))) {
      for (const driver of drivers) {
        await measure(kase.key, driver.name, rep, [file(driver), kase.scenario, ...kase.args, ...driver.args])
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
        await measure("cold", driver.name, rep, [file(driver), "cold", ...driver.args])
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
      if (agentBefore !== undefined) {
        await measure("loop", agentBefore.name, rep, [agentBefore.file, "loop", "--turns", String(plan.loopTurns)])
      }
    }
    if (agent && wanted("conversation")) {
      await measure("conversation", "parley", rep, [
        Build.output("parley-agent"),
        "conversation",
        "--turns",
        String(plan.conversationTurns)
      ])
      if (agentBefore !== undefined) {
        await measure("conversation", agentBefore.name, rep, [
          agentBefore.file,
          "conversation",
          "--turns",
          String(plan.conversationTurns)
        ])
      }
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
        await measure("ratelimit", driver.name, rep, [file(driver), ...args], { reset: true })
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
  // the loop and conversation tables take every run of their group: the other revision's runs get their own table
  const agentGroups = ["loop", "conversation"]
  const isBefore = (r: Report.Run) => r.driver === agentBefore?.name && agentGroups.includes(r.group)
  const markdown = Report.markdown({
    plan,
    runs: runs.filter((r) => !isBefore(r)),
    modules,
    drivers,
    totalMs,
    quick: flags.quick,
    previous,
    profiled: flags["cpu-prof"]
  })
  const compared = agentBefore === undefined ? "" : agentComparison(runs, agentBefore.name, flags.before ?? "")
  Fs.writeFileSync(outFile, compared === "" ? markdown : markdown.replace("\n## Notes\n", `\n${compared}\n## Notes\n`))
  log(`wrote ${Path.relative(process.cwd(), outFile)} in ${(totalMs / 1000).toFixed(0)} s`)
  const failed = runs.filter((r) => r.outcome._tag === "Failed")
  if (failed.length > 0) {
    log(`${failed.length} run(s) failed`)
    process.exitCode = 1
  }
}

/**
 * The loop and conversation metrics of `parley` (the working tree) beside those of `before` (`parley-agent@<short>`),
 * as medians (min–max), with the per-repetition ratio after / before; empty when neither group ran.
 */
const agentComparison = (runs: ReadonlyArray<Report.Run>, before: string, rev: string): string => {
  const metrics = (r: Report.Run | undefined): Readonly<Record<string, number>> =>
    r?.outcome._tag === "Ok" ? r.outcome.report.metrics : {}
  const fmt = (n: number, digits?: number) => {
    if (Number.isNaN(n)) return "—"
    const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : Math.abs(n) >= 1 ? 2 : 3)
    return n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d })
  }
  const cell = (sample: ReadonlyArray<number>, digits?: number, suffix = "") => {
    const s = Stats.spread(sample)
    if (s.n === 0) return "—"
    const median = `${fmt(s.median, digits)}${suffix}`
    return s.n === 1 ? median : `${median} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
  }
  const rows: Array<string> = []
  for (const group of ["loop", "conversation"]) {
    const after = runs.filter((r) => r.group === group && r.driver === Plan.parley)
    const prior = runs.filter((r) => r.group === group && r.driver === before)
    if (prior.length === 0) continue
    const names = [...new Set([...after, ...prior].flatMap((r) => Object.keys(metrics(r))))]
    for (const name of names) {
      const of = (rs: ReadonlyArray<Report.Run>) =>
        rs.map((r) => metrics(r)[name]).filter((n): n is number => n !== undefined)
      const ratios = after.flatMap((a) => {
        const x = metrics(a)[name]
        const y = metrics(prior.find((p) => p.rep === a.rep))[name]
        return x === undefined || y === undefined || y === 0 ? [] : [x / y]
      })
      rows.push(`| ${group} | ${name} | ${cell(of(after))} | ${cell(of(prior))} | ${cell(ratios, 2, "×")} |`)
    }
    const failed = [...after, ...prior].filter((r) => r.outcome._tag === "Failed")
    if (failed.length > 0) rows.push(`| ${group} | ${failed.length} failed run(s) | | | |`)
  }
  if (rows.length === 0) return ""
  return [
    `## (e)–(f) Before and after: \`parley-agent\` and \`${before}\``,
    "",
    `The loop and conversation drivers of the working tree (the tables above) and of \`--before ${rev}\` (built from that revision's own sources), interleaved in every repetition. Medians (min–max); "after / before" is the ratio within each repetition (below 1: the working tree is lower).`,
    "",
    `| case | metric | parley-agent | ${before} | after / before |`,
    "| --- | --- | --- | --- | --- |",
    ...rows,
    ""
  ].join("\n")
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
