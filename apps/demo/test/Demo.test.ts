import * as fs from "node:fs/promises"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Responder from "@parley/standin/Responder"
import * as StandinServer from "@parley/standin/StandinServer"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as Cli from "../src/Cli.js"
import * as Demo from "../src/Demo.js"
import { defaultModel } from "../src/Model.js"
import * as Render from "../src/Render.js"
import * as StatusLine from "../src/StatusLine.js"
import * as Terminal from "../src/Terminal.js"
import { demo, lines, type Run, slowEnv, slowStandin, standinNote, waitUntil, withEnv } from "./helpers.js"

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

const usageLine =
  /^\[2 turns · 2 tool calls · [\d,]+ tokens \([\d,]+ in, [\d,]+ out\) · \$\d+\.\d{4} \(prices of 2025-11-24\)\]$/

/** Asserts what the 17 * 23 prompt prints: the two tool calls and their results, one usage line, one stand-in note. */
const assertAnswered = (run: Run) => {
  assert.strictEqual(run.code, 0, run.stderr)
  const out = lines(run.stdout)
  assert.include(out, '→ calculator({"expression":"17 * 23"})')
  assert.include(out, "← 391")
  assert.include(out, '→ current_time({"timezone":"Asia/Tokyo"})')
  assert.match(out.at(-1)!, usageLine)
  assert.strictEqual(out.filter((line) => line.startsWith("[")).length, 1)
  assert.strictEqual(lines(run.stderr).length, 1, run.stderr)
  assert.match(lines(run.stderr)[0]!, standinNote)
}

/** The demo on an open in-memory terminal, forked: lines are sent, Ctrl-C pressed, and the run joined by the test. */
const session = (args: ReadonlyArray<string>, env: Record<string, string>, options?: { readonly isTTY?: boolean }) =>
  Effect.gen(function* () {
    const memory = Terminal.memory({ open: true, isTTY: options?.isTTY })
    const fiber = yield* Demo.run(args).pipe(Effect.provide(memory.layer), withEnv(env), Effect.fork)
    const exited = Fiber.await(fiber).pipe(
      Effect.map((exit): Run => ({ code: Demo.exitCode(exit), stdout: memory.stdout(), stderr: memory.stderr() }))
    )
    return { memory, exited }
  })

/** Asserts that `cancelled` is the start of `full`, cut anywhere, with its last line closed. */
const assertClosedPrefix = (cancelled: string, full: string) => {
  assert.isTrue(cancelled.length > 0 && cancelled.endsWith("\n"), JSON.stringify(cancelled))
  const cut = full.startsWith(cancelled) ? cancelled : cancelled.slice(0, -1)
  assert.isTrue(
    full.startsWith(cut) && cut.length < full.length,
    `${JSON.stringify(cancelled)} of ${JSON.stringify(full)}`
  )
}

/** What the stand-in received: the messages of each request, as JSON. */
const requestMessages = (standin: StandinServer.Standin) =>
  standin
    .requests()
    .filter((request) => request.path === "/v1/messages")
    .map((request) => (request.body as { messages: ReadonlyArray<{ role: string; content: unknown }> }).messages)

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

  it.live("--json prints the event stream as JSON lines, and nothing else on stdout", () =>
    Effect.gen(function* () {
      const run = yield* demo(["--json", "What is 17 * 23?"])
      assert.strictEqual(run.code, 0, run.stderr)
      assert.isTrue(run.stdout.endsWith("}\n"))
      const events = run.stdout
        .slice(0, -1)
        .split("\n")
        .map((line) => JSON.parse(line) as { _tag: string; [key: string]: unknown })
      assert.strictEqual(events[0]?._tag, "TurnStarted")
      assert.strictEqual(events.at(-1)?._tag, "Finished")
      assert.deepStrictEqual(events.at(-1)?.stopReason, { _tag: "EndTurn" })
      assert.strictEqual(events.at(-1)?.text, "17 * 23 = 391.")
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
      assert.include(lines(text.stdout), "← 5")
      assert.include(lines(text.stdout), "← 42")
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
      assert.include(lines(run.stdout), "← 5")
      assert.notInclude(run.stdout, "← 42")
      assert.strictEqual(lines(run.stdout).filter((line) => line.startsWith("[")).length, 1)
    })
  )

  it.live("an empty or blank ANTHROPIC_API_KEY counts as unset: the offline stand-in answers", () =>
    Effect.gen(function* () {
      assertAnswered(
        yield* demo(["What is 17 * 23, and what time is it in Tokyo?"], { env: { ANTHROPIC_API_KEY: "" } })
      )
      assertAnswered(
        yield* demo(["What is 17 * 23, and what time is it in Tokyo?"], { env: { ANTHROPIC_API_KEY: "  " } })
      )
    })
  )

  it.live("ANTHROPIC_BASE_URL without a key is named as unused, and the stand-in answers", () =>
    Effect.gen(function* () {
      const run = yield* demo(["What is 2 + 3?"], { env: { ANTHROPIC_BASE_URL: "https://gateway.example.com" } })
      assert.strictEqual(run.code, 0, run.stderr)
      const [first, second, ...rest] = lines(run.stderr)
      assert.match(first!, standinNote)
      assert.strictEqual(
        second,
        "ANTHROPIC_BASE_URL (https://gateway.example.com) is not used without ANTHROPIC_API_KEY."
      )
      assert.deepStrictEqual(rest, [])
      assert.include(lines(run.stdout), "← 5")
    })
  )

  it.live("a network failure ends with one error sentence and exit code 1", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const run = yield* demo(["hi"], {
        env: { ANTHROPIC_API_KEY: "sk-test-secret", ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` }
      })
      assert.strictEqual(run.code, 1)
      assert.strictEqual(run.stdout, "")
      const errors = lines(run.stderr).filter((line) => line.startsWith("error: "))
      assert.strictEqual(errors.length, 1)
      assert.match(errors[0]!, /^error: The model call of turn 1 failed: .*ECONNREFUSED.*\.$/)
      assert.notInclude(run.stderr, "    at ")
      assert.notInclude(run.stdout + run.stderr, "sk-test-secret")
    })
  )

  it.scopedLive("a rejected API key ends with one error sentence and exit code 1, without printing the key", () =>
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
      assert.match(errors[0]!, /^error: The model call of turn 1 failed: .*x-api-key.*\.$/)
      assert.notInclude(run.stdout + run.stderr, "sk-wrong-secret")
      assert.notInclude(run.stderr, "    at ")
    })
  )

  it.live("a bad flag or setting ends with its error sentence and exit code 2, before anything starts", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, Record<string, string>, string]> = [
        [["--max-turns", "0", "hi"], {}, 'The --max-turns value must be a positive whole number, not "0".'],
        [
          ["--colour"],
          {},
          'Unknown option --colour. Run with --help for the options, or put a prompt that starts with "-" after --.'
        ],
        [["--model"], {}, "The --model option needs a value."],
        [
          ["--base-url", "ftp://example.com", "hi"],
          {},
          'The --base-url value must be an http or https URL such as https://api.anthropic.com, not "ftp://example.com".'
        ],
        [
          ["--base-url", "https://gateway.example.com", "hi"],
          { ANTHROPIC_API_KEY: "" },
          "The --base-url option needs an API key, and ANTHROPIC_API_KEY is not set. Set ANTHROPIC_API_KEY to the key " +
            "for that endpoint, or leave out --base-url to run offline against the stand-in model."
        ],
        [
          ["hi"],
          { ANTHROPIC_BASE_URL: "api.example.com" },
          'ANTHROPIC_BASE_URL must be an http or https URL such as https://api.anthropic.com, not "api.example.com".'
        ],
        [
          ["--sandbox", "/nonexistent/parley-sandbox", "hi"],
          {},
          "The sandbox directory /nonexistent/parley-sandbox does not exist. Give --sandbox an existing directory, or " +
            "leave it out to use a temporary one with demo files."
        ]
      ]
      for (const [args, env, message] of cases) {
        assert.deepStrictEqual(yield* demo(args, { env }), { code: 2, stdout: "", stderr: `error: ${message}\n` })
      }
    })
  )

  it.live("--sandbox naming a file is refused at start; a directory is used as the sandbox", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "parley-demo-test-")))
      yield* Effect.addFinalizer(() => Effect.promise(() => fs.rm(dir, { recursive: true, force: true })))
      const file = path.join(dir, "notes.txt")
      yield* Effect.promise(() => fs.writeFile(file, "The sandbox is this directory.\n"))
      assert.deepStrictEqual(yield* demo(["--sandbox", file, "hi"]), {
        code: 2,
        stdout: "",
        stderr: `error: The sandbox path ${file} is not a directory. Give --sandbox a directory, not a file.\n`
      })
      const run = yield* demo(["--sandbox", dir, "Please read notes.txt"])
      assert.strictEqual(run.code, 0, run.stderr)
      assert.include(lines(run.stdout), '→ read_file({"path":"notes.txt"})')
      assert.include(run.stdout, "The sandbox is this directory.")
    }).pipe(Effect.scoped)
  )

  it.live("--help prints the usage and exits with 0; --version prints the version", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* demo(["--help"]), { code: 0, stdout: `${Cli.usage}\n`, stderr: "" })
      assert.deepStrictEqual(yield* demo(["-h", "--json"]), { code: 0, stdout: `${Cli.usage}\n`, stderr: "" })
      assert.deepStrictEqual(yield* demo(["--version"]), { code: 0, stdout: "0.1.0\n", stderr: "" })
      assert.include(Cli.usage, `model id (default: $ANTHROPIC_MODEL or ${defaultModel})`)
    })
  )

  it.live("an interruption of the program ends a session with exit code 130, no error line, the stand-in closed", () =>
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
      const fiber = yield* Demo.run([]).pipe(Effect.provideService(Terminal.Terminal, terminal), withEnv(), Effect.fork)
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

describe("demo (in-process): Ctrl-C, the reader going away, the status line", () => {
  it.scopedLive(
    "Ctrl-C cancels the answer being written; the session goes on without it; Ctrl-C at the prompt quits",
    () =>
      Effect.gen(function* () {
        // What the two questions print when nothing is cancelled (the offline stand-in has the same planner).
        const first = (yield* demo(["What is 17 * 23?"])).stdout
        const second = (yield* demo(["What is 6 * 7?"])).stdout
        const standin = yield* slowStandin()
        const { memory, exited } = yield* session([], slowEnv(standin))
        memory.send("What is 17 * 23?")
        yield* waitUntil("the first text", () => memory.stdout().length > 0)
        memory.interrupt()
        yield* waitUntil("the cancelled note", () => memory.stderr() !== "")
        assert.strictEqual(memory.stderr(), "Cancelled. The conversation goes on without that question.\n")
        const cancelled = memory.stdout()
        assertClosedPrefix(cancelled, first)

        memory.send("What is 6 * 7?")
        yield* waitUntil("the second answer", () => memory.stdout().includes("[2 turns"))
        // The second answer's first request holds its question only, not the cancelled one.
        assert.deepStrictEqual(requestMessages(standin).at(-2), [{ role: "user", content: "What is 6 * 7?" }])

        memory.interrupt()
        const run = yield* exited
        assert.strictEqual(run.code, 130)
        assert.strictEqual(run.stderr, "Cancelled. The conversation goes on without that question.\n")
        // The second answer, usage line included, is what it is in a conversation of its own.
        assert.strictEqual(run.stdout, cancelled + second)
      })
  )

  it.scopedLive("a second Ctrl-C while the answer is being cancelled ends the session with 130, the line closed", () =>
    Effect.gen(function* () {
      const first = (yield* demo(["What is 17 * 23?"])).stdout
      const standin = yield* slowStandin()
      const { memory, exited } = yield* session([], slowEnv(standin))
      memory.send("What is 17 * 23?")
      yield* waitUntil("the first text", () => memory.stdout().length > 0)
      memory.interrupt()
      memory.interrupt()
      const run = yield* exited
      assert.strictEqual(run.code, 130)
      // Not cancelled and then quit at the prompt: the second press ended the cancelling.
      assert.strictEqual(run.stderr, "")
      assertClosedPrefix(run.stdout, first)
    })
  )

  it.scopedLive(
    "Ctrl-C in a one-prompt run closes the line and exits with 130; --json ends with a Cancelled line",
    () =>
      Effect.gen(function* () {
        const standin = yield* slowStandin()
        const text = yield* session(["What is 17 * 23?"], slowEnv(standin))
        yield* waitUntil("the first text", () => text.memory.stdout().length > 0)
        text.memory.interrupt()
        const run = yield* text.exited
        assert.strictEqual(run.code, 130)
        assert.strictEqual(run.stderr, "")
        assertClosedPrefix(run.stdout, (yield* demo(["What is 17 * 23?"])).stdout)

        const json = yield* session(["--json", "What is 17 * 23?"], slowEnv(standin))
        yield* waitUntil("a text delta", () => json.memory.stdout().includes('"TextDelta"'))
        json.memory.interrupt()
        const jsonRun = yield* json.exited
        assert.strictEqual(jsonRun.code, 130)
        assert.strictEqual(jsonRun.stderr, "")
        const events = lines(jsonRun.stdout).map((line) => JSON.parse(line) as { _tag: string })
        assert.deepStrictEqual(events.at(-1), { _tag: "Cancelled" })
        assert.notInclude(
          events.map((event) => event._tag),
          "Finished"
        )
      })
  )

  it.scopedLive("when the reader of stdout goes away, the run stops quietly with exit code 0", () =>
    Effect.gen(function* () {
      const standin = yield* slowStandin()
      const { memory, exited } = yield* session(["--json", "What is 17 * 23?"], slowEnv(standin))
      yield* waitUntil("the first event", () => memory.stdout().includes("\n"))
      memory.closeOutput()
      const run = yield* exited
      assert.deepStrictEqual({ code: run.code, stderr: run.stderr }, { code: 0, stderr: "" })
      assert.notInclude(run.stdout, "Finished")
    })
  )

  it.scopedLive("on a terminal, a spinner shows while the model has not answered; never when stdout is not one", () =>
    Effect.gen(function* () {
      const standin = yield* slowStandin(Duration.millis(120))
      const tty = yield* session(["What is 17 * 23?"], slowEnv(standin), { isTTY: true })
      const ttyRun = yield* tty.exited
      assert.strictEqual(ttyRun.code, 0, ttyRun.stderr)
      // The first model call: the first frame, then the next frames in place, erased before the first text.
      assert.isTrue(ttyRun.stdout.startsWith(`${StatusLine.frames[0]} ${Render.waiting}\r${StatusLine.frames[1]} `))
      const shown = ttyRun.stdout.split(StatusLine.erase).length - 1
      assert.strictEqual(shown, 2, "one status line per model call, each erased once")
      const status = new RegExp(`\\r?[${StatusLine.frames.join("")}] ${Render.waiting}`, "g")
      const plain = ttyRun.stdout.replaceAll(StatusLine.erase, "").replace(status, "")
      assert.notInclude(plain, "\r")
      assert.notInclude(plain, Render.waiting)

      const piped = yield* session(["What is 17 * 23?"], slowEnv(standin))
      const pipedRun = yield* piped.exited
      assert.strictEqual(pipedRun.code, 0, pipedRun.stderr)
      assert.notInclude(pipedRun.stdout, "\x1b")
      assert.notInclude(pipedRun.stdout, Render.waiting)
      // Without the status line, the terminal's output is the same text.
      assert.strictEqual(plain, pipedRun.stdout)
    })
  )
})
