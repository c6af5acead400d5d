/**
 * One worker process of a service, for the multi-process tests and the bench: a MessagesClient with Parley's
 * node:http client, no retries, and a limiter over the Redis store. Run with `node --import tsx` and one JSON
 * argument ({@link Job}); it prints one JSON line per event: `{"held":n}` once it holds its slots (mode "hold"),
 * `{"done":...}` at the end of its calls (mode "calls"), or `{"latency":...}`: the time of each admission and release
 * alone, without HTTP (mode "latency", for the bench).
 */
import { MessagesClient, RateLimit, Retry } from "@parley/transport"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as RedisStore from "../../src/RedisStore.js"

export interface Job {
  readonly mode: "calls" | "hold" | "latency"
  readonly serverUrl: string
  readonly redisUrl: string
  readonly prefix: string
  readonly limits: RateLimit.Limits
  readonly calls: number
  /** Fibers making the calls at once. */
  readonly fibers: number
  readonly leaseTtl?: number | undefined
  /** "memory": each process with its own in-memory store instead of Redis (the bench's baseline). */
  readonly store?: "redis" | "memory" | undefined
}

const job = JSON.parse(process.argv[2] ?? "{}") as Job
const print = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`)

const StoreLive =
  job.store === "memory"
    ? RateLimit.layerStoreMemory
    : RedisStore.layer({ url: job.redisUrl, prefix: job.prefix, leaseTtl: job.leaseTtl ?? 30_000 })
const LimiterLive = RateLimit.layerStore({ limits: job.limits }).pipe(Layer.provide(StoreLive))

const program = Effect.gen(function* () {
  if (job.mode === "hold") {
    const limiter = yield* RateLimit.RateLimiter
    const cost = { requests: 1, inputTokens: 0, outputTokens: 0 }
    for (let i = 0; i < job.calls; i++) yield* limiter.admit("default", cost)
    print({ held: job.calls })
    return yield* Effect.never
  }
  if (job.mode === "latency") {
    const limiter = yield* RateLimit.RateLimiter
    const cost = { requests: 1, inputTokens: 0, outputTokens: 0 }
    const times: Array<number> = []
    yield* Effect.forEach(
      Array.from({ length: job.calls }),
      () =>
        Effect.suspend(() => {
          const started = performance.now()
          return Effect.scoped(limiter.admit("default", cost)).pipe(
            Effect.tap(() => Effect.sync(() => times.push(performance.now() - started)))
          )
        }),
      { concurrency: job.fibers, discard: true }
    )
    print({ latency: times })
    return
  }
  const client = yield* MessagesClient.make({
    apiKey: Redacted.make("sk-ant-worker-never-logged"),
    baseUrl: job.serverUrl
  })
  const request = { model: "claude-test", max_tokens: 16, messages: [{ role: "user" as const, content: "Hi" }] }
  let ok = 0
  let rateLimited = 0
  const failures: Array<string> = []
  yield* Effect.forEach(
    Array.from({ length: job.calls }),
    () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(client.create(request))
        if (exit._tag === "Success") ok++
        else {
          const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          if (failure?._tag === "RateLimitError") rateLimited++
          else failures.push(String(failure?._tag ?? exit.cause._tag))
        }
      }),
    { concurrency: job.fibers, discard: true }
  )
  print({ done: { ok, rateLimited, failures } })
})

Effect.runPromise(
  program.pipe(
    Effect.scoped,
    Effect.provide(Layer.merge(Layer.merge(LimiterLive, NodeHttpClient.layer), Retry.disabled))
  )
).then(
  () => process.exit(0),
  (error: unknown) => {
    print({ error: String(error) })
    process.exit(1)
  }
)
