/**
 * Compiles the server and the drivers to plain ESM files in `bench/.out/dist`, so that every measured process is
 * started by plain `node` with no TypeScript loader: the cold-start figures are those of compiled JavaScript, as a
 * published package would run. Parley's own sources (`@parley/*`, TypeScript) are bundled into the driver;
 * every npm dependency (`effect`, `@effect/*`, `@anthropic-ai/sdk`, `undici`) stays an `import` resolved from
 * `node_modules`, exactly as for any application.
 */
import * as Fs from "node:fs"
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
  "parley-agent": "src/drivers/ParleyAgent.ts"
} as const

/** An entry point's name. */
export type Entry = keyof typeof entries

/** The compiled file of an entry point. */
export const output = (entry: Entry): string => Path.join(dist, `${entry}.mjs`)

/** Compiles every entry point that exists (a driver whose source is missing is skipped) and returns their names. */
export const build = async (): Promise<ReadonlyArray<Entry>> => {
  const present = (Object.keys(entries) as Array<Entry>).filter((entry) =>
    Fs.existsSync(Path.join(root, entries[entry]))
  )
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(present.map((entry) => [entry, entries[entry]])),
    outdir: dist,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    logLevel: "warning",
    external: ["effect", "effect/*", "@effect/*", "@anthropic-ai/sdk", "@anthropic-ai/sdk/*", "undici"]
  })
  return present
}
