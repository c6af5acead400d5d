import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as RateLimit from "../src/RateLimit.js"
import type * as ResponseMeta from "../src/ResponseMeta.js"
import * as Retry from "../src/Retry.js"
import * as L from "./utils/Loopback.js"

const one: RateLimit.Cost = { requests: 1, inputTokens: 0, outputTokens: 0 }

const limiterOf = (options: RateLimit.Options) =>
  RateLimit.make(options).pipe(Effect.provide(RateLimit.layerStoreMemory))

/** Lets every forked fiber run until it waits. */
const settle = TestClock.adjust(Duration.zero)

const meta = (status: number, rateLimit: Partial<ResponseMeta.RateLimitHeaders> = {}): ResponseMeta.ResponseMeta => ({
  status,
  rateLimit: { raw: {}, ...rateLimit }
})

describe("RateLimit", () => {
  it.scoped("holds 100 concurrent fibers to 10 requests per minute, in arrival order", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { requestsPerMinute: 10 } })
      const admitted: Array<number> = []
      yield* Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i),
        (i) =>
          Effect.fork(
            Effect.scoped(
              Effect.zipRight(
                limiter.admit("k", one),
                Effect.sync(() => admitted.push(i))
              )
            )
          )
      )
      yield* settle
      assert.strictEqual(admitted.length, 10)
      yield* TestClock.adjust("5999 millis")
      assert.strictEqual(admitted.length, 10)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(admitted.length, 11)
      yield* TestClock.adjust("54 seconds")
      assert.strictEqual(admitted.length, 20)
      yield* TestClock.adjust("60 seconds")
      assert.strictEqual(admitted.length, 30)
      assert.deepStrictEqual(
        admitted,
        Array.from({ length: 30 }, (_, i) => i)
      )
    })
  )

  it.scoped("a large request is not starved by smaller ones that arrive after it", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { inputTokensPerMinute: 100 } })
      const order: Array<string> = []
      const take = (name: string, inputTokens: number) =>
        Effect.fork(
          Effect.scoped(
            Effect.zipRight(
              limiter.admit("k", { requests: 1, inputTokens, outputTokens: 0 }),
              Effect.sync(() => order.push(name))
            )
          )
        )
      yield* take("first 80", 80)
      yield* settle
      yield* take("large 90", 90)
      yield* settle
      yield* take("small 10", 10)
      yield* settle
      assert.deepStrictEqual(order, ["first 80"])
      // 90 needs 70 more tokens: 42 s at 100 tokens per minute
      yield* TestClock.adjust("42 seconds")
      assert.deepStrictEqual(order, ["first 80", "large 90"])
      yield* TestClock.adjust("6 seconds")
      assert.deepStrictEqual(order, ["first 80", "large 90", "small 10"])
    })
  )

  it.scoped("at most maxConcurrent calls run; a release admits the next", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { maxConcurrent: 3 } })
      const gates = yield* Effect.forEach(Array.from({ length: 5 }), () => Deferred.make<void>())
      let running = 0
      yield* Effect.forEach(gates, (gate) =>
        Effect.fork(
          Effect.scoped(
            Effect.zipRight(
              limiter.admit("k", one),
              Effect.zipRight(
                Effect.sync(() => running++),
                Deferred.await(gate)
              )
            )
          )
        )
      )
      yield* settle
      assert.strictEqual(running, 3)
      yield* Deferred.succeed(gates[0]!, undefined)
      yield* settle
      assert.strictEqual(running, 4)
    })
  )

  it.scoped("with maxWait a call that cannot be admitted in time fails with RateLimitWaitError", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { requestsPerMinute: 1, maxWait: "10 seconds" } })
      yield* Effect.scoped(limiter.admit("tenant", one))
      const error = yield* Effect.flip(Effect.scoped(limiter.admit("tenant", one)))
      assert.strictEqual(error._tag, "RateLimitWaitError")
      assert.strictEqual(error.key, "tenant")
      assert.deepStrictEqual(error.maxWait, Duration.seconds(10))
      assert.isFalse(error.isRetryable)
    })
  )

  it.scoped("a 429 with retry-after pauses every caller of the key until then", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: {} })
      yield* limiter.observe("k", meta(429), Duration.seconds(30))
      let admitted = 0
      yield* Effect.forEach(Array.from({ length: 5 }), () =>
        Effect.fork(
          Effect.scoped(
            Effect.zipRight(
              limiter.admit("k", one),
              Effect.sync(() => admitted++)
            )
          )
        )
      )
      yield* settle
      yield* TestClock.adjust("29999 millis")
      assert.strictEqual(admitted, 0)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(admitted, 5)
      yield* Effect.scoped(limiter.admit("other", one))
    })
  )

  it.scoped("the server's remaining budget lowers the local one", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { requestsPerMinute: 10 } })
      yield* limiter.observe("k", meta(200, { requests: { limit: 10, remaining: 0 } }), undefined)
      const fiber = yield* Effect.fork(Effect.scoped(limiter.admit("k", one)))
      yield* TestClock.adjust("5999 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
    })
  )

  it.scoped("output tokens reserve max_tokens and release the unused part", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { outputTokensPerMinute: 1000 } })
      const cost = { requests: 1, inputTokens: 0, outputTokens: 800 }
      yield* Effect.scoped(Effect.map(limiter.admit("k", cost), (ticket) => ticket.settle({ outputTokens: 100 })))
      // 900 left: a second 800 fits at once
      yield* Effect.scoped(limiter.admit("k", cost))
      const third = yield* Effect.fork(Effect.scoped(limiter.admit("k", cost)))
      yield* settle
      assert.isNull(third.unsafePoll())
      // 100 left, 700 more needed: 42 s at 1000 per minute
      yield* TestClock.adjust("42 seconds")
      yield* Fiber.join(third)
    })
  )

  it.scoped("keys are independent, and withKey chooses the key", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({
        limits: (key) => ({ requestsPerMinute: key === "big" ? 100 : 1 }),
        key: (request) => request.model
      })
      yield* Effect.scoped(limiter.admit("a", one))
      const blocked = yield* Effect.fork(Effect.scoped(limiter.admit("a", one)))
      yield* Effect.scoped(limiter.admit("b", one))
      yield* Effect.forEach(Array.from({ length: 50 }), () => Effect.scoped(limiter.admit("big", one)))
      yield* settle
      assert.isNull(blocked.unsafePoll())
      assert.strictEqual(yield* limiter.keyOf(L.request, "fallback"), "claude-test")
      assert.strictEqual(yield* RateLimit.withKey(limiter.keyOf(L.request, "fallback"), "tenant-1"), "tenant-1")
      yield* Fiber.interrupt(blocked)
    })
  )

  it.effect("the memory store forgets keys back at rest, and only those", () =>
    Effect.gen(function* () {
      const store = RateLimit.makeStoreMemory()
      const limits: RateLimit.Limits = { requestsPerMinute: 60, maxConcurrent: 2 }
      const call = (key: string, now: number) =>
        Effect.zipRight(
          store.acquire(key, limits, one, now),
          store.release(key, limits, { requests: 0, inputTokens: 0, outputTokens: 0 }, now)
        )
      // 200 tenants make one call each at t=0: none is at rest yet (each bucket is one request short)
      yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => `tenant-${i}`),
        (key) => call(key, 0)
      )
      // three keys that must survive a sweep a minute later: one in flight, one paused, one out of budget
      assert.deepStrictEqual(yield* store.acquire("busy", limits, one, 0), { _tag: "Admitted" })
      yield* store.pause("paused", 3_600_000)
      yield* store.acquire("spent", limits, { ...one, requests: 60 }, 59_900)
      assert.strictEqual(store.size(), 203)
      // a minute later every tenant has refilled; new keys grow the map until it sweeps
      yield* Effect.forEach(
        Array.from({ length: 60 }, (_, i) => `late-${i}`),
        (key) => call(key, 60_000)
      )
      assert.isBelow(store.size(), 70)
      // the survivors kept their state
      assert.deepStrictEqual(yield* store.acquire("busy", { ...limits, maxConcurrent: 1 }, one, 60_000), {
        _tag: "Wait",
        millis: undefined
      })
      const paused = yield* store.acquire("paused", limits, one, 60_000)
      assert.strictEqual(paused._tag === "Wait" && paused.millis, 3_540_000)
      const spent = yield* store.acquire("spent", limits, one, 60_000)
      assert.strictEqual(spent._tag, "Wait")
      // a forgotten tenant starts again from a full budget
      assert.deepStrictEqual(yield* store.acquire("tenant-0", limits, { ...one, requests: 60 }, 60_000), {
        _tag: "Admitted"
      })
    })
  )

  it.scoped("a key whose lane was dropped still wakes its next waiter", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { maxConcurrent: 1 } })
      // the key's lane is made and dropped twice
      yield* Effect.scoped(limiter.admit("k", one))
      yield* Effect.scoped(limiter.admit("k", one))
      const release = yield* Deferred.make<void>()
      const first = yield* Effect.fork(Effect.scoped(Effect.zipRight(limiter.admit("k", one), Deferred.await(release))))
      yield* settle
      const second = yield* Effect.fork(Effect.scoped(limiter.admit("k", one)))
      yield* settle
      assert.isNull(second.unsafePoll())
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      yield* Fiber.join(second)
    })
  )

  it.scoped("end to end: 100 concurrent creates reach the server at 10 per minute", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("ok")))
      const client = yield* L.client(
        server.url,
        {},
        Layer.merge(Retry.disabled, RateLimit.layer({ limits: { requestsPerMinute: 10 } }))
      )
      const fibers = yield* Effect.forEach(Array.from({ length: 100 }), () => Effect.fork(client.create(L.request)))
      yield* server.awaitRequests(10)
      yield* L.liveSleep(50)
      assert.strictEqual(server.received.length, 10)
      yield* TestClock.adjust("6 seconds")
      yield* server.awaitRequests(11)
      yield* L.liveSleep(50)
      assert.strictEqual(server.received.length, 11)
      yield* TestClock.adjust("54 seconds")
      yield* server.awaitRequests(20)
      yield* L.liveSleep(50)
      assert.strictEqual(server.received.length, 20)
      yield* Fiber.interruptAll(fibers)
    })
  )

  it.scoped("end to end: a 429 with retry-after pauses the other callers sharing the limiter", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res, index) =>
        index === 0
          ? L.apiError(res, 429, "rate_limit_error", "slow down", { "retry-after": "10" })
          : L.json(res, 200, L.message("ok"))
      )
      const client = yield* L.client(
        server.url,
        {},
        Layer.merge(Retry.layer({ jitter: 0 }), RateLimit.layer({ limits: {} }))
      )
      const first = yield* Effect.fork(client.create(L.request))
      yield* server.awaitRequests(1)
      for (let i = 0; i < 500 && !Chunk.toReadonlyArray(yield* TestClock.sleeps()).includes(10_000); i++) {
        yield* L.liveSleep(10)
      }
      const others = yield* Effect.forEach(Array.from({ length: 3 }), () => Effect.fork(client.create(L.request)))
      yield* L.liveSleep(50)
      assert.strictEqual(server.received.length, 1)
      yield* TestClock.adjust("10 seconds")
      yield* server.awaitRequests(5)
      yield* Fiber.join(first)
      yield* Fiber.joinAll(others)
      assert.strictEqual(server.received.length, 5)
    })
  )
})
