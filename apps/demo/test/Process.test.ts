import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Cli from "../src/Cli.js"
import {
  demo,
  demoDir,
  lines,
  offlineEnv,
  root,
  slowEnv,
  slowStandin,
  spawnDemo,
  standinNote,
  waitUntil,
  watch
} from "./helpers.js"

/** Runs a shell command line in the repository's root, as a reader of the README would, offline. */
const shell = (command: string) =>
  Effect.acquireRelease(
    Effect.sync(() => spawn("sh", ["-c", command], { cwd: root, env: offlineEnv(), stdio: ["pipe", "pipe", "pipe"] })),
    (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  ).pipe(
    Effect.map(watch),
    Effect.tap((child) => Effect.sync(() => child.process.stdin.end())),
    Effect.flatMap((child) => child.exited)
  )

/** The README's command that reads the `--json` output with a JSON reader: its line starting with `npm run -s demo`. */
const readmeJsonCommand = (): string => {
  const readme = fs.readFileSync(path.join(demoDir, "README.md"), "utf8")
  const command = readme.split("\n").find((line) => line.startsWith("npm run -s demo -- --json "))
  assert.isDefined(command, "the README shows the --json command")
  return command!
}

/** A child process exits soon after its tsx loader; 60 s covers a slow machine. */
const slow = 60_000

describe("demo (the real command, as a child process)", () => {
  it.scopedLive(
    "`npm run -s demo` answers 17 * 23 = 391 and exits with 0",
    () =>
      Effect.gen(function* () {
        const run = yield* shell('npm run -s demo -- "What is 17 * 23, and what time is it in Tokyo?"')
        assert.strictEqual(run.code, 0, run.stderr)
        assert.include(lines(run.stdout), "← 391")
        assert.match(
          lines(run.stdout).at(-1)!,
          /^\[2 turns · 2 tool calls · .* · \$\d+\.\d{4} \(prices of 2025-11-24\)\]$/
        )
        assert.strictEqual(lines(run.stderr).length, 1, run.stderr)
        assert.match(lines(run.stderr)[0]!, standinNote)
      }),
    slow
  )

  it.scopedLive(
    "the README's --json command reads every line as JSON and prints the answer",
    () =>
      Effect.gen(function* () {
        const run = yield* shell(readmeJsonCommand())
        assert.deepStrictEqual({ code: run.code, stdout: run.stdout }, { code: 0, stdout: "17 * 23 = 391.\n" })
        assert.match(run.stderr.slice(0, -1), standinNote)
      }),
    slow
  )

  it.scopedLive(
    "--version, --help and a usage error: their output and exit codes",
    () =>
      Effect.gen(function* () {
        const version = yield* spawnDemo(["--version"])
        assert.deepStrictEqual(yield* version.exited, { code: 0, stdout: "0.1.0\n", stderr: "" })
        const help = yield* spawnDemo(["--help"])
        assert.deepStrictEqual(yield* help.exited, { code: 0, stdout: `${Cli.usage}\n`, stderr: "" })
        const baseUrl = yield* spawnDemo(["--base-url", "https://gateway.example.com", "hi"])
        assert.deepStrictEqual(yield* baseUrl.exited, {
          code: 2,
          stdout: "",
          stderr:
            "error: The --base-url option needs an API key, and ANTHROPIC_API_KEY is not set. Set ANTHROPIC_API_KEY " +
            "to the key for that endpoint, or leave out --base-url to run offline against the stand-in model.\n"
        })
      }),
    slow
  )

  it.scopedLive(
    "stdout's reader going away (EPIPE) ends the run quietly with exit code 0",
    () =>
      Effect.gen(function* () {
        const child = yield* spawnDemo(["--json"])
        child.process.stdin.write("What is 2 + 3?\n")
        yield* waitUntil("the first answer", () => child.stdout().includes('"_tag":"Finished"'))
        // As `| head -1` does once it has its line: the pipe's reading end closes, and the next write fails.
        child.process.stdout.destroy()
        child.process.stdin.write("What is 6 * 7?\n")
        const run = yield* child.exited
        assert.strictEqual(run.code, 0, run.stderr)
        assert.match(run.stderr.slice(0, -1), standinNote)
        assert.strictEqual(lines(run.stderr).length, 1, run.stderr)
      }),
    slow
  )

  it.scopedLive(
    "SIGINT cancels the answer being written, the session goes on without it, and SIGINT at the prompt exits 130",
    () =>
      Effect.gen(function* () {
        const second = (yield* demo(["What is 6 * 7?"])).stdout
        const standin = yield* slowStandin()
        const child = yield* spawnDemo([], offlineEnv(slowEnv(standin)))
        child.process.stdin.write("What is 17 * 23?\n")
        yield* waitUntil("the first text", () => child.stdout().length > 0)
        child.process.kill("SIGINT")
        yield* waitUntil("the cancelled note", () => child.stderr() !== "")
        assert.strictEqual(child.stderr(), "Cancelled. The conversation goes on without that question.\n")
        const cancelled = child.stdout()
        assert.isTrue(cancelled.endsWith("\n"), JSON.stringify(cancelled))
        assert.notInclude(cancelled, "[")

        child.process.stdin.write("What is 6 * 7?\n")
        yield* waitUntil("the second answer", () => child.stdout().includes("[2 turns"))
        child.process.kill("SIGINT")
        const run = yield* child.exited
        assert.deepStrictEqual(run, {
          code: 130,
          stdout: cancelled + second,
          stderr: "Cancelled. The conversation goes on without that question.\n"
        })
      }),
    slow
  )

  it.scopedLive(
    "SIGTERM ends a session with 143 and no error line",
    () =>
      Effect.gen(function* () {
        const child = yield* spawnDemo([])
        yield* waitUntil("the stand-in's line", () => child.stderr().includes("\n"))
        child.process.kill("SIGTERM")
        const run = yield* child.exited
        assert.strictEqual(run.code, 143)
        assert.strictEqual(run.stdout, "")
        assert.match(run.stderr.slice(0, -1), standinNote)
      }),
    slow
  )

  it.scopedLive(
    "SIGINT twice during an answer exits 130 with the line closed; once in a one-prompt run, too",
    () =>
      Effect.gen(function* () {
        const standin = yield* slowStandin()
        const twice = yield* spawnDemo([], offlineEnv(slowEnv(standin)))
        twice.process.stdin.write("What is 17 * 23?\n")
        yield* waitUntil("the first text", () => twice.stdout().length > 0)
        twice.process.kill("SIGINT")
        // Two signals sent at once reach the process as one; a person's second press comes a moment later.
        yield* Effect.sleep(Duration.millis(30))
        twice.process.kill("SIGINT")
        const session = yield* twice.exited
        assert.strictEqual(session.code, 130, session.stderr)
        assert.isTrue(session.stdout.endsWith("\n"), JSON.stringify(session.stdout))
        assert.notInclude(session.stdout, "[")
        assert.include(["", "Cancelled. The conversation goes on without that question.\n"], session.stderr)

        const once = yield* spawnDemo(["What is 17 * 23?"], offlineEnv(slowEnv(standin)))
        yield* waitUntil("the first text", () => once.stdout().length > 0)
        once.process.kill("SIGINT")
        const prompt = yield* once.exited
        assert.strictEqual(prompt.code, 130, prompt.stderr)
        assert.strictEqual(prompt.stderr, "")
        assert.isTrue(prompt.stdout.endsWith("\n"), JSON.stringify(prompt.stdout))
        assert.notInclude(prompt.stdout, "[")
      }),
    slow
  )
})
