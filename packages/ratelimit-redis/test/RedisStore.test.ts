import { assert, describe } from "@effect/vitest"
import { RateLimit } from "@parley/transport"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { Redis } from "ioredis"
import * as Services from "../../../test/utils/services.js"
import * as RedisStore from "../src/RedisStore.js"
import * as P from "./utils/processes.js"

const redis = await Services.redis()
const redisUrl = `redis://${redis.host}:${redis.port}`

/** A prefix of Redis keys no other test run shares. */
const freshPrefix = () => `parley:test:${process.pid}:${Math.random().toString(36).slice(2)}:`

const one = { requests: 1, inputTokens: 0, outputTokens: 0 }

const now = () => performance.now()
const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

/** A limiter over a Redis store of its own connection, as another process would have. */
const limiterOf = (options: RateLimit.Options, store: RedisStore.Options) =>
  Effect.flatMap(Layer.build(RedisStore.layer({ url: redisUrl, ...store })), (context) =>
    RateLimit.make(options).pipe(Effect.provide(context))
  )

describe("RedisStore", () => {
  Services.live(redis, "two limiters on separate connections share a concurrency of 1 and a 429 pause", () =>
    Effect.gen(function* () {
      const prefix = freshPrefix()
      const a = yield* limiterOf({ limits: { concurrency: 1 } }, { prefix })
      const b = yield* limiterOf({ limits: { concurrency: 1 } }, { prefix })
      const release = yield* Deferred.make<void>()
      const first = yield* Effect.fork(Effect.scoped(Effect.zipRight(a.admit("k", one), Deferred.await(release))))
      yield* sleep(100)
      const second = yield* Effect.fork(Effect.scoped(b.admit("k", one)))
      yield* sleep(200)
      assert.isNull(second.unsafePoll())
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      // a 429 seen by a pauses b
      yield* a.observe("k", { status: 429, rateLimit: { raw: {} } }, Duration.millis(400))
      const started = now()
      yield* Effect.scoped(b.admit("k", one))
      assert.isAtLeast(now() - started, 350)
    })
  )

  Services.live(redis, "a call that outlives the lease TTL keeps its slot: the limiter renews its lease", () =>
    Effect.gen(function* () {
      const prefix = freshPrefix()
      const a = yield* limiterOf({ limits: { concurrency: 1 } }, { prefix, leaseTtl: 300 })
      const b = yield* limiterOf({ limits: { concurrency: 1 } }, { prefix, leaseTtl: 300 })
      const release = yield* Deferred.make<void>()
      const long = yield* Effect.fork(Effect.scoped(Effect.zipRight(a.admit("k", one), Deferred.await(release))))
      yield* sleep(100)
      const other = yield* Effect.fork(Effect.scoped(b.admit("k", one)))
      // three TTLs later the first call still holds the only slot
      yield* sleep(1000)
      assert.isNull(other.unsafePoll())
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(long)
      yield* Fiber.join(other)
    })
  )

  Services.live(redis, "a hold learned from one process's reset header holds the others until the reset", () =>
    Effect.gen(function* () {
      const prefix = freshPrefix()
      const a = yield* limiterOf({}, { prefix })
      const b = yield* limiterOf({}, { prefix })
      const reset = new Date(Date.now() + 600).toISOString()
      yield* a.observe("k", { status: 200, rateLimit: { requests: { remaining: 0, reset }, raw: {} } }, undefined)
      const started = now()
      yield* Effect.scoped(b.admit("k", one))
      assert.isAtLeast(now() - started, 500)
    })
  )

  Services.live(redis, "keys are kept only while they matter: an idle key expires from Redis", () =>
    Effect.gen(function* () {
      const prefix = freshPrefix()
      const limiter = yield* limiterOf(
        { limits: { requests: { limit: 10, per: "300 millis", algorithm: "sliding-window" } } },
        { prefix }
      )
      yield* Effect.scoped(limiter.admit("idle", one))
      const client = new Redis(redisUrl)
      yield* Effect.addFinalizer(() => Effect.sync(() => client.disconnect()))
      const ttl = yield* Effect.promise(() => client.pttl(`${prefix}idle`))
      // the window (300 ms) plus a second of slack
      assert.isAbove(ttl, 0)
      assert.isAtMost(ttl, 1300)
      // the API key is never part of a Redis key: only the prefix and the limiter key are
      const keys = yield* Effect.promise(() => client.keys(`${prefix}*`))
      assert.deepStrictEqual(keys, [`${prefix}idle`])
    })
  )

  Services.live(
    redis,
    "4 processes x 50 calls against a server enforcing 5 per second and 2 concurrent: no 429, >= 90% of the rate",
    () =>
      Effect.gen(function* () {
        const server = yield* P.enforcingServer({ limit: 5, per: 1000, concurrency: 2, delay: 10 })
        const prefix = freshPrefix()
        const job = {
          mode: "calls" as const,
          serverUrl: server.url,
          redisUrl,
          prefix,
          limits: {
            requests: { limit: 5, per: "1 second" as const, algorithm: "sliding-window" as const },
            concurrency: 2
          },
          calls: 50,
          fibers: 4
        }
        const workers = yield* Effect.forEach(Array.from({ length: 4 }), () => P.spawnWorker(job))
        const results = (yield* Effect.forEach(workers, (worker) => worker.await("done"), {
          concurrency: "unbounded"
        })) as Array<{ ok: number; rateLimited: number; failures: Array<string> }>
        assert.deepStrictEqual(
          results.map((result) => [result.ok, result.rateLimited, result.failures.length]),
          [
            [50, 0, 0],
            [50, 0, 0],
            [50, 0, 0],
            [50, 0, 0]
          ]
        )
        assert.strictEqual(server.rateLimited(), 0)
        assert.strictEqual(server.arrivals.length, 200)
        assert.isAtMost(server.maxInFlight(), 2)
        // after the first window's 5, the rate: 195 requests over the span from the first to the last
        const span = server.arrivals[199]! - server.arrivals[0]!
        const share = 195 / ((span / 1000) * 5)
        console.log(`4 processes x 50 calls: 0 x 429, ${(share * 100).toFixed(1)}% of 5/s over ${span.toFixed(0)} ms`)
        assert.isAtLeast(share, 0.9)
        // the workers' API key is in no Redis key and in no state: one key, the limiter key "default"
        const client = new Redis(redisUrl)
        yield* Effect.addFinalizer(() => Effect.sync(() => client.disconnect()))
        assert.deepStrictEqual(yield* Effect.promise(() => client.keys(`${prefix}*`)), [`${prefix}default`])
        const state = yield* Effect.promise(() => client.hget(`${prefix}default`, "s"))
        assert.notInclude(state ?? "", "sk-ant")
      }),
    120_000
  )

  Services.live(
    redis,
    "a process killed with SIGKILL while holding both slots: they come back within the lease TTL",
    () =>
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const limits = { concurrency: 2 }
        const worker = yield* P.spawnWorker({
          mode: "hold",
          serverUrl: "http://127.0.0.1:1",
          redisUrl,
          prefix,
          limits,
          calls: 2,
          fibers: 1,
          leaseTtl: 1500
        })
        assert.strictEqual(yield* worker.await("held"), 2)
        const limiter = yield* limiterOf({ limits }, { prefix, leaseTtl: 1500 })
        const waiting = yield* Effect.fork(Effect.scoped(limiter.admit("default", one)))
        yield* sleep(300)
        assert.isNull(waiting.unsafePoll(), "the slots are held while the worker lives")
        const killedAt = now()
        worker.child.kill("SIGKILL")
        yield* Fiber.join(waiting)
        const after = now() - killedAt
        assert.isAtMost(after, 1500 + 100)
      }),
    60_000
  )

  Services.live(
    redis,
    "Redis killed and restarted mid-run (fail-open): every call succeeds, none hangs, Redis is used again",
    () =>
      Effect.gen(function* () {
        const own = yield* P.ownRedis(6390 + Math.floor(Math.random() * 100))
        const server = yield* P.enforcingServer({ limit: 1000, per: 1000, concurrency: 100, delay: 5 })
        const prefix = freshPrefix()
        const limiter = yield* limiterOf(
          { limits: { requests: { limit: 200, per: "1 second" }, concurrency: 4 } },
          { url: own.url, prefix, onUnavailable: "fail-open", commandTimeout: 200 }
        )
        let done = 0
        const call = Effect.scoped(
          Effect.zipRight(
            limiter.acquire("k", one),
            Effect.promise(() => fetch(server.url, { method: "POST", body: "{}" }).then((res) => res.text()))
          )
        ).pipe(Effect.tap(() => Effect.sync(() => done++)))
        const started = now()
        const calls = yield* Effect.fork(Effect.forEach(Array.from({ length: 300 }), () => call, { concurrency: 4 }))
        while (done < 50) yield* sleep(5)
        yield* own.kill
        yield* sleep(300)
        yield* own.start
        const exit = yield* Fiber.await(calls)
        assert.isTrue(Exit.isSuccess(exit))
        assert.strictEqual(done, 300)
        assert.isBelow(now() - started, 20_000)
        // Redis is used again after the restart
        const client = new Redis(own.url)
        yield* Effect.addFinalizer(() => Effect.sync(() => client.disconnect()))
        yield* Effect.scoped(limiter.acquire("k", one))
        assert.strictEqual(yield* Effect.promise(() => client.exists(`${prefix}k`)), 1)
      }),
    60_000
  )

  Services.live(
    redis,
    "Redis down (fail-closed): acquire fails at once with RateLimitStoreError, and admits again once it is back",
    () =>
      Effect.gen(function* () {
        const own = yield* P.ownRedis(6490 + Math.floor(Math.random() * 100))
        const limiter = yield* limiterOf(
          { limits: { concurrency: 2 } },
          { url: own.url, prefix: freshPrefix(), onUnavailable: "fail-closed", commandTimeout: 200 }
        )
        yield* Effect.scoped(limiter.acquire("k", one))
        yield* own.kill
        const started = now()
        const error = yield* Effect.flip(Effect.scoped(limiter.acquire("k", one)))
        assert.isBelow(now() - started, 1000)
        assert.strictEqual(error._tag, "RateLimitStoreError")
        if (error._tag === "RateLimitStoreError") {
          assert.strictEqual(error.store, "redis")
          assert.strictEqual(error.operation, "acquire")
          assert.isTrue(error.isRetryable)
          assert.notInclude(error.message, "sk-ant")
        }
        // admit keeps its error type: the store's failure as a RateLimitWaitError
        const waitError = yield* Effect.flip(Effect.scoped(limiter.admit("k", one)))
        assert.strictEqual(waitError._tag, "RateLimitWaitError")
        yield* own.start
        let admitted = false
        for (let i = 0; i < 100 && !admitted; i++) {
          admitted = Exit.isSuccess(yield* Effect.exit(Effect.scoped(limiter.acquire("k", one))))
          if (!admitted) yield* sleep(50)
        }
        assert.isTrue(admitted)
      }),
    60_000
  )

  Services.live(
    redis,
    "Redis not running when the app starts: fail-open admits at once, fail-closed fails at once",
    () =>
      Effect.gen(function* () {
        const nowhere = "redis://127.0.0.1:1"
        const started = now()
        const open = yield* limiterOf({ limits: { concurrency: 1 } }, { url: nowhere, onUnavailable: "fail-open" })
        yield* Effect.scoped(open.acquire("k", one))
        const closed = yield* limiterOf({ limits: { concurrency: 1 } }, { url: nowhere, onUnavailable: "fail-closed" })
        const error = yield* Effect.flip(Effect.scoped(closed.acquire("k", one)))
        assert.strictEqual(error._tag, "RateLimitStoreError")
        // each store waits at most commandTimeout (500 ms) for its connection at start
        assert.isBelow(now() - started, 1500)
      })
  )
})
