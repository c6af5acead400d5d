import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { messagesBody, request } from "./http.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const tsx = join(packageDir, "../../node_modules/.bin/tsx")
const tsconfig = join(packageDir, "../../tsconfig.dev.json")

interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const launch = (args: ReadonlyArray<string>, env: Record<string, string> = {}): ChildProcess =>
  spawn(tsx, ["--tsconfig", tsconfig, join(packageDir, "src/bin.ts"), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env }
  })

const collect = (child: ChildProcess) => {
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8")
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8")
  })
  return {
    out: () => stdout,
    exit: new Promise<Finished>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })))
  }
}

/** Runs the bin to completion. */
const run = (args: ReadonlyArray<string>) => Effect.promise(() => collect(launch(args)).exit)

/** Starts the bin as a server on a free port; the scope stops it with SIGINT. */
const serve = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const child = launch(["--port", "0", ...args], env)
      const output = collect(child)
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const match = /listening on (http:\/\/\S+)/.exec(output.out())
          if (match?.[1] !== undefined) {
            clearInterval(timer)
            resolve(match[1])
          }
        }, 20)
        void output.exit.then((finished) => {
          clearInterval(timer)
          reject(new Error(`the bin exited: ${finished.stderr}`))
        })
      })
      return { child, url, line: output.out().trim(), exit: output.exit }
    }),
    ({ child, exit }) =>
      Effect.promise(() => {
        child.kill("SIGINT")
        return exit
      })
  )

describe("parley-standin (the bin)", () => {
  it.live("--help prints the usage and exits 0; a bad flag exits 1 with the usage", () =>
    Effect.gen(function* () {
      const help = yield* run(["--help"])
      assert.strictEqual(help.code, 0)
      assert.match(help.stdout, /^usage: parley-standin /)
      assert.include(help.stdout, "--fault KIND[@CALLS]")
      assert.strictEqual(help.stderr, "")
      const bad = yield* run(["--fault", "teapot@2"])
      assert.strictEqual(bad.code, 1)
      assert.match(bad.stderr, /^--fault fault "teapot@2": unknown fault "teapot"/)
      assert.include(bad.stderr, "usage: parley-standin")
    })
  )

  it.scoped("--fault, --rate-limit-rpm with --enforce-rate-limit, and --cors", () =>
    Effect.gen(function* () {
      const { url, line } = yield* serve([
        "--responder",
        "echo",
        "--fault",
        "529@2",
        "--rate-limit-rpm",
        "3",
        "--enforce-rate-limit",
        "--cors"
      ])
      assert.match(
        line,
        /^Parley stand-in \(echo responder, not a language model\) listening on http:\/\/127\.0\.0\.1:\d+$/
      )
      const responses = []
      for (let i = 0; i < 4; i++) responses.push(yield* request(url, "/v1/messages", { body: messagesBody() }))
      assert.deepStrictEqual(
        responses.map((response) => response.status),
        [200, 529, 200, 429]
      )
      assert.deepStrictEqual(
        responses.map((response) => response.headers["anthropic-ratelimit-requests-remaining"]),
        ["2", "1", "0", "0"]
      )
      assert.strictEqual(responses[0]?.headers["anthropic-ratelimit-requests-limit"], "3")
      assert.strictEqual(JSON.parse(responses[0]?.body ?? "").content[0].text, "Hello")
      const limited = JSON.parse(responses[3]?.body ?? "")
      assert.strictEqual(limited.error.type, "rate_limit_error")
      assert.strictEqual(
        limited.error.message,
        "Number of requests has exceeded your per-minute rate limit (3 requests per minute)."
      )
      const retryAfter = Number(responses[3]?.headers["retry-after"])
      assert.isTrue(retryAfter >= 1 && retryAfter <= 60)
      assert.strictEqual(responses[0]?.headers["access-control-allow-origin"], "*")
      const preflight = yield* request(url, "/v1/messages", { method: "OPTIONS" })
      assert.strictEqual(preflight.status, 204)
    })
  )

  it.scoped("--script plays replies and faults from a JSON file", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "standin-bin-"))
      const file = join(dir, "script.json")
      writeFileSync(
        file,
        JSON.stringify({
          replies: [
            { tool_use: [{ name: "add", input: { a: 2, b: 3 } }], text: "Adding." },
            { text: "5", faults: ["mid-stream-error:2"] },
            "The sum is 5."
          ],
          faults: ["rate-limit:2@1"]
        })
      )
      const { url, line } = yield* serve(["--script", file])
      assert.include(line, "(script of 3 replies, not a language model)")
      const first = yield* request(url, "/v1/messages", { body: messagesBody() })
      assert.strictEqual(first.status, 429)
      assert.strictEqual(first.headers["retry-after"], "2")
      const second = JSON.parse((yield* request(url, "/v1/messages", { body: messagesBody() })).body)
      assert.deepStrictEqual(
        second.content.map((block: { type: string }) => block.type),
        ["text", "tool_use"]
      )
      assert.deepStrictEqual(second.content[1].input, { a: 2, b: 3 })
      const third = yield* request(url, "/v1/messages", { body: messagesBody({ stream: true }) })
      assert.include(third.body, "event: error")
      const fourth = JSON.parse((yield* request(url, "/v1/messages", { body: messagesBody() })).body)
      assert.strictEqual(fourth.content[0].text, "The sum is 5.")
      const beyond = yield* request(url, "/v1/messages", { body: messagesBody() })
      assert.strictEqual(beyond.status, 500)
      assert.strictEqual(
        JSON.parse(beyond.body).error.message,
        "The stand-in script has no reply for call 4 (it has 3)."
      )
    })
  )

  it.scoped("serves many large requests (80 MB in all) within a 48 MB heap (the kept history is bounded)", () =>
    Effect.gen(function* () {
      const { url, child } = yield* serve(["--responder", "echo"], { NODE_OPTIONS: "--max-old-space-size=48" })
      const large = "x".repeat(2 * 1024 * 1024)
      const statuses = yield* Effect.forEach(
        Array.from({ length: 40 }, (_, i) => i),
        (i) =>
          Effect.map(
            request(url, "/v1/messages", {
              body: messagesBody({ max_tokens: 1, messages: [{ role: "user", content: `${i}${large}` }] })
            }),
            (response) => response.status
          ),
        { concurrency: 2 }
      )
      assert.deepStrictEqual(new Set(statuses), new Set([200]))
      assert.strictEqual(statuses.length, 40)
      assert.strictEqual(child.exitCode, null)
    })
  )
})
