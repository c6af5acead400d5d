import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import * as Sandbox from "../src/tools/Sandbox.js"

let base = ""
let root = ""
let outside = ""

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "parley-sandbox-"))
  root = path.join(base, "root")
  outside = path.join(base, "outside")
  fs.mkdirSync(path.join(outside, "dir"), { recursive: true })
  fs.writeFileSync(path.join(outside, "secret.txt"), "top secret\n")
  fs.writeFileSync(path.join(outside, "dir", "inner.txt"), "inner\n")
  await Effect.runPromise(Sandbox.seedSandbox(root))
  fs.mkdirSync(path.join(root, "sub", "deeper"), { recursive: true })
  fs.writeFileSync(path.join(root, "sub", "deeper", "x.txt"), "x")
  fs.writeFileSync(path.join(root, "big.txt"), "a".repeat(Sandbox.maxFileBytes + 1))
  fs.writeFileSync(path.join(root, "exact.txt"), "b".repeat(Sandbox.maxFileBytes))
  fs.writeFileSync(path.join(root, "nul.bin"), Buffer.from([0x68, 0x69, 0x00, 0x21]))
  fs.writeFileSync(path.join(root, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9]))
  fs.writeFileSync(path.join(root, "unicode.txt"), "héllo wörld ✓\n")
  fs.symlinkSync("/etc/hostname", path.join(root, "hostname"))
  fs.symlinkSync(path.join(outside, "secret.txt"), path.join(root, "secret-link"))
  fs.symlinkSync(path.join(outside, "dir"), path.join(root, "outside-dir"))
  fs.symlinkSync("../outside", path.join(root, "relative-outside"))
  fs.symlinkSync("/nonexistent/parley/target", path.join(root, "dangling-outside"))
  fs.symlinkSync("notes.txt", path.join(root, "notes-link"))
  fs.symlinkSync("sub", path.join(root, "sub-link"))
})

afterAll(() => {
  if (base !== "") fs.rmSync(base, { recursive: true, force: true })
})

const run = <A, E>(effect: Effect.Effect<A, E, Sandbox.Sandbox>) =>
  Effect.suspend(() => Effect.provide(effect, Sandbox.Sandbox.layer(root)))

const read = (p: string) => run(Sandbox.readFile({ path: p }))
const list = (p?: string) => run(Sandbox.listFiles(p === undefined ? {} : { path: p }))

describe("Sandbox", () => {
  it("exports tool metadata", () => {
    assert.strictEqual(Sandbox.readFileName, "read_file")
    assert.strictEqual(Sandbox.listFilesName, "list_files")
    assert.isTrue(Sandbox.readFileDescription.length > 0 && Sandbox.listFilesDescription.length > 0)
  })

  it.effect("reads a seeded file", () =>
    Effect.gen(function* () {
      const out = yield* read("notes.txt")
      assert.strictEqual(out.path, "notes.txt")
      assert.include(out.content, "Parley")
      assert.strictEqual(out.bytes, Buffer.byteLength(out.content))
      const csv = yield* read("./data/../data/prices.csv")
      assert.strictEqual(csv.path, "data/prices.csv")
      assert.isTrue(csv.content.startsWith("item,unit,price_usd\n"))
    })
  )

  it.effect("reads UTF-8 and counts bytes", () =>
    Effect.gen(function* () {
      const out = yield* read("unicode.txt")
      assert.strictEqual(out.content, "héllo wörld ✓\n")
      assert.strictEqual(out.bytes, 18)
    })
  )

  it.effect("follows symlinks that stay inside", () =>
    Effect.gen(function* () {
      const out = yield* read("notes-link")
      assert.strictEqual(out.path, "notes-link")
      assert.include(out.content, "Parley")
      const nested = yield* read("sub-link/deeper/x.txt")
      assert.strictEqual(nested.content, "x")
    })
  )

  it.effect("refuses paths escaping the sandbox", () =>
    Effect.gen(function* () {
      for (const p of [
        "../../etc/passwd",
        "/etc/passwd",
        "a/../../x",
        "..",
        "sub/../../outside/secret.txt",
        "notes.txt\0.png",
        "\0",
        "hostname",
        "secret-link",
        "outside-dir/inner.txt",
        "relative-outside/secret.txt",
        "relative-outside/missing.txt",
        "outside-dir/missing.txt",
        "dangling-outside"
      ]) {
        const error = yield* Effect.flip(read(p))
        assert.strictEqual(error._tag, "PathEscapesSandbox", p)
        assert.strictEqual(error.path, p)
        assert.include(error.message, "outside the sandbox")
      }
    })
  )

  it.effect("refuses listing outside the sandbox", () =>
    Effect.gen(function* () {
      for (const p of ["..", "/", "/etc", "outside-dir", "relative-outside", "sub/../..", "a\0b"]) {
        const error = yield* Effect.flip(list(p))
        assert.strictEqual(error._tag, "PathEscapesSandbox", p)
      }
    })
  )

  it.effect("missing files", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(read("nope.txt"))
      assert.deepStrictEqual(error, new Sandbox.FileNotFound({ path: "nope.txt", message: error.message }))
      assert.include(error.message, "list_files")
      const nested = yield* Effect.flip(read("missing/dir/file.txt"))
      assert.strictEqual(nested._tag, "FileNotFound")
      const throughFile = yield* Effect.flip(read("notes.txt/child"))
      assert.strictEqual(throughFile._tag, "FileNotFound")
      const dir = yield* Effect.flip(list("nope"))
      assert.strictEqual(dir._tag, "FileNotFound")
    })
  )

  it.effect("reading a directory fails with NotAFile", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(read("data"))
      assert.strictEqual(error._tag, "NotAFile")
      assert.strictEqual(error.path, "data")
      assert.include(error.message, "list_files")
    })
  )

  it.effect("listing a file fails with NotADirectory", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(list("notes.txt"))
      assert.strictEqual(error._tag, "NotADirectory")
      assert.strictEqual(error.path, "notes.txt")
    })
  )

  it.effect("refuses files over 64 KiB", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(read("big.txt"))
      assert.deepStrictEqual(
        error,
        new Sandbox.FileTooLarge({
          path: "big.txt",
          bytes: Sandbox.maxFileBytes + 1,
          limit: 65536,
          message: error.message
        })
      )
      const exact = yield* read("exact.txt")
      assert.strictEqual(exact.bytes, 65536)
    })
  )

  it.effect("refuses binary files", () =>
    Effect.gen(function* () {
      const nul = yield* Effect.flip(read("nul.bin"))
      assert.deepStrictEqual(nul, new Sandbox.BinaryFile({ path: "nul.bin", message: nul.message }))
      assert.include(nul.message, "NUL")
      const latin1 = yield* Effect.flip(read("latin1.txt"))
      assert.strictEqual(latin1._tag, "BinaryFile")
    })
  )

  it.effect("lists the root, sorted by name", () =>
    Effect.gen(function* () {
      const out = yield* list()
      assert.strictEqual(out.path, ".")
      const names = out.entries.map((e) => e.name)
      assert.deepStrictEqual(names, [...names].sort())
      assert.deepStrictEqual(names, [
        "README.md",
        "big.txt",
        "dangling-outside",
        "data",
        "exact.txt",
        "hostname",
        "latin1.txt",
        "notes-link",
        "notes.txt",
        "nul.bin",
        "outside-dir",
        "relative-outside",
        "secret-link",
        "sub",
        "sub-link",
        "unicode.txt"
      ])
      const byName = new Map(out.entries.map((e) => [e.name, e]))
      assert.deepStrictEqual(byName.get("data"), { name: "data", kind: "directory" })
      assert.deepStrictEqual(byName.get("outside-dir"), { name: "outside-dir", kind: "symlink" })
      assert.deepStrictEqual(byName.get("big.txt"), { name: "big.txt", kind: "file", bytes: 65537 })
      assert.deepStrictEqual(yield* list("."), out)
      assert.deepStrictEqual(yield* list(""), out)
    })
  )

  it.effect("lists a subdirectory", () =>
    Effect.gen(function* () {
      const out = yield* list("data/")
      assert.strictEqual(out.path, "data")
      assert.strictEqual(out.entries.length, 1)
      const entry = out.entries[0]!
      assert.strictEqual(entry.name, "prices.csv")
      assert.strictEqual(entry.kind, "file")
      assert.isTrue((entry.bytes ?? 0) > 0)
      const viaLink = yield* list("sub-link")
      assert.deepStrictEqual(viaLink.entries, [{ name: "deeper", kind: "directory" }])
    })
  )

  it.effect("seedSandbox writes the demo files", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parley-seed-"))
      yield* Sandbox.seedSandbox(dir)
      const out = yield* Effect.provide(Sandbox.listFiles({}), Sandbox.Sandbox.layer(dir))
      fs.rmSync(dir, { recursive: true, force: true })
      assert.deepStrictEqual(
        out.entries.map((e) => e.name),
        ["README.md", "data", "notes.txt"]
      )
    })
  )
})
