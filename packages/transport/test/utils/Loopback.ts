/**
 * A real HTTP server on 127.0.0.1 (port 0) for transport tests, with the wire fixtures they serve. Never a mock of
 * HttpClient or fetch: the client under test talks to this server over loopback TCP.
 */
import * as Http from "node:http"
import * as Https from "node:https"
import type * as Net from "node:net"
import type * as HttpClient from "@effect/platform/HttpClient"
import { assert } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as MessagesClient from "../../src/MessagesClient.js"
import * as NodeHttpClient from "../../src/NodeHttpClient.js"
import * as Retry from "../../src/Retry.js"

/** A request as the server received it. */
export interface Received {
  readonly method: string
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** Handles request number `index` (0-based). */
export type Handler = (request: Received, response: Http.ServerResponse, index: number) => void

/** A running loopback server. */
export interface Loopback {
  readonly url: string
  readonly received: Array<Received>
  /** Responses whose connection closed before the response ended (aborted by the client). */
  readonly aborted: () => number
  /** Connections accepted so far. */
  readonly connections: () => number
  /** Waits (in real time, at most 5 s) until `n` requests have arrived. */
  readonly awaitRequests: (n: number) => Effect.Effect<void>
}

/** A key that must never appear in any error, log line or output. */
export const SENTINEL_KEY = "sk-ant-SENTINEL-7f3a9c-do-not-log"

/** Waits in real time, whatever the test clock. */
export const liveSleep = (millis: number): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  })

/** Waits (in real time) until the test clock has a sleep ending at `at` (ms since the test began). */
export const awaitSleep = (at: number): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let i = 0; i < 500; i++) {
      if (Chunk.toReadonlyArray(yield* TestClock.sleeps()).includes(at)) return
      yield* liveSleep(10)
    }
    return yield* Effect.dieMessage(`no sleep until ${at}`)
  })

/** Polls a condition in real time until it holds (at most 5 s). */
export const waitUntil = (condition: () => boolean, what = "condition"): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let i = 0; i < 500; i++) {
      if (condition()) return
      yield* liveSleep(10)
    }
    return yield* Effect.dieMessage(`timed out waiting for ${what}`)
  })

/** Starts a server for the scope: plain HTTP, or HTTPS with `tls` (its URL is then `https://127.0.0.1:<port>`). */
export const start = (
  handler: Handler,
  tls?: { readonly cert: string; readonly key: string }
): Effect.Effect<Loopback, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: Http.Server; loopback: Loopback }>((resume) => {
      const received: Array<Received> = []
      let aborted = 0
      let connections = 0
      const sockets = new Set<Net.Socket>()
      const onRequest = (req: Http.IncomingMessage, res: Http.ServerResponse) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          const request: Received = {
            method: req.method ?? "",
            path: req.url ?? "",
            headers: req.headers,
            body: Buffer.concat(chunks).toString("utf8")
          }
          const index = received.length
          received.push(request)
          res.on("close", () => {
            if (!res.writableFinished) aborted++
          })
          handler(request, res, index)
        })
      }
      const server: Http.Server = tls === undefined ? Http.createServer(onRequest) : Https.createServer(tls, onRequest)
      server.on(tls === undefined ? "connection" : "secureConnection", (socket: Net.Socket) => {
        connections++
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address() as Net.AddressInfo
        resume(
          Effect.succeed({
            server,
            loopback: {
              url: `${tls === undefined ? "http" : "https"}://127.0.0.1:${address.port}`,
              received,
              aborted: () => aborted,
              connections: () => connections,
              awaitRequests: (n) => waitUntil(() => received.length >= n, `${n} requests`)
            }
          })
        )
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ loopback }) => loopback))

// =============================================================================
// Wire fixtures
// =============================================================================

/** A handler answering a streaming request with `pieces` as text deltas, and any other with one message of their text. */
export const answering =
  (pieces: ReadonlyArray<string>): Handler =>
  (request, response) => {
    if (request.body.includes('"stream":true')) {
      streamHead(response)
      response.end(sseBody(textEvents(pieces)))
    } else {
      json(response, 200, message(pieces.join("")))
    }
  }

/** A complete assistant message. */
export const message = (text: string, extra: Record<string, unknown> = {}) => ({
  id: "msg_01",
  type: "message",
  role: "assistant",
  content: [{ type: "text", text }],
  model: "claude-test",
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 6 },
  ...extra
})

/** One SSE event with its name equal to the data's `type`. */
export const sse = (data: { readonly type: string } & Record<string, unknown>): string =>
  `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`

export const messageStart = (usage = { input_tokens: 12, output_tokens: 1 }) => ({
  type: "message_start",
  message: {
    id: "msg_01",
    type: "message",
    role: "assistant",
    content: [],
    model: "claude-test",
    stop_reason: null,
    stop_sequence: null,
    usage
  }
})
export const textStart = (index = 0) => ({
  type: "content_block_start",
  index,
  content_block: { type: "text", text: "" }
})
export const textDelta = (text: string, index = 0) => ({
  type: "content_block_delta",
  index,
  delta: { type: "text_delta", text }
})
export const blockStop = (index = 0) => ({ type: "content_block_stop", index })
export const messageDelta = (outputTokens = 6) => ({
  type: "message_delta",
  delta: { stop_reason: "end_turn", stop_sequence: null },
  usage: { output_tokens: outputTokens }
})
export const messageStop = { type: "message_stop" }
export const ping = { type: "ping" }
export const errorEvent = (type: string, message: string) => ({ type: "error", error: { type, message } })

/** The events of a text reply made of `pieces`. */
export const textEvents = (pieces: ReadonlyArray<string>) => [
  messageStart(),
  textStart(),
  ...pieces.map((piece) => textDelta(piece)),
  blockStop(),
  messageDelta(),
  messageStop
]

/** A whole SSE body. */
export const sseBody = (events: ReadonlyArray<{ readonly type: string } & Record<string, unknown>>) =>
  events.map(sse).join("")

/** Answers with a JSON body. */
export const json = (
  response: Http.ServerResponse,
  status: number,
  body: unknown,
  headers: Http.OutgoingHttpHeaders = {}
) => {
  response.writeHead(status, { "content-type": "application/json", "request-id": "req_test", ...headers })
  response.end(JSON.stringify(body))
}

/** Answers with an API error body. */
export const apiError = (
  response: Http.ServerResponse,
  status: number,
  type: string,
  text: string,
  headers: Http.OutgoingHttpHeaders = {}
) => json(response, status, { type: "error", error: { type, message: text } }, headers)

/** Starts an event stream response. */
export const streamHead = (response: Http.ServerResponse, headers: Http.OutgoingHttpHeaders = {}) =>
  response.writeHead(200, { "content-type": "text/event-stream", "request-id": "req_stream", ...headers })

/** A minimal request. */
export const request = {
  model: "claude-test",
  max_tokens: 256,
  messages: [{ role: "user" as const, content: "Hello" }]
}

// =============================================================================
// Clients
// =============================================================================

/**
 * Parley's node:http HttpClient, as a backend service would provide it (Parley's undici client and the platform's
 * clients are tested where the behaviour must not depend on the client: see `Timeout.test.ts`,
 * `MessagesClient.test.ts` and `HttpClients.test.ts`).
 */
export const HttpLive: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layer

/**
 * A client of the server with the sentinel key and Parley's node:http HttpClient, alive for the test's scope; retries are
 * off unless a policy layer is given.
 */
export const client = <ROut = Retry.RetryPolicy>(
  url: string,
  options: Partial<MessagesClient.ClientOptions> = {},
  policies: Layer.Layer<ROut> = Retry.disabled as unknown as Layer.Layer<ROut>
) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(Layer.merge(HttpLive, policies))
    return yield* MessagesClient.make({ apiKey: Redacted.make(SENTINEL_KEY), baseUrl: url, ...options }).pipe(
      Effect.provide(context)
    )
  })

/** Captures every log line (message and annotations, as text) of an effect. */
export const captureLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const lines: Array<string> = []
    const logger = Logger.make(({ annotations, logLevel, message }) => {
      lines.push(`${logLevel.label} ${JSON.stringify(message)} ${JSON.stringify(Object.fromEntries(annotations))}`)
    })
    return effect.pipe(
      Effect.exit,
      Effect.map((exit) => ({ exit, lines })),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger))
    )
  })

/** Deep equality of wire values, whatever their static types. */
export const same = (actual: unknown, expected: unknown): void => assert.deepStrictEqual(actual, expected)
