/**
 * Turns the runs into `bench/RESULTS.md`: machine and versions, the targets checked, one table per transport case
 * (medians with min–max over repetitions; each driver's ratio to raw `fetch` computed pair by pair within a
 * repetition), then cold start, the plain-JS consumer's cold start, loop, conversation and rate limiter. The
 * hand-written section between
 * `<!-- notes:start -->` and `<!-- notes:end -->` of the previous file is carried over.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Build from "./Build.js"
import * as Consumer from "./Consumer.js"
import * as Payloads from "./Payloads.js"
import * as Plan from "./Plan.js"
import type * as Spawn from "./Spawn.js"
import * as Stats from "./Stats.js"

/** One measured process: which case, which driver, which repetition, what it reported, what the server did. */
export interface Run {
  readonly group: string
  readonly driver: string
  readonly rep: number
  readonly outcome: Spawn.Outcome
  readonly server: {
    readonly cpuMs: number
    readonly requests: number
    readonly rejected: number
    readonly maxInFlight: number
  }
}

const metric = (run: Run, name: string): number | undefined =>
  run.outcome._tag === "Ok" ? run.outcome.report.metrics[name] : undefined

const fmt = (n: number | undefined, digits?: number): string => {
  if (n === undefined || Number.isNaN(n)) return "—"
  const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : Math.abs(n) >= 1 ? 2 : 3)
  return n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d })
}

const fmtSpread = (sample: ReadonlyArray<number>, digits?: number, suffix = ""): string => {
  if (sample.length === 0) return "—"
  const s = Stats.spread(sample)
  return s.n === 1
    ? `${fmt(s.median, digits)}${suffix}`
    : `${fmt(s.median, digits)}${suffix} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
}

/** A one-line summary of a run, for the progress log. */
export const describe = (run: Run): string => {
  if (run.outcome._tag === "Failed") return `FAILED: ${run.outcome.reason}`
  const m = run.outcome.report.metrics
  const main =
    m.primaryMs !== undefined
      ? `${fmt(m.primaryMs)} ms`
      : run.outcome.firstOutputMs !== undefined
        ? `first output ${fmt(run.outcome.firstOutputMs)} ms,`
        : ""
  return `${main} process ${fmt(run.outcome.wallMs)} ms, rss ${fmt(m.maxRssMb)} MB, server cpu ${fmt(run.server.cpuMs)} ms`
}

const values = (runs: ReadonlyArray<Run>, name: string): Array<number> =>
  runs.map((r) => metric(r, name)).filter((n): n is number => n !== undefined)

/** Pairwise ratios `driver / baseline` of `name`, one per repetition where both runs succeeded. */
const ratios = (
  runs: ReadonlyArray<Run>,
  group: string,
  driver: string,
  name = "primaryMs",
  baseline: string = Plan.baseline
): Array<number> => {
  const out: Array<number> = []
  for (const run of runs.filter((r) => r.group === group && r.driver === driver)) {
    const base = runs.find((r) => r.group === group && r.driver === baseline && r.rep === run.rep)
    const a = metric(run, name)
    const b = base === undefined ? undefined : metric(base, name)
    if (a !== undefined && b !== undefined && b > 0) out.push(a / b)
  }
  return out
}

const of = (runs: ReadonlyArray<Run>, group: string, driver: string) =>
  runs.filter((r) => r.group === group && r.driver === driver)

const failures = (runs: ReadonlyArray<Run>): string =>
  runs
    .filter((r) => r.outcome._tag === "Failed")
    .map((r) => `${r.driver} rep ${r.rep}: ${r.outcome._tag === "Failed" ? r.outcome.reason : ""}`)
    .join("; ")

const version = (pkg: string): string => {
  try {
    const file = Path.join(Build.root, "..", "node_modules", pkg, "package.json")
    return (JSON.parse(Fs.readFileSync(file, "utf8")) as { version: string }).version
  } catch {
    return "?"
  }
}

const git = (args: ReadonlyArray<string>): string => {
  try {
    return ChildProcess.execFileSync("git", args, { cwd: Build.root, encoding: "utf8" }).trim()
  } catch {
    return "?"
  }
}

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`)
  ].join("\n")

const sseBytes = new Map<string, number>()
/** The size of a payload's SSE body, computed here so that drivers never hold it. */
const bytesOf = (id: string): number => {
  let bytes = sseBytes.get(id)
  if (bytes === undefined) {
    const parsed = Payloads.parseId(id)
    bytes = parsed === undefined ? 0 : Buffer.byteLength(Payloads.sse(parsed))
    sseBytes.set(id, bytes)
  }
  return bytes
}

const throughput = (key: string, runs: ReadonlyArray<Run>): string => {
  if (key.startsWith("create")) return `${fmtSpread(values(runs, "reqPerSec"), 0)} req/s`
  if (key.startsWith("history")) return `${fmtSpread(values(runs, "wallPerCallMs"), 2)} ms wall per call`
  if (key.startsWith("stream-")) {
    return `${fmtSpread(
      values(runs, "eventsPerSec").map((n) => n / 1000),
      0
    )} k events/s, ${fmtSpread(
      values(runs, "primaryMs").map((ms) => bytesOf("text-50000") / 1e6 / (ms / 1000)),
      1
    )} MB/s`
  }
  return `${fmtSpread(
    values(runs, "eventsPerSec").map((n) => n / 1000),
    0
  )} k events/s`
}

/** Everything {@link markdown} needs. */
export interface Input {
  readonly plan: Plan.Plan
  readonly runs: ReadonlyArray<Run>
  /** Files loaded by package, by cold-consumer row (from the untimed counting runs). */
  readonly modules?: Readonly<Record<string, Readonly<Record<string, number>>>> | undefined
  readonly drivers: ReadonlyArray<Plan.Driver>
  readonly totalMs: number
  readonly quick: boolean
  readonly profiled: boolean
  /** The previous RESULTS.md, whose notes section is kept. */
  readonly previous: string
}

const notesStart = "<!-- notes:start -->"
const notesEnd = "<!-- notes:end -->"

/** The whole RESULTS.md. */
export const markdown = (input: Input): string => {
  const { drivers, plan, runs } = input
  const out: Array<string> = []
  const cpu = Os.cpus()
  out.push(
    "# Parley benchmark results",
    "",
    `Written by \`npm run bench\`${input.quick ? " --quick (smoke run: smaller sizes, fewer repetitions)" : ""} on ${new Date().toISOString()}, in ${fmt(input.totalMs / 1000, 0)} s.` +
      ` ${plan.reps} repetitions, drivers interleaved within each repetition; every run is a fresh process.` +
      (input.profiled ? " **Profiled run (`--cpu-prof`): absolute times are inflated.**" : ""),
    "",
    "## Machine and versions",
    "",
    `- ${cpu[0]?.model ?? "?"} × ${cpu.length} cores, ${fmt(Os.totalmem() / 2 ** 30, 1)} GiB, ${Os.type()} ${Os.release()} (${Os.arch()})` +
      `; load average at the end ${Os.loadavg()
        .map((n) => fmt(n, 2))
        .join(" / ")}`,
    `- Node ${process.version} (bundled undici ${process.versions.undici ?? "?"})`,
    `- effect ${version("effect")}, @effect/platform ${version("@effect/platform")}, @effect/platform-node ${version("@effect/platform-node")}, @effect/experimental ${version("@effect/experimental")}, @anthropic-ai/sdk ${version("@anthropic-ai/sdk")}, undici (npm, used by Parley's \`UndiciHttpClient\` and \`layerUndici\`) ${version("undici")}, esbuild ${version("esbuild")}, tsx ${version("tsx")}`,
    `- Parley at commit ${git(["rev-parse", "--short", "HEAD"])}${git(["status", "--porcelain", "--", "packages", "bench/src"]) === "" ? "" : " plus uncommitted changes"}`,
    "",
    "Drivers:",
    "",
    ...drivers.map((d) => `- **${d.name}**: ${d.description}`),
    ""
  )

  // ---------------------------------------------------------------------------- targets
  const parleyRatio = (group: string) => Stats.spread(ratios(runs, group, Plan.parley)).median
  const historyToNodeHttp = Stats.spread(ratios(runs, "history-2000", Plan.parley, "primaryMs", "node-http")).median
  const historyCpu = (driver: string) => Stats.spread(values(of(runs, "history-2000", driver), "primaryMs")).median
  const loopMetric = (name: string) => Stats.spread(values(of(runs, "loop", Plan.parley), name)).median
  const loopPerTurn = loopMetric("overheadPerTurnMs")
  const loopFrom10 = loopMetric("from10PerTurnMs")
  const loopFrom2000 = loopMetric("from2000PerTurnMs")
  const loopFrom10000 = loopMetric("from10000PerTurnMs")
  // the worst of the run from an empty conversation (its last 10% of turns at 1,800-2,000 messages) and the runs
  // continuing 10, 2,000 and 10,000 stored messages: "at any history length"
  const loopWorst = Math.max(loopPerTurn, loopMetric("lastTurnsPerTurnMs"), loopFrom10, loopFrom2000, loopFrom10000)
  const encodeMs = Stats.spread(values(of(runs, "conversation", Plan.parley), "primaryMs")).median
  const coldRuns = of(runs, "cold", Plan.parley).filter((r) => r.outcome._tag === "Ok")
  const coldMs = Stats.spread(coldRuns.map((r) => r.outcome.wallMs)).median
  const coldOf = (driver: string) =>
    Stats.spread(
      of(runs, "cold", driver)
        .filter((r) => r.outcome._tag === "Ok")
        .map((r) => r.outcome.wallMs)
    ).median
  const coldBundledMs = coldOf("parley (bundled)")
  const coldFloorMs = coldOf(Plan.importFloor)
  const answerOf = (rep: number, driver: string) => {
    const run = runs.find((r) => r.group === Consumer.key && r.driver === driver && r.rep === rep)
    return run?.outcome._tag === "Ok" ? run.outcome.firstOutputMs : undefined
  }
  const answers = (driver: string) =>
    runs
      .filter((r) => r.group === Consumer.key && r.driver === driver)
      .map((r) => answerOf(r.rep, driver))
      .filter((n): n is number => n !== undefined)
  /** Per-repetition ratios of a consumer's start-to-answer time to the SDK consumer's. */
  const toSdk = (driver: string) =>
    runs
      .filter((r) => r.group === Consumer.key && r.driver === driver)
      .map((r) => {
        const a = answerOf(r.rep, driver)
        const b = answerOf(r.rep, "sdk")
        return a === undefined || b === undefined ? undefined : a / b
      })
      .filter((n): n is number => n !== undefined)
  const consumerRatio = Stats.spread(toSdk("parley")).median
  const rss = (driver: string) => Stats.spread(values(of(runs, "streams-256", driver), "maxRssMb")).median
  const rate = of(runs, "ratelimit", Plan.parley)
  const rateRejected = rate.reduce((n, r) => n + r.server.rejected, 0)
  const rateShare = Stats.spread(values(rate, "achievedShare")).median
  const rateFailed = values(rate, "failed").reduce((a, b) => a + b, 0)
  const ahead = plan.cases.map((c) => {
    const p = Stats.spread(ratios(runs, c.key, Plan.parley)).median
    const s = Stats.spread(ratios(runs, c.key, "sdk")).median
    return { key: c.key, p, s }
  })
  const check = (ok: boolean | undefined) => (ok === undefined ? "not measured" : ok ? "**met**" : "**missed**")
  const finite = (n: number) => (Number.isNaN(n) ? undefined : n)
  const cmp = (n: number, limit: number) => (Number.isNaN(n) ? undefined : n <= limit)
  out.push(
    "## Targets",
    "",
    table(
      ["target", "measured (median)", "status"],
      [
        [
          "create c=64 ≤ 1.0× raw fetch",
          `${fmt(finite(parleyRatio("create-c64")), 2)}×`,
          check(cmp(parleyRatio("create-c64"), Plan.targets.ratioCreateC64))
        ],
        [
          "stream of 50k text deltas ≤ 1.0× raw fetch",
          `${fmt(finite(parleyRatio("stream-50k")), 2)}×`,
          check(cmp(parleyRatio("stream-50k"), Plan.targets.ratioStream))
        ],
        [
          "tool input stream ≤ 1.0× raw fetch",
          `${fmt(finite(parleyRatio("tool-2000")), 2)}×`,
          check(cmp(parleyRatio("tool-2000"), Plan.targets.ratioTool))
        ],
        [
          "one turn at 2,000 history messages: client CPU ≤ 1.5× raw node:http",
          `${fmt(finite(historyToNodeHttp), 2)}× (${fmt(finite(historyCpu(Plan.parley)), 2)} ms vs ${fmt(finite(historyCpu("node-http")), 2)} ms per call)`,
          check(cmp(historyToNodeHttp, Plan.targets.historyCpuToNodeHttp))
        ],
        [
          "ahead of the SDK on every row",
          ahead.map((a) => `${a.key} ${fmt(finite(a.p), 2)}× vs ${fmt(finite(a.s), 2)}×`).join("; "),
          check(ahead.some((a) => Number.isNaN(a.p) || Number.isNaN(a.s)) ? undefined : ahead.every((a) => a.p < a.s))
        ],
        [
          "peak RSS at 256 streams ≤ the SDK's",
          `${fmt(finite(rss(Plan.parley)), 0)} MB vs ${fmt(finite(rss("sdk")), 0)} MB`,
          check(Number.isNaN(rss(Plan.parley)) || Number.isNaN(rss("sdk")) ? undefined : rss(Plan.parley) <= rss("sdk"))
        ],
        [
          "loop overhead < 0.2 ms per turn, at any history length",
          `${fmt(finite(loopPerTurn), 3)} ms over ${plan.loopTurns.toLocaleString("en-US")} turns from an empty conversation (its last 10%: ${fmt(finite(loopMetric("lastTurnsPerTurnMs")), 3)} ms); continuing 10 / 2,000 / 10,000 stored messages: ${fmt(finite(loopFrom10), 3)} / ${fmt(finite(loopFrom2000), 3)} / ${fmt(finite(loopFrom10000), 3)} ms (CPU: ${fmt(finite(loopMetric("from10CpuPerTurnMs")), 3)} / ${fmt(finite(loopMetric("from2000CpuPerTurnMs")), 3)} / ${fmt(finite(loopMetric("from10000CpuPerTurnMs")), 3)} ms)`,
          check(cmp(loopWorst, Plan.targets.loopOverheadMs))
        ],
        [
          "10,000-turn conversation: build + check + encode < 50 ms",
          `${fmt(finite(encodeMs), 1)} ms`,
          check(cmp(encodeMs, Plan.targets.conversationEncodeMs))
        ],
        [
          "cold start < 0.5 s (compiled, whole process)",
          `${fmt(finite(coldMs), 0)} ms (bundled with its dependencies: ${fmt(finite(coldBundledMs), 0)} ms; importing effect/Schema + @effect/platform alone: ${fmt(finite(coldFloorMs), 0)} ms)`,
          check(cmp(coldMs, Plan.targets.coldStartMs))
        ],
        [
          "plain-JS consumer: process start to the first answer ≤ the SDK's",
          `${fmt(finite(Stats.spread(answers("parley")).median), 0)} ms vs ${fmt(finite(Stats.spread(answers("sdk")).median), 0)} ms, ${fmt(finite(consumerRatio), 2)}× (bundled by the app: ${fmt(finite(Stats.spread(answers("parley (bundled)")).median), 0)} ms, ${fmt(finite(Stats.spread(toSdk("parley (bundled)")).median), 2)}×)`,
          check(cmp(consumerRatio, Plan.targets.consumerToSdk))
        ],
        [
          "rate limiter: 0 429s, ≥ 95% of the allowed rate",
          rate.length === 0 ? "—" : `${rateRejected} × 429, ${rateFailed} failed, ${fmt(finite(rateShare * 100), 1)}%`,
          check(
            rate.length === 0 || Number.isNaN(rateShare)
              ? undefined
              : rateRejected === 0 && rateFailed === 0 && rateShare >= Plan.targets.rateLimitShare
          )
        ]
      ]
    ),
    ""
  )

  // ---------------------------------------------------------------------------- transport
  out.push(
    "## (a)–(d) Transport: the same requests through each client",
    "",
    `Lower is better. "time" is the case's primary measure; "ratio" is that time divided by raw fetch's in the same repetition (median and min–max of the ${plan.reps} pairwise ratios). CPU is the driver's user+system time during the measured phase (after warm-up); peak RSS is the whole driver process's \`maxRSS\`. "server CPU" is the benchmark server's CPU time during the run as a share of the driver process's wall time: well under 100% means the server was not the bottleneck.`,
    ""
  )
  for (const kase of plan.cases) {
    const caseRuns = runs.filter((r) => r.group === kase.key)
    if (caseRuns.length === 0) continue
    out.push(`### ${kase.title}`, "", `time = ${kase.measures}.`, "")
    out.push(
      table(
        ["driver", "time ms", "ratio to fetch", "throughput", "p50 / p99 ms", "CPU ms", "peak RSS MB", "server CPU"],
        drivers.map((d) => {
          const rs = of(runs, kase.key, d.name)
          const ok = rs.filter((r) => r.outcome._tag === "Ok")
          return [
            `**${d.name}**${ok.length < rs.length ? ` (${rs.length - ok.length} failed)` : ""}`,
            fmtSpread(values(rs, "primaryMs")),
            d.name === Plan.baseline ? "1" : fmtSpread(ratios(runs, kase.key, d.name), 2, "×"),
            throughput(kase.key, rs),
            `${fmt(Stats.median(values(rs, "p50Ms")))} / ${fmt(Stats.median(values(rs, "p99Ms")))}`,
            fmtSpread(values(rs, "cpuMs"), 0),
            fmtSpread(values(rs, "maxRssMb"), 0),
            `${fmt(Stats.median(ok.map((r) => (100 * r.server.cpuMs) / r.outcome.wallMs)), 0)}%`
          ]
        })
      ),
      ""
    )
    const failed = failures(caseRuns)
    if (failed !== "") out.push(`Failed runs: ${failed}`, "")
  }

  // ---------------------------------------------------------------------------- cold start
  const cold = runs.filter((r) => r.group === "cold")
  if (cold.length > 0) {
    const names = [...new Set(cold.map((r) => r.driver))]
    out.push(
      "## (g) Cold start: a process that imports the client and makes one request",
      "",
      'Whole-process wall time measured by the runner from spawn to exit (the driver exits right after verifying the response). Compiled drivers run on plain `node` (ESM produced by esbuild: our own code and `@parley/*` bundled, npm packages imported from `node_modules` as usual). `(bundled)` rows bundle the npm dependencies too (esbuild, tree-shaken, one file: what an application shipped through a bundler starts). `(tsx)` rows run the TypeScript source through `node --import tsx`, as `npm run bench` itself does, to show what the loader adds. "imports done" is `performance.now()` when the driver\'s `main` starts; "response" when the verified response is in.',
      "",
      table(
        ["driver", "whole process ms", "imports done ms", "response ms", "peak RSS MB"],
        names.map((name) => {
          const rs = cold.filter((r) => r.driver === name)
          const ok = rs.filter((r) => r.outcome._tag === "Ok")
          return [
            `**${name}**${ok.length < rs.length ? ` (${rs.length - ok.length} failed)` : ""}`,
            fmtSpread(
              ok.map((r) => r.outcome.wallMs),
              0
            ),
            fmtSpread(values(rs, "importedMs"), 0),
            fmtSpread(values(rs, "responseMs"), 0),
            fmtSpread(values(rs, "maxRssMb"), 0)
          ]
        })
      ),
      ""
    )
    const failed = failures(cold)
    if (failed !== "") out.push(`Failed runs: ${failed}`, "")
  }

  // ---------------------------------------------------------------------------- plain-JS consumer
  const consumerRuns = runs.filter((r) => r.group === Consumer.key)
  if (consumerRuns.length > 0) {
    const ok = (name: string) => consumerRuns.filter((r) => r.driver === name && r.outcome._tag === "Ok")
    const wall = (name: string) => ok(name).map((r) => r.outcome.wallMs)
    const failedNote = (name: string) => {
      const n = consumerRuns.filter((r) => r.driver === name).length - ok(name).length
      return n > 0 ? ` (${n} failed)` : ""
    }
    const count = (name: string) => {
      const counts = input.modules?.[name]
      return counts === undefined ? undefined : Object.values(counts).reduce((a, b) => a + b, 0)
    }
    const reps = Math.max(0, ...consumerRuns.map((r) => r.rep))
    out.push(
      "## (i) Cold start of the plain-JS consumer: process start to the agent's answer",
      "",
      `The root README's plain-JavaScript agent (two tools, \`AgentLoop.run\`, the answer printed: two model calls, the tool_use turn and the answer) run by plain \`node\` from the built packages, as an installed package runs (\`@parley/*\` resolved through \`exports\` to \`dist/\`: no loader, no bundler), beside the same agent on the SDK and on raw fetch, and each bundled by esbuild with its dependencies as an application would ship it. Every consumer talks to the stand-in model (\`parley-standin\`, the planner) in its own process, started before the case. ${reps} repetitions, the rows in a different order in each. "first answer" is the time from spawn to the first byte of the answer on the consumer's stdout, measured by the runner; "ratio to sdk" is that time over the SDK consumer's in the same repetition; "imports done" is \`performance.now()\` (from the process's start) when the consumer's body starts; "whole process" is spawn to exit. "ES modules" counts the files the process loads (an untimed run with a loader hook).`,
      "",
      ...Consumer.consumers.map((row) => `- **${row.name}**: ${row.description}`),
      "",
      table(
        [
          "consumer",
          "ES modules",
          "first answer ms",
          "ratio to sdk",
          "imports done ms",
          "whole process ms",
          "CPU ms",
          "peak RSS MB"
        ],
        Consumer.consumers.map((row) => {
          const rs = ok(row.name)
          return [
            `**${row.name}**${failedNote(row.name)}`,
            fmt(count(row.name), 0),
            row.kind === "consumer" && row.name !== "node (empty)" ? fmtSpread(answers(row.name), 0) : "—",
            row.name === "sdk" || row.name === "node (empty)" ? "—" : fmtSpread(toSdk(row.name), 2, "×"),
            fmtSpread(values(rs, "importedMs"), 0),
            fmtSpread(wall(row.name), 0),
            fmtSpread(values(rs, "processCpuMs"), 0),
            fmtSpread(values(rs, "maxRssMb"), 0)
          ]
        })
      ),
      ""
    )
    const diffs = (name: string, after: string, of: (run: Run) => number | undefined) =>
      ok(name)
        .map((r) => {
          const base = ok(after).find((b) => b.rep === r.rep)
          const a = of(r)
          const b = base === undefined ? undefined : of(base)
          return a === undefined || b === undefined ? undefined : a - b
        })
        .filter((n): n is number => n !== undefined)
    const wallOf = (run: Run) => run.outcome.wallMs
    const cpuOf = (run: Run) => metric(run, "processCpuMs")
    const groups: ReadonlyArray<readonly [string, (pkg: string) => boolean]> = [
      ["effect", (pkg) => pkg === "effect"],
      ["fast-check + pure-rand", (pkg) => pkg === "fast-check" || pkg === "pure-rand"],
      ["@effect/platform", (pkg) => pkg === "@effect/platform"],
      ["@parley/*", (pkg) => pkg.startsWith("@parley/")],
      ["@anthropic-ai/sdk", (pkg) => pkg === "@anthropic-ai/sdk"],
      ["@opentelemetry/api", (pkg) => pkg === "@opentelemetry/api"]
    ]
    const byGroup = (name: string, pick: (pkg: string) => boolean) => {
      const counts = input.modules?.[name]
      if (counts === undefined) return "—"
      const n = Object.entries(counts)
        .filter(([pkg]) => pick(pkg))
        .reduce((a, [, c]) => a + c, 0)
      return n === 0 ? "" : fmt(n, 0)
    }
    const other = (pkg: string) => !groups.some(([, pick]) => pick(pkg))
    out.push(
      "### Where the time goes: the import ladder",
      "",
      'Processes that only import, then exit. From `+ effect/Schema` to `+ effect\'s barrel`, each row imports what the row above imports and more; "Δ" is the median over repetitions of the row\'s whole-process time minus the time of the row named in "compared to", in the same repetition: what the added imports cost; "Δ CPU" the same for the process\'s CPU time (user + system, all threads), which a busy host inflates less than wall time.',
      "",
      table(
        ["imports", "ES modules", "whole process ms", "CPU ms", "compared to", "Δ ms", "Δ CPU ms", "peak RSS MB"],
        Consumer.ladder.map((row) => [
          `**${row.name}**${failedNote(row.name)}`,
          fmt(count(row.name), 0),
          fmtSpread(wall(row.name), 0),
          fmtSpread(values(ok(row.name), "processCpuMs"), 0),
          row.after ?? "—",
          row.after === undefined ? "—" : fmtSpread(diffs(row.name, row.after, wallOf), 0),
          row.after === undefined ? "—" : fmtSpread(diffs(row.name, row.after, cpuOf), 0),
          fmtSpread(values(ok(row.name), "maxRssMb"), 0)
        ])
      ),
      "",
      ...Consumer.ladder.map((row) => `- **${row.name}**: ${row.description}`),
      "",
      "ES modules by package (files loaded, Node's built-ins not counted; \"other\": the program's own files, or the bundle):",
      "",
      table(
        ["process", "all", ...groups.map(([name]) => name), "other"],
        Consumer.rows
          .filter((row) => input.modules?.[row.name] !== undefined)
          .map((row) => [
            row.name,
            fmt(count(row.name), 0),
            ...groups.map(([, pick]) => byGroup(row.name, pick)),
            byGroup(row.name, other)
          ])
      ),
      ""
    )
    const failed = failures(consumerRuns)
    if (failed !== "") out.push(`Failed runs: ${failed}`, "")
  }

  // ---------------------------------------------------------------------------- parley-only groups
  const metricsTable = (group: string, title: string, intro: string) => {
    const rs = runs.filter((r) => r.group === group)
    if (rs.length === 0) return
    const names = [
      ...new Set(rs.flatMap((r) => (r.outcome._tag === "Ok" ? Object.keys(r.outcome.report.metrics) : [])))
    ]
    out.push(`## ${title}`, "", intro, "")
    out.push(
      table(
        ["metric", "median (min–max)"],
        names.map((name) => [name, fmtSpread(values(rs, name))])
      ),
      ""
    )
    const failed = failures(rs)
    if (failed !== "") out.push(`Failed runs: ${failed}`, "")
  }
  metricsTable(
    "loop",
    `(e) The agent loop: ${plan.loopTurns} turns of scripted tool use`,
    "`AgentLoop.run` against an in-process responder (`ScriptedModel`, a double of the Model port: no HTTP), each turn a `tool_use` answered by a toolkit handler, the last an `end_turn`. `overheadPerTurnMs` = the run's wall time / turns: everything Parley does per turn (conversation append and checks, request building, tool input decode, handler, result encode). `firstTurnsPerTurnMs` / `lastTurnsPerTurnMs` are the first and last 10% of turns, to show whether the cost grows with the history. `from10PerTurnMs` / `from2000PerTurnMs` / `from10000PerTurnMs`: wall time per turn of a run of 100 turns continuing a stored conversation of 10 / 2,000 / 10,000 messages (`conversation` option; tool-use turns, then question / answer pairs), after a warm-up run of the same; `from…CpuPerTurnMs` the process's CPU time per turn in the same run (GC threads included)."
  )
  metricsTable(
    "conversation",
    `(f) A ${plan.conversationTurns.toLocaleString("en-US")}-turn conversation: build, check, encode`,
    "`buildMs`: appending every turn with `Conversation.append*` (each append checked against the previous turn only). `checkMs`: `Validation.validateRequest` of the whole request. `encodeMs`: the request body as `MessagesClient` produces it (`JSON.stringify` of the request, which is already in wire form; no Schema pass). `primaryMs` = build + check + encode. For comparison: `schemaEncodeMs` = `Schema.encode(MessagesRequest)` + `JSON.stringify` (same bytes, verified), `storeMs` = `Conversation.Json` encoded to a JSON string (the storage path). `mergeMs`: `Conversation.fromMessages` of as many consecutive user turns, merged into one turn as the API does; `restoreMergedMs`: the same turns decoded from `Conversation.Json`."
  )

  // ---------------------------------------------------------------------------- rate limiter
  const limited = runs.filter((r) => r.group === "ratelimit")
  if (limited.length > 0) {
    out.push(
      "## (h) The rate limiter",
      "",
      `${plan.rateLimitCalls} calls fanned out 8-wide against a server that allows 5 requests/s (token bucket of 5, continuously refilled, as the API does) and 2 requests in flight, answering after 250 ms; a request over either limit gets a 429 with \`retry-after: 1\`. "429s" are counted by the server. "share of allowed" = the time a perfect client needs for the successful calls (the bucket's 5 at once, then 5/s, plus the last 250 ms answer: ${fmt(Payloads.idealLimitedMs(plan.rateLimitCalls) / 1000, 2)} s for ${plan.rateLimitCalls} calls) / the wall time of the whole fan-out; 100% is the whole allowed rate.`,
      "",
      table(
        ["driver", "calls ok", "429s provoked", "wall s", "achieved rate /s", "share of allowed", "max in flight"],
        limited.map((r) => [
          `**${r.driver}** (rep ${r.rep})`,
          r.outcome._tag === "Ok"
            ? fmt(metric(r, "succeeded"), 0)
            : `FAILED: ${r.outcome._tag === "Failed" ? r.outcome.reason : ""}`,
          fmt(r.server.rejected, 0),
          fmt((metric(r, "primaryMs") ?? Number.NaN) / 1000, 2),
          fmt(metric(r, "achievedRate"), 2),
          `${fmt((metric(r, "achievedShare") ?? Number.NaN) * 100, 1)}%`,
          fmt(r.server.maxInFlight, 0)
        ])
      ),
      ""
    )
  }

  // ---------------------------------------------------------------------------- notes
  const start = input.previous.indexOf(notesStart)
  const end = input.previous.indexOf(notesEnd)
  const notes =
    start !== -1 && end > start
      ? input.previous.slice(start + notesStart.length, end).trim()
      : "(Profiles, before/after figures and explanations go here; this section is kept when the file is regenerated.)"
  out.push("## Notes", "", notesStart, notes, notesEnd, "")
  return out.join("\n")
}
