import { execFile } from "node:child_process"
import { Console } from "node:console"
import * as fs from "node:fs"
import * as path from "node:path"
import { Writable } from "node:stream"
import { assert, describe, it } from "@effect/vitest"
import * as Responder from "@parley/standin/Responder"
import * as StandinServer from "@parley/standin/StandinServer"
import * as Effect from "effect/Effect"

/**
 * Every README example is a file under test/examples (type-checked by `tsc -b` through tsconfig.root.json). A README
 * marks it with `<!-- example: test/examples/x.ts -->` before a ```ts block, and may mark the block after it with
 * `<!-- output -->`. This test keeps the README text equal to the file, runs the file, and checks what it prints.
 * `<!-- example: x.ts standin -->` runs the file with ANTHROPIC_BASE_URL pointing at a stand-in server (planner
 * responder, with the request features: max_tokens, stop sequences, structured output) that the test starts, so examples written for the real endpoint run offline.
 *
 * An example runs in this process: imported (its top-level `await`, if any, waits for its program) with the console
 * captured and ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL set. An example that hands its program to
 * `NodeRuntime.runMain` owns its process and cannot be awaited: it runs as a subprocess, `node --import tsx`, with
 * @parley/* resolved to their sources through tsconfig.dev.json, as in-process imports are by vitest.shared.ts.
 */
const root = path.resolve(import.meta.dirname, "..")

const readmes = [
  "README.md",
  ...["packages", "apps"].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir))
      .map((name) => path.join(dir, name, "README.md"))
      .filter((file) => fs.existsSync(path.join(root, file)))
  )
]

interface Example {
  readonly readme: string
  readonly file: string
  readonly code: string
  readonly output: string | undefined
  readonly standin: boolean
}

const examples: Array<Example> = readmes.flatMap((readme) => {
  const text = fs.readFileSync(path.join(root, readme), "utf8")
  const pattern =
    /<!-- example: (\S+)( standin)? -->\n```ts\n([\s\S]*?)```\n(?:\n[^\n<]*\n)?(?:\n?<!-- output -->\n```[a-z]*\n([\s\S]*?)```)?/g
  return [...text.matchAll(pattern)].map((match) => ({
    readme,
    file: match[1] ?? "",
    standin: match[2] !== undefined,
    code: match[3] ?? "",
    output: match[4]
  }))
})

/** Whether the example's program is run by `NodeRuntime.runMain`, which ends the process: run as a subprocess. */
const ownsItsProcess = (source: string) => /\bNodeRuntime\.runMain\b/.test(source)

describe("README examples", () => {
  it("the root README has its example", () => {
    assert.isTrue(examples.some((example) => example.readme === "README.md"))
  })

  for (const example of examples) {
    const source = fs.readFileSync(path.join(root, example.file), "utf8")
    const where = ownsItsProcess(source) ? "as a subprocess" : "in-process"
    it.scoped(`${example.readme}: ${example.file} is the README's code, and runs (${where})`, () =>
      Effect.gen(function* () {
        assert.strictEqual(example.code, source)
        const env = { ANTHROPIC_API_KEY: "", ANTHROPIC_BASE_URL: "" }
        if (example.standin) {
          const standin = yield* StandinServer.start({ responder: Responder.planner() })
          env.ANTHROPIC_API_KEY = "sk-readme-example"
          env.ANTHROPIC_BASE_URL = standin.url
        }
        const file = path.join(root, example.file)
        const stdout = yield* ownsItsProcess(source) ? subprocess(file, env) : inProcess(file, env)
        if (example.output !== undefined) assert.strictEqual(stdout, example.output)
      })
    )
  }
})

/**
 * Imports `file` with `env` set in `process.env` and the console writing to memory (the tests of a file run one at a
 * time, so nothing else sees either), restores both, and returns what the example wrote to stdout. A failure of the
 * import (a thrown error, a rejected top-level `await`) fails with it and the example's stderr.
 */
const inProcess = (file: string, env: Record<string, string>) => {
  let stdout = ""
  let stderr = ""
  const sink = (write: (text: string) => void) =>
    new Writable({
      decodeStrings: false,
      write: (chunk: unknown, _encoding, callback) => {
        write(String(chunk))
        callback()
      }
    })
  return Effect.acquireUseRelease(
    Effect.sync(() => {
      const saved = {
        console: globalThis.console,
        env: Object.keys(env).map((key) => [key, process.env[key]] as const)
      }
      globalThis.console = new Console(
        sink((text) => (stdout += text)),
        sink((text) => (stderr += text))
      )
      Object.assign(process.env, env)
      return saved
    }),
    () =>
      Effect.tryPromise({
        try: (): Promise<unknown> => import(file),
        catch: (error) => new Error(`${file} failed: ${String(error)}\n${stderr}`, { cause: error })
      }),
    (saved) =>
      Effect.sync(() => {
        globalThis.console = saved.console
        for (const [key, value] of saved.env) {
          if (value === undefined) delete process.env[key]
          else process.env[key] = value
        }
      })
  ).pipe(Effect.map(() => stdout))
}

/** Runs `file` as `node --import tsx file` with `env` added to the environment; its stdout. */
const subprocess = (file: string, env: Record<string, string>) =>
  Effect.async<string, Error>((resume) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", file],
      {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, ...env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.dev.json") },
        timeout: 60_000
      },
      (error, stdout, stderr) =>
        resume(error ? Effect.fail(new Error(`${error.message}\n${stderr}`)) : Effect.succeed(stdout))
    )
    return Effect.sync(() => child.kill())
  })
