import { assert, describe, it } from "@effect/vitest"
import * as ModelError from "@parley/core/ModelError"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as TestClock from "effect/TestClock"
import * as RateLimit from "../src/RateLimit.js"
import * as RateLimitStore from "../src/RateLimitStore.js"
import type * as ResponseMeta from "../src/ResponseMeta.js"

const request = { model: "claude-test", max_tokens: 256, messages: [{ role: "user" as const, content: "Hello" }] }

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
      assert.strictEqual(yield* limiter.keyOf(request, "fallback"), "claude-test")
      assert.strictEqual(yield* RateLimit.withKey(limiter.keyOf(request, "fallback"), "tenant-1"), "tenant-1")
      yield* Fiber.interrupt(blocked)
    })
  )

  it.effect("the memory store forgets keys back at rest, and only those", () =>
    Effect.gen(function* () {
      const store = RateLimit.makeStoreMemory()
      const plan = RateLimit.planOf({ requestsPerMinute: 60, maxConcurrent: 2 })
      const none = { requests: 0, inputTokens: 0, outputTokens: 0 }
      let lease = 0
      const call = (key: string) =>
        Effect.gen(function* () {
          const id = `l${lease++}`
          yield* store.acquire(key, plan, one, id)
          yield* store.release(key, plan, id, none)
        })
      // 200 tenants make one call each at t=0: none is at rest yet (each bucket is one request short)
      yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => `tenant-${i}`),
        (key) => call(key)
      )
      // three keys that must survive a sweep a minute later: one in flight, one paused, one out of budget
      assert.deepStrictEqual(yield* store.acquire("busy", plan, one, "busy"), { _tag: "Admitted" })
      yield* store.pause("paused", 3_600_000)
      yield* TestClock.adjust("59900 millis")
      yield* store.acquire("spent", plan, { ...one, requests: 60 }, "spent")
      assert.strictEqual(store.size(), 203)
      yield* TestClock.adjust("100 millis")
      // a minute later every tenant has refilled; new keys grow the map until it sweeps
      yield* Effect.forEach(
        Array.from({ length: 60 }, (_, i) => `late-${i}`),
        (key) => call(key)
      )
      assert.isBelow(store.size(), 70)
      // the survivors kept their state
      assert.deepStrictEqual(yield* store.acquire("busy", { ...plan, concurrency: 1 }, one, "busy-2"), {
        _tag: "Wait",
        millis: undefined
      })
      const paused = yield* store.acquire("paused", plan, one, "p")
      assert.strictEqual(paused._tag === "Wait" && paused.millis, 3_540_000)
      const spent = yield* store.acquire("spent", plan, one, "s")
      assert.strictEqual(spent._tag, "Wait")
      // a forgotten tenant starts again from a full budget
      assert.deepStrictEqual(yield* store.acquire("tenant-0", plan, { ...one, requests: 60 }, "t"), {
        _tag: "Admitted"
      })
    })
  )

  it.effect("300 tenants idle for 65 s are forgotten at the next call", () =>
    Effect.gen(function* () {
      const store = RateLimit.makeStoreMemory()
      const plan = RateLimit.planOf({ requestsPerMinute: 60, maxConcurrent: 2 })
      const none = { requests: 0, inputTokens: 0, outputTokens: 0 }
      yield* Effect.forEach(
        Array.from({ length: 300 }, (_, i) => `tenant-${i}`),
        (key) => Effect.zipRight(store.acquire(key, plan, one, key), store.release(key, plan, key, none))
      )
      assert.strictEqual(store.size(), 300)
      yield* TestClock.adjust("65 seconds")
      yield* store.acquire("tenant-0", plan, one, "again")
      assert.strictEqual(store.size(), 1)
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

  // ---------------------------------------------------------------------------
  // The server's headers
  // ---------------------------------------------------------------------------

  /** Forks `n` admissions of `cost` under "k" and records when (TestClock ms) each was admitted. */
  const admitted = (limiter: RateLimit.Service, n: number, cost: RateLimit.Cost = one) =>
    Effect.gen(function* () {
      const at: Array<number> = []
      yield* Effect.forEach(Array.from({ length: n }), () =>
        Effect.fork(
          Effect.scoped(
            Effect.zipRight(
              limiter.admit("k", cost),
              Effect.flatMap(TestClock.currentTimeMillis, (now) => Effect.sync(() => at.push(now)))
            )
          )
        )
      )
      yield* settle
      return at
    })

  const resetIn = (millis: number) =>
    Effect.map(TestClock.currentTimeMillis, (now) => new Date(now + millis).toISOString())

  it.scoped("without configured limits, 0 requests remaining holds the key until the reset", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({})
      yield* TestClock.adjust("1 second")
      const reset = yield* resetIn(2000)
      yield* limiter.observe("k", meta(200, { requests: { limit: 50, remaining: 0, reset } }), undefined)
      const at = yield* admitted(limiter, 2)
      assert.deepStrictEqual(at, [])
      yield* TestClock.adjust("1999 millis")
      assert.deepStrictEqual(at, [])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(at, [3000, 3000])
      // another key is not held
      yield* Effect.scoped(limiter.admit("other", one))
    })
  )

  it.scoped("what remains is spent by the calls admitted after it was read: 2 remaining lets 2 through", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({})
      const reset = yield* resetIn(5000)
      yield* limiter.observe("k", meta(200, { requests: { remaining: 2, reset } }), undefined)
      const at = yield* admitted(limiter, 4)
      assert.deepStrictEqual(at, [0, 0])
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(at, [0, 0, 5000, 5000])
    })
  )

  it.scoped("input, output and total tokens below the call's cost hold the key until their reset", () =>
    Effect.gen(function* () {
      const cost = { requests: 1, inputTokens: 500, outputTokens: 1000 }
      for (const [name, remaining, held] of [
        ["inputTokens", 499, true],
        ["inputTokens", 500, false],
        ["outputTokens", 999, true],
        ["outputTokens", 1000, false],
        ["tokens", 499, true],
        ["tokens", 500, false]
      ] as const) {
        const limiter = yield* limiterOf({})
        const start = yield* TestClock.currentTimeMillis
        const reset = yield* resetIn(3000)
        yield* limiter.observe("k", meta(200, { [name]: { remaining, reset } }), undefined)
        const at = yield* admitted(limiter, 1, cost)
        assert.deepStrictEqual(at, held ? [] : [start], `${name} ${remaining}`)
        yield* TestClock.adjust("3 seconds")
        assert.deepStrictEqual(at, [held ? start + 3000 : start], `${name} ${remaining}`)
      }
    })
  )

  it.scoped("a reset in the past, or holdUntilReset: false, holds nothing", () =>
    Effect.gen(function* () {
      yield* TestClock.adjust("10 seconds")
      const past = yield* resetIn(-1000)
      const limiter = yield* limiterOf({})
      yield* limiter.observe("k", meta(200, { requests: { remaining: 0, reset: past } }), undefined)
      assert.deepStrictEqual(yield* admitted(limiter, 1), [10_000])
      const ignoring = yield* limiterOf({ holdUntilReset: false })
      const future = yield* resetIn(1000)
      yield* ignoring.observe("k", meta(200, { requests: { remaining: 0, reset: future } }), undefined)
      assert.deepStrictEqual(yield* admitted(ignoring, 1), [10_000])
    })
  )

  it.scoped("a 429's retry-after pause and a reset hold add up to the later of the two", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({})
      const reset = yield* resetIn(4000)
      yield* limiter.observe("k", meta(429, { requests: { remaining: 0, reset } }), Duration.seconds(1))
      const at = yield* admitted(limiter, 1)
      yield* TestClock.adjust("3999 millis")
      assert.deepStrictEqual(at, [])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(at, [4000])
    })
  )

  // ---------------------------------------------------------------------------
  // Windows, bursts, algorithms
  // ---------------------------------------------------------------------------

  it.scoped("token bucket of 5 per second with burst 2: two at once, then one every 200 ms", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { requests: { limit: 5, per: "1 second", burst: 2 } } })
      const at = yield* admitted(limiter, 7)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(at, [0, 0, 200, 400, 600, 800, 1000])
    })
  )

  it.scoped("token bucket without burst lets a whole window go at once", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { requests: { limit: 5, per: "1 second" } } })
      const at = yield* admitted(limiter, 6)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(at, [0, 0, 0, 0, 0, 200])
    })
  )

  it.scoped("sliding window: at most 3 in any second, each counted until a second after it ends", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({
        limits: { requests: { limit: 3, per: "1 second", algorithm: "sliding-window" } }
      })
      const at: Array<number> = []
      // every call runs 100 ms
      yield* Effect.forEach(Array.from({ length: 7 }), () =>
        Effect.fork(
          Effect.scoped(
            Effect.zipRight(
              limiter.admit("k", one),
              Effect.zipRight(
                Effect.flatMap(TestClock.currentTimeMillis, (now) => Effect.sync(() => at.push(now))),
                Effect.sleep("100 millis")
              )
            )
          )
        )
      )
      yield* settle
      for (let i = 0; i < 30; i++) yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual(at, [0, 0, 0, 1100, 1100, 1100, 2200])
    })
  )

  it.scoped("sliding window with burst 2: 5 per second, at most 2 back to back", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({
        limits: { requests: { limit: 5, per: "1 second", burst: 2, algorithm: "sliding-window" } }
      })
      const at = yield* admitted(limiter, 8)
      for (let i = 0; i < 20; i++) yield* TestClock.adjust("100 millis")
      // 0,0 (burst), then a token every 200 ms, until the window of the first 5 holds the 6th until 1000 + ...
      assert.deepStrictEqual(at, [0, 0, 200, 400, 600, 1000, 1000, 1200])
    })
  )

  it.scoped("token budgets per window: 100 input tokens per 10 seconds", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { inputTokens: { limit: 100, per: "10 seconds" } } })
      const at = yield* admitted(limiter, 3, { requests: 1, inputTokens: 60, outputTokens: 0 })
      yield* TestClock.adjust("20 seconds")
      // 40 left; 20 more needed at 10 per second: 2 s; then 60 more: 6 s
      assert.deepStrictEqual(at, [0, 2000, 8000])
    })
  )

  it.scoped("concurrency and per-minute shorthands together", () =>
    Effect.gen(function* () {
      const limiter = yield* limiterOf({ limits: { concurrency: 1, requestsPerMinute: 60 } })
      const at: Array<number> = []
      yield* Effect.forEach(Array.from({ length: 3 }), () =>
        Effect.fork(
          Effect.scoped(
            Effect.zipRight(
              limiter.admit("k", one),
              Effect.zipRight(
                Effect.flatMap(TestClock.currentTimeMillis, (now) => Effect.sync(() => at.push(now))),
                Effect.sleep("5 seconds")
              )
            )
          )
        )
      )
      yield* settle
      yield* TestClock.adjust("15 seconds")
      assert.deepStrictEqual(at, [0, 5000, 10000])
    })
  )

  // ---------------------------------------------------------------------------
  // Stores that fail, leases
  // ---------------------------------------------------------------------------

  const failing: RateLimitStore.Store = {
    name: "broken",
    leaseTtl: 1000,
    acquire: (key) =>
      Effect.fail(
        new RateLimitStore.RateLimitStoreError({ key, store: "broken", operation: "acquire", message: "down" })
      ),
    release: () => Effect.void,
    renew: () => Effect.void,
    pause: () => Effect.void,
    observe: () => Effect.void
  }

  it.scoped("a store that fails closed fails acquire with RateLimitStoreError, admit with RateLimitWaitError", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimit.make({}).pipe(Effect.provideService(RateLimitStore.RateLimitStore, failing))
      const error = yield* Effect.flip(Effect.scoped(limiter.acquire("k", one)))
      assert.strictEqual(error._tag, "RateLimitStoreError")
      assert.isTrue(ModelError.isModelError(error))
      if (error._tag === "RateLimitStoreError") {
        assert.strictEqual(error.reason, "rate-limit-wait")
        assert.isTrue(error.isRetryable)
        assert.strictEqual(error.delivered, 0)
      }
      const waitError = yield* Effect.flip(Effect.scoped(limiter.admit("k", one)))
      assert.strictEqual(waitError._tag, "RateLimitWaitError")
      assert.deepStrictEqual(waitError.maxWait, Duration.zero)
    })
  )

  it.scoped("a store that fails open admits against the local limits, and warns once", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        lines.push(`${logLevel.label} ${String(message)}`)
      })
      const store = RateLimitStore.withFallback(failing, { onUnavailable: "fail-open" })
      const limiter = yield* RateLimit.make({ limits: { requestsPerMinute: 2 } }).pipe(
        Effect.provideService(RateLimitStore.RateLimitStore, store)
      )
      const at = yield* admitted(limiter, 3).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      assert.deepStrictEqual(at, [0, 0])
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(at, [0, 0, 30000])
      assert.deepStrictEqual(lines, [
        `WARN The rate limit store "broken" is unavailable; admitting against this process's own limits until it answers again. down`
      ])
    })
  )

  it.scoped("failing open with a share: each process takes its share of the limits alone", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.withFallback(failing, { onUnavailable: "fail-open", share: 0.25 })
      const limiter = yield* RateLimit.make({ limits: { requestsPerMinute: 8 } }).pipe(
        Effect.provideService(RateLimitStore.RateLimitStore, store)
      )
      const at = yield* admitted(limiter, 3)
      assert.deepStrictEqual(at, [0, 0])
      // 2 per minute: one every 30 s
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(at, [0, 0, 30000])
    })
  )

  it("a lease with a TTL lapses unless renewed; its slot and window come back", () => {
    const plan = RateLimit.planOf({
      concurrency: 1,
      requests: { limit: 5, per: "1 second", algorithm: "sliding-window" }
    })
    const state = RateLimitStore.emptyState()
    assert.deepStrictEqual(RateLimitStore.acquireState(state, plan, one, "a", 1000, 0), { _tag: "Admitted" })
    assert.deepStrictEqual(RateLimitStore.acquireState(state, plan, one, "b", 1000, 500), {
      _tag: "Wait",
      millis: undefined
    })
    RateLimitStore.renewState(state, ["a"], 1000, 900)
    assert.strictEqual(RateLimitStore.acquireState(state, plan, one, "b", 1000, 1800)._tag, "Wait")
    // a stopped renewing at 900: it lapsed at 1900, and counts in the window until 2900
    assert.deepStrictEqual(RateLimitStore.acquireState(state, plan, one, "b", 1000, 1900), { _tag: "Admitted" })
    RateLimitStore.releaseState(state, plan, "b", { requests: 0, inputTokens: 0, outputTokens: 0 }, 1950)
    assert.strictEqual(state.l.length, 2)
    RateLimitStore.releaseState(state, plan, "a", { requests: 0, inputTokens: 0, outputTokens: 0 }, 2000)
    assert.strictEqual(state.l.find((lease) => lease.id === "a")?.end, 1900)
    assert.strictEqual(RateLimitStore.restsIn(state, plan, 2000), 950)
    assert.deepStrictEqual(RateLimitStore.acquireState(state, plan, one, "c", 1000, 2950), { _tag: "Admitted" })
    assert.strictEqual(state.l.length, 1)
  })

  it("the state is plain JSON: a store may keep it as text", () => {
    const plan = RateLimit.planOf({ requests: { limit: 2, per: "1 second" }, concurrency: 2 })
    const state = RateLimitStore.emptyState()
    RateLimitStore.acquireState(state, plan, one, "a", 1000, 0)
    RateLimitStore.observeState(state, plan, { requests: { remaining: 0, resetIn: 500 } }, 10)
    RateLimitStore.pauseState(state, 100, 10)
    const copy = JSON.parse(JSON.stringify(state)) as RateLimitStore.KeyState
    assert.deepStrictEqual(copy, state)
    assert.deepStrictEqual(RateLimitStore.acquireState(copy, plan, one, "b", 1000, 20), { _tag: "Wait", millis: 490 })
  })
})
