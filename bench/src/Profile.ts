/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --cpu-prof`) as shares of the sampled time:
 * self time by package (`effect`, `@effect/platform`, the bundled `@parley/*` + driver code, node internals, GC),
 * self time by function, and inclusive time by function (the share of samples with the function on the stack,
 * counted once per sample), optionally only for functions whose name or file matches `--match`.
 *
 * With `--loading`, also where a process's start went: each sample under a module's top-level code is counted as
 * evaluating that module's package, every other sample by the phase of Node's ES module loader it is in (resolving
 * specifiers, reading files, compiling, linking), or as GC, the program's own run, and the rest.
 *
 * Usage: `npx tsx src/Profile.ts <file.cpuprofile> [--top 25] [--match <regexp>] [--loading]`.
 */
import * as Fs from "node:fs"
import { parseArgs } from "node:util"
import * as Schema from "effect/Schema"

const CpuProfile = Schema.Struct({
  nodes: Schema.Array(
    Schema.Struct({
      id: Schema.Number,
      children: Schema.optional(Schema.Array(Schema.Number)),
      callFrame: Schema.Struct({
        functionName: Schema.String,
        url: Schema.String,
        lineNumber: Schema.Number,
        columnNumber: Schema.Number
      })
    })
  ),
  samples: Schema.Array(Schema.Number),
  timeDeltas: Schema.Array(Schema.Number)
})

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "25" },
    match: { type: "string" },
    loading: { type: "boolean", default: false }
  }
})

const packageOf = (url: string): string => {
  const nm = url.lastIndexOf("node_modules/")
  if (nm !== -1) {
    const rest = url.slice(nm + "node_modules/".length).split("/")
    return rest[0]?.startsWith("@") === true ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url)
  }
  const workspace = /\/packages\/([^/]+)\/dist\//.exec(url)
  if (workspace !== null) return `@parley/${workspace[1]}`
  if (url.includes("/bench/.out/dist/")) return "bench bundle (@parley/* + driver)"
  if (url.includes("/bench/consumer/")) return "bench consumer"
  if (url.startsWith("node:")) return "node internals"
  return url === "" ? "(native / vm)" : url
}

for (const file of positionals) {
  const profile = Schema.decodeUnknownSync(CpuProfile)(JSON.parse(Fs.readFileSync(file, "utf8")))
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const label = (frame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }) =>
    `${frame.functionName || "(anonymous)"} ${frame.url.split("/").slice(-2).join("/")}:${frame.lineNumber + 1}`
  const match = values.match === undefined ? undefined : new RegExp(values.match)
  const inclusive = new Map<string, number>()
  const self = new Map<string, number>()
  const byPackage = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    const frame = byId.get(id)?.callFrame
    if (frame === undefined) return
    total += dt
    const name = label(frame)
    self.set(name, (self.get(name) ?? 0) + dt)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)
      if (node === undefined) break
      const name = label(node.callFrame)
      if (seen.has(name) || (match !== undefined && !match.test(name))) continue
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt)
    }
    const pkg = packageOf(frame.url)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt)
  })
  const loading = new Map<string, number>()
  if (values.loading) {
    // the innermost frame that says where a sample is: a module's top-level code, or a phase of the ESM loader
    const phases: Record<string, string> = {
      compileSourceTextModule: "loader: compile",
      defaultResolve: "loader: resolve",
      resolve: "loader: resolve",
      defaultLoad: "loader: read",
      getSource: "loader: read",
      readFileAsync: "loader: read",
      _link: "loader: link",
      link: "loader: link",
      instantiate: "loader: link",
      "(garbage collector)": "GC",
      "(program)": "(program: V8 and Node outside JS)",
      "(idle)": "(idle)"
    }
    profile.samples.forEach((id, i) => {
      const dt = profile.timeDeltas[i] ?? 0
      let phase: string | undefined
      for (let at: number | undefined = id; at !== undefined && phase === undefined; at = parent.get(at)) {
        const frame = byId.get(at)?.callFrame
        if (frame === undefined) break
        phase =
          frame.lineNumber === 0 && frame.columnNumber === 0 && frame.url.startsWith("file:")
            ? `evaluate: ${packageOf(frame.url)}`
            : phases[frame.functionName]
      }
      phase ??= "other (the program's own run, Node's start)"
      loading.set(phase, (loading.get(phase) ?? 0) + dt)
    })
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([name, us]) =>
          `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(8)} ms  ${name}`
      )
      .join("\n")
  process.stdout.write(
    `${file}: ${(total / 1000).toFixed(0)} ms sampled\n\n${values.loading ? `module loading:\n${top(loading, 40)}\n\n` : ""}by package:\n${top(byPackage, 12)}\n\nself time by function:\n${top(self, Number(values.top))}\n\ninclusive time by function:\n${top(inclusive, Number(values.top))}\n\n`
  )
}
