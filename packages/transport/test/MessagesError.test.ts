import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { MessagesError, RateLimitError } from "../src/MessagesError.js"
import * as Retry from "../src/Retry.js"
import * as L from "./utils/Loopback.js"

const statuses = [
  { status: 400, type: "invalid_request_error", tag: "InvalidRequestError", retryable: false },
  { status: 401, type: "authentication_error", tag: "AuthenticationError", retryable: false },
  { status: 402, type: "billing_error", tag: "BillingError", retryable: false },
  { status: 403, type: "permission_error", tag: "PermissionError", retryable: false },
  { status: 404, type: "not_found_error", tag: "NotFoundError", retryable: false },
  { status: 413, type: "request_too_large", tag: "RequestTooLargeError", retryable: false },
  { status: 429, type: "rate_limit_error", tag: "RateLimitError", retryable: true },
  { status: 500, type: "api_error", tag: "ApiServerError", retryable: true },
  { status: 504, type: "timeout_error", tag: "ApiTimeoutError", retryable: true },
  { status: 529, type: "overloaded_error", tag: "OverloadedError", retryable: true },
  { status: 418, type: "teapot_error", tag: "UnknownApiError", retryable: false }
] as const

describe("MessagesError", () => {
  it.scoped("each API error type becomes its own tagged error with status, request-id, message and retry-after", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res, index) => {
        const row = statuses[index]!
        L.apiError(res, row.status, row.type, `boom ${row.type}`, { "request-id": `req_${index}`, "retry-after": "7" })
      })
      const client = yield* L.client(server.url)
      for (const [index, row] of statuses.entries()) {
        const error = yield* Effect.flip(client.create(L.request))
        assert.strictEqual(error._tag, row.tag)
        if (!("apiMessage" in error)) return assert.fail("not an API error")
        assert.strictEqual(error.status, row.status)
        assert.strictEqual(error.errorType, row.type)
        assert.strictEqual(error.apiMessage, `boom ${row.type}`)
        assert.strictEqual(error.requestId, `req_${index}`)
        assert.deepStrictEqual(error.retryAfter, Duration.seconds(7))
        assert.strictEqual(error.isRetryable, row.retryable)
        assert.include(error.message, `boom ${row.type}`)
        assert.include(error.message, `request-id req_${index}`)
      }
      assert.strictEqual(server.received.length, statuses.length)
    })
  )

  it.scoped("a body that is not an API error is classified by status", () =>
    Effect.gen(function* () {
      const bodies = [
        { status: 502, tag: "ApiServerError" },
        { status: 529, tag: "OverloadedError" },
        { status: 408, tag: "UnknownApiError" },
        { status: 409, tag: "UnknownApiError" }
      ] as const
      const server = yield* L.start((_, res, index) => {
        res.writeHead(bodies[index]!.status, { "content-type": "text/html" })
        res.end("<html>Bad gateway</html>")
      })
      const client = yield* L.client(server.url)
      for (const row of bodies) {
        const error = yield* Effect.flip(client.create(L.request))
        assert.strictEqual(error._tag, row.tag)
        assert.strictEqual("status" in error && error.status, row.status)
        assert.strictEqual("apiMessage" in error && error.apiMessage, "<html>Bad gateway</html>")
        assert.isTrue(error.isRetryable)
      }
    })
  )

  it.scoped("x-should-retry overrides the status", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res, index) =>
        index === 0
          ? L.apiError(res, 400, "invalid_request_error", "no", { "x-should-retry": "true" })
          : L.apiError(res, 529, "overloaded_error", "no", { "x-should-retry": "false" })
      )
      const client = yield* L.client(server.url)
      assert.isTrue((yield* Effect.flip(client.create(L.request))).isRetryable)
      assert.isFalse((yield* Effect.flip(client.create(L.request))).isRetryable)
    })
  )

  it.scoped("an SSE error event after HTTP 200 is the same typed error as its HTTP status", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => {
        L.streamHead(res, { "request-id": "req_sse" })
        res.end(L.sseBody([L.messageStart(), L.errorEvent("overloaded_error", "Overloaded")]))
      })
      const client = yield* L.client(server.url)
      const error = yield* Effect.flip(Stream.runDrain(client.stream(L.request)))
      assert.strictEqual(error._tag, "OverloadedError")
      if (error._tag !== "OverloadedError") return
      assert.strictEqual(error.status, 529)
      assert.isTrue(error.inStream)
      assert.strictEqual(error.requestId, "req_sse")
      assert.strictEqual(error.apiMessage, "Overloaded")
      assert.isTrue(error.isRetryable)
    })
  )

  it.scoped("every error round-trips through the MessagesError schema", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) =>
        L.apiError(res, 429, "rate_limit_error", "slow down", { "retry-after": "3" })
      )
      const client = yield* L.client(server.url)
      const error = yield* Effect.flip(client.create(L.request))
      const encoded = Schema.encodeSync(MessagesError)(error)
      const decoded = Schema.decodeUnknownSync(MessagesError)(JSON.parse(JSON.stringify(encoded)))
      assert.strictEqual(decoded._tag, "RateLimitError")
      assert.instanceOf(decoded, RateLimitError)
      L.same(Schema.encodeSync(MessagesError)(decoded), encoded)
    })
  )

  it.scoped("the API key appears in no error's text, JSON or log line", () =>
    Effect.gen(function* () {
      const faults: ReadonlyArray<(res: import("node:http").ServerResponse) => void> = [
        ...statuses.map(
          (row) => (res: import("node:http").ServerResponse) => L.apiError(res, row.status, row.type, "x")
        ),
        (res) => {
          res.writeHead(200, { "content-type": "application/json" })
          res.end("{not json")
        },
        (res) => {
          L.streamHead(res)
          res.end(L.sseBody([L.messageStart(), L.textStart(), L.textDelta("a")]))
        },
        (res) => {
          L.streamHead(res)
          res.end(L.sseBody([L.messageStart(), L.textStart(), L.textDelta("a"), L.errorEvent("api_error", "x")]))
        },
        (res) => {
          L.streamHead(res)
          res.end("data: {broken\n\n")
        },
        (res) => res.socket?.destroy()
      ]
      const server = yield* L.start((req, res) => faults[Number(JSON.parse(req.body).model)]!(res))
      const client = yield* L.client(server.url, {}, Retry.layer({ maxRetries: 1, initialDelay: 0 }))
      const { exit, lines } = yield* L.captureLogs(
        Effect.forEach(faults, (_, index) => {
          const request = { ...L.request, model: String(index) }
          return Effect.flip(
            index < statuses.length + 1 ? client.create(request) : Stream.runDrain(client.stream(request))
          )
        })
      )
      if (!Exit.isSuccess(exit)) return assert.fail("expected errors")
      const refused = yield* L.client("http://127.0.0.1:1")
      const errors = [...exit.value, yield* Effect.flip(refused.create(L.request))]
      const tags = new Set<string>(errors.map((error) => error._tag))
      for (const tag of ["AuthenticationError", "MalformedResponseError", "StreamTruncatedError", "ConnectionError"]) {
        assert.isTrue(tags.has(tag), tag)
      }
      for (const error of errors) {
        for (const text of [
          String(error),
          error.message,
          JSON.stringify(error),
          JSON.stringify(Schema.encodeSync(MessagesError)(error))
        ]) {
          assert.notInclude(text, L.SENTINEL_KEY)
        }
      }
      assert.isAbove(lines.length, 0)
      for (const line of lines) assert.notInclude(line, L.SENTINEL_KEY)
    })
  )
})
