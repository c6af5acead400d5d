import { spawn } from "node:child_process"
import * as net from "node:net"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Responder from "@parley/standin/Responder"
import * as StandinServer from "@parley/standin/StandinServer"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

const root = path.resolve(import.meta.dirname, "../../..")
const tsx = path.join(root, "node_modules/.bin/tsx")
const main = path.join(root, "apps/demo/src/main.ts")

/** The environment of a clean, offline machine: no Anthropic settings. */
const offlineEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("ANTHROPIC_")) env[key] = value
  return env
}

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the demo as a subprocess (as `npm run demo` does) and collects its output; killed if interrupted. */
const demo = (args: ReadonlyArray<string>, options?: { readonly env?: NodeJS.ProcessEnv; readonly stdin?: string }) =>
  Effect.async<Run>((resume) => {
    const child = spawn(tsx, [main, ...args], {
      cwd: path.join(root, "apps/demo"),
      env: options?.env ?? offlineEnv(),
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    child.stdin.end(options?.stdin ?? "")
    return Effect.sync(() => child.kill())
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

const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "")

describe("demo (subprocess, offline stand-in)", () => {
  it.live(
    "answers a prompt with tools: 17 * 23 = 391 and the time in Tokyo",
    () =>
      Effect.gen(function* () {
        const run = yield* demo(["What is 17 * 23, and what time is it in Tokyo?"])
        assert.strictEqual(run.code, 0, run.stderr)
        assert.include(run.stdout, "→ calculator(")
        assert.include(run.stdout, "← 391")
        assert.include(run.stdout, "→ current_time(")
        assert.include(run.stdout, "Asia/Tokyo")
        assert.match(run.stdout, /\[2 turns · 2 tool calls · [\d,]+ tokens/)
        assert.deepStrictEqual(
          lines(run.stderr).filter((line) => line.includes("stand-in")),
          [lines(run.stderr)[0]!]
        )
      }),
    60_000
  )

  it.live(
    "the sandbox refuses a path escaping it",
    () =>
      Effect.gen(function* () {
        const run = yield* demo(["Please read ../../etc/passwd"])
        assert.strictEqual(run.code, 0, run.stderr)
        assert.include(run.stdout, "→ read_file(")
        assert.include(run.stdout, "outside the sandbox")
        assert.notInclude(run.stdout, "root:")
      }),
    60_000
  )

  it.live(
    "--json prints the event stream as JSON lines",
    () =>
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
      }),
    60_000
  )

  it.live(
    "without a prompt, reads one prompt per line of stdin, in one conversation",
    () =>
      Effect.gen(function* () {
        const text = yield* demo([], { stdin: "What is 2 + 3?\n\nWhat is 6 * 7?\n" })
        assert.strictEqual(text.code, 0, text.stderr)
        assert.include(text.stdout, "← 5")
        assert.include(text.stdout, "← 42")
        assert.strictEqual(lines(text.stdout).filter((line) => line.startsWith("[2 turns · 1 tool call")).length, 2)

        // The second answer's first call sends the whole first exchange: more input tokens than any call before it.
        const json = yield* demo(["--json"], { stdin: "What is 2 + 3?\nWhat is 6 * 7?\n" })
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
      }),
    60_000
  )

  it.live(
    "a network failure ends with one error line and exit code 1",
    () =>
      Effect.gen(function* () {
        const port = yield* closedPort
        const run = yield* demo(["hi"], {
          env: { ...offlineEnv(), ANTHROPIC_API_KEY: "sk-test-secret", ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` }
        })
        assert.strictEqual(run.code, 1)
        const errors = lines(run.stderr).filter((line) => line.startsWith("error: "))
        assert.strictEqual(errors.length, 1)
        assert.match(errors[0]!, /^error: The model call of turn 1 failed: .*ECONNREFUSED/)
        assert.notInclude(run.stderr, "    at ")
        assert.notInclude(run.stdout + run.stderr, "sk-test-secret")
      }),
    60_000
  )

  it.scopedLive(
    "a rejected API key ends with one error line and exit code 1, without printing the key",
    () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({
          responder: Responder.echo,
          apiKey: Redacted.make("the-right-key")
        })
        const run = yield* demo(["hi"], {
          env: { ...offlineEnv(), ANTHROPIC_API_KEY: "sk-wrong-secret", ANTHROPIC_BASE_URL: standin.url }
        })
        assert.strictEqual(run.code, 1)
        const errors = lines(run.stderr).filter((line) => line.startsWith("error: "))
        assert.strictEqual(errors.length, 1)
        assert.match(errors[0]!, /^error: The model call of turn 1 failed: /)
        assert.match(errors[0]!, /x-api-key/)
        assert.notInclude(run.stdout + run.stderr, "sk-wrong-secret")
        assert.notInclude(run.stderr, "    at ")
      }),
    60_000
  )
})
