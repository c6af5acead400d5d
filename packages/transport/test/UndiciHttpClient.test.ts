import * as Net from "node:net"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as L from "./utils/Loopback.js"

const client = Effect.flatMap(Layer.build(UndiciHttpClient.layer), (context) =>
  Effect.provide(HttpClient.HttpClient, context)
)

describe("UndiciHttpClient", () => {
  it.scoped("status, headers, cookies, and a body read as text twice, then as JSON", () =>
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
      const again = yield* Effect.flip(response.arrayBuffer)
      assert.strictEqual(again._tag, "ResponseError")
      assert.strictEqual(again.reason, "Decode")
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
})
