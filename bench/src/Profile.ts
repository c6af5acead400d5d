/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --cpu-prof`): self time per function, and
 * time by package (`effect`, `@effect/platform`, `@parley/*` bundled as `bench/.out/dist`, node internals, GC), as
 * shares of the profile.
 *
 * Usage: `npx tsx src/Profile.ts <file.cpuprofile> [--top 25]`.
 */
import * as Fs from "node:fs"
import { parseArgs } from "node:util"
import * as Schema from "effect/Schema"

const CpuProfile = Schema.Struct({
  nodes: Schema.Array(
    Schema.Struct({
      id: Schema.Number,
      callFrame: Schema.Struct({
        functionName: Schema.String,
        url: Schema.String,
        lineNumber: Schema.Number
      })
    })
  ),
  samples: Schema.Array(Schema.Number),
  timeDeltas: Schema.Array(Schema.Number)
})

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" } }
})

const where = (url: string): string => {
  const nm = url.lastIndexOf("node_modules/")
  if (nm !== -1) {
    const rest = url.slice(nm + "node_modules/".length).split("/")
    return rest[0]?.startsWith("@") === true ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url)
  }
  if (url.includes("/bench/.out/dist/")) return "bench bundle (@parley/* + driver)"
  if (url.startsWith("node:")) return "node internals"
  return url === "" ? "(native / vm)" : url
}

for (const file of positionals) {
  const profile = Schema.decodeUnknownSync(CpuProfile)(JSON.parse(Fs.readFileSync(file, "utf8")))
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  const byPackage = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    const frame = byId.get(id)?.callFrame
    if (frame === undefined) return
    total += dt
    const file = frame.url.split("/").slice(-2).join("/")
    const name = `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`
    self.set(name, (self.get(name) ?? 0) + dt)
    const pkg = where(frame.url)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt)
  })
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
    `${file}: ${(total / 1000).toFixed(0)} ms sampled\n\nby package:\n${top(byPackage, 12)}\n\nself time by function:\n${top(self, Number(values.top))}\n\n`
  )
}
