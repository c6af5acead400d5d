/**
 * Issue 16's scenario: several processes of one service share an account limit through a rate-limit store.
 *
 * 1. `processes`: 4 worker processes x 50 creates (4 fibers each) against a loopback server enforcing 5 requests per
 *    second (sliding window, at arrival) and 2 concurrent, answering each in 10 ms and 429 beyond its limits. Each
 *    process's limiter is `{ requests: { limit: 5, per: "1 second", algorithm: "sliding-window" }, concurrency: 2 }`,
 *    over the Redis store (shared) or over an in-memory store of its own (what an app had before the Redis store).
 *    Reported: 429s, the share of the allowed rate achieved (195 requests after the first window's 5, over the span
 *    from the first arrival to the last), and the wall time.
 * 2. `latency`: what the store adds to a call: the time of one admission + release with limits that never bind,
 *    1 process (sequential, and 8 fibers) and 4 processes x 8 fibers at once, memory vs Redis; and
 *    `@effect/experimental`'s `RateLimiter.consume` over its Redis store, sequential, for comparison.
 *
 * `npx tsx --tsconfig tsconfig.dev.json bench/src/RateLimitShared.ts` from the repository root (Redis on
 * 127.0.0.1:6379, or REDIS_URL); prints a Markdown section for bench/RESULTS.md.
 */
import * as ChildProcess from "node:child_process"
import * as Http from "node:http"
import type * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ExperimentalRateLimiter from "@effect/experimental/RateLimiter"
import * as ExperimentalRedis from "@effect/experimental/RateLimiter/Redis"
import { RedisStore } from "@parley/ratelimit-redis"
import { RateLimit } from "@parley/transport"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const root = Path.resolve(import.meta.dirname, "../..")
const worker = Path.join(root, "packages/ratelimit-redis/test/utils/worker.ts")
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"
const prefix = () => `parley:bench:${process.pid}:${Math.random().toString(36).slice(2)}:`

const message = JSON.stringify({
  id: "msg_01",
  type: "message",
  role: "assistant",
  content: [{ type: "text", text: "ok" }],
  model: "claude-test",
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 1 }
})

/** The enforcing server of the tests (packages/ratelimit-redis/test/utils/processes.ts), as a promise. */
const enforcingServer = (limit: number, per: number, concurrency: number, delay: number) =>
  new Promise<{ url: string; arrivals: Array<number>; rateLimited: () => number; close: () => void }>((resolve) => {
    const arrivals: Array<number> = []
    let rateLimited = 0
    let inFlight = 0
    const server = Http.createServer((req, res) => {
      const now = performance.now()
      req.resume()
      req.on("end", () => {
        let inWindow = 0
        for (let i = arrivals.length - 1; i >= 0 && (arrivals[i] as number) > now - per; i--) inWindow++
        if (inWindow >= limit || inFlight >= concurrency) {
          rateLimited++
          res.writeHead(429, { "content-type": "application/json", "retry-after": "1" })
          res.end(JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "slow down" } }))
          return
        }
        arrivals.push(now)
        inFlight++
        setTimeout(() => {
          inFlight--
          res.writeHead(200, { "content-type": "application/json" })
          res.end(message)
        }, delay)
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}`,
        arrivals,
        rateLimited: () => rateLimited,
        close: () => {
          server.closeAllConnections()
          server.close()
        }
      })
    )
  })

/** Runs one worker process to its end; its last JSON line. */
const runWorker = (job: Record<string, unknown>) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    const child = ChildProcess.spawn(process.execPath, ["--import", "tsx", worker, JSON.stringify(job)], {
      cwd: root,
      env: { ...process.env, TSX_TSCONFIG_PATH: Path.join(root, "tsconfig.dev.json") },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (data: string) => {
      out += data
    })
    child.on("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "{}"
      if (code === 0) resolve(JSON.parse(last))
      else reject(new Error(`worker exited ${code}: ${out}`))
    })
  })

const percentile = (values: Array<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}
const micros = (millis: number) => `${(millis * 1000).toFixed(0)} µs`
const summary = (times: Array<number>) =>
  `${micros(times.reduce((a, b) => a + b, 0) / times.length)} | ${micros(percentile(times, 50))} | ${micros(percentile(times, 99))}`

const lines: Array<string> = []
const out = (line = "") => {
  lines.push(line)
  console.error(line)
}

const processes = async (store: "redis" | "memory") => {
  const server = await enforcingServer(5, 1000, 2, 10)
  const job = {
    mode: "calls",
    serverUrl: server.url,
    redisUrl,
    prefix: prefix(),
    limits: { requests: { limit: 5, per: "1 second", algorithm: "sliding-window" }, concurrency: 2 },
    calls: 50,
    fibers: 4,
    store
  }
  const started = performance.now()
  const results = (await Promise.all(Array.from({ length: 4 }, () => runWorker(job)))) as Array<{
    done: { ok: number; rateLimited: number; failures: Array<string> }
  }>
  const wall = performance.now() - started
  server.close()
  const ok = results.reduce((n, r) => n + r.done.ok, 0)
  const limited = results.reduce((n, r) => n + r.done.rateLimited, 0)
  const arrivals = server.arrivals
  const span = (arrivals[arrivals.length - 1] as number) - (arrivals[0] as number)
  const share = (arrivals.length - 5) / ((span / 1000) * 5)
  out(
    `| ${store === "redis" ? "Redis store (shared)" : "in-memory store per process"} | ${ok} | ${limited} | ${(share * 100).toFixed(1)}% | ${(wall / 1000).toFixed(1)} s |`
  )
}

const inProcess = async (store: "redis" | "memory", calls: number, fibers: number) => {
  const StoreLive =
    store === "memory" ? RateLimit.layerStoreMemory : RedisStore.layer({ url: redisUrl, prefix: prefix() })
  const limits = { requests: { limit: 1e9, per: "1 second" as const }, concurrency: 1000 }
  const cost = { requests: 1, inputTokens: 0, outputTokens: 0 }
  const program = Effect.gen(function* () {
    const limiter = yield* RateLimit.RateLimiter
    for (let i = 0; i < 200; i++) yield* Effect.scoped(limiter.admit("default", cost))
    const times: Array<number> = []
    yield* Effect.forEach(
      Array.from({ length: calls }),
      () =>
        Effect.suspend(() => {
          const started = performance.now()
          return Effect.scoped(limiter.admit("default", cost)).pipe(
            Effect.tap(() => Effect.sync(() => times.push(performance.now() - started)))
          )
        }),
      { concurrency: fibers, discard: true }
    )
    return times
  })
  const times = await Effect.runPromise(
    program.pipe(Effect.provide(RateLimit.layerStore({ limits }).pipe(Layer.provide(StoreLive))))
  )
  out(`| ${store} | 1 x ${fibers} | ${summary(times)} |`)
}

const experimental = async (calls: number) => {
  const program = Effect.gen(function* () {
    const limiter = yield* ExperimentalRateLimiter.RateLimiter
    const consume = limiter.consume({ key: "default", limit: 1e9, window: "1 second", algorithm: "token-bucket" })
    for (let i = 0; i < 200; i++) yield* consume
    const times: Array<number> = []
    for (let i = 0; i < calls; i++) {
      const started = performance.now()
      yield* consume
      times.push(performance.now() - started)
    }
    return times
  })
  const url = new URL(redisUrl)
  const times = await Effect.runPromise(
    program.pipe(
      Effect.provide(
        ExperimentalRateLimiter.layer.pipe(
          Layer.provide(ExperimentalRedis.layerStore({ host: url.hostname, port: Number(url.port), prefix: prefix() }))
        )
      )
    )
  )
  out(`| @effect/experimental RateLimiter.consume (Redis store; no release) | 1 x 1 | ${summary(times)} |`)
}

const main = async () => {
  const started = new Date()
  out(`## (i) Rate limits shared across processes (issue 16)`)
  out()
  out(
    `Written by \`npx tsx --tsconfig tsconfig.dev.json bench/src/RateLimitShared.ts\` on ${started.toISOString()}; ${Os.cpus().length} cores (${Os.cpus()[0]?.model}), Node ${process.version}, Redis on ${redisUrl}. One run.`
  )
  out()
  out(
    '4 worker processes x 50 creates (4 fibers each, no retries) against a loopback server enforcing 5 requests per second (sliding window, at arrival) and 2 concurrent, answering in 10 ms and with 429 beyond its limits. Each process\'s limiter: `{ requests: { limit: 5, per: "1 second", algorithm: "sliding-window" }, concurrency: 2 }`. Share of the allowed rate: the 195 requests after the first window\'s 5, over the span from the first arrival to the last (100% = 5/s).'
  )
  out()
  out("| store | calls ok | 429s | share of 5/s | wall time |")
  out("|---|---|---|---|---|")
  await processes("memory")
  await processes("redis")
  out()
  out(
    "What the store adds to a call: one admission + release (`Effect.scoped(limiter.admit(...))`) with limits that never bind, 2,000 per process after 200 of warm-up; mean | p50 | p99."
  )
  out()
  out("| store | processes x fibers | mean | p50 | p99 |")
  out("|---|---|---|---|---|")
  await inProcess("memory", 2000, 1)
  await inProcess("redis", 2000, 1)
  await inProcess("memory", 2000, 8)
  await inProcess("redis", 2000, 8)
  const contended = (await Promise.all(
    Array.from({ length: 4 }, () =>
      runWorker({
        mode: "latency",
        serverUrl: "",
        redisUrl,
        prefix: "parley:bench:contended:",
        limits: { requests: { limit: 1e9, per: "1 second" }, concurrency: 1000 },
        calls: 2000,
        fibers: 8
      })
    )
  )) as Array<{ latency: Array<number> }>
  out(`| redis, one key | 4 x 8 | ${summary(contended.flatMap((result) => result.latency))} |`)
  await experimental(2000)
  out()
  process.stdout.write(`${lines.join("\n")}\n`)
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
