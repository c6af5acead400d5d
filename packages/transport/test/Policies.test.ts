import { assert, describe, it } from "@effect/vitest"
import * as Model from "@parley/core/Model"
import * as ModelError from "@parley/core/ModelError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as MessagesClient from "../src/MessagesClient.js"
import * as MessagesError from "../src/MessagesError.js"
import * as RateLimit from "../src/RateLimit.js"
import * as RateLimitStore from "../src/RateLimitStore.js"
import * as Retry from "../src/Retry.js"
import * as Timeout from "../src/Timeout.js"
import * as L from "./utils/Loopback.js"

/** The client layer as an app writes it, on Parley's node:http client. */
const clientLayer = (url: string, options: Partial<MessagesClient.ClientOptions> = {}) =>
  MessagesClient.layer({ apiKey: Redacted.make(L.SENTINEL_KEY), baseUrl: url, ...options }).pipe(
    Layer.provide(L.HttpLive)
  )

/** One create through the client in context: its error tag, or "ok". */
const createOnce = (options?: MessagesClient.CallOptions) =>
  Effect.flatMap(MessagesClient.MessagesClient, (client) =>
    Effect.match(client.create(L.request, options), { onFailure: (error) => error._tag, onSuccess: () => "ok" })
  )

const fast = Retry.layer({ jitter: 0, initialDelay: 0 })
const fastPolicy = Retry.make({ jitter: 0, initialDelay: 0 })

/** A server that always answers 529 overloaded. */
const overloaded = L.start((_, res) => L.apiError(res, 529, "overloaded_error", "Overloaded"))

describe("policies wired every way do what they say", () => {
  it.scoped("retry: merged beside the client, provided to it, per call, and with Retry.withPolicy", () =>
    Effect.gen(function* () {
      const server = yield* overloaded
      const count = (effect: Effect.Effect<string>) =>
        Effect.map(effect, (tag) => {
          const sent = server.received.length
          server.received.length = 0
          return [tag, sent] as const
        })
      // the default policy: 3 attempts
      const plain = clientLayer(server.url)
      assert.deepStrictEqual(yield* count(createOnce({ retry: fastPolicy }).pipe(Effect.provide(plain))), [
        "OverloadedError",
        3
      ])
      // merged beside the client, as one Layer.mergeAll of the app's layers
      const merged = Layer.mergeAll(clientLayer(server.url), Retry.disabled)
      assert.deepStrictEqual(yield* count(createOnce().pipe(Effect.provide(merged))), ["OverloadedError", 1])
      // provided to the client's layer
      const provided = clientLayer(server.url).pipe(Layer.provide(Retry.disabled))
      assert.deepStrictEqual(yield* count(createOnce().pipe(Effect.provide(provided))), ["OverloadedError", 1])
      // per call, over a provided policy
      const twice = clientLayer(server.url).pipe(Layer.provide(Retry.layer({ maxRetries: 1, initialDelay: 0 })))
      assert.deepStrictEqual(yield* count(createOnce().pipe(Effect.provide(twice))), ["OverloadedError", 2])
      assert.deepStrictEqual(yield* count(createOnce({ retry: Retry.none }).pipe(Effect.provide(twice))), [
        "OverloadedError",
        1
      ])
      // Retry.withPolicy around the calls, over the provided policy
      assert.deepStrictEqual(
        yield* count(
          createOnce().pipe(
            Retry.withPolicy(Retry.make({ maxRetries: 4, jitter: 0, initialDelay: 0 })),
            Effect.provide(twice)
          )
        ),
        ["OverloadedError", 5]
      )
      // the client's own (provided) policy wins over one merged beside it
      const both = Layer.mergeAll(twice, Retry.disabled)
      assert.deepStrictEqual(yield* count(createOnce().pipe(Effect.provide(both))), ["OverloadedError", 2])
      // a policy merged beside is found by a call made from anywhere in the app, e.g. a forked fiber
      const forked = Effect.flatMap(Effect.fork(createOnce()), Fiber.join)
      assert.deepStrictEqual(yield* count(forked.pipe(Effect.provide(Layer.mergeAll(clientLayer(server.url), fast)))), [
        "OverloadedError",
        3
      ])
    })
  )

  it.scoped("rate limit: a limiter merged beside the client holds the third call of a 2-per-minute budget", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("ok")))
      const app = Layer.mergeAll(
        clientLayer(server.url),
        RateLimit.layer({ limits: { requestsPerMinute: 2 } }),
        Retry.disabled
      )
      const fiber = yield* Effect.fork(
        Effect.all([createOnce(), createOnce(), createOnce(), createOnce()], { concurrency: 4 }).pipe(
          Effect.provide(app)
        )
      )
      yield* server.awaitRequests(2)
      yield* L.liveSleep(100)
      assert.strictEqual(server.received.length, 2)
      const waitsBefore = (yield* Metric.value(RateLimit.waits)).count
      yield* TestClock.adjust(Duration.minutes(1))
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["ok", "ok", "ok", "ok"])
      assert.strictEqual(server.received.length, 4)
      // the two held calls are in the wait histogram
      const waits = yield* Metric.value(RateLimit.waits)
      assert.strictEqual(waits.count - waitsBefore, 2)
    })
  )

  it.scoped("a limiter whose store fails closed fails the call with RateLimitStoreError, retried, nothing sent", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("ok")))
      let acquires = 0
      const down: RateLimitStore.Store = {
        name: "down",
        leaseTtl: 1000,
        acquire: (key) => {
          acquires++
          return Effect.fail(
            new RateLimitStore.RateLimitStoreError({ key, store: "down", operation: "acquire", message: "unreachable" })
          )
        },
        release: () => Effect.void,
        renew: () => Effect.void,
        pause: () => Effect.void,
        observe: () => Effect.void
      }
      const limiter = RateLimit.layerStore({}).pipe(Layer.provide(Layer.succeed(RateLimitStore.RateLimitStore, down)))
      const app = Layer.mergeAll(clientLayer(server.url), limiter, fast)
      const error = yield* Effect.flip(
        Effect.flatMap(MessagesClient.MessagesClient, (client) => client.create(L.request)).pipe(Effect.provide(app))
      )
      assert.strictEqual(error._tag, "RateLimitStoreError")
      assert.isTrue(MessagesError.isMessagesError(error))
      assert.strictEqual(error.reason, "rate-limit-wait")
      assert.strictEqual(acquires, 3)
      assert.strictEqual(server.received.length, 0)
    })
  )

  it.scoped("timeouts: merged beside the client, per call, and with Timeout.withTimeouts", () =>
    Effect.gen(function* () {
      const server = yield* L.start(() => {})
      const timedOutAfter = (effect: Effect.Effect<unknown, MessagesError.MessagesError>, millis: number) =>
        Effect.gen(function* () {
          const before = server.received.length
          const fiber = yield* Effect.fork(Effect.flip(effect))
          yield* server.awaitRequests(before + 1)
          yield* TestClock.adjust(Duration.millis(millis - 1))
          yield* L.liveSleep(20)
          assert.isNull(fiber.unsafePoll(), `still running before ${millis} ms`)
          yield* TestClock.adjust(Duration.millis(1))
          const error = yield* Fiber.join(fiber)
          assert.strictEqual(error._tag, "TimeoutError")
          return error._tag === "TimeoutError" ? [error.phase, Duration.toMillis(error.timeout)] : []
        })
      const app = Layer.mergeAll(clientLayer(server.url), Timeout.layer({ headers: "3 seconds" }), Retry.disabled)
      const create = (options?: MessagesClient.CallOptions) =>
        Effect.flatMap(MessagesClient.MessagesClient, (client) => client.create(L.request, options))
      assert.deepStrictEqual(yield* timedOutAfter(create().pipe(Effect.provide(app)), 3_000), ["headers", 3_000])
      assert.deepStrictEqual(
        yield* timedOutAfter(create({ timeouts: { headers: "2 seconds" } }).pipe(Effect.provide(app)), 2_000),
        ["headers", 2_000]
      )
      assert.deepStrictEqual(
        yield* timedOutAfter(
          create().pipe(Timeout.withTimeouts({ nonStreaming: "1 second" }), Effect.provide(app)),
          1_000
        ),
        ["total", 1_000]
      )
    })
  )

  it.scoped("betas and headers per call join the client's; auth, version and betas cannot be replaced", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("ok")))
      const client = yield* L.client(server.url, { betas: ["client-beta"], headers: { "x-client": "c" } })
      yield* client.create(L.request, {
        betas: ["call-beta"],
        headers: { "x-call": "1", "x-api-key": "stolen", "anthropic-version": "1999-01-01", "anthropic-beta": "x" }
      })
      yield* client.create(L.request)
      const [first, second] = server.received
      assert.strictEqual(first?.headers["anthropic-beta"], "client-beta,call-beta")
      assert.strictEqual(first?.headers["x-call"], "1")
      assert.strictEqual(first?.headers["x-client"], "c")
      assert.strictEqual(first?.headers["x-api-key"], L.SENTINEL_KEY)
      assert.strictEqual(first?.headers["anthropic-version"], "2023-06-01")
      assert.strictEqual(second?.headers["anthropic-beta"], "client-beta")
      assert.strictEqual(second?.headers["x-call"], undefined)
    })
  )

  it.scoped("the client layer is core's Model: the port's calls go over HTTP and fail with ModelErrors", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res, index) =>
        index === 0
          ? L.json(res, 200, L.message("via the port"))
          : L.apiError(res, 429, "rate_limit_error", "Slow down")
      )
      const program = Effect.gen(function* () {
        const model = yield* Model.Model
        const reply = yield* model.create(L.request)
        const error = yield* Effect.flip(model.create(L.request))
        return [reply, error] as const
      })
      const [reply, error] = yield* program.pipe(
        Effect.provide(Layer.mergeAll(clientLayer(server.url), Retry.disabled))
      )
      L.same(reply, L.message("via the port"))
      assert.isTrue(ModelError.isModelError(error))
      assert.isTrue(MessagesError.isMessagesError(error))
      assert.strictEqual(error.reason, "rate-limit")
      assert.strictEqual(error.status, 429)
      assert.strictEqual(error.delivered, 0)
      assert.isTrue(error.isRetryable)
      assert.strictEqual(
        error.message,
        "The API answered rate_limit_error (HTTP 429, request-id req_test): Slow down. Slow down, or configure the client-side rate limiter."
      )
      assert.isFalse(MessagesError.isMessagesError(new ModelError.ModelFailure({ reason: "other", message: "x" })))
    })
  )
})
