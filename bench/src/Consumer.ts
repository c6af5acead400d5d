/**
 * The cold start of a plain-JavaScript consumer (`cold-consumer`): the root README's agent (`consumer/parley.mjs`:
 * two tools, `AgentLoop.run`, the answer printed) run by plain `node` from the built packages, exactly as an
 * application that installed Parley runs it (`@parley/*` resolved through the packages' `exports` to `dist/`, no
 * loader, no bundler), beside the same agent on the official SDK (`consumer/sdk.mjs`) and on raw `fetch`
 * (`consumer/fetch.mjs`), and bundled with esbuild as an application would ship it. Every consumer talks to the
 * stand-in model (`parley-standin`, the planner) running in its own process, started once before the case, so the
 * server's start is not in any figure.
 *
 * Beside the consumers, the import ladder: processes that only import (fast-check alone; `effect/Effect`; then
 * `effect/Schema`, `@effect/platform`'s `HttpClient`, Parley by subpath, Parley's barrels, `effect`'s barrel, each
 * added to the one before; the SDK), so the differences between rows are what each package costs to load. Module
 * counts come from separate, untimed runs with a loader hook (`consumer/count-modules.mjs`).
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Build from "./Build.js"

/** The case's key in `--only` and in results. */
export const key = "cold-consumer"

/** One process of the case: a row of a table, and the `node` arguments that start it (given the stand-in's URL). */
export interface Row {
  readonly name: string
  readonly kind: "consumer" | "imports"
  /** What the row is, for the table legend. */
  readonly description: string
  /** The row whose time this one is compared to (the import ladder's differences). */
  readonly after?: string | undefined
  readonly args: (url: string) => ReadonlyArray<string>
}

const consumer = (file: string) => Path.join(Build.root, "consumer", file)

/**
 * A process that imports `specifiers` and reports when its body starts (every import done), the CPU time it used
 * (all its threads: V8 compiles and collects garbage off the main thread too) and its peak RSS.
 */
const importing = (specifiers: ReadonlyArray<string>): ReadonlyArray<string> => [
  "--input-type=module",
  "-e",
  `${specifiers.map((s) => `import ${JSON.stringify(s)};`).join("")}` +
    `const importedMs=performance.now();const c=process.cpuUsage();const u=process.resourceUsage();` +
    `process.stdout.write(JSON.stringify({driver:"imports",scenario:"consumer",metrics:{importedMs,` +
    `processCpuMs:(c.user+c.system)/1000,maxRssMb:u.maxRSS/1024}})+"\\n")`
]

const empty = "node (empty)"

/** The consumer rows: the same agent through each client, and the empty process under all of them. */
export const consumers: ReadonlyArray<Row> = [
  {
    name: empty,
    kind: "consumer",
    description: "`node` running an empty module: the floor",
    args: () => importing([])
  },
  {
    name: "fetch",
    kind: "consumer",
    description: "`consumer/fetch.mjs`: the agent on raw `fetch`, the tool loop by hand",
    args: (url) => [consumer("fetch.mjs"), "--url", url]
  },
  {
    name: "sdk",
    kind: "consumer",
    description: "`consumer/sdk.mjs`: the agent on `@anthropic-ai/sdk` (`messages.create`), the tool loop by hand",
    args: (url) => [consumer("sdk.mjs"), "--url", url]
  },
  {
    name: "parley",
    kind: "consumer",
    description:
      "`consumer/parley.mjs`: the README's agent (`Tool`, `Toolkit`, `AgentLoop.run` on `NodeHttpClient`) from the built packages",
    args: (url) => [consumer("parley.mjs"), "--url", url]
  },
  {
    name: "sdk (bundled)",
    kind: "consumer",
    description: "`consumer/sdk.mjs` bundled by esbuild with its dependencies (one ESM file)",
    args: (url) => [Build.output("consumer-sdk-bundled"), "--url", url]
  },
  {
    name: "parley (bundled)",
    kind: "consumer",
    description: "`consumer/parley.mjs` bundled by esbuild with its dependencies (one ESM file, tree-shaken)",
    args: (url) => [Build.output("consumer-parley-bundled"), "--url", url]
  }
]

const parleyBySubpath = [
  "@parley/core/Tool",
  "@parley/core/Toolkit",
  "@parley/loop/AgentLoop",
  "@parley/transport/MessagesClient",
  "@parley/transport/NodeHttpClient",
  "effect/Layer",
  "effect/Redacted"
]
const parleyBarrels = ["@parley/core", "@parley/loop", "@parley/transport"]

const step = (name: string, after: string, description: string, specifiers: ReadonlyArray<string>): Row => ({
  name,
  kind: "imports",
  description,
  after,
  args: () => importing(specifiers)
})

const floor = ["effect/Effect", "effect/Schema", "@effect/platform/HttpClient"]

/** The import ladder: each row from `effect/Schema` to `effect`'s barrel adds its imports to the row above. */
export const ladder: ReadonlyArray<Row> = [
  step("fast-check (alone)", empty, "what `effect/Schema` loads through `effect/FastCheck` (with pure-rand)", [
    "fast-check"
  ]),
  step("effect/Effect", empty, "the Effect runtime", ["effect/Effect"]),
  step("+ effect/Schema", "effect/Effect", "Schema, which imports `effect/FastCheck`, i.e. all of fast-check", [
    ...floor.slice(0, 2)
  ]),
  step(
    "+ @effect/platform/HttpClient",
    "+ effect/Schema",
    "what any client on `@effect/platform` loads (the `cold` group's floor)",
    floor
  ),
  step(
    "+ Parley by subpath",
    "+ @effect/platform/HttpClient",
    `the agent's Parley modules imported one by one (${parleyBySubpath.map((s) => `\`${s}\``).join(", ")})`,
    [...floor, ...parleyBySubpath]
  ),
  step(
    "+ Parley's barrels",
    "+ Parley by subpath",
    "`@parley/core`, `@parley/loop`, `@parley/transport` (their `index.js`), as the README imports them",
    [...floor, ...parleyBySubpath, ...parleyBarrels]
  ),
  step(
    "+ effect's barrel = the agent's imports",
    "+ Parley's barrels",
    '`import { Effect, Layer, Redacted, Schema } from "effect"`: every module of `effect`',
    [...floor, ...parleyBySubpath, ...parleyBarrels, "effect"]
  ),
  step("@anthropic-ai/sdk (alone)", empty, "what `consumer/sdk.mjs` imports", ["@anthropic-ai/sdk"])
]

/** Every row, in the order of the first repetition; each later repetition starts one row further on. */
export const rows: ReadonlyArray<Row> = [...consumers, ...ladder]

/** The rows of repetition `rep` (from 1): the order rotates, so no row always follows the same one. */
export const order = (rep: number): ReadonlyArray<Row> => {
  const shift = (rep - 1) % rows.length
  return [...rows.slice(shift), ...rows.slice(0, shift)]
}

/** The stand-in model in its own process: `parley-standin --port 0` from the built `@parley/standin`. */
export const startStandin = (): Promise<{ readonly url: string; readonly stop: () => void }> =>
  new Promise((resolve, reject) => {
    const require = createRequire(import.meta.url)
    const manifest = require.resolve("@parley/standin/package.json")
    const { bin } = JSON.parse(Fs.readFileSync(manifest, "utf8")) as { bin: Record<string, string> }
    const binPath = bin["parley-standin"]
    if (binPath === undefined) return reject(new Error(`${manifest} has no parley-standin bin`))
    const child = ChildProcess.spawn(
      process.execPath,
      [Path.join(Path.dirname(manifest), binPath), "--port", "0", "--host", "127.0.0.1"],
      { stdio: ["ignore", "pipe", "inherit"] }
    )
    let out = ""
    child.on("error", reject)
    child.on("exit", (code) => reject(new Error(`the stand-in exited with ${code}`)))
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(out)?.[0]
      if (url !== undefined) {
        child.stdout.removeAllListeners("data")
        resolve({ url, stop: () => child.kill() })
      }
    })
  })

/** The package a loaded file belongs to: `@parley/<name>` for the workspace's packages, else its npm package. */
export const packageOf = (file: string): string => {
  const nm = file.lastIndexOf(`node_modules${Path.sep}`)
  if (nm !== -1) {
    const [scope, name] = file.slice(nm + "node_modules/".length).split(Path.sep)
    return scope?.startsWith("@") === true ? `${scope}/${name}` : (scope ?? file)
  }
  const workspace = /[\\/]packages[\\/]([^\\/]+)[\\/]dist[\\/]/.exec(file)
  if (workspace !== null) return `@parley/${workspace[1]}`
  if (file.startsWith(Build.dist)) return "(bundle)"
  return "(the program)"
}

/** Files loaded by package, from one untimed run of `args` under the counting hook. */
export const countModules = (args: ReadonlyArray<string>): Record<string, number> => {
  const out = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "parley-modules-")), "modules.txt")
  try {
    ChildProcess.execFileSync(
      process.execPath,
      ["--import", Path.join(Build.root, "consumer", "count-modules.mjs"), ...args],
      { cwd: Build.root, env: { ...process.env, PARLEY_BENCH_MODULES: out }, stdio: ["ignore", "ignore", "pipe"] }
    )
    const files = new Set(
      Fs.readFileSync(out, "utf8")
        .split("\n")
        .filter((line) => line !== "")
    )
    const counts: Record<string, number> = {}
    for (const file of files) {
      const pkg = packageOf(file)
      counts[pkg] = (counts[pkg] ?? 0) + 1
    }
    return counts
  } finally {
    Fs.rmSync(Path.dirname(out), { recursive: true, force: true })
  }
}
