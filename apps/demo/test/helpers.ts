/**
 * What the demo's tests share: the demo run in this process on an in-memory terminal, the demo's command run as a
 * child process, a slow stand-in server to interrupt answers on, and waiting for output.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { Console } from "node:console"
import * as path from "node:path"
import { Writable } from "node:stream"
import { assert } from "@effect/vitest"
import * as Responder from "@parley/standin/Responder"
import * as StandinServer from "@parley/standin/StandinServer"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Demo from "../src/Demo.js"
import * as Terminal from "../src/Terminal.js"

/** The repository's root. */
export const root = path.resolve(import.meta.dirname, "../../..")

/** The demo's package directory. */
export const demoDir = path.join(root, "apps/demo")

/** What a run printed, and its exit code. */
export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** The line the demo writes on stderr when it starts the stand-in (the root README's transcript shows it). */
export const standinNote = /^No ANTHROPIC_API_KEY set: using the offline stand-in model at (http:\/\/127\.0\.0\.1:\d+)$/

/** The non-blank lines of `text`. */
export const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "")

/**
 * Runs `effect` with the console and the process's own stdout and stderr captured, and returns what was written to
 * them: the demo writes only through its `Terminal`, so anything here went around it.
 */
const aroundTheTerminal = <A, E, R>(effect: Effect.Effect<A, E, R>) => {
  let written = ""
  const capture = ((chunk: string | Uint8Array) => {
    written += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8")
    return true
  }) as typeof process.stdout.write
  return Effect.acquireUseRelease(
    Effect.sync(() => {
      const saved = { console: globalThis.console, stdout: process.stdout.write, stderr: process.stderr.write }
      const sink = new Writable({
        decodeStrings: false,
        write: (chunk: unknown, _encoding, callback) => {
          written += String(chunk)
          callback()
        }
      })
      globalThis.console = new Console(sink, sink)
      process.stdout.write = capture
      process.stderr.write = capture
      return saved
    }),
    () => effect,
    (saved) =>
      Effect.sync(() => {
        globalThis.console = saved.console
        process.stdout.write = saved.stdout
        process.stderr.write = saved.stderr
      })
  ).pipe(Effect.map((value) => ({ value, written })))
}

/** `env` as the demo's whole environment (by default none: a clean, offline machine). */
export const withEnv =
  (env: Record<string, string> = {}) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.withConfigProvider(effect, ConfigProvider.fromMap(new Map(Object.entries(env))))

/**
 * Runs the demo in this process as `main.ts` runs it in its own: `Demo.run(args)`, here on an in-memory terminal
 * whose input is the lines of `stdin`, with `env` as the whole environment. Nothing may be written around the
 * terminal.
 */
export const demo = (
  args: ReadonlyArray<string>,
  options?: {
    readonly env?: Record<string, string>
    readonly stdin?: ReadonlyArray<string>
    readonly isTTY?: boolean
  }
) =>
  Effect.gen(function* () {
    const terminal = Terminal.memory({ lines: options?.stdin, isTTY: options?.isTTY })
    const { value: exit, written } = yield* aroundTheTerminal(
      Demo.run(args).pipe(Effect.provide(terminal.layer), withEnv(options?.env), Effect.exit)
    )
    assert.strictEqual(written, "", "written around the Terminal")
    const run: Run = { code: Demo.exitCode(exit), stdout: terminal.stdout(), stderr: terminal.stderr() }
    return run
  })

/** Waits, polling every 10 ms, until `ready()` holds; fails the test with `what` after 20 seconds. */
export const waitUntil = (what: string, ready: () => boolean) =>
  Effect.suspend(() => (ready() ? Effect.void : Effect.fail("not yet" as const))).pipe(
    Effect.retry({ schedule: Schedule.spaced(Duration.millis(10)), times: 2_000 }),
    Effect.catchAll(() => Effect.dieMessage(`timed out waiting for ${what}`))
  )

/**
 * A stand-in server with the demo's planner that pauses `eventDelay` between the events of its streams, so an
 * answer is still being written when the test presses Ctrl-C. The demo reaches it as the real API: with a key and
 * `ANTHROPIC_BASE_URL` ({@link slowEnv}).
 */
export const slowStandin = (eventDelay: Duration.DurationInput = Duration.millis(40)) =>
  StandinServer.start({ responder: Responder.planner(), eventDelay })

/** The environment that sends the demo to `standin` as if it were the API. */
export const slowEnv = (standin: StandinServer.Standin): Record<string, string> => ({
  ANTHROPIC_API_KEY: "sk-test-slow",
  ANTHROPIC_BASE_URL: standin.url
})

/** The environment of a clean, offline machine: the test process's, without any Anthropic settings. */
export const offlineEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("ANTHROPIC_")) env[key] = value
  return { ...env, ...extra }
}

/** A child process of the demo, and what it has printed so far. */
export interface Child {
  readonly process: ChildProcessWithoutNullStreams
  readonly stdout: () => string
  readonly stderr: () => string
  /** Its run once it has exited (`code` 128 + n when it was killed by signal n). */
  readonly exited: Effect.Effect<Run>
}

const signals: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

/**
 * Starts the demo's command from its sources as a child process, `node --import tsx src/main.ts ...args` (one
 * process, so a signal sent to it reaches the demo itself), in `apps/demo`. Killed when the scope closes.
 */
export const spawnDemo = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = offlineEnv()) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
        cwd: demoDir,
        env: { ...env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.dev.json") },
        stdio: ["pipe", "pipe", "pipe"]
      })
    ),
    (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  ).pipe(Effect.map((child) => watch(child)))

/** Collects a child's output and its exit. */
export const watch = (child: ChildProcessWithoutNullStreams): Child => {
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  const exit = new Promise<number>((resolve) =>
    child.on("close", (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : (signals[signal] ?? 0))))
  )
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: Effect.promise(() => exit).pipe(Effect.map((code) => ({ code, stdout, stderr })))
  }
}
