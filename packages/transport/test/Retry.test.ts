import type * as Http from "node:http"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import type { MessagesError } from "../src/MessagesError.js"
import * as Retry from "../src/Retry.js"
import * as L from "./utils/Loopback.js"

/** Immediate retries: exact attempt counts without waiting. */
const immediate = Retry.layer({ initialDelay: 0 })

/** Asserts that the next attempt starts exactly `delay` ms after `from`, driving the test clock. */
const assertRetryAt = (server: L.Loopback, attempts: number, from: number, delay: number) =>
  Effect.gen(function* () {
    yield* L.awaitSleep(from + delay)
    yield* TestClock.adjust(Duration.millis(delay - 1))
    yield* L.liveSleep(30)
    assert.strictEqual(server.received.length, attempts, `no attempt before ${delay} ms`)
    yield* TestClock.adjust(Duration.millis(1))
    yield* server.awaitRequests(attempts + 1)
  })

describe("Retry", () => {
  it.scoped("retried statuses get exactly 3 attempts (2 retries) and end with the typed error", () =>
    Effect.gen(function* () {
      for (const [status, tag] of [
        [408, "UnknownApiError"],
        [409, "UnknownApiError"],
        [429, "RateLimitError"],
        [500, "ApiServerError"],
        [502, "ApiServerError"],
        [503, "ApiServerError"],
        [529, "OverloadedError"]
      ] as const) {
        const server = yield* L.start((_, res) => {
          res.writeHead(status, { "content-type": "text/plain" })
          res.end("try again")
        })
        const client = yield* L.client(server.url, {}, immediate)
        const error = yield* Effect.flip(client.create(L.request))
        assert.strictEqual(error._tag, tag)
        assert.strictEqual(server.received.length, 3, `status ${status}`)
      }
    })
  )

  it.scoped("400, 401, 403, 404 and 413 are never retried", () =>
    Effect.gen(function* () {
      for (const status of [400, 401, 403, 404, 413]) {
        const server = yield* L.start((_, res) => L.apiError(res, status, "whatever", "no"))
        const client = yield* L.client(server.url, {}, immediate)
        yield* Effect.flip(client.create(L.request))
        assert.strictEqual(server.received.length, 1, `status ${status}`)
      }
    })
  )

  it.scoped("x-should-retry: true retries a 400, x-should-retry: false stops a 529", () =>
    Effect.gen(function* () {
      const yes = yield* L.start((_, res) =>
        L.apiError(res, 400, "invalid_request_error", "no", { "x-should-retry": "true" })
      )
      yield* Effect.flip((yield* L.client(yes.url, {}, immediate)).create(L.request))
      assert.strictEqual(yes.received.length, 3)
      const no = yield* L.start((_, res) =>
        L.apiError(res, 529, "overloaded_error", "no", { "x-should-retry": "false" })
      )
      yield* Effect.flip((yield* L.client(no.url, {}, immediate)).create(L.request))
      assert.strictEqual(no.received.length, 1)
    })
  )

  it.scoped("a retried call succeeds once the server recovers", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res, index) =>
        index < 2 ? L.apiError(res, 529, "overloaded_error", "busy") : L.json(res, 200, L.message("finally"))
      )
      const client = yield* L.client(server.url, {}, immediate)
      L.same(yield* client.create(L.request), L.message("finally"))
      assert.strictEqual(server.received.length, 3)
    })
  )

  it.scoped("broken connections are retried and end as ConnectionError", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => res.socket?.destroy())
      const client = yield* L.client(server.url, {}, immediate)
      const error = yield* Effect.flip(client.create(L.request))
      assert.strictEqual(error._tag, "ConnectionError")
      assert.isTrue(error.isRetryable)
      assert.strictEqual(server.received.length, 3)
    })
  )

  it.scoped("delays: retry-after-ms wins over retry-after, which wins over the computed backoff", () =>
    Effect.gen(function* () {
      const headers: ReadonlyArray<Http.OutgoingHttpHeaders> = [
        { "retry-after-ms": "1500", "retry-after": "30" },
        { "retry-after": "3" },
        {}
      ]
      const server = yield* L.start((_, res, index) =>
        index < 3 ? L.apiError(res, 429, "rate_limit_error", "slow", headers[index]) : L.json(res, 200, L.message("ok"))
      )
      const client = yield* L.client(server.url, {}, Retry.layer({ maxRetries: 3, jitter: 0 }))
      const fiber = yield* Effect.fork(client.create(L.request))
      yield* server.awaitRequests(1)
      yield* assertRetryAt(server, 1, 0, 1500)
      yield* assertRetryAt(server, 2, 1500, 3000)
      // no retry-after: the computed delay of the third retry, 0.5 s * 2^2
      yield* assertRetryAt(server, 3, 4500, 2000)
      L.same(yield* Fiber.join(fiber), L.message("ok"))
    })
  )

  it.scoped("retry-after as an HTTP date is relative to the clock", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res, index) =>
        index === 0
          ? L.apiError(res, 503, "api_error", "later", { "retry-after": new Date(4000).toUTCString() })
          : L.json(res, 200, L.message("ok"))
      )
      const client = yield* L.client(server.url, {}, Retry.layer({ jitter: 0 }))
      const fiber = yield* Effect.fork(client.create(L.request))
      yield* server.awaitRequests(1)
      yield* assertRetryAt(server, 1, 0, 4000)
      yield* Fiber.join(fiber)
    })
  )

  it.scoped("a retry-after longer than maxRetryAfter is not waited for", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) =>
        L.apiError(res, 429, "rate_limit_error", "slow", { "retry-after": "120" })
      )
      const client = yield* L.client(server.url, {}, Retry.layer({ maxRetryAfter: "60 seconds" }))
      const error = yield* Effect.flip(client.create(L.request))
      assert.strictEqual(error._tag, "RateLimitError")
      assert.deepStrictEqual(Retry.retryAfter(error), Duration.seconds(120))
      assert.strictEqual(server.received.length, 1)
    })
  )

  it.scoped("no retry starts past the deadline across attempts", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) =>
        L.apiError(res, 429, "rate_limit_error", "slow", { "retry-after": "3" })
      )
      const client = yield* L.client(server.url, {}, Retry.layer({ maxRetries: 5, deadline: "5 seconds" }))
      const fiber = yield* Effect.fork(client.create(L.request))
      yield* server.awaitRequests(1)
      yield* assertRetryAt(server, 1, 0, 3000)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(server.received.length, 2)
    })
  )

  it.scoped("an overloaded_error event before any content is retried invisibly", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res, index) => {
        L.streamHead(res)
        res.end(
          index === 0
            ? L.sseBody([L.messageStart(), L.ping, L.errorEvent("overloaded_error", "Overloaded")])
            : L.sseBody(L.textEvents(["after ", "retry"]))
        )
      })
      const client = yield* L.client(server.url, {}, immediate)
      const events = yield* Stream.runCollect(client.stream(L.request))
      L.same([...events], L.textEvents(["after ", "retry"]))
      assert.strictEqual(server.received.length, 2)
    })
  )

  it.scoped("an error event after the first delta fails with its own error, delivered set, and is not retried", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => {
        L.streamHead(res, { "request-id": "req_mid" })
        res.end(
          L.sseBody([
            L.messageStart(),
            L.textStart(),
            L.textDelta("partial"),
            L.errorEvent("overloaded_error", "Overloaded")
          ])
        )
      })
      const client = yield* L.client(server.url, {}, immediate)
      const received: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(client.stream(L.request), (event) => Effect.sync(() => received.push(event.type)))
      )
      assert.strictEqual(error._tag, "OverloadedError")
      if (error._tag !== "OverloadedError") return
      assert.strictEqual(error.reason, "overloaded")
      assert.strictEqual(error.status, 529)
      assert.isTrue(error.inStream)
      assert.strictEqual(error.delivered, 3)
      assert.strictEqual(error.requestId, "req_mid")
      assert.isFalse(error.isRetryable)
      assert.deepStrictEqual(received, ["message_start", "content_block_start", "content_block_delta"])
      assert.strictEqual(server.received.length, 1)
    })
  )

  it.scoped("a truncated stream: retried before content, not after (delivered set)", () =>
    Effect.gen(function* () {
      const early = yield* L.start((_, res) => {
        L.streamHead(res)
        res.end(L.sseBody([L.messageStart()]))
      })
      const earlyError = yield* Effect.flip(
        Stream.runDrain((yield* L.client(early.url, {}, immediate)).stream(L.request))
      )
      assert.strictEqual(earlyError._tag, "StreamTruncatedError")
      assert.strictEqual(early.received.length, 3)

      const late = yield* L.start((_, res) => {
        L.streamHead(res)
        res.end(L.sseBody([L.messageStart(), L.textStart(), L.textDelta("cut")]))
      })
      const lateError = yield* Effect.flip(
        Stream.runDrain((yield* L.client(late.url, {}, immediate)).stream(L.request))
      )
      assert.strictEqual(lateError._tag, "StreamTruncatedError")
      assert.strictEqual(lateError.delivered, 3)
      assert.strictEqual(late.received.length, 1)
    })
  )

  it.scoped("malformed data with status 200 is not retried", () =>
    Effect.gen(function* () {
      const server = yield* L.start((req, res) => {
        if (req.body.includes('"stream":true')) {
          L.streamHead(res)
          res.end(
            `${L.sse(L.messageStart())}event: content_block_start\ndata: {"type": "content_block_start", "index": 0\n\n`
          )
        } else {
          res.writeHead(200, { "content-type": "application/json", "request-id": "req_bad" })
          res.end('{"id": "msg_1", "type": "message"')
        }
      })
      const client = yield* L.client(server.url, {}, immediate)
      const created = yield* Effect.flip(client.create(L.request))
      assert.strictEqual(created._tag, "MalformedResponseError")
      assert.strictEqual(created._tag === "MalformedResponseError" && created.requestId, "req_bad")
      const streamed = yield* Effect.flip(Stream.runDrain(client.stream(L.request)))
      assert.strictEqual(streamed._tag, "MalformedResponseError")
      assert.include(streamed.message, "content_block_start")
      assert.strictEqual(server.received.length, 2)
    })
  )

  it.scoped("a composed schedule: more retries for 529 only", () =>
    Effect.gen(function* () {
      const policy = Retry.layerSchedule(
        Retry.schedule({ initialDelay: 0 }).pipe(
          Schedule.union(
            Retry.schedule({ maxRetries: 6, initialDelay: 0 }).pipe(
              Schedule.whileInput((error: MessagesError) => error._tag === "OverloadedError")
            )
          )
        )
      )
      const overloaded = yield* L.start((_, res) => L.apiError(res, 529, "overloaded_error", "busy"))
      yield* Effect.flip((yield* L.client(overloaded.url, {}, policy)).create(L.request))
      assert.strictEqual(overloaded.received.length, 7)
      const failing = yield* L.start((_, res) => L.apiError(res, 500, "api_error", "oops"))
      yield* Effect.flip((yield* L.client(failing.url, {}, policy)).create(L.request))
      assert.strictEqual(failing.received.length, 3)
    })
  )

  it.scoped("every retry is logged with attempt, reason, delay and the failed attempt's request-id", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res, index) =>
        L.apiError(res, 529, "overloaded_error", "busy", { "request-id": `req_${index}`, "retry-after-ms": "0" })
      )
      const client = yield* L.client(server.url, {}, Retry.layer())
      const { lines } = yield* L.captureLogs(client.create(L.request))
      assert.deepStrictEqual(lines, [
        'WARN ["Retrying a Messages request: OverloadedError (529)"] {"reason":"OverloadedError","attempt":2,"delayMillis":0,"requestId":"req_0"}',
        'WARN ["Retrying a Messages request: OverloadedError (529)"] {"reason":"OverloadedError","attempt":3,"delayMillis":0,"requestId":"req_1"}'
      ])
    })
  )
})
