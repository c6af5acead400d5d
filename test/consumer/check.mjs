// The consumer check: Parley as a user installs it, outside this workspace.
//
// Packs every published package (after `tsc -b` built their dist/), checks each tarball's file list and that every
// README's install line names the peers, installs the tarballs with those peers into a new project in the system's
// temp directory, and there
//   1. runs the README's plain-JavaScript agent verbatim with `node` (no tsx, no bundler);
//   2. require()s every public module from CommonJS;
//   3. type-checks a strict TypeScript consumer under moduleResolution node16 and bundler (skipLibCheck off), and
//      runs what tsc emitted;
//   4. runs both bins: `parley-standin` (answers a request) and `parley` (the demo, one prompt, offline);
// then installs @parley/loop alone with its peers and reports the size of node_modules.
//
// `node test/consumer/check.mjs` (part of `npm test`); `--keep` leaves the temp project for a look.
import { execFile, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"

const exec = promisify(execFile)
const root = path.resolve(import.meta.dirname, "../..")
const here = import.meta.dirname
const keep = process.argv.includes("--keep")
const started = Date.now()

/** The published packages: the libraries and the demo app (which ships the `parley` bin). */
const packages = [
  "packages/core",
  "packages/transport",
  "packages/ratelimit-redis",
  "packages/loop",
  "packages/mcp",
  "packages/durable",
  "packages/standin",
  "apps/demo"
]
const manifest = (dir) => JSON.parse(fs.readFileSync(path.join(root, dir, "package.json"), "utf8"))
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"))
/** The version of `name` this workspace is tested with: the consumer installs the same. */
const locked = (name) => {
  const version = lock.packages[`node_modules/${name}`]?.version
  if (version === undefined) throw new Error(`${name} is not in package-lock.json`)
  return version
}

let failures = 0
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`
const ok = (what) => console.log(`  ok  ${what} [${elapsed()}]`)
const fail = (what, detail) => {
  failures++
  console.log(`  FAIL ${what}${detail ? `\n${String(detail).replace(/^/gm, "       ")}` : ""}`)
}
const check = (condition, what, detail) => (condition ? ok(what) : fail(what, detail))
const step = async (what, action) => {
  try {
    await action()
  } catch (error) {
    fail(what, error?.stderr || error?.stdout ? `${error.message}\n${error.stdout ?? ""}${error.stderr ?? ""}` : error)
  }
}

const npm = (args, cwd) =>
  exec("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, maxBuffer: 64 * 1024 * 1024 })

const filesUnder = (dir) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    : []

/** What a package's tarball must hold, exactly: its sources, their four build outputs each, and the docs. */
const expectedFiles = (dir, pkg) => {
  const sources = filesUnder(path.join(root, dir, "src")).filter((file) => file.endsWith(".ts"))
  const built = sources.flatMap((file) => {
    const base = `dist/${file.slice(0, -3)}`
    return [`${base}.js`, `${base}.js.map`, `${base}.d.ts`, `${base}.d.ts.map`]
  })
  const shipsSources = pkg.files.includes("src")
  return [
    "package.json",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
    ...built,
    ...(shipsSources ? sources.map((file) => `src/${file}`) : [])
  ].sort()
}

/** The README's block of `lang` after `<!-- marker -->`, verbatim. */
const readmeBlock = (readme, marker, lang) => {
  const text = fs.readFileSync(path.join(root, readme), "utf8")
  const match = new RegExp(`<!-- ${marker} -->\\n\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(text)
  if (match === null) throw new Error(`${readme} has no \`\`\`${lang} block after <!-- ${marker} -->`)
  return match[1]
}

/** The packages an `npm install` line of a README's `<!-- install -->` block names, as name → range ("" if none). */
const installLine = (readme) => {
  const line = readmeBlock(readme, "install", "sh")
    .split("\n")
    .find((text) => text.startsWith("npm install "))
  if (line === undefined) throw new Error(`${readme}: its install block has no npm install line`)
  const specs = line
    .split(/\s+/)
    .slice(2)
    .filter((word) => !word.startsWith("-"))
  return Object.fromEntries(
    specs.map((spec) => {
      const at = spec.indexOf("@", 1)
      return at === -1 ? [spec, ""] : [spec.slice(0, at), spec.slice(at + 1)]
    })
  )
}

const run = (command, args, options) => exec(command, args, { timeout: 60_000, ...options })

const temp = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "parley-consumer-"))
if (temp.startsWith(`${root}${path.sep}`)) throw new Error(`the temp directory ${temp} is inside the workspace`)
const packs = path.join(temp, "packs")
const app = path.join(temp, "app")
fs.mkdirSync(packs)
fs.mkdirSync(app)

try {
  console.log(`consumer check in ${temp}`)

  // 1. Tarballs with exactly the files a user needs.
  const tarballs = {}
  for (const dir of packages) {
    const pkg = manifest(dir)
    if (!fs.existsSync(path.join(root, dir, "dist"))) throw new Error(`${dir}/dist is missing: run \`tsc -b\` first`)
    const [packed] = JSON.parse(
      (await npm(["pack", "--json", "--pack-destination", packs], path.join(root, dir))).stdout
    )
    tarballs[pkg.name] = path.join(packs, packed.filename)
    const actual = packed.files.map((file) => file.path).sort()
    const expected = expectedFiles(dir, pkg)
    const extra = actual.filter((file) => !expected.includes(file))
    const missing = expected.filter((file) => !actual.includes(file))
    check(
      extra.length === 0 && missing.length === 0,
      `${pkg.name}: the tarball holds exactly its ${expected.length} files (${(packed.size / 1024).toFixed(0)} kB)`,
      `not expected: ${extra.join(", ") || "-"}\nmissing: ${missing.join(", ") || "-"}`
    )
    check(!pkg.private, `${pkg.name}: not private`)
    for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
      if (name.startsWith("@parley/"))
        check(/^\^\d+\.\d+\.\d+$/.test(range), `${pkg.name}: ${name}@${range} is a semver range`)
    }
  }

  // 2. Every README's install line names the peers of the packages it installs, with their exact ranges.
  const manifests = Object.fromEntries(packages.map((dir) => [manifest(dir).name, manifest(dir)]))
  const readmes = [
    "README.md",
    ...packages.filter((dir) => dir.startsWith("packages/")).map((dir) => `${dir}/README.md`)
  ]
  for (const readme of readmes) {
    const named = installLine(readme)
    const wrong = Object.keys(named)
      .filter((name) => name.startsWith("@parley/"))
      .flatMap((name) =>
        Object.entries(manifests[name]?.peerDependencies ?? {})
          .filter(([peer]) => manifests[name]?.peerDependenciesMeta?.[peer]?.optional !== true)
          .filter(([peer, range]) => named[peer] !== range)
          .map(([peer, range]) => `${name} needs ${peer}@${range}, the line has ${named[peer] || "nothing"}`)
      )
    check(wrong.length === 0, `${readme}: its npm install line names every peer with its range`, wrong.join("\n"))
  }

  // 3. A new project, as the README's Install section says: the tarballs, and the peers as its install line names them.
  const named = installLine("README.md")
  const peers = {
    ...Object.fromEntries(Object.entries(named).filter(([name]) => !name.startsWith("@parley/"))),
    typescript: locked("typescript"),
    "@types/node": locked("@types/node"),
    // @parley/durable's optional peers, for its PostgreSQL engine (every public module is required below).
    "@effect/sql-pg": locked("@effect/sql-pg"),
    "@effect/platform-node": locked("@effect/platform-node")
  }
  fs.writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify(
      // npm 11 runs a dependency's install script only when allowed: @parley/durable's SQLite driver builds in one.
      {
        name: "parley-consumer",
        version: "1.0.0",
        private: true,
        type: "module",
        allowScripts: { "better-sqlite3": true }
      },
      null,
      2
    )
  )
  await npm(
    [
      "install",
      "--prefer-offline",
      ...Object.values(tarballs),
      ...Object.entries(peers).map(([name, version]) => `${name}@${version}`)
    ],
    app
  )
  ok(`installed ${Object.keys(tarballs).join(", ")} with ${Object.keys(peers).join(", ")}`)
  for (const name of Object.keys(tarballs)) {
    const nested = path.join(app, "node_modules", name, "node_modules", "effect")
    check(!fs.existsSync(nested), `${name}: uses the app's effect (no nested copy)`)
  }

  // 4. The README's plain-JavaScript agent, verbatim.
  await step("the README's plain-JS agent runs", async () => {
    fs.writeFileSync(path.join(app, "agent.mjs"), readmeBlock("README.md", "consumer: agent.mjs", "js"))
    const { stdout } = await run(process.execPath, ["agent.mjs"], { cwd: app })
    const expected =
      /^42 km is 26\.1 mi\. The time in Tokyo is \d\d:\d\d:\d\d\.\n\[2 turns, 2 tool calls, \d+ tokens\]\n$/
    check(expected.test(stdout), `the README's plain-JS agent answers with both tools: ${JSON.stringify(stdout)}`)
  })

  // 5. CommonJS: require() of every public module (Node's require(esm)).
  await step("require() from CommonJS", async () => {
    const modules = []
    for (const dir of packages.filter((dir) => dir.startsWith("packages/"))) {
      const { name } = manifest(dir)
      modules.push(name)
      for (const file of fs.readdirSync(path.join(root, dir, "src"))) {
        if (file.endsWith(".ts") && file !== "index.ts" && file !== "bin.ts")
          modules.push(`${name}/${file.slice(0, -3)}`)
      }
    }
    fs.writeFileSync(path.join(app, "modules.json"), JSON.stringify(modules))
    fs.copyFileSync(path.join(here, "require.cjs"), path.join(app, "require.cjs"))
    const { stdout, stderr } = await run(process.execPath, ["require.cjs"], { cwd: app })
    check(stdout.trim() === `required ${modules.length} modules`, `require() of ${modules.length} modules`, stdout)
    check(stderr === "", "require() prints no warning", stderr)
  })

  // 6. Strict TypeScript, node16 and bundler resolution, no skipLibCheck; then the emitted JavaScript runs.
  for (const file of ["consumer.ts", "tsconfig.node16.json", "tsconfig.bundler.json"]) {
    fs.copyFileSync(path.join(here, file), path.join(app, file))
  }
  const tsc = path.join(app, "node_modules", "typescript", "bin", "tsc")
  await Promise.all(
    ["node16", "bundler"].map((mode) =>
      step(`tsc (${mode})`, async () => {
        await run(process.execPath, [tsc, "-p", `tsconfig.${mode}.json`], { cwd: app, timeout: 180_000 })
        ok(`a strict TypeScript consumer type-checks under moduleResolution ${mode}`)
      })
    )
  )
  await step("the TypeScript consumer's output runs", async () => {
    const { stdout } = await run(process.execPath, ["out/node16/consumer.js"], { cwd: app })
    check(stdout === "17 * 23 = 391.\n", `the compiled TypeScript consumer runs: ${JSON.stringify(stdout)}`)
  })

  // 7. The bins.
  await step("parley-standin", async () => {
    const bin = path.join(app, "node_modules", ".bin", "parley-standin")
    const help = await run(bin, ["--help"], { cwd: app })
    check(help.stdout.includes("usage: parley-standin"), "parley-standin --help prints its usage and exits 0")
    const url = await new Promise((resolve, reject) => {
      const child = spawn(bin, ["--port", "0"], { cwd: app, stdio: ["ignore", "pipe", "pipe"] })
      const timer = setTimeout(() => reject(new Error("parley-standin printed no URL in 20 s")), 20_000)
      child.stdout.on("data", async (data) => {
        const found = /http:\/\/127\.0\.0\.1:\d+/.exec(String(data))
        if (found === null) return
        clearTimeout(timer)
        try {
          const response = await fetch(`${found[0]}/v1/messages`, {
            method: "POST",
            headers: { "x-api-key": "any", "anthropic-version": "2023-06-01", "content-type": "application/json" },
            body: JSON.stringify({
              model: "claude-sonnet-4-5",
              max_tokens: 64,
              messages: [{ role: "user", content: "Hi" }]
            })
          })
          const body = await response.json()
          resolve(`${response.status} ${body.type}`)
        } catch (error) {
          reject(error)
        } finally {
          child.kill("SIGINT")
        }
      })
      child.on("error", reject)
    })
    check(url === "200 message", `parley-standin serves a message over HTTP (${url})`)
  })
  await step("parley (the demo)", async () => {
    const env = { ...process.env }
    for (const name of ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"]) delete env[name]
    const { stdout } = await run(path.join(app, "node_modules", ".bin", "parley"), ["What is 17 * 23?"], {
      cwd: app,
      env
    })
    check(stdout.includes("17 * 23 = 391."), "npx parley answers one prompt offline", stdout)
  })

  // 8. What installing @parley/loop costs a user, with its peers.
  await step("install size", async () => {
    const alone = path.join(temp, "loop-alone")
    fs.mkdirSync(alone)
    fs.writeFileSync(path.join(alone, "package.json"), JSON.stringify({ name: "loop-alone", private: true }))
    const loopTarballs = ["@parley/core", "@parley/transport", "@parley/loop"].map((name) => tarballs[name])
    const peerSpecs = Object.entries(installLine("packages/loop/README.md"))
      .filter(([name]) => !name.startsWith("@parley/"))
      .map(([name, range]) => `${name}@${range}`)
    await npm(["install", "--prefer-offline", ...loopTarballs, ...peerSpecs], alone)
    const { stdout } = await run("du", ["-sk", "node_modules"], { cwd: alone })
    const megabytes = Number(stdout.split("\t")[0]) / 1024
    const installed = fs.readdirSync(path.join(alone, "node_modules", "@effect"))
    check(
      !installed.includes("cluster") && !installed.includes("platform-node"),
      `@parley/loop's graph has no @effect/cluster or platform-node (${installed.join(", ")})`
    )
    const sizes = await Promise.all(
      ["effect", "@effect/platform", "@parley"].map(async (name) => {
        const { stdout } = await run("du", ["-sk", path.join("node_modules", name)], { cwd: alone })
        return `${name} ${(Number(stdout.split("\t")[0]) / 1024).toFixed(1)} MB`
      })
    )
    ok(`@parley/loop with its peers: ${megabytes.toFixed(1)} MB of node_modules (${sizes.join(", ")})`)
  })
} finally {
  if (keep) console.log(`kept ${temp}`)
  else fs.rmSync(temp, { recursive: true, force: true })
}

console.log(
  `consumer check: ${failures === 0 ? "passed" : `${failures} failed`} in ${((Date.now() - started) / 1000).toFixed(1)} s`
)
process.exitCode = failures === 0 ? 0 : 1
