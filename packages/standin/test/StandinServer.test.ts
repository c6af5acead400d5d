import { assert, describe, it } from "@effect/vitest"
import * as Message from "@parley/core/Message"
import * as StreamEvent from "@parley/core/StreamEvent"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as Fault from "../src/Fault.js"
import * as Reply from "../src/Reply.js"
import * as Responder from "../src/Responder.js"
import * as StandinServer from "../src/StandinServer.js"
import { frames, messagesBody, request, send } from "./http.js"

const decodeMessage = Schema.decodeUnknownEither(Message.Message)
const decodeEvent = Schema.decodeUnknownEither(StreamEvent.StreamEvent)

const scripted = (replies: Parameters<typeof Responder.script>[0], options: Partial<StandinServer.Options> = {}) =>
  StandinServer.start({ responder: Responder.script(replies), ...options })

const errorBody = (status: { readonly body: string; readonly headers: Record<string, unknown> }) => ({
  parsed: JSON.parse(status.body) as unknown,
  requestId: status.headers["request-id"]
})

const realSleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

describe("StandinServer", () => {
  describe("JSON replies", () => {
    it.scoped("serves a scripted text reply as the API's message JSON", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text("Hello, world!", { id: "msg_fixed" })])
        const response = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(response.status, 200)
        assert.strictEqual(response.headers["content-type"], "application/json")
        assert.match(String(response.headers["request-id"]), /^req_01[0-9A-Za-z]{22}$/)
        const body = JSON.parse(response.body)
        assert.deepStrictEqual(Object.keys(body), [
          "id",
          "type",
          "role",
          "model",
          "content",
          "stop_reason",
          "stop_sequence",
          "usage"
        ])
        assert.strictEqual(body.id, "msg_fixed")
        assert.strictEqual(body.model, "claude-test")
        assert.deepStrictEqual(body.content, [{ type: "text", text: "Hello, world!" }])
        assert.strictEqual(body.stop_reason, "end_turn")
        assert.strictEqual(body.stop_sequence, null)
        assert.isAbove(body.usage.input_tokens, 0)
        assert.strictEqual(body.usage.output_tokens, 4)
        assert.isTrue(Either.isRight(decodeMessage(body)))
      })
    )

    it.scoped("keeps the model and usage a reply sets", () =>
      Effect.gen(function* () {
        const usage = { input_tokens: 11, output_tokens: 22 }
        const standin = yield* scripted([Reply.text("x", { model: "claude-other", usage })])
        const body = JSON.parse((yield* request(standin.url, "/v1/messages", { body: messagesBody() })).body)
        assert.strictEqual(body.model, "claude-other")
        assert.deepStrictEqual(body.usage, usage)
      })
    )

    it.scoped("sends anthropic-organization-id when configured", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text("x")], { organizationId: "org-123" })
        const response = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(response.headers["anthropic-organization-id"], "org-123")
      })
    )
  })

  describe("SSE replies", () => {
    it.scoped("streams text in the API's event order and format", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text("Hello, world!")], { chunks: { textChunkSize: 5 } })
        const response = yield* request(standin.url, "/v1/messages", { body: messagesBody({ stream: true }) })
        assert.strictEqual(response.status, 200)
        assert.strictEqual(response.headers["content-type"], "text/event-stream; charset=utf-8")
        assert.strictEqual(response.headers["cache-control"], "no-cache")
        assert.match(String(response.headers["request-id"]), /^req_01/)
        assert.isTrue(response.body.startsWith('event: message_start\ndata: {"type":"message_start","message":{'))
        const events = frames(response.body)
        assert.deepStrictEqual(
          events.map((frame) => frame.event),
          [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
          ]
        )
        const data = events.map((frame) => JSON.parse(frame.data))
        for (const [index, event] of data.entries()) {
          assert.strictEqual(event.type, events[index]?.event)
          assert.isTrue(Either.isRight(decodeEvent(event)))
        }
        assert.deepStrictEqual(data[0].message.content, [])
        assert.strictEqual(data[0].message.stop_reason, null)
        assert.strictEqual(data[0].message.model, "claude-test")
        assert.strictEqual(data[0].message.usage.output_tokens, 1)
        assert.deepStrictEqual(data[1], {
          type: "content_block_start",
          index: 0,
          content_block: { type: "text", text: "" }
        })
        assert.deepStrictEqual(
          data.slice(3, 6).map((event) => event.delta.text),
          ["Hello", ", wor", "ld!"]
        )
        assert.deepStrictEqual(data[7].delta, { stop_reason: "end_turn", stop_sequence: null })
        assert.strictEqual(data[7].usage.output_tokens, 4)
        assert.strictEqual(data[7].usage.input_tokens, data[0].message.usage.input_tokens)
      })
    )

    it.scoped("streams tool input as input_json_delta pieces that join to the input", () =>
      Effect.gen(function* () {
        const input = { expression: "17 * 23", precision: 2 }
        const standin = yield* scripted([Reply.toolUse([{ name: "calculator", input, id: "toolu_1" }])], {
          chunks: { jsonChunkSize: 10 }
        })
        const response = yield* request(standin.url, "/v1/messages", { body: messagesBody({ stream: true }) })
        const data = frames(response.body).map((frame) => JSON.parse(frame.data))
        assert.deepStrictEqual(data[1], {
          type: "content_block_start",
          index: 0,
          content_block: { type: "tool_use", id: "toolu_1", name: "calculator", input: {} }
        })
        const pieces = data
          .filter((event) => event.type === "content_block_delta")
          .map((event) => event.delta.partial_json as string)
        assert.deepStrictEqual(pieces, ['{"expressi', 'on":"17 * ', '23","preci', 'sion":2}'])
        assert.deepStrictEqual(JSON.parse(pieces.join("")), input)
        assert.strictEqual(data[data.length - 2].delta.stop_reason, "tool_use")
      })
    )

    it.live("spaces events by eventDelay", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text("abcdef")], { chunks: { textChunkSize: 2 }, eventDelay: 20 })
        const response = yield* request(standin.url, "/v1/messages", { body: messagesBody({ stream: true }) })
        assert.strictEqual(frames(response.body).length, 9)
        assert.isAtLeast(response.endedAfter, 8 * 20 - 5)
      }).pipe(Effect.scoped)
    )
  })

  describe("request validation", () => {
    it.scoped("rejects a schema violation with the API's 400 body naming the field", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([])
        const { max_tokens: _, ...body } = messagesBody()
        const response = yield* request(standin.url, "/v1/messages", { body })
        assert.strictEqual(response.status, 400)
        const { parsed, requestId } = errorBody(response)
        assert.deepStrictEqual(parsed, {
          type: "error",
          error: { type: "invalid_request_error", message: "max_tokens: Field required" },
          request_id: requestId
        })
      })
    )

    it.scoped("names the alternatives of a union", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([])
        const response = yield* request(standin.url, "/v1/messages", {
          body: messagesBody({ messages: [{ role: "tool", content: "hi" }] })
        })
        assert.strictEqual(response.status, 400)
        assert.strictEqual(
          JSON.parse(response.body).error.message,
          'messages.0.role: Expected "user" | "assistant" | "system", actual "tool"'
        )
        const block = yield* request(standin.url, "/v1/messages", {
          body: messagesBody({ messages: [{ role: "user", content: [{ type: "text" }] }] })
        })
        assert.strictEqual(JSON.parse(block.body).error.message, "messages.0.content.0.text: Field required")
      })
    )

    it.scoped("rejects malformed JSON and non-object bodies", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([])
        const malformed = yield* request(standin.url, "/v1/messages", { body: '{"model": ' })
        assert.strictEqual(malformed.status, 400)
        const error = JSON.parse(malformed.body).error
        assert.strictEqual(error.type, "invalid_request_error")
        assert.isTrue(error.message.startsWith("The request body is not valid JSON: "))
        const array = yield* request(standin.url, "/v1/messages", { body: "[]" })
        assert.strictEqual(JSON.parse(array.body).error.message, "The request body must be a JSON object.")
        const empty = yield* request(standin.url, "/v1/messages", { body: "" })
        assert.strictEqual(JSON.parse(empty.body).error.message, "The request body is empty; expected JSON.")
      })
    )

    it.scoped("runs core's request validation", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([])
        const response = yield* request(standin.url, "/v1/messages", { body: messagesBody({ messages: [] }) })
        assert.strictEqual(response.status, 400)
        assert.deepStrictEqual(JSON.parse(response.body).error, {
          type: "invalid_request_error",
          message: "messages must not be empty"
        })
      })
    )

    it.scoped("requires credentials and anthropic-version", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text("a"), Reply.text("b")])
        const noKey = yield* request(standin.url, "/v1/messages", {
          body: messagesBody(),
          headers: { "x-api-key": undefined }
        })
        assert.strictEqual(noKey.status, 401)
        assert.deepStrictEqual(JSON.parse(noKey.body).error, {
          type: "authentication_error",
          message: "x-api-key header is required"
        })
        const noVersion = yield* request(standin.url, "/v1/messages", {
          body: messagesBody(),
          headers: { "anthropic-version": undefined }
        })
        assert.strictEqual(noVersion.status, 400)
        assert.deepStrictEqual(JSON.parse(noVersion.body).error, {
          type: "invalid_request_error",
          message: "anthropic-version: header is required"
        })
        const bearer = yield* request(standin.url, "/v1/messages", {
          body: messagesBody(),
          headers: { "x-api-key": undefined, authorization: "Bearer sk-other" }
        })
        assert.strictEqual(bearer.status, 200)
        const basic = yield* request(standin.url, "/v1/messages", {
          body: messagesBody(),
          headers: { "x-api-key": undefined, authorization: "Basic abc" }
        })
        assert.strictEqual(basic.status, 401)
      })
    )

    it.scoped("accepts any key without requireAuth, only the configured key with apiKey", () =>
      Effect.gen(function* () {
        const open = yield* scripted([Reply.text("a")], { requireAuth: false })
        const anonymous = yield* request(open.url, "/v1/messages", {
          body: messagesBody(),
          headers: { "x-api-key": undefined }
        })
        assert.strictEqual(anonymous.status, 200)
        const keyed = yield* scripted([Reply.text("a")], { apiKey: Redacted.make("sk-right") })
        const wrong = yield* request(keyed.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(wrong.status, 401)
        assert.strictEqual(JSON.parse(wrong.body).error.message, "invalid x-api-key")
        const right = yield* request(keyed.url, "/v1/messages", {
          body: messagesBody(),
          headers: { "x-api-key": "sk-right" }
        })
        assert.strictEqual(right.status, 200)
      })
    )

    it.scoped("answers 404 for unknown paths, 405 for other methods, 413 for large bodies", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([], { maxBodyBytes: 64 })
        const missing = yield* request(standin.url, "/v1/complete", { body: messagesBody() })
        assert.strictEqual(missing.status, 404)
        assert.deepStrictEqual(JSON.parse(missing.body).error, { type: "not_found_error", message: "Not Found" })
        const get = yield* request(standin.url, "/v1/messages", { method: "GET" })
        assert.strictEqual(get.status, 405)
        assert.strictEqual(get.headers.allow, "POST")
        assert.strictEqual(JSON.parse(get.body).error.type, "invalid_request_error")
        const large = yield* request(standin.url, "/v1/messages", {
          body: messagesBody({ messages: [{ role: "user", content: "x".repeat(100) }] })
        })
        assert.strictEqual(large.status, 413)
        assert.strictEqual(JSON.parse(large.body).error.type, "request_too_large")
      })
    )
  })

  describe("count_tokens", () => {
    it.scoped("answers input_tokens that grow with the prompt", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([])
        const count = (content: string) =>
          Effect.map(
            request(standin.url, "/v1/messages/count_tokens", {
              body: { model: "claude-test", messages: [{ role: "user", content }] }
            }),
            (response) => ({ status: response.status, body: JSON.parse(response.body) })
          )
        const short = yield* count("Hello")
        const long = yield* count("Hello ".repeat(200))
        assert.strictEqual(short.status, 200)
        assert.deepStrictEqual(Object.keys(short.body), ["input_tokens"])
        assert.isAbove(short.body.input_tokens, 0)
        assert.isAbove(long.body.input_tokens, short.body.input_tokens + 250)
        const invalid = yield* request(standin.url, "/v1/messages/count_tokens", { body: { messages: [] } })
        assert.strictEqual(invalid.status, 400)
        assert.strictEqual(JSON.parse(invalid.body).error.message, "model: Field required")
      })
    )
  })

  describe("recording", () => {
    it.scoped("records every request with credentials redacted", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text("a")])
        yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        yield* request(standin.url, "/v1/messages?beta=true", {
          body: "not json",
          headers: { "x-api-key": undefined, authorization: "Bearer sk-bearer-secret" }
        })
        const recorded = standin.requests()
        assert.strictEqual(recorded.length, 2)
        assert.strictEqual(recorded[0]?.path, "/v1/messages")
        assert.strictEqual(recorded[0]?.method, "POST")
        assert.strictEqual(recorded[0]?.headers["x-api-key"], "<redacted>")
        assert.strictEqual(recorded[0]?.headers["anthropic-version"], "2023-06-01")
        assert.deepStrictEqual(recorded[0]?.body, messagesBody())
        assert.strictEqual(recorded[1]?.path, "/v1/messages?beta=true")
        assert.strictEqual(recorded[1]?.headers.authorization, "Bearer <redacted>")
        assert.strictEqual(recorded[1]?.body, "not json")
        const everything = JSON.stringify(recorded)
        assert.isFalse(everything.includes("sk-test-secret-key"))
        assert.isFalse(everything.includes("sk-bearer-secret"))
      })
    )

    it.live("counts open connections", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.withFaults(Reply.text("slow"), Fault.stall(300))])
        assert.strictEqual(standin.openConnections(), 0)
        const fiber = yield* Effect.fork(send(standin.url, "/v1/messages", { body: messagesBody() }))
        while (standin.requests().length === 0) yield* realSleep(5)
        assert.strictEqual(standin.openConnections(), 1)
        yield* Fiber.join(fiber)
        while (standin.openConnections() > 0) yield* realSleep(5)
        assert.strictEqual(standin.openConnections(), 0)
      }).pipe(Effect.scoped)
    )
  })

  describe("responders", () => {
    it.scoped("answers a call beyond the script with a 500 naming it", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text("only")])
        yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        const response = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(response.status, 500)
        assert.deepStrictEqual(JSON.parse(response.body).error, {
          type: "api_error",
          message: "The stand-in script has no reply for call 2 (it has 1)."
        })
      })
    )

    it.scoped("turns a responder defect into a 500 api_error", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({ responder: () => Effect.die(new Error("boom")) })
        const response = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(response.status, 500)
        assert.deepStrictEqual(JSON.parse(response.body).error, {
          type: "api_error",
          message: "The stand-in responder failed: boom"
        })
      })
    )
  })

  describe("faults", () => {
    it.scoped("replies with a status and the API's error body", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([
          Reply.fault(Fault.status(503)),
          Reply.fault(Fault.status(400, { type: "invalid_request_error", message: "prompt is too long" }))
        ])
        const unavailable = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(unavailable.status, 503)
        assert.deepStrictEqual(errorBody(unavailable).parsed, {
          type: "error",
          error: { type: "api_error", message: "An unexpected error has occurred internal to Anthropic's systems." },
          request_id: unavailable.headers["request-id"]
        })
        const invalid = yield* request(standin.url, "/v1/messages", { body: messagesBody({ stream: true }) })
        assert.strictEqual(invalid.status, 400)
        assert.strictEqual(invalid.headers["content-type"], "application/json")
        assert.strictEqual(JSON.parse(invalid.body).error.message, "prompt is too long")
      })
    )

    it.scoped("rate-limits with retry-after, and overloads with 529", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([
          Reply.fault(Fault.rateLimited({ retryAfterSeconds: 7, retryAfterMs: 6500 })),
          Reply.fault(Fault.overloaded())
        ])
        const limited = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(limited.status, 429)
        assert.strictEqual(limited.headers["retry-after"], "7")
        assert.strictEqual(limited.headers["retry-after-ms"], "6500")
        assert.deepStrictEqual(JSON.parse(limited.body).error, {
          type: "rate_limit_error",
          message: "Your account has hit a rate limit."
        })
        const overloaded = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(overloaded.status, 529)
        assert.deepStrictEqual(JSON.parse(overloaded.body).error, { type: "overloaded_error", message: "Overloaded" })
      })
    )

    it.scoped("adds x-should-retry and rate-limit headers to a successful reply", () =>
      Effect.gen(function* () {
        const reset = new Date("2030-01-02T03:04:05.678Z")
        const standin = yield* scripted([
          Reply.withFaults(
            Reply.text("ok"),
            Fault.shouldRetry(false),
            Fault.rateLimitHeaders({
              requests: { limit: 50, remaining: 49, reset },
              tokens: { limit: 1000, remaining: 900, reset: "2030-01-02T03:04:06Z" },
              inputTokens: { limit: 800, remaining: 700, reset },
              outputTokens: { limit: 200, remaining: 150, reset }
            })
          )
        ])
        const response = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(response.status, 200)
        assert.strictEqual(response.headers["x-should-retry"], "false")
        assert.strictEqual(response.headers["anthropic-ratelimit-requests-limit"], "50")
        assert.strictEqual(response.headers["anthropic-ratelimit-requests-remaining"], "49")
        assert.strictEqual(response.headers["anthropic-ratelimit-requests-reset"], "2030-01-02T03:04:05Z")
        assert.strictEqual(response.headers["anthropic-ratelimit-tokens-reset"], "2030-01-02T03:04:06Z")
        assert.strictEqual(response.headers["anthropic-ratelimit-input-tokens-remaining"], "700")
        assert.strictEqual(response.headers["anthropic-ratelimit-output-tokens-limit"], "200")
        assert.strictEqual(JSON.parse(response.body).content[0].text, "ok")
      })
    )

    it.scoped("sends an SSE error event mid-stream, or the error status without streaming", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([
          Reply.withFaults(Reply.text("Hello, world!"), Fault.midStreamError(4, "overloaded_error")),
          Reply.fault(Fault.midStreamError(1, "api_error", "Internal server error"))
        ])
        const streamed = yield* request(standin.url, "/v1/messages", { body: messagesBody({ stream: true }) })
        assert.strictEqual(streamed.status, 200)
        assert.isTrue(streamed.complete)
        const events = frames(streamed.body)
        assert.deepStrictEqual(
          events.map((frame) => frame.event),
          ["message_start", "content_block_start", "ping", "content_block_delta", "error"]
        )
        assert.strictEqual(
          events[4]?.data,
          '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
        )
        const plain = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(plain.status, 500)
        assert.deepStrictEqual(JSON.parse(plain.body).error, { type: "api_error", message: "Internal server error" })
      })
    )

    it.scoped("truncates a stream after whole events, and a JSON body after bytes", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([
          Reply.withFaults(Reply.text("Hello, world!"), Fault.truncate({ afterEvents: 3 })),
          Reply.withFaults(Reply.text("Hello, world!"), Fault.truncate({ afterBytes: 10 })),
          Reply.withFaults(Reply.text("Hello"), Fault.truncate({ afterBytes: 30 }))
        ])
        const stream = yield* request(standin.url, "/v1/messages", { body: messagesBody({ stream: true }) })
        assert.strictEqual(stream.status, 200)
        assert.isFalse(stream.complete)
        assert.deepStrictEqual(
          frames(stream.body).map((frame) => frame.event),
          ["message_start", "content_block_start", "ping"]
        )
        const json = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.isFalse(json.complete)
        assert.strictEqual(json.body, '{"id":"msg')
        const cutStream = yield* request(standin.url, "/v1/messages", { body: messagesBody({ stream: true }) })
        assert.isFalse(cutStream.complete)
        assert.strictEqual(cutStream.body, 'event: message_start\ndata: {"t')
      })
    )

    it.live("stalls before the headers and mid-stream", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([
          Reply.withFaults(Reply.text("a"), Fault.stall("150 millis")),
          Reply.withFaults(Reply.text("Hello"), Fault.stall(150, { afterEvents: 2 }))
        ])
        const before = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(before.status, 200)
        assert.isAtLeast(before.headersAfter, 140)
        const mid = yield* request(standin.url, "/v1/messages", { body: messagesBody({ stream: true }) })
        assert.isTrue(mid.complete)
        assert.isBelow(mid.headersAfter, 100)
        assert.isAtLeast(mid.endedAfter, 140)
        assert.strictEqual(frames(mid.body).length, 7)
      }).pipe(Effect.scoped)
    )

    it.scoped("stalls on the test clock until it is adjusted", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.withFaults(Reply.text("late"), Fault.stall("1 hour"))])
        const fiber = yield* Effect.fork(request(standin.url, "/v1/messages", { body: messagesBody() }))
        while ((yield* TestClock.sleeps()).length === 0) yield* realSleep(5)
        yield* TestClock.adjust("1 hour")
        const response = yield* Fiber.join(fiber)
        assert.strictEqual(response.status, 200)
        assert.strictEqual(JSON.parse(response.body).content[0].text, "late")
      })
    )

    it.live("stalls forever until the client gives up, and the server stays usable", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([
          Reply.withFaults(Reply.text("never"), Fault.stall("forever")),
          Reply.text("ok")
        ])
        const stalled = yield* send(standin.url, "/v1/messages", { body: messagesBody(), timeout: 100 })
        assert.isTrue("error" in stalled)
        const next = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(JSON.parse(next.body).content[0].text, "ok")
        while (standin.openConnections() > 0) yield* realSleep(5)
      }).pipe(Effect.scoped)
    )

    it.scoped("answers 200 with a body that is not JSON", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([
          Reply.withFaults(Reply.text("x"), Fault.malformedJson()),
          Reply.withFaults(Reply.text("x"), Fault.malformedJson())
        ])
        const json = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(json.status, 200)
        assert.isTrue(json.complete)
        assert.throws(() => JSON.parse(json.body))
        const stream = yield* request(standin.url, "/v1/messages", { body: messagesBody({ stream: true }) })
        const events = frames(stream.body)
        assert.strictEqual(events[0]?.event, "message_start")
        assert.throws(() => JSON.parse(events[0]?.data ?? ""))
        assert.doesNotThrow(() => JSON.parse(events[1]?.data ?? ""))
      })
    )

    it.scoped("applies server-wide faults before the responder, which does not advance", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text("ok")], {
          faults: Fault.firstCalls(2, Fault.overloaded(), Fault.shouldRetry(true))
        })
        const first = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        const second = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        const third = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.deepStrictEqual([first.status, second.status, third.status], [529, 529, 200])
        assert.strictEqual(first.headers["x-should-retry"], "true")
        assert.strictEqual(third.headers["x-should-retry"], undefined)
        assert.strictEqual(JSON.parse(third.body).content[0].text, "ok")
      })
    )

    it.scoped("applies server-wide stream faults to the responder's message and to count_tokens", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text("Hello")], {
          faults: Fault.always(Fault.midStreamError(2), Fault.headers({ "x-standin": "yes" }))
        })
        const streamed = yield* request(standin.url, "/v1/messages", { body: messagesBody({ stream: true }) })
        assert.deepStrictEqual(
          frames(streamed.body).map((frame) => frame.event),
          ["message_start", "content_block_start", "error"]
        )
        assert.strictEqual(streamed.headers["x-standin"], "yes")
        const counted = yield* request(standin.url, "/v1/messages/count_tokens", {
          body: { model: "m", messages: [{ role: "user", content: "hi" }] }
        })
        assert.strictEqual(counted.status, 529)
      })
    )
  })

  describe("lifecycle", () => {
    it.live("closing the scope cuts stalled connections and stops listening", () =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const standin = yield* scripted([Reply.withFaults(Reply.text("x"), Fault.stall("forever"))]).pipe(
          Scope.extend(scope)
        )
        const fiber = yield* Effect.fork(send(standin.url, "/v1/messages", { body: messagesBody() }))
        while (standin.requests().length === 0) yield* realSleep(5)
        yield* Scope.close(scope, Exit.void)
        const cut = yield* Fiber.join(fiber)
        assert.isTrue("error" in cut || !cut.complete)
        assert.strictEqual(standin.openConnections(), 0)
        const refused = yield* send(standin.url, "/v1/messages", { body: messagesBody() })
        assert.isTrue("error" in refused)
      })
    )

    it.scoped("provides the server as a layer", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.StandinServer
        const response = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(JSON.parse(response.body).content[0].text, "from a layer")
      }).pipe(Effect.provide(StandinServer.layer({ responder: Responder.script([Reply.text("from a layer")]) })))
    )
  })

  describe("bounded memory", () => {
    it.scoped("keeps only the latest maxRecordedRequests requests", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({ responder: Responder.echo, maxRecordedRequests: 3 })
        for (let i = 0; i < 7; i++) {
          yield* request(standin.url, "/v1/messages", {
            body: messagesBody({ messages: [{ role: "user", content: `turn ${i}` }] })
          })
        }
        const kept = standin
          .requests()
          .map((entry) => (entry.body as { messages: [{ content: string }] }).messages[0].content)
        assert.deepStrictEqual(kept, ["turn 4", "turn 5", "turn 6"])
      })
    )

    it.scoped("keeps at most maxRecordedBytes of bodies, and 100 requests by default", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({ responder: Responder.echo, maxRecordedBytes: 300_000 })
        const large = "x".repeat(100_000)
        for (let i = 0; i < 5; i++) {
          yield* request(standin.url, "/v1/messages", {
            body: messagesBody({ max_tokens: 1, messages: [{ role: "user", content: `${i}${large}` }] })
          })
        }
        const kept = standin.requests()
        assert.strictEqual(kept.length, 2)
        assert.strictEqual(
          (kept[1]?.body as { messages: [{ content: string }] } | undefined)?.messages[0].content[0],
          "4"
        )
        const many = yield* StandinServer.start({ responder: Responder.echo })
        yield* Effect.forEach(
          Array.from({ length: 130 }, (_, i) => i),
          () => request(many.url, "/v1/messages", { body: messagesBody({ max_tokens: 1 }) }),
          { concurrency: 8, discard: true }
        )
        assert.strictEqual(many.requests().length, 100)
      })
    )

    it.scoped("keeps at most maxThreads thread states; a continue naming a dropped one gets thread_not_found", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({ responder: Responder.echo, threads: { maxThreads: 2 } })
        const ids: Array<string> = []
        for (let i = 0; i < 3; i++) {
          const created = yield* request(standin.url, "/v1/messages", {
            body: messagesBody({ thread: { type: "create" }, messages: [{ role: "user", content: `thread ${i}` }] })
          })
          ids.push(JSON.parse(created.body).id)
        }
        const statuses: Array<number> = []
        for (const id of [ids[0], ids[2], ids[1]]) {
          const continued = yield* request(standin.url, "/v1/messages", {
            body: messagesBody({ thread: { type: "continue", previous_message_id: id } })
          })
          statuses.push(continued.status)
        }
        assert.deepStrictEqual(statuses, [404, 200, 404])
      })
    )
  })

  describe("threads", () => {
    it.scoped("a continue gets the thread's system, tools and history before the new turn", () =>
      Effect.gen(function* () {
        const seen: Array<unknown> = []
        const standin = yield* scripted([
          Reply.text("first"),
          (request) => {
            seen.push({
              system: request.system,
              tools: request.tools,
              messages: request.messages,
              thread: request.thread
            })
            return Reply.text("second")
          },
          Reply.withFaults(Reply.text("cut short"), Fault.midStreamError(2))
        ])
        const tools = [{ name: "add", input_schema: { type: "object" } }]
        const created = yield* request(standin.url, "/v1/messages", {
          body: messagesBody({ system: "Be brief.", tools, thread: { type: "create" } })
        })
        const id = JSON.parse(created.body).id
        const continued = yield* request(standin.url, "/v1/messages", {
          body: messagesBody({
            thread: { type: "continue", previous_message_id: id },
            messages: [{ role: "user", content: "And then?" }]
          })
        })
        assert.strictEqual(continued.status, 200)
        assert.deepStrictEqual(seen, [
          {
            system: "Be brief.",
            tools,
            messages: [
              { role: "user", content: "Hello" },
              { role: "assistant", content: [{ type: "text", text: "first" }] },
              { role: "user", content: "And then?" }
            ],
            thread: undefined
          }
        ])
        const cut = yield* request(standin.url, "/v1/messages", {
          body: messagesBody({
            stream: true,
            thread: { type: "continue", previous_message_id: JSON.parse(continued.body).id }
          })
        })
        assert.strictEqual(cut.status, 200, cut.body)
        const cutId = JSON.parse(frames(cut.body)[0]?.data ?? "{}").message.id
        const afterCut = yield* request(standin.url, "/v1/messages", {
          body: messagesBody({ thread: { type: "continue", previous_message_id: cutId } })
        })
        assert.strictEqual(afterCut.status, 404)
        const repeated = yield* request(standin.url, "/v1/messages", {
          body: messagesBody({
            tools,
            thread: { type: "continue", previous_message_id: JSON.parse(continued.body).id }
          })
        })
        assert.strictEqual(repeated.status, 400)
        assert.strictEqual(
          JSON.parse(repeated.body).error.message,
          "tools: cannot be set when continuing a thread; the thread keeps the tools it was created with"
        )
      })
    )
  })

  describe("honouring the request", () => {
    const long = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"

    it.scoped("cuts the reply at max_tokens, with stop_reason max_tokens and output tokens capped", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text(long), Reply.text(long)])
        const json = yield* request(standin.url, "/v1/messages", { body: messagesBody({ max_tokens: 3 }) })
        const body = JSON.parse(json.body)
        assert.strictEqual(body.stop_reason, "max_tokens")
        assert.strictEqual(body.content[0].text, "one two th")
        assert.strictEqual(body.usage.output_tokens, 3)
        const sse = yield* request(standin.url, "/v1/messages", { body: messagesBody({ max_tokens: 3, stream: true }) })
        const delta = frames(sse.body).find((frame) => frame.event === "message_delta")
        const data = JSON.parse(delta?.data ?? "{}")
        assert.strictEqual(data.delta.stop_reason, "max_tokens")
        assert.strictEqual(data.usage.output_tokens, 3)
      })
    )

    it.scoped("stops at the first stop sequence, and continues a prefill", () =>
      Effect.gen(function* () {
        const standin = yield* scripted([Reply.text(long), Reply.text('{"answer": 42}')])
        const stopped = JSON.parse(
          (yield* request(standin.url, "/v1/messages", {
            body: messagesBody({ stop_sequences: ["six", "four"] })
          })).body
        )
        assert.deepStrictEqual(stopped.content, [{ type: "text", text: "one two three " }])
        assert.strictEqual(stopped.stop_reason, "stop_sequence")
        assert.strictEqual(stopped.stop_sequence, "four")
        const prefilled = JSON.parse(
          (yield* request(standin.url, "/v1/messages", {
            body: messagesBody({
              messages: [
                { role: "user", content: "Answer in JSON" },
                { role: "assistant", content: '{"answer":' }
              ]
            })
          })).body
        )
        assert.deepStrictEqual(prefilled.content, [{ type: "text", text: " 42}" }])
        const echoed = yield* StandinServer.start({ responder: Responder.echo })
        const continued = JSON.parse(
          (yield* request(echoed.url, "/v1/messages", {
            body: messagesBody({
              messages: [
                { role: "user", content: "Say hello there" },
                { role: "assistant", content: "Say" }
              ]
            })
          })).body
        )
        assert.deepStrictEqual(continued.content, [{ type: "text", text: " hello there" }])
      })
    )

    it.scoped("sends a thinking block with a signature when thinking is enabled", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({ responder: Responder.echo })
        const body = JSON.parse(
          (yield* request(standin.url, "/v1/messages", {
            body: messagesBody({ max_tokens: 4096, thinking: { type: "enabled", budget_tokens: 1024 } })
          })).body
        )
        assert.deepStrictEqual(
          body.content.map((block: { type: string }) => block.type),
          ["thinking", "text"]
        )
        assert.match(body.content[0].signature, /^sig_01/)
        assert.strictEqual(body.content[1].text, "Hello")
      })
    )
  })

  describe("strict validation", () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`

    it.scoped("answers JSON nested 5,000 deep with a 400 and a request id", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({ responder: Responder.echo })
        const prefix = JSON.stringify(messagesBody()).slice(0, -1)
        for (const body of [
          `${prefix},"tools":[{"name":"deep","input_schema":{"type":"object","properties":${nested(5000)}}}]}`,
          `${prefix.replace(/"messages":.*$/, "")}"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"deep","input":${nested(5000)}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}]}`,
          `[${nested(100_000)}]`
        ]) {
          const response = yield* request(standin.url, "/v1/messages", { body })
          assert.strictEqual(response.status, 400)
          assert.deepStrictEqual(errorBody(response).parsed, {
            type: "error",
            error: { type: "invalid_request_error", message: "The request body is nested more than 256 levels deep." },
            request_id: response.headers["request-id"]
          })
          assert.match(String(response.headers["request-id"]), /^req_01/)
        }
      })
    )

    it.scoped("rejects unknown top-level fields, max_tokens below 1, and bodies not sent as JSON", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({ responder: Responder.echo })
        const message = (response: { readonly body: string }) => JSON.parse(response.body).error.message as string
        const extra = yield* request(standin.url, "/v1/messages", { body: messagesBody({ temprature: 0.5 }) })
        assert.strictEqual(extra.status, 400)
        assert.strictEqual(message(extra), "temprature: Extra inputs are not permitted")
        const counted = yield* request(standin.url, "/v1/messages/count_tokens", {
          body: { model: "claude-test", messages: [{ role: "user", content: "hi" }], max_tokens: 5 }
        })
        assert.strictEqual(message(counted), "max_tokens: Extra inputs are not permitted")
        for (const max_tokens of [0, -1]) {
          const bad = yield* request(standin.url, "/v1/messages", { body: messagesBody({ max_tokens }) })
          assert.strictEqual(bad.status, 400)
          assert.strictEqual(message(bad), "max_tokens: Input should be greater than or equal to 1")
        }
        for (const [field, value, expected] of [
          ["temperature", 1.5, "temperature: Input should be less than or equal to 1"],
          ["temperature", -0.1, "temperature: Input should be greater than or equal to 0"],
          ["top_p", 2, "top_p: Input should be less than or equal to 1"],
          ["top_k", -1, "top_k: Input should be greater than or equal to 0"],
          ["stop_sequences", ["  "], "stop_sequences: each stop sequence must contain non-whitespace"]
        ] as const) {
          const bad = yield* request(standin.url, "/v1/messages", { body: messagesBody({ [field]: value }) })
          assert.strictEqual(bad.status, 400)
          assert.strictEqual(message(bad), expected)
        }
        const fractional = yield* request(standin.url, "/v1/messages", { body: messagesBody({ max_tokens: 1.5 }) })
        assert.strictEqual(message(fractional), "max_tokens: Input should be a valid integer")
        const text = yield* request(standin.url, "/v1/messages", {
          body: messagesBody(),
          headers: { "content-type": "text/plain" }
        })
        assert.strictEqual(text.status, 400)
        assert.strictEqual(message(text), 'Content-Type "text/plain" is not supported; expected application/json.')
        const charset = yield* request(standin.url, "/v1/messages", {
          body: messagesBody(),
          headers: { "content-type": "application/json; charset=utf-8" }
        })
        assert.strictEqual(charset.status, 200)
      })
    )
  })

  describe("models and CORS", () => {
    it.scoped("lists models in the API's shape, pages them and retrieves one", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({ responder: Responder.echo })
        const list = yield* request(standin.url, "/v1/models?limit=2", { method: "GET" })
        assert.strictEqual(list.status, 200)
        const page = JSON.parse(list.body)
        assert.deepStrictEqual(
          page.data.map((model: { id: string }) => model.id),
          ["claude-opus-4-6", "claude-sonnet-4-6"]
        )
        assert.strictEqual(page.has_more, true)
        assert.strictEqual(page.first_id, "claude-opus-4-6")
        assert.strictEqual(page.last_id, "claude-sonnet-4-6")
        const next = JSON.parse(
          (yield* request(standin.url, "/v1/models?limit=2&after_id=claude-sonnet-4-6", { method: "GET" })).body
        )
        assert.strictEqual(next.has_more, false)
        assert.strictEqual(next.data.length, 2)
        const one = yield* request(standin.url, "/v1/models/claude-opus-4-6", { method: "GET" })
        assert.strictEqual(JSON.parse(one.body).display_name, "Claude Opus 4.6")
        const missing = yield* request(standin.url, "/v1/models/claude-none", { method: "GET" })
        assert.strictEqual(missing.status, 404)
        const post = yield* request(standin.url, "/v1/models", { body: {} })
        assert.strictEqual(post.status, 405)
      })
    )

    it.scoped("answers preflights and sends CORS headers when enabled, and not otherwise", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({ responder: Responder.echo, cors: true })
        const preflight = yield* request(standin.url, "/v1/messages", {
          method: "OPTIONS",
          headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" }
        })
        assert.strictEqual(preflight.status, 204)
        assert.strictEqual(preflight.headers["access-control-allow-origin"], "*")
        assert.strictEqual(preflight.headers["access-control-allow-methods"], "GET, POST, OPTIONS")
        assert.include(
          String(preflight.headers["access-control-allow-headers"]),
          "anthropic-dangerous-direct-browser-access"
        )
        const post = yield* request(standin.url, "/v1/messages", { body: messagesBody() })
        assert.strictEqual(post.headers["access-control-allow-origin"], "*")
        assert.include(String(post.headers["access-control-expose-headers"]), "request-id")
        const closed = yield* StandinServer.start({ responder: Responder.echo })
        const refused = yield* request(closed.url, "/v1/messages", { method: "OPTIONS" })
        assert.strictEqual(refused.status, 405)
        assert.strictEqual(refused.headers["access-control-allow-origin"], undefined)
      })
    )
  })

  describe("prompt caching", () => {
    it.scoped("writes a marked prefix of at least 1024 tokens on the first turn and reads it on the next", () =>
      Effect.gen(function* () {
        const standin = yield* StandinServer.start({ responder: Responder.echo })
        const system = [{ type: "text", text: "Rules. ".repeat(700), cache_control: { type: "ephemeral" } }]
        const usageOf = (body: Record<string, unknown>) =>
          Effect.map(request(standin.url, "/v1/messages", { body: messagesBody(body) }), (response) => {
            const usage = JSON.parse(response.body).usage
            return [usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens] as const
          })
        const [input1, created1, read1] = yield* usageOf({ system })
        assert.isAtLeast(created1, 1024)
        assert.strictEqual(read1, 0)
        const [input2, created2, read2] = yield* usageOf({
          system,
          messages: [
            { role: "user", content: "Hello" },
            { role: "assistant", content: "Hello" },
            { role: "user", content: "Again" }
          ]
        })
        assert.strictEqual(read2, created1)
        assert.strictEqual(created2, 0)
        assert.isAbove(input2, input1)
        const small = yield* usageOf({
          system: [{ type: "text", text: "Short.", cache_control: { type: "ephemeral" } }]
        })
        assert.deepStrictEqual(small.slice(1), [0, 0])
        const unmarked = yield* usageOf({ system: "Rules. ".repeat(700) })
        assert.deepStrictEqual(unmarked.slice(1), [0, 0])
      })
    )
  })
})
