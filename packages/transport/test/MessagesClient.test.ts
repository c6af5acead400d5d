import { FetchHttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Accumulator from "@parley/core/Accumulator"
import * as Telemetry from "@parley/core/Telemetry"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as MessagesClient from "../src/MessagesClient.js"
import * as Retry from "../src/Retry.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as L from "./utils/Loopback.js"

const expectedMessage = (text: string) => ({
  ...L.messageStart().message,
  content: [{ type: "text", text }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 6 }
})

describe("MessagesClient", () => {
  it.scoped("create sends the API's headers and body and returns the decoded message with its metadata", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) =>
        L.json(res, 200, L.message("Hi!", { future_field: { kept: true } }), {
          "request-id": "req_create",
          "anthropic-ratelimit-requests-limit": "50",
          "anthropic-ratelimit-requests-remaining": "49",
          "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:00Z",
          "anthropic-ratelimit-input-tokens-remaining": "99000",
          "anthropic-ratelimit-future-thing": "7"
        })
      )
      const client = yield* L.client(server.url, { betas: ["beta-one", "beta-two"], headers: { "x-tenant": "t1" } })
      // a request that says stream: true is still sent without it by create
      const withStream = { ...L.request, stream: true }
      const { meta, value } = yield* MessagesClient.withResponse(client.create(withStream))
      L.same(value, { ...L.message("Hi!"), future_field: { kept: true } })
      assert.deepStrictEqual(meta, {
        status: 200,
        requestId: "req_create",
        rateLimit: {
          requests: { limit: 50, remaining: 49, reset: "2026-01-01T00:00:00Z" },
          inputTokens: { remaining: 99000 },
          raw: {
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "49",
            "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:00Z",
            "anthropic-ratelimit-input-tokens-remaining": "99000",
            "anthropic-ratelimit-future-thing": "7"
          }
        }
      })
      const [received] = server.received
      assert.strictEqual(server.received.length, 1)
      assert.strictEqual(received?.method, "POST")
      assert.strictEqual(received?.path, "/v1/messages")
      assert.strictEqual(received?.headers["x-api-key"], L.SENTINEL_KEY)
      assert.strictEqual(received?.headers.authorization, undefined)
      assert.strictEqual(received?.headers["anthropic-version"], "2023-06-01")
      assert.strictEqual(received?.headers["content-type"], "application/json")
      assert.strictEqual(received?.headers["anthropic-beta"], "beta-one,beta-two")
      assert.strictEqual(received?.headers["x-tenant"], "t1")
      assert.deepStrictEqual(JSON.parse(received?.body ?? ""), L.request)
    })
  )

  it.scoped("the body arrives byte for byte with its exact length, whatever characters it holds", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("ok")))
      const client = yield* L.client(server.url)
      // 1, 2, 3 and 4 UTF-8 bytes per character, and a lone surrogate (escaped by JSON.stringify)
      for (const text of ["plain", "grüße", "日本語 €", "🦀 and 𝄞", "lone \ud800 half", `${"x".repeat(70_000)}é`]) {
        const request = { ...L.request, messages: [{ role: "user" as const, content: text }] }
        yield* client.create(request)
        const received = server.received.at(-1)
        assert.strictEqual(received?.body, JSON.stringify(request))
        assert.strictEqual(received?.headers["content-length"], String(Buffer.byteLength(JSON.stringify(request))))
      }
    })
  )

  it.scoped("with Telemetry on each call is one client span named by its operation and model, nothing secret", () =>
    Effect.gen(function* () {
      const server = yield* L.start((req, res) => {
        if (req.path.endsWith("/count_tokens")) return L.json(res, 200, { input_tokens: 7 })
        if (req.body.includes('"stream":true')) {
          L.streamHead(res)
          return res.end(L.sseBody(L.textEvents(["a"])))
        }
        return L.json(res, 200, L.message("ok"))
      })
      const builtIn = yield* Effect.tracer
      const spans: Array<Tracer.Span> = []
      const recording = Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          const span = builtIn.span(name, parent, context, links, startTime, kind, options)
          spans.push(span)
          return span
        },
        context: (f, fiber) => builtIn.context(f, fiber)
      })
      const client = yield* L.client(server.url, {}, Telemetry.layer())
      yield* Effect.withTracer(
        Effect.all([
          client.create(L.request),
          client.createStreaming(L.request),
          Stream.runDrain(client.stream(L.request)),
          client.countTokens(L.request)
        ]),
        recording
      )
      assert.deepStrictEqual(
        spans.map((span) => [span.name, span.kind]),
        [
          ["chat claude-test", "client"],
          ["POST", "client"],
          ["chat claude-test", "client"],
          ["POST", "client"],
          ["chat claude-test", "client"],
          ["POST", "client"],
          ["count_tokens claude-test", "client"],
          ["POST", "client"]
        ]
      )
      assert.isTrue(spans.every((span) => span.status._tag === "Ended"))
      assert.notInclude(JSON.stringify(spans.map((span) => [...span.attributes])), L.SENTINEL_KEY)
    })
  )

  it.scoped("bearer auth, the 2026-10-21 version and a gateway base URL with a path", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("ok")))
      const client = yield* L.client(`${server.url}/gateway/`, { authMode: "bearer", apiVersion: "2026-10-21" })
      yield* client.create(L.request)
      const [received] = server.received
      assert.strictEqual(received?.path, "/gateway/v1/messages")
      assert.strictEqual(received?.headers.authorization, `Bearer ${L.SENTINEL_KEY}`)
      assert.strictEqual(received?.headers["x-api-key"], undefined)
      assert.strictEqual(received?.headers["anthropic-version"], "2026-10-21")
    })
  )

  it.scoped("under 2026-10-21 a request breaking the version's rules fails before anything is sent", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("ok")))
      const client = yield* L.client(server.url, { apiVersion: "2026-10-21" })
      const error = yield* Effect.flip(client.create({ ...L.request, temperature: 0.5 }))
      assert.strictEqual(error._tag, "ValidationError")
      assert.strictEqual(error._tag === "ValidationError" && error.rule, "UnsupportedParameter")
      assert.isFalse(error.isRetryable)
      assert.strictEqual(server.received.length, 0)
    })
  )

  it.scoped("under every API version a fifth cache breakpoint fails before sending", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("ok")))
      const client = yield* L.client(server.url)
      const cached = { type: "text" as const, text: "x", cache_control: { type: "ephemeral" as const } }
      const four = { ...L.request, messages: [{ role: "user" as const, content: [cached, cached, cached, cached] }] }
      yield* client.create(four)
      const error = yield* Effect.flip(client.create({ ...four, cache_control: { type: "ephemeral" } }))
      assert.strictEqual(error._tag, "ValidationError")
      assert.strictEqual(error._tag === "ValidationError" && error.rule, "TooManyCacheBreakpoints")
      assert.strictEqual(server.received.length, 1)
    })
  )

  it.scoped("a default model fills a request without one; with neither, the call fails before sending", () =>
    Effect.gen(function* () {
      const server = yield* L.start((req, res) =>
        req.path.endsWith("/count_tokens") ? L.json(res, 200, { input_tokens: 7 }) : L.json(res, 200, L.message("ok"))
      )
      const client = yield* L.client(server.url, { defaultModel: "claude-default" })
      const { model: _, ...withoutModel } = L.request
      yield* client.create(withoutModel)
      yield* client.countTokens({ messages: L.request.messages })
      assert.strictEqual(JSON.parse(server.received[0]?.body ?? "").model, "claude-default")
      assert.strictEqual(JSON.parse(server.received[1]?.body ?? "").model, "claude-default")
      yield* client.create({ ...L.request, model: "claude-explicit" })
      assert.strictEqual(JSON.parse(server.received[2]?.body ?? "").model, "claude-explicit")
      const bare = yield* L.client(server.url)
      const error = yield* Effect.flip(bare.create(withoutModel))
      assert.strictEqual(error._tag, "ValidationError")
      assert.strictEqual(error._tag === "ValidationError" && error.rule, "MissingModel")
      assert.strictEqual(error.reason, "validation")
      assert.strictEqual(server.received.length, 3)
    })
  )

  it.scoped("countTokens posts to /v1/messages/count_tokens and returns input_tokens", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, { input_tokens: 42 }))
      const client = yield* L.client(server.url)
      const tokens = yield* client.countTokens({ model: "claude-test", messages: L.request.messages })
      assert.strictEqual(tokens, 42)
      assert.strictEqual(server.received[0]?.path, "/v1/messages/count_tokens")
      assert.deepStrictEqual(JSON.parse(server.received[0]?.body ?? ""), {
        model: "claude-test",
        messages: L.request.messages
      })
    })
  )

  it.scoped("stream sends stream: true, decodes every event and ends after message_stop", () =>
    Effect.gen(function* () {
      const events = [...L.textEvents(["Hel", "lo"]), L.ping]
      const server = yield* L.start((_, res) => {
        L.streamHead(res)
        res.end(`${L.sseBody(events)}event: ping\ndata: {"type":"ping"}\n\n`)
      })
      const client = yield* L.client(server.url)
      const received = yield* Stream.runCollect(client.stream(L.request))
      L.same([...received], L.textEvents(["Hel", "lo"]))
      assert.isTrue(JSON.parse(server.received[0]?.body ?? "").stream)
      const message = yield* Accumulator.collect(client.stream(L.request))
      L.same(message, expectedMessage("Hello"))
    })
  )

  it.scoped("createStreaming accumulates the stream into the message create would return", () =>
    Effect.gen(function* () {
      const toolInput = { city: "Zürich", 'quote"d': ["a\\b", 1.5, null, { deep: true }] }
      const json = JSON.stringify(toolInput)
      const pieces = [json.slice(0, 3), json.slice(3, 11), json.slice(11, 12), json.slice(12)]
      const events = [
        L.messageStart(),
        L.textStart(0),
        L.textDelta("Looking ", 0),
        L.textDelta("it up.", 0),
        L.blockStop(0),
        {
          type: "content_block_start",
          index: 1,
          content_block: { type: "tool_use", id: "toolu_1", name: "weather", input: {} }
        },
        ...pieces.map((partial_json) => ({
          type: "content_block_delta",
          index: 1,
          delta: { type: "input_json_delta", partial_json }
        })),
        L.blockStop(1),
        { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 9 } },
        L.messageStop
      ]
      const server = yield* L.start((_, res) => {
        L.streamHead(res, { "request-id": "req_fused" })
        res.end(L.sseBody(events))
      })
      const client = yield* L.client(server.url)
      const { meta, value } = yield* MessagesClient.withResponse(client.createStreaming(L.request))
      assert.strictEqual(meta?.requestId, "req_fused")
      L.same(value, {
        ...L.messageStart().message,
        content: [
          { type: "text", text: "Looking it up." },
          { type: "tool_use", id: "toolu_1", name: "weather", input: toolInput }
        ],
        stop_reason: "tool_use",
        stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: 9 }
      })
      assert.isTrue(JSON.parse(server.received[0]?.body ?? "").stream)
      L.same(yield* Accumulator.collect(client.stream(L.request)), value)
    })
  )

  it.scoped("createStreaming: events that do not form a message fail with MalformedResponseError", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => {
        L.streamHead(res)
        res.end(L.sseBody([L.messageStart(), L.textStart(0), L.textDelta("a", 3), L.blockStop(0), L.messageStop]))
      })
      const client = yield* L.client(server.url)
      const error = yield* Effect.flip(client.createStreaming(L.request))
      assert.strictEqual(error._tag, "MalformedResponseError")
      assert.strictEqual(
        error.message,
        "The events do not form a message: text_delta for content block 3, which was not started (HTTP 200, request-id req_stream)."
      )
      assert.strictEqual(server.received.length, 1)
    })
  )

  it.scoped("hostile JSON (nested 50,000 deep, a __proto__ key) is a MalformedResponseError, never a defect", () =>
    Effect.gen(function* () {
      const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`
      const bodies = [
        `{"id":"msg_1","type":"message","role":"assistant","content":[{"type":${deep}}]}`,
        `{"id":"msg_1","type":"message","role":"assistant","content":[],"usage":{"__proto__":{"input_tokens":"lots"}}}`
      ]
      const server = yield* L.start((request, res, index) => {
        const body = bodies[index % 2] ?? ""
        if (JSON.parse(request.body).stream !== true) {
          res.writeHead(200, { "content-type": "application/json", "request-id": "req_test" })
          return res.end(body)
        }
        L.streamHead(res)
        res.end(`event: message_start\ndata: {"type":"message_start","message":${body}}\n\n`)
      })
      const client = yield* L.client(server.url)
      const tooDeep = "the JSON is nested deeper than 256 levels"
      const protoKey = `an object has a "__proto__" key, which decoding would make its prototype`
      for (const expected of [tooDeep, protoKey]) {
        const error = yield* Effect.flip(client.create(L.request))
        assert.strictEqual(error._tag, "MalformedResponseError")
        assert.strictEqual(
          error.message,
          `The response body is not a Message: ${expected} (HTTP 200, request-id req_test).`
        )
      }
      for (const expected of [tooDeep, protoKey]) {
        const error = yield* Effect.flip(client.createStreaming(L.request))
        assert.strictEqual(error._tag, "MalformedResponseError")
        assert.include(error.message, `SSE event "message_start" is not a stream event: ${expected}`)
      }
      assert.strictEqual(server.received.length, 4)
    })
  )

  it.scoped(
    "createStreaming retries any failure, before or after content (nothing reached the caller); stream does not after content",
    () =>
      Effect.gen(function* () {
        let calls = 0
        const script = [
          () => L.sseBody([L.messageStart(), L.errorEvent("overloaded_error", "Overloaded")]),
          () => L.sseBody(L.textEvents(["fine"])),
          () => L.sseBody([...L.textEvents(["cut"]).slice(0, 3), L.errorEvent("overloaded_error", "Overloaded")]),
          () => L.sseBody(L.textEvents(["cut"]).slice(0, 3)),
          () => L.sseBody(L.textEvents(["again"])),
          () => L.sseBody(L.textEvents(["cut"]).slice(0, 3))
        ]
        const server = yield* L.start((_, res) => {
          L.streamHead(res)
          res.end((script[calls++] ?? script[1]!)())
        })
        const client = yield* L.client(server.url, {}, Retry.layer({ jitter: 0, initialDelay: 0 }))
        L.same(yield* client.createStreaming(L.request), expectedMessage("fine"))
        assert.strictEqual(calls, 2)
        L.same(yield* client.createStreaming(L.request), expectedMessage("again"))
        assert.strictEqual(calls, 5)
        const error = yield* Effect.flip(Stream.runDrain(client.stream(L.request)))
        assert.strictEqual(error._tag, "StreamTruncatedError")
        assert.strictEqual(error.delivered, 3)
        assert.isFalse(error.isRetryable)
        assert.strictEqual(
          error.message,
          "The event stream ended before message_stop (request-id req_stream). 3 events had already reached the caller, so the call was not retried."
        )
        assert.strictEqual(calls, 6)
      })
  )

  it.scoped("a body that ends cleanly inside an unfinished event is truncated: retried before content", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res, index) => {
        L.streamHead(res)
        if (index === 0) return res.end(`${L.sse(L.messageStart())}event: content_block_start\ndata: {"type":"content`)
        res.end(L.sseBody(L.textEvents(["whole"])))
      })
      const client = yield* L.client(server.url, {}, Retry.layer({ jitter: 0, initialDelay: 0 }))
      const events = yield* Stream.runCollect(client.stream(L.request))
      L.same([...events], L.textEvents(["whole"]))
      assert.strictEqual(server.received.length, 2)
      const bare = yield* L.start((_, res) => {
        L.streamHead(res)
        res.end(`${L.sse(L.messageStart())}event: content_block_start\ndata: {"type":"content`)
      })
      const error = yield* Effect.flip(Stream.runDrain((yield* L.client(bare.url)).stream(L.request)))
      assert.strictEqual(error._tag, "StreamTruncatedError")
      assert.strictEqual(error.delivered, 0)
      assert.isTrue(error.isRetryable)
      assert.strictEqual(error.message, "The event stream ended before message_stop (request-id req_stream).")
    })
  )

  it.scoped("withResponse gives a consumed stream's request-id with its events", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => {
        L.streamHead(res, { "request-id": "req_meta" })
        res.end(L.sseBody(L.textEvents(["a"])))
      })
      const client = yield* L.client(server.url)
      const { meta, value } = yield* MessagesClient.withResponse(Stream.runCollect(client.stream(L.request)))
      assert.strictEqual(meta?.requestId, "req_meta")
      assert.strictEqual(value.length, 6)
      const none = yield* MessagesClient.withResponse(Effect.succeed(1))
      assert.strictEqual(none.meta, undefined)
    })
  )

  it.scoped("unknown event types and unknown fields pass through unchanged", () =>
    Effect.gen(function* () {
      const future = { type: "thought_summary", summary: "x", nested: { a: [1] } }
      const delta = { ...L.textDelta("a"), extra: 1, delta: { type: "text_delta", text: "a", more: true } }
      const unknownDelta = { type: "content_block_delta", index: 0, delta: { type: "hologram_delta", frames: 3 } }
      const events = [
        L.messageStart(),
        L.textStart(),
        future,
        delta,
        unknownDelta,
        L.blockStop(),
        L.messageDelta(),
        L.messageStop
      ]
      const server = yield* L.start((_, res) => {
        L.streamHead(res)
        res.end(L.sseBody(events))
      })
      const client = yield* L.client(server.url)
      const received = yield* Stream.runCollect(client.stream(L.request))
      L.same([...received], events)
    })
  )

  it.scoped("text split into 1-byte reads keeps multi-byte characters whole", () =>
    Effect.gen(function* () {
      const pieces = ["Grüße ", "🦀 ", "日本語", "\u00e9"]
      const body = Buffer.from(L.sseBody(L.textEvents(pieces)), "utf8")
      const server = yield* L.start((_, res) => {
        L.streamHead(res)
        let i = 0
        const write = () => {
          if (i >= body.length) return res.end()
          res.write(body.subarray(i, i + 1))
          i++
          setImmediate(write)
        }
        write()
      })
      const client = yield* L.client(server.url)
      const message = yield* Accumulator.collect(client.stream(L.request))
      L.same(message, expectedMessage(pieces.join("")))
    })
  )

  it.scoped("one 64 KiB read of many events", () =>
    Effect.gen(function* () {
      const pieces = Array.from({ length: 1500 }, (_, i) => `piece ${i} `)
      const body = L.sseBody(L.textEvents(pieces))
      assert.isAbove(body.length, 65536)
      const server = yield* L.start((_, res) => {
        L.streamHead(res)
        res.end(body)
      })
      const client = yield* L.client(server.url)
      const message = yield* Accumulator.collect(client.stream(L.request))
      L.same(message, expectedMessage(pieces.join("")))
    })
  )

  for (const [name, http] of [
    ["Parley's undici", UndiciHttpClient.layer],
    ["fetch", FetchHttpClient.layer],
    ["platform's undici", NodeHttpClient.layerUndici],
    ["platform's node:http", NodeHttpClient.layer]
  ] as const) {
    it.scoped(`works unchanged with the ${name} HttpClient`, () =>
      Effect.gen(function* () {
        const server = yield* L.start((req, res) => {
          if (req.body.includes('"stream":true')) {
            L.streamHead(res)
            res.end(L.sseBody(L.textEvents(["via ", name])))
          } else L.json(res, 200, L.message("plain"))
        })
        const context = yield* Layer.build(Layer.merge(http, Retry.disabled))
        const client = yield* MessagesClient.make({ apiKey: Redacted.make(L.SENTINEL_KEY), baseUrl: server.url }).pipe(
          Effect.provide(context)
        )
        L.same(yield* client.create(L.request), L.message("plain"))
        L.same(yield* Accumulator.collect(client.stream(L.request)), expectedMessage(`via ${name}`))
        L.same(yield* client.createStreaming(L.request), expectedMessage(`via ${name}`))
      })
    )
  }

  it.live("interrupting 200 in-flight streams closes all 200 connections", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* L.start((_, res) => {
          L.streamHead(res)
          res.write(L.sseBody([L.messageStart(), L.textStart(), L.textDelta("first")]))
          const timer = setInterval(() => res.write(L.sse(L.ping)), 50)
          res.on("close", () => clearInterval(timer))
        })
        const client = yield* L.client(server.url)
        const fibers = yield* Effect.forEach(Array.from({ length: 200 }), () =>
          Effect.fork(Stream.runDrain(client.stream(L.request)))
        )
        yield* server.awaitRequests(200)
        yield* L.liveSleep(100)
        assert.strictEqual(server.aborted(), 0)
        yield* Fiber.interruptAll(fibers)
        yield* L.waitUntil(() => server.aborted() === 200, "200 closed connections")
        assert.strictEqual(server.aborted(), 200)
      })
    )
  )

  it.scoped("a non-streaming call whose max_tokens may outlast 10 minutes fails before sending", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("ok")))
      const client = yield* L.client(server.url)
      const error = yield* Effect.flip(client.create({ ...L.request, max_tokens: 32_000 }))
      assert.strictEqual(error._tag, "StreamingRequiredError")
      assert.include(error.message, "use MessagesClient.stream")
      assert.strictEqual(server.received.length, 0)
      const explicit = yield* L.client(server.url, { timeouts: { nonStreaming: Duration.minutes(30) } })
      yield* explicit.create({ ...L.request, max_tokens: 32_000 })
      assert.strictEqual(server.received.length, 1)
    })
  )
})
