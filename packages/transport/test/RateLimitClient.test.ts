import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as RateLimit from "../src/RateLimit.js"
import * as Retry from "../src/Retry.js"
import * as L from "./utils/Loopback.js"

describe("RateLimit with a client over loopback", () => {
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

  it.live("without configured limits: 0 requests remaining and a reset 2 s ahead hold the next call until then", () =>
    Effect.gen(function* () {
      const arrivals: Array<number> = []
      const server = yield* L.start((_, res) => {
        const now = Date.now()
        arrivals.push(now)
        L.json(res, 200, L.message("ok"), {
          "anthropic-ratelimit-requests-limit": "50",
          "anthropic-ratelimit-requests-remaining": "0",
          "anthropic-ratelimit-requests-reset": new Date(now + 2000).toISOString()
        })
      })
      const client = yield* L.client(server.url, {}, Layer.merge(Retry.disabled, RateLimit.layer()))
      yield* client.create(L.request)
      yield* client.create(L.request)
      assert.strictEqual(arrivals.length, 2)
      assert.isAtLeast(arrivals[1]! - arrivals[0]!, 1800)
    }).pipe(Effect.scoped)
  )

  it.live("input tokens remaining below the next call's estimate hold it until their reset; enough lets it go", () =>
    Effect.gen(function* () {
      const arrivals: Array<number> = []
      const server = yield* L.start((_, res, index) => {
        const now = Date.now()
        arrivals.push(now)
        L.json(res, 200, L.message("ok"), {
          "anthropic-ratelimit-input-tokens-remaining": index === 0 ? "1" : "100000",
          "anthropic-ratelimit-input-tokens-reset": new Date(now + 1000).toISOString()
        })
      })
      const client = yield* L.client(server.url, {}, Layer.merge(Retry.disabled, RateLimit.layer()))
      yield* client.create(L.request)
      yield* client.create(L.request)
      yield* client.create(L.request)
      assert.strictEqual(arrivals.length, 3)
      assert.isAtLeast(arrivals[1]! - arrivals[0]!, 900)
      assert.isBelow(arrivals[2]! - arrivals[1]!, 500)
    }).pipe(Effect.scoped)
  )
})
