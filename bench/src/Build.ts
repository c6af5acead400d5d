/**
 * Compiles the server and the drivers to plain ESM files in `bench/.out/dist`, so that every measured process is
 * started by plain `node` with no TypeScript loader: the cold-start figures are those of compiled JavaScript, as a
 * published package would run. `@parley/*` resolves through the packages' `exports` to their built `dist/` (see
 * {@link packages}), which esbuild bundles into the driver; every npm dependency (`effect`, `@effect/*`,
 * `@anthropic-ai/sdk`, `undici`) stays an `import` resolved from `node_modules`, exactly as for any application. The
 * `*-bundled` entries bundle everything, npm packages included (tree-shaken, one file): what an application shipped
 * through a bundler starts, used in the cold-start rows (`consumer-*-bundled`: the plain-JS consumers of
 * `consumer/`, which otherwise run as they are).
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import * as esbuild from "esbuild"

/** The bench package's root directory. */
export const root = Path.resolve(import.meta.dirname, "..")

/** Where compiled entry points are written. */
export const dist = Path.join(root, ".out", "dist")

/** Entry points by output name: the server and one file per driver. */
export const entries = {
  server: "src/Server.ts",
  fetch: "src/drivers/Fetch.ts",
  "node-http": "src/drivers/NodeHttp.ts",
  sdk: "src/drivers/Sdk.ts",
  parley: "src/drivers/Parley.ts",
  "parley-agent": "src/drivers/ParleyAgent.ts",
  "parley-bundled": "src/drivers/Parley.ts",
  "sdk-bundled": "src/drivers/Sdk.ts",
  "consumer-parley-bundled": "consumer/parley.mjs",
  "consumer-sdk-bundled": "consumer/sdk.mjs"
} as const

const bundled: ReadonlyArray<Entry> = [
  "parley-bundled",
  "sdk-bundled",
  "consumer-parley-bundled",
  "consumer-sdk-bundled"
]

/** An entry point's name. */
export type Entry = keyof typeof entries

/** The compiled file of an entry point. */
export const output = (entry: Entry): string => Path.join(dist, `${entry}.mjs`)

/** The libraries the bench loads, as TypeScript projects (their `dist/` is what `@parley/*` resolves to). */
const libraries = ["core", "transport", "loop", "standin"].map((name) =>
  Path.join(root, "..", "packages", name, "tsconfig.src.json")
)

/**
 * Builds the libraries' `dist/` with `tsc -b` (incremental: about a second when nothing changed), so that no run
 * measures a missing or stale build: `@parley/*` resolves to `dist/` for the drivers (bundled by esbuild) and for
 * the plain-JS consumers (loaded by `node`). Throws with tsc's output when the build fails.
 */
export const packages = (): void => {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
  const result = ChildProcess.spawnSync(process.execPath, [tsc, "-b", ...libraries], {
    cwd: Path.join(root, ".."),
    encoding: "utf8"
  })
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim()
    throw new Error(
      `building the packages failed (tsc -b ${libraries.map((p) => Path.relative(Path.join(root, ".."), p)).join(" ")}):\n${output || result.error?.message || `exit ${result.status}`}`
    )
  }
  for (const name of ["core", "transport", "loop", "standin"]) {
    const index = Path.join(root, "..", "packages", name, "dist", "index.js")
    if (!Fs.existsSync(index)) throw new Error(`tsc -b succeeded but ${index} is missing`)
  }
}

/**
 * Compiles every entry point that exists (a driver whose source is missing is skipped) and returns their names. The
 * output directory is emptied first: chunk files are named by content hash, so an earlier build's would stay beside
 * the new ones.
 */
export const build = async (): Promise<ReadonlyArray<Entry>> => {
  Fs.rmSync(dist, { recursive: true, force: true })
  const present = (Object.keys(entries) as Array<Entry>).filter((entry) =>
    Fs.existsSync(Path.join(root, entries[entry]))
  )
  const common = {
    absWorkingDir: root,
    outdir: dist,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    logLevel: "warning"
  } as const
  const pick = (names: ReadonlyArray<Entry>) => Object.fromEntries(names.map((entry) => [entry, entries[entry]]))
  await esbuild.build({
    ...common,
    entryPoints: pick(present.filter((entry) => !bundled.includes(entry))),
    external: ["effect", "effect/*", "@effect/*", "@anthropic-ai/sdk", "@anthropic-ai/sdk/*", "undici"],
    // a dynamic import stays one (a driver loads only the HttpClient it runs on)
    splitting: true,
    chunkNames: "chunks/[name]-[hash]"
  })
  await esbuild.build({
    ...common,
    entryPoints: pick(present.filter((entry) => bundled.includes(entry))),
    // CommonJS dependencies bundled into ESM call `require` for node builtins.
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' }
  })
  return present
}

/** A revision's drivers, compiled from that revision's own sources by {@link revision}. */
export interface Revision {
  /** The abbreviated commit (`git rev-parse --short`), the `@<short>` of the drivers' names. */
  readonly short: string
  /** Where the revision's tree is extracted: `bench/.out/rev-<short>`. */
  readonly dir: string
  /** The compiled `bench/src/drivers/Parley.ts` of the revision (`bench/.out/dist/parley@<short>.mjs`). */
  readonly parley: string
  /** The compiled `bench/src/drivers/ParleyAgent.ts`, when the revision has one. */
  readonly agent: string | undefined
  /** The revision's `Parley.ts` source, to tell which `--variant`s it knows. */
  readonly source: string
}

/**
 * Compiles the Parley drivers of another revision (`--before <rev>`), from that revision's own sources: its tree is
 * extracted with `git archive` into `bench/.out/rev-<short>` (once; no checkout, the working tree is untouched), and
 * its `bench/src/drivers/Parley.ts` and `ParleyAgent.ts` are bundled by esbuild with `@parley/<pkg>` and
 * `@parley/<pkg>/<Module>` mapped to that tree's `packages/<pkg>/src/index.ts` / `<Module>.ts` (TypeScript compiled
 * by esbuild: no tsc, no `node_modules` in the extracted tree). The npm dependencies stay imports, as in
 * {@link build}, resolved at run time from the repository's `node_modules` (the output is written to {@link dist}).
 * Call it after {@link build}, which empties {@link dist}.
 */
export const revision = async (rev: string): Promise<Revision> => {
  const repo = Path.join(root, "..")
  const git = (args: ReadonlyArray<string>): string => {
    const result = ChildProcess.spawnSync("git", ["-C", repo, ...args], { encoding: "utf8" })
    if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${(result.stderr ?? "").trim()}`)
    return result.stdout.trim()
  }
  const short = git(["rev-parse", "--short", "--verify", `${rev}^{commit}`])
  const dir = Path.join(root, ".out", `rev-${short}`)
  if (!Fs.existsSync(dir)) {
    // extracted beside and renamed, so that an interrupted extraction is never taken for a complete one
    const partial = `${dir}.partial`
    Fs.rmSync(partial, { recursive: true, force: true })
    Fs.mkdirSync(partial, { recursive: true })
    const extract = ChildProcess.spawnSync(
      "sh",
      ["-c", `git -C "$0" archive "$1" | tar -x -C "$2"`, repo, short, partial],
      {
        encoding: "utf8"
      }
    )
    if (extract.status !== 0) throw new Error(`extracting ${short} failed: ${(extract.stderr ?? "").trim()}`)
    Fs.renameSync(partial, dir)
  }
  const driver = (file: string) => Path.join(dir, "bench", "src", "drivers", file)
  if (!Fs.existsSync(driver("Parley.ts"))) throw new Error(`${rev} (${short}) has no bench/src/drivers/Parley.ts`)
  const sources: esbuild.Plugin = {
    name: "parley-sources",
    setup(build) {
      build.onResolve({ filter: /^@parley\// }, (args) => {
        const [pkg, ...module] = args.path.slice("@parley/".length).split("/")
        const file = Path.join(
          dir,
          "packages",
          pkg ?? "",
          "src",
          `${module.length === 0 ? "index" : module.join("/")}.ts`
        )
        return Fs.existsSync(file)
          ? { path: file }
          : { errors: [{ text: `${args.path}: no ${Path.relative(dir, file)} in ${short}` }] }
      })
    }
  }
  const names = { parley: `parley@${short}`, agent: `parley-agent@${short}` }
  const entryPoints: Record<string, string> = { [names.parley]: driver("Parley.ts") }
  if (Fs.existsSync(driver("ParleyAgent.ts"))) entryPoints[names.agent] = driver("ParleyAgent.ts")
  await esbuild.build({
    absWorkingDir: dir,
    entryPoints,
    outdir: dist,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    logLevel: "warning",
    plugins: [sources],
    external: ["effect", "effect/*", "@effect/*", "@anthropic-ai/sdk", "@anthropic-ai/sdk/*", "undici"],
    // another npm dependency of that revision is bundled from the repository's node_modules
    nodePaths: [Path.join(repo, "node_modules")],
    splitting: true,
    chunkNames: "chunks/[name]-[hash]"
  })
  return {
    short,
    dir,
    parley: Path.join(dist, `${names.parley}.mjs`),
    agent: names.agent in entryPoints ? Path.join(dist, `${names.agent}.mjs`) : undefined,
    source: Fs.readFileSync(driver("Parley.ts"), "utf8")
  }
}
