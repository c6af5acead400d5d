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
