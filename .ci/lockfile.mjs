// Completes package-lock.json for `npm ci`.
//
// The registry this project installs from does not serve every platform build of packages that ship native
// binaries as optional dependencies (e.g. @biomejs/cli-darwin-arm64, @rollup/rollup-win32-x64-msvc): `npm install`
// skips the missing ones silently and leaves them out of the lockfile, and `npm ci` then refuses the lockfile
// ("Missing: @biomejs/cli-darwin-arm64@ from lock file"). This adds an entry for each such package, marked optional
// and restricted to its platform (read from its name), so `npm ci` accepts the lockfile and skips them here as it
// would on any other platform. Run after changing dependencies: `npm run lock`.
import * as fs from "node:fs"

const file = new URL("../package-lock.json", import.meta.url)
const lock = JSON.parse(fs.readFileSync(file, "utf8"))
const packages = lock.packages
const OS = new Set([
  "aix",
  "android",
  "darwin",
  "freebsd",
  "linux",
  "netbsd",
  "openbsd",
  "openharmony",
  "sunos",
  "win32"
])
const CPU = new Set(["arm", "arm64", "ia32", "loong64", "mips64el", "ppc64", "riscv64", "s390x", "wasm32", "x64"])

let added = 0
for (const [path, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${path === "" ? "" : `${path}/`}node_modules/${name}`
    if (packages[nested] !== undefined || packages[`node_modules/${name}`] !== undefined) continue
    const tokens = name.split("/").at(-1).split("-")
    const os = tokens.filter((token) => OS.has(token))
    const cpu = tokens.filter((token) => CPU.has(token))
    if (os.length === 0 && cpu.length === 0) continue
    const entry = { version, ...(meta.dev ? { dev: true } : {}), optional: true }
    if (os.length > 0) entry.os = [os[0]]
    if (cpu.length > 0) entry.cpu = [cpu[0]]
    if (tokens.some((token) => token.startsWith("musl"))) entry.libc = ["musl"]
    else if (tokens.some((token) => token.startsWith("gnu"))) entry.libc = ["glibc"]
    packages[`node_modules/${name}`] = entry
    added++
  }
}
const [root, ...rest] = Object.keys(packages)
lock.packages = Object.fromEntries([root, ...rest.sort()].map((key) => [key, packages[key]]))
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`package-lock.json: ${added} platform-specific optional entries added`)
