import * as Net from "node:net"
import type { Readable } from "node:stream"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { Agent } from "undici"
import * as BodyReader from "../src/internal/bodyReader.js"
import * as RequestScope from "../src/internal/requestScope.js"
import * as MessagesClient from "../src/MessagesClient.js"
import * as NodeHttpClient from "../src/NodeHttpClient.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as L from "./utils/Loopback.js"
import * as Tls from "./utils/Tls.js"

/** Parley's two HttpClients: each with its default layer, and with a layer trusting the test certificate. */
const clients: ReadonlyArray<
  readonly [string, Layer.Layer<HttpClient.HttpClient>, Layer.Layer<HttpClient.HttpClient>]
> = [
  ["NodeHttpClient", NodeHttpClient.layer, NodeHttpClient.layerAgentOptions({ ca: Tls.cert })],
  [
    "UndiciHttpClient",
    UndiciHttpClient.layer,
    Layer.unwrapScoped(
      Effect.map(
        Effect.acquireRelease(
          Effect.sync(() => new Agent({ connect: { ca: Tls.cert } })),
          (agent) => Effect.promise(() => agent.destroy())
        ),
        UndiciHttpClient.layerDispatcher
      )
    )
  ]
]

const build = (layer: Layer.Layer<HttpClient.HttpClient>) =>
  Effect.flatMap(Layer.build(layer), (context) => Effect.provide(HttpClient.HttpClient, context))

describe.each(clients)("%s", (_, layer, trusting) => {
  const client = build(layer)

  /** A MessagesClient of `url` on this HttpClient (or `http`), alive for the test's scope. */
  const messagesOf = (url: string, http: Layer.Layer<HttpClient.HttpClient> = layer) =>
    Effect.flatMap(Layer.build(http), (context) =>
      MessagesClient.make({ apiKey: Redacted.make(L.SENTINEL_KEY), baseUrl: url }).pipe(Effect.provide(context))
    )

  it.scoped("status, headers, cookies, and a body read as text twice, then as JSON and as bytes", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => {
        res.writeHead(201, {
          "content-type": "application/json",
          "x-custom": "yes",
          "set-cookie": ["a=1; Path=/", "b=2; HttpOnly"]
        })
        res.end('{"ok":true,"text":"grüße"}')
      })
      const http = yield* client
      const response = yield* http.get(`${server.url}/thing?q=1`)
      assert.strictEqual(response.status, 201)
      assert.strictEqual(response.headers["x-custom"], "yes")
      assert.deepStrictEqual(
        Object.values(response.cookies.cookies).map((cookie) => [cookie.name, cookie.value]),
        [
          ["a", "1"],
          ["b", "2"]
        ]
      )
      assert.strictEqual(yield* response.text, '{"ok":true,"text":"grüße"}')
      assert.strictEqual(yield* response.text, '{"ok":true,"text":"grüße"}')
      assert.deepStrictEqual(yield* response.json, { ok: true, text: "grüße" })
      const bytes = yield* response.arrayBuffer
      assert.strictEqual(new TextDecoder().decode(bytes), '{"ok":true,"text":"grüße"}')
      assert.strictEqual(server.received[0]?.path, "/thing?q=1")
      assert.strictEqual(server.received[0]?.method, "GET")
    })
  )

  it.scoped("a streamed request body arrives whole, and a streamed response body is read in order", () =>
    Effect.gen(function* () {
      const server = yield* L.start((req, res) => {
        res.writeHead(200, { "content-type": "text/plain" })
        for (const part of req.body.split(",")) res.write(`${part};`)
        res.end()
      })
      const http = yield* client
      const parts = ["one", "two", "drei", "🦀"]
      const body = Stream.fromIterable(parts.join(",")).pipe(Stream.encodeText)
      const response = yield* http.execute(
        HttpClientRequest.post(server.url).pipe(HttpClientRequest.bodyStream(body, { contentType: "text/plain" }))
      )
      const chunks = yield* Stream.runCollect(Stream.decodeText(response.stream))
      assert.strictEqual(Chunk.join(chunks, ""), "one;two;drei;🦀;")
      assert.strictEqual(server.received[0]?.body, "one,two,drei,🦀")
    })
  )

  it.scoped("a form body arrives as multipart with its boundary, a text body with its length", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => res.end())
      const http = yield* client
      const form = new FormData()
      form.append("field", "wert ü")
      yield* http.execute(HttpClientRequest.post(server.url).pipe(HttpClientRequest.bodyFormData(form)))
      yield* http.execute(HttpClientRequest.post(server.url).pipe(HttpClientRequest.bodyText("héllo")))
      const [multipart, text] = server.received
      const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(multipart?.headers["content-type"] ?? "")?.[1]
      assert.isDefined(boundary)
      assert.include(multipart?.body, `--${boundary}\r\nContent-Disposition: form-data; name="field"\r\n\r\nwert ü\r\n`)
      assert.strictEqual(text?.body, "héllo")
      assert.strictEqual(text?.headers["content-length"], "6")
      assert.strictEqual(text?.headers["content-type"], "text/plain")
    })
  )

  it.scoped("a body cut before its end fails as a ResponseError with reason Decode", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" })
        res.write('{"partial":')
        setTimeout(() => res.destroy(), 20)
      })
      const http = yield* client
      const response = yield* http.get(server.url)
      const error = yield* Effect.flip(response.text)
      assert.strictEqual(error._tag, "ResponseError")
      if (error._tag === "ResponseError") assert.strictEqual(error.reason, "Decode")
    })
  )

  it.scoped("a refused connection is a RequestError with reason Transport", () =>
    Effect.gen(function* () {
      // a port that was just free: nothing listens on it
      const port = yield* Effect.async<number>((resume) => {
        const probe = Net.createServer().listen(0, "127.0.0.1", () => {
          const { port } = probe.address() as Net.AddressInfo
          probe.close(() => resume(Effect.succeed(port)))
        })
      })
      const url = `http://127.0.0.1:${port}`
      const http = yield* client
      const error = yield* Effect.flip(http.get(url))
      assert.strictEqual(error._tag, "RequestError")
      if (error._tag === "RequestError") assert.strictEqual(error.reason, "Transport")
    })
  )

  it.live("interrupting a request in flight aborts it", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* L.start(() => {})
        const http = yield* client
        const fiber = yield* Effect.fork(http.get(server.url))
        yield* server.awaitRequests(1)
        yield* Fiber.interrupt(fiber)
        yield* L.waitUntil(() => server.aborted() === 1, "the aborted request")
      })
    )
  )

  it.live("requests one after another share one kept-alive connection, which outlives each request's scope", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* L.start(L.answering(["kept ", "alive"]))
        // MessagesClient runs each request in a scope of its own and closes it (aborting the request) once done
        const messages = yield* messagesOf(server.url)
        for (let i = 0; i < 3; i++) {
          // the connection idles in the pool for a while after each request (without it, undici may open a
          // second one while the first is still being released)
          L.same((yield* messages.create(L.request)).content, [{ type: "text", text: "kept alive" }])
          yield* L.liveSleep(20)
          L.same((yield* messages.createStreaming(L.request)).content, [{ type: "text", text: "kept alive" }])
          yield* L.liveSleep(20)
        }
        assert.strictEqual(server.received.length, 6)
        assert.strictEqual(server.connections(), 1)
        assert.strictEqual(server.aborted(), 0)
      })
    )
  )

  it.live("a stream's body ending a moment after message_stop is read to its end, and its connection reused", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* L.start((_, res) => {
          L.streamHead(res)
          res.write(L.sseBody(L.textEvents(["late ", "end"])))
          setTimeout(() => res.end(), 40)
        })
        const messages = yield* messagesOf(server.url)
        L.same((yield* messages.createStreaming(L.request)).content, [{ type: "text", text: "late end" }])
        yield* L.liveSleep(20)
        const events = yield* Stream.runCollect(messages.stream(L.request))
        L.same(Chunk.toReadonlyArray(events), L.textEvents(["late ", "end"]))
        yield* L.liveSleep(20)
        assert.strictEqual(server.connections(), 1)
        assert.strictEqual(server.aborted(), 0)
      })
    )
  )

  it.live("the body reader hands over every byte in order, and an unread body pauses once 64 KiB are queued", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const whole = Buffer.alloc(1024 * 1024)
        for (let i = 0; i < whole.length; i++) whole[i] = (i * 7 + (i >> 10)) & 0xff
        const server = yield* L.start((_, res) => {
          res.writeHead(200, { "content-type": "application/octet-stream" })
          for (let at = 0; at < whole.length; at += 16 * 1024) res.write(whole.subarray(at, at + 16 * 1024))
          res.end()
        })
        // as MessagesClient sends: in a request scope, so the response is the client's own (with its reader)
        const http = RequestScope.client(yield* client)
        const response = yield* http.get(server.url)
        const pull = BodyReader.of(response)
        assert.isDefined(pull)
        const got: Array<Uint8Array> = [...(yield* pull!)]
        yield* L.liveSleep(100)
        // the response's own body stream (a private field): not read for 100 ms, it must have been paused
        assert.isTrue((response as unknown as { readonly body: Readable }).body.isPaused())
        while (true) {
          const next = yield* Effect.either(pull!)
          if (next._tag === "Left") {
            assert.isTrue(Option.isNone(next.left))
            break
          }
          got.push(...next.right)
        }
        assert.isTrue(Buffer.concat(got).equals(whole))
      })
    )
  )

  it.live("a stream's body that does not end after message_stop is aborted after a short grace", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* L.start((_, res) => {
          L.streamHead(res)
          res.write(L.sseBody(L.textEvents(["never ", "ends"])))
        })
        const messages = yield* messagesOf(server.url)
        const started = Date.now()
        L.same((yield* messages.createStreaming(L.request)).content, [{ type: "text", text: "never ends" }])
        const took = Date.now() - started
        assert.isAtLeast(took, 200)
        assert.isBelow(took, 2000)
        yield* L.waitUntil(() => server.aborted() === 1, "the aborted request")
      })
    )
  )

  it.live("over HTTPS: a trusted server's message and stream on one connection; an untrusted server is refused", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* L.start(L.answering(["Über ", "TLS"]), Tls)
        assert.match(server.url, /^https:/)
        const trusted = yield* messagesOf(server.url, trusting)
        L.same((yield* trusted.create(L.request)).content, [{ type: "text", text: "Über TLS" }])
        yield* L.liveSleep(20)
        L.same((yield* trusted.createStreaming(L.request)).content, [{ type: "text", text: "Über TLS" }])
        assert.strictEqual(server.received[0]?.headers["x-api-key"], L.SENTINEL_KEY)
        assert.strictEqual(server.connections(), 1)
        const error = yield* Effect.flip((yield* client).get(server.url))
        assert.strictEqual(error._tag, "RequestError")
        if (error._tag === "RequestError") assert.strictEqual(error.reason, "Transport")
        assert.strictEqual(server.received.length, 2)
      })
    )
  )
})
