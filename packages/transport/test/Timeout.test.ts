import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as MessagesClient from "../src/MessagesClient.js"
import type { MessagesError } from "../src/MessagesError.js"
import * as ParleyNodeHttpClient from "../src/NodeHttpClient.js"
import * as Retry from "../src/Retry.js"
import * as Timeout from "../src/Timeout.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as L from "./utils/Loopback.js"

/**
 * Distinct durations, shorter phase after phase: a call has one timer, which starts a new sleep only when its deadline
 * moves earlier, so each phase's deadline is a sleep of its own on the test clock (the tests' sign that the call
 * reached that phase).
 */
const policy = Layer.merge(
  Retry.disabled,
  Timeout.layer({ headers: "45 seconds", firstEvent: "30 seconds", idle: "20 seconds", streamTotal: "60 seconds" })
)

/** Runs a stream until its timeout fires at `at` ms; returns the failure. */
const timedOut = (stream: Stream.Stream<unknown, MessagesError>, server: L.Loopback, at: number) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(stream)))
    yield* server.awaitRequests(1)
    yield* L.awaitSleep(at)
    yield* TestClock.adjust(Duration.millis(at - 1))
    yield* L.liveSleep(20)
    assert.isNull(fiber.unsafePoll(), `still running before ${at} ms`)
    yield* TestClock.adjust(Duration.millis(1))
    return yield* Fiber.join(fiber)
  })

/** A timeout of `phase` after `timeout` ms, retryable unless `delivered` events had reached the caller. */
const assertTimeout = (error: MessagesError, phase: string, timeout: number, delivered = 0) => {
  assert.strictEqual(error._tag, "TimeoutError")
  if (error._tag !== "TimeoutError") return
  assert.strictEqual(error.phase, phase)
  assert.deepStrictEqual(error.timeout, Duration.millis(timeout))
  assert.strictEqual(error.delivered, delivered)
  assert.strictEqual(error.isRetryable, delivered === 0)
  assert.strictEqual(error.reason, "timeout")
}

describe("Timeout", () => {
  it.scoped("no response headers: a headers timeout, and the connection is closed", () =>
    Effect.gen(function* () {
      const server = yield* L.start(() => {})
      const client = yield* L.client(server.url, {}, policy)
      const error = yield* timedOut(client.stream(L.request), server, 45_000)
      assertTimeout(error, "headers", 45_000)
      assert.strictEqual(error.message, "No response headers arrived within 45s (the headers timeout).")
      yield* L.waitUntil(() => server.aborted() === 1, "the aborted request")
    })
  )

  it.scoped("headers but no event: a first-event timeout", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => {
        L.streamHead(res)
        res.flushHeaders()
      })
      const client = yield* L.client(server.url, {}, policy)
      const error = yield* timedOut(client.stream(L.request), server, 30_000)
      assertTimeout(error, "first-event", 30_000)
    })
  )

  it.scoped("silent after message_start: an idle timeout, retryable as no content was delivered", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => {
        L.streamHead(res)
        res.write(L.sse(L.messageStart()))
      })
      const client = yield* L.client(server.url, {}, policy)
      const error = yield* timedOut(client.stream(L.request), server, 20_000)
      assertTimeout(error, "idle", 20_000)
    })
  )

  it.scoped("silent after content: the idle timeout, with the events delivered, not retryable", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => {
        L.streamHead(res)
        res.write(L.sseBody([L.messageStart(), L.textStart(), L.textDelta("hi")]))
      })
      const client = yield* L.client(server.url, {}, policy)
      const error = yield* timedOut(client.stream(L.request), server, 20_000)
      assertTimeout(error, "idle", 20_000, 3)
      assert.strictEqual(
        error.message,
        "The stream was silent for 20s (the idle timeout, request-id req_stream). 3 events had already reached the caller, so the call was not retried."
      )
    })
  )

  it.scoped("the total deadline of a stream wins when it is nearer than the idle timeout", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => {
        L.streamHead(res)
        res.write(L.sseBody([L.messageStart(), L.textStart(), L.textDelta("hi")]))
      })
      const client = yield* L.client(server.url, { timeouts: { streamTotal: "15 seconds" } }, policy)
      const error = yield* timedOut(client.stream(L.request), server, 15_000)
      assertTimeout(error, "total", 15_000, 3)
    })
  )

  // Under the live clock a stream's reads wait on plain timers (one reader fiber per stream): the same phases.
  const livePolicy = Layer.merge(
    Retry.disabled,
    Timeout.layer({ headers: "2 seconds", firstEvent: "300 millis", idle: "250 millis", streamTotal: "10 seconds" })
  )

  it.live("live clock: headers but no event, a first-event timeout after 300 ms", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* L.start((_, res) => {
          L.streamHead(res)
          res.flushHeaders()
        })
        const client = yield* L.client(server.url, {}, livePolicy)
        const start = Date.now()
        const error = yield* Effect.flip(Stream.runDrain(client.stream(L.request)))
        assert.isAtLeast(Date.now() - start, 290)
        assertTimeout(error, "first-event", 300)
        assert.strictEqual(error._tag, "TimeoutError")
        yield* L.waitUntil(() => server.aborted() === 1, "the aborted request")
      })
    )
  )

  it.live("live clock: events 50 ms apart outlast the 250 ms idle timeout; silence after content does not", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const events = [
          L.messageStart(),
          L.textStart(),
          ...["a", "b", "c", "d", "e", "f", "g", "h"].map((t) => L.textDelta(t))
        ]
        const server = yield* L.start((_, res) => {
          L.streamHead(res)
          events.forEach((event, i) => {
            setTimeout(() => res.write(L.sse(event)), 50 * i)
          })
        })
        const client = yield* L.client(server.url, {}, livePolicy)
        const start = Date.now()
        const received: Array<string> = []
        const error = yield* Effect.flip(
          Stream.runForEach(client.stream(L.request), (event) => Effect.sync(() => received.push(event.type)))
        )
        assert.isAtLeast(Date.now() - start, 350 + 240)
        assert.deepStrictEqual(
          received,
          events.map((event) => event.type)
        )
        assertTimeout(error, "idle", 250, events.length)
        yield* L.waitUntil(() => server.aborted() === 1, "the aborted request")
      })
    )
  )

  it.live("live clock: the total deadline wins when it is nearer than the idle timeout", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* L.start((_, res) => {
          L.streamHead(res)
          res.write(L.sseBody([L.messageStart(), L.textStart(), L.textDelta("hi")]))
        })
        const client = yield* L.client(
          server.url,
          { timeouts: { idle: "5 seconds", streamTotal: "200 millis" } },
          livePolicy
        )
        const error = yield* Effect.flip(Stream.runDrain(client.stream(L.request)))
        assertTimeout(error, "total", 200, 3)
      })
    )
  )

  const httpClients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
    ["Parley's node:http", ParleyNodeHttpClient.layer],
    ["Parley's undici", UndiciHttpClient.layer],
    ["platform's undici", NodeHttpClient.layerUndici],
    ["platform's node:http", NodeHttpClient.layer],
    ["fetch", FetchHttpClient.layer]
  ]

  for (const [name, http] of httpClients) {
    it.live(`live clock on the ${name} HttpClient: each phase times out on time and aborts the request`, () =>
      Effect.scoped(
        Effect.gen(function* () {
          const server = yield* L.start((req, res) => {
            if (req.path === "/silent/v1/messages") return
            if (req.path === "/head/v1/messages") return void res.flushHeaders()
            L.streamHead(res)
            res.write(L.sseBody([L.messageStart(), L.textStart(), L.textDelta("hi")]))
          })
          const context = yield* Layer.build(Layer.merge(http, livePolicy))
          const clientAt = (path: string) =>
            MessagesClient.make({
              apiKey: Redacted.make(L.SENTINEL_KEY),
              baseUrl: `${server.url}/${path}`,
              timeouts: { headers: "200 millis", nonStreaming: "250 millis", idle: "150 millis" }
            }).pipe(Effect.provide(context))
          const elapsed = <A, E>(effect: Effect.Effect<A, E>) =>
            Effect.suspend(() => {
              const start = Date.now()
              return Effect.map(Effect.flip(effect), (error) => [error, Date.now() - start] as const)
            })

          // create honours the headers timeout (here 200 ms, under its 250 ms total)
          const [created, createdMs] = yield* elapsed((yield* clientAt("silent")).create(L.request))
          assertTimeout(created, "headers", 200)
          assert.isAtLeast(createdMs, 190)
          yield* L.waitUntil(() => server.aborted() === 1, "the aborted create")

          const [counted] = yield* elapsed((yield* clientAt("silent")).countTokens(L.request))
          assertTimeout(counted, "headers", 200)
          yield* L.waitUntil(() => server.aborted() === 2, "the aborted count")

          const [headers, headersMs] = yield* elapsed(Stream.runDrain((yield* clientAt("silent")).stream(L.request)))
          assertTimeout(headers, "headers", 200)
          assert.isAtLeast(headersMs, 190)
          yield* L.waitUntil(() => server.aborted() === 3, "the aborted stream")

          const [idle, idleMs] = yield* elapsed(Stream.runDrain((yield* clientAt("events")).stream(L.request)))
          assertTimeout(idle, "idle", 150, 3)
          assert.isAtLeast(idleMs, 140)
          yield* L.waitUntil(() => server.aborted() === 4, "the aborted idle stream")
        })
      )
    )
  }

  it.scoped("a non-streaming call gets the SDK's 10 minutes, then a total timeout", () =>
    Effect.gen(function* () {
      const server = yield* L.start(() => {})
      const client = yield* L.client(server.url, {}, Retry.disabled)
      const fiber = yield* Effect.fork(Effect.flip(client.create(L.request)))
      yield* server.awaitRequests(1)
      yield* L.awaitSleep(600_000)
      yield* TestClock.adjust("10 minutes")
      const error = yield* Fiber.join(fiber)
      assertTimeout(error, "total", 600_000)
      yield* L.waitUntil(() => server.aborted() === 1, "the aborted request")
    })
  )

  it("nonStreamingTotal follows the SDK: 10 minutes up to 21,333 max_tokens, then StreamingRequiredError", () => {
    assert.deepStrictEqual(Effect.runSync(Timeout.nonStreamingTotal(Timeout.defaults, 21_333)), Duration.minutes(10))
    const error = Effect.runSync(Effect.flip(Timeout.nonStreamingTotal(Timeout.defaults, 21_334)))
    assert.strictEqual(error._tag, "StreamingRequiredError")
    assert.strictEqual(error.maxTokens, 21_334)
    const fixed = Timeout.make({ nonStreaming: "30 minutes" })
    assert.deepStrictEqual(Effect.runSync(Timeout.nonStreamingTotal(fixed, 64_000)), Duration.minutes(30))
  })

  it("options override the base policy field by field", () => {
    const base = Timeout.make({ headers: "5 seconds" })
    const policy = Timeout.make({ idle: "7 seconds" }, base)
    assert.deepStrictEqual(policy, {
      headers: Duration.seconds(5),
      nonStreamingHeaders: Duration.seconds(5),
      firstEvent: Duration.seconds(60),
      idle: Duration.seconds(7),
      streamTotal: Duration.minutes(60),
      nonStreaming: "auto"
    })
  })
})
