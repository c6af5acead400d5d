import { spawn } from "node:child_process"
import { Console } from "node:console"
import * as net from "node:net"
import * as path from "node:path"
import { Writable } from "node:stream"
import { assert, describe, it } from "@effect/vitest"
import * as Responder from "@parley/standin/Responder"
import * as StandinServer from "@parley/standin/StandinServer"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as Cli from "../src/Cli.js"
import * as Demo from "../src/Demo.js"
import * as Terminal from "../src/Terminal.js"

const root = path.resolve(import.meta.dirname, "../../..")

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

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

/**
 * Runs the demo in this process as `main.ts` runs it in its own: `Demo.run(args)`, here on an in-memory terminal
 * whose input is the lines of `stdin`, with `env` as the whole environment (by default none: a clean, offline
 * machine). Nothing may be written around the terminal.
 */
const demo = (
  args: ReadonlyArray<string>,
  options?: { readonly env?: Record<string, string>; readonly stdin?: ReadonlyArray<string> }
) =>
  Effect.gen(function* () {
    const terminal = Terminal.memory(options?.stdin)
    const { value: exit, written } = yield* aroundTheTerminal(
      Demo.run(args).pipe(
        Effect.provide(terminal.layer),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(options?.env ?? {})))),
        Effect.exit
      )
    )
    assert.strictEqual(written, "", "written around the Terminal")
    const run: Run = { code: Demo.exitCode(exit), stdout: terminal.stdout(), stderr: terminal.stderr() }
    return run
  })

/** A loopback port nothing listens on. */
const closedPort = Effect.promise(
  () =>
    new Promise<number>((resolve) => {
      const server = net.createServer()
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as net.AddressInfo).port
        server.close(() => resolve(port))
      })
    })
)

/** The error code of a connection to `url`'s port on loopback (e.g. `ECONNREFUSED`), or `connected`. */
const connect = (url: string) =>
  Effect.async<string>((resume) => {
    const socket = net.connect(Number(new URL(url).port), "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed("connected"))
    })
    socket.once("error", (error: NodeJS.ErrnoException) => resume(Effect.succeed(error.code ?? error.message)))
  })

const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "")

const standinNote = /^No ANTHROPIC_API_KEY set: using the offline stand-in model at (http:\/\/127\.0\.0\.1:\d+)$/

/** Asserts what the 17 * 23 prompt prints: the two tool calls and their results, one usage line, one stand-in note. */
const assertAnswered = (run: Run) => {
  assert.strictEqual(run.code, 0, run.stderr)
  assert.include(run.stdout, "→ calculator(")
  assert.include(run.stdout, "← 391")
  assert.include(run.stdout, "→ current_time(")
  assert.include(run.stdout, "Asia/Tokyo")
  assert.match(
    run.stdout,
    /\[2 turns · 2 tool calls · [\d,]+ tokens \([\d,]+ in, [\d,]+ out\) · \$\d+\.\d{4} \(prices of 2025-11-24\)\]/
  )
  assert.match(lines(run.stderr)[0]!, standinNote)
  assert.deepStrictEqual(
    lines(run.stderr).filter((line) => line.includes("stand-in")),
    [lines(run.stderr)[0]!]
  )
}

describe("demo (in-process, offline stand-in)", () => {
  it.live("answers a prompt with tools: 17 * 23 = 391 and the time in Tokyo", () =>
    Effect.gen(function* () {
      assertAnswered(yield* demo(["What is 17 * 23, and what time is it in Tokyo?"]))
    })
  )

  it.live("the sandbox refuses a path escaping it", () =>
    Effect.gen(function* () {
      const run = yield* demo(["Please read ../../etc/passwd"])
      assert.strictEqual(run.code, 0, run.stderr)
      assert.include(run.stdout, "→ read_file(")
      assert.include(run.stdout, "outside the sandbox")
      assert.notInclude(run.stdout, "root:")
    })
  )

  it.live("--json prints the event stream as JSON lines", () =>
    Effect.gen(function* () {
      const run = yield* demo(["--json", "What is 17 * 23?"])
      assert.strictEqual(run.code, 0, run.stderr)
      const events = lines(run.stdout).map((line) => JSON.parse(line) as { _tag: string; [key: string]: unknown })
      assert.strictEqual(events[0]?._tag, "TurnStarted")
      assert.strictEqual(events.at(-1)?._tag, "Finished")
      assert.deepStrictEqual(events.at(-1)?.stopReason, { _tag: "EndTurn" })
      const results = events.filter((event) => event._tag === "ToolResult")
      assert.strictEqual(results.length, 1)
      assert.deepStrictEqual(JSON.parse((results[0]!.result as { content: string }).content), {
        expression: "17 * 23",
        result: 391
      })
    })
  )

  it.live("without a prompt, reads one prompt per line of stdin, in one conversation", () =>
    Effect.gen(function* () {
      const text = yield* demo([], { stdin: ["What is 2 + 3?", "", "What is 6 * 7?"] })
      assert.strictEqual(text.code, 0, text.stderr)
      assert.include(text.stdout, "← 5")
      assert.include(text.stdout, "← 42")
      assert.strictEqual(lines(text.stdout).filter((line) => line.startsWith("[2 turns · 1 tool call")).length, 2)

      // The second answer's first call sends the whole first exchange: more input tokens than any call before it.
      const json = yield* demo(["--json"], { stdin: ["What is 2 + 3?", "What is 6 * 7?"] })
      assert.strictEqual(json.code, 0, json.stderr)
      const usage = lines(json.stdout)
        .map((line) => JSON.parse(line) as { _tag: string; turn?: number; usage?: { input_tokens: number } })
        .filter((event) => event._tag === "TurnUsage")
        .map((event) => [event.turn, event.usage?.input_tokens ?? 0] as const)
      assert.deepStrictEqual(
        usage.map(([turn]) => turn),
        [1, 2, 1, 2]
      )
      assert.isAbove(usage[2]![1], usage[1]![1])
    })
  )

  it.live("a session ends at `exit`: the lines after it are not read", () =>
    Effect.gen(function* () {
      const run = yield* demo([], { stdin: ["What is 2 + 3?", "exit", "What is 6 * 7?"] })
      assert.strictEqual(run.code, 0, run.stderr)
      assert.include(run.stdout, "← 5")
      assert.notInclude(run.stdout, "← 42")
      assert.strictEqual(lines(run.stdout).filter((line) => line.startsWith("[")).length, 1)
    })
  )

  it.live("a network failure ends with one error line and exit code 1", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const run = yield* demo(["hi"], {
        env: { ANTHROPIC_API_KEY: "sk-test-secret", ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` }
      })
      assert.strictEqual(run.code, 1)
      const errors = lines(run.stderr).filter((line) => line.startsWith("error: "))
      assert.strictEqual(errors.length, 1)
      assert.match(errors[0]!, /^error: The model call of turn 1 failed: .*ECONNREFUSED/)
      assert.notInclude(run.stderr, "    at ")
      assert.notInclude(run.stdout + run.stderr, "sk-test-secret")
    })
  )

  it.scopedLive("a rejected API key ends with one error line and exit code 1, without printing the key", () =>
    Effect.gen(function* () {
      const standin = yield* StandinServer.start({
        responder: Responder.echo,
        apiKey: Redacted.make("the-right-key")
      })
      const run = yield* demo(["hi"], {
        env: { ANTHROPIC_API_KEY: "sk-wrong-secret", ANTHROPIC_BASE_URL: standin.url }
      })
      assert.strictEqual(run.code, 1)
      const errors = lines(run.stderr).filter((line) => line.startsWith("error: "))
      assert.strictEqual(errors.length, 1)
      assert.match(errors[0]!, /^error: The model call of turn 1 failed: /)
      assert.match(errors[0]!, /x-api-key/)
      assert.notInclude(run.stdout + run.stderr, "sk-wrong-secret")
      assert.notInclude(run.stderr, "    at ")
    })
  )

  it.live("a bad flag ends with its one-line error and exit code 1, before anything starts", () =>
    Effect.gen(function* () {
      const run = yield* demo(["--max-turns", "0", "hi"])
      assert.deepStrictEqual(run, {
        code: 1,
        stdout: "",
        stderr: 'error: --max-turns must be a positive integer, got "0"\n'
      })
      const unknown = yield* demo(["--colour"])
      assert.strictEqual(unknown.code, 1)
      assert.strictEqual(unknown.stdout, "")
      assert.match(unknown.stderr, /^error: Unknown option '--colour'[^\n]*\n$/)
    })
  )

  it.live("--help prints the usage and exits with 0", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* demo(["--help"]), { code: 0, stdout: `${Cli.usage}\n`, stderr: "" })
    })
  )

  it.live("an interruption (Ctrl-C) ends a session with exit code 130, no error line, the stand-in closed", () =>
    Effect.gen(function* () {
      const reading = yield* Deferred.make<void>()
      const memory = Terminal.memory()
      // Input that never ends: the session waits for a line until interrupted.
      const terminal: Terminal.Service = {
        ...memory.terminal,
        input: Effect.succeed({
          interactive: false,
          readLine: Deferred.succeed(reading, undefined).pipe(Effect.zipRight(Effect.never))
        })
      }
      const fiber = yield* Demo.run([]).pipe(
        Effect.provideService(Terminal.Terminal, terminal),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map())),
        Effect.fork
      )
      yield* Deferred.await(reading)
      const exit = yield* Fiber.interrupt(fiber)
      assert.strictEqual(Demo.exitCode(exit), 130)
      assert.strictEqual(memory.stdout(), "")
      const stderr = lines(memory.stderr())
      assert.strictEqual(stderr.length, 1, memory.stderr())
      const url = standinNote.exec(stderr[0]!)?.[1]
      assert.isDefined(url)
      assert.strictEqual(yield* connect(url!), "ECONNREFUSED")
    })
  )
})

describe("demo (subprocess smoke test)", () => {
  /** The environment of a clean, offline machine: no Anthropic settings. */
  const offlineEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {}
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("ANTHROPIC_")) env[key] = value
    return env
  }

  it.live(
    "`npm run demo` from the sources answers 17 * 23 = 391 and exits with 0",
    () =>
      Effect.async<Run>((resume) => {
        // What apps/demo's `start` script runs: main.ts through tsx, @parley/* resolved to their sources.
        const child = spawn(
          path.join(root, "node_modules/.bin/tsx"),
          ["--tsconfig", "../../tsconfig.dev.json", "src/main.ts", "What is 17 * 23, and what time is it in Tokyo?"],
          { cwd: path.join(root, "apps/demo"), env: offlineEnv(), stdio: ["pipe", "pipe", "pipe"] }
        )
        let stdout = ""
        let stderr = ""
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
        child.on("close", (code) => resume(Effect.succeed({ code: code ?? -1, stdout, stderr })))
        child.stdin.end("")
        return Effect.sync(() => child.kill())
      }).pipe(Effect.map(assertAnswered)),
    60_000
  )
})
