/**
 * An `HttpClient` on Node's own `node:http` / `node:https` with keep-alive agents: the leanest way to call the
 * Messages API from Node 20 (least memory, fastest start), and the one Parley's demo and benchmarks use. It is an
 * ordinary `HttpClient` made with `HttpClient.make` (URL building, tracing, interruption and `withScope` aborts are
 * the platform's), so it serves any code, Parley's or not.
 *
 * Why our own rather than `@effect/platform-node`'s `NodeHttpClient.layer`: that layer's agents are created without
 * keep-alive (every request opens a connection), and each response goes through more machinery (a cached body
 * effect, `NodeStream` for every streamed body). Measured on the bench (`npm run bench`, see `bench/RESULTS.md`), the
 * platform's layer is ~2.3× raw `fetch` on a non-streaming create at concurrency 64 while raw `node:http` is ~0.3×.
 * Here each request is one `Effect.async` over `http.request`, a body read as text, JSON or bytes is one promise,
 * and `MessagesClient` reads a streamed body one network read at a time. Next to undici (`UndiciHttpClient`) it
 * loads no extra module (`node:http` is part of Node) and parses HTTP in C++ instead of WebAssembly, so a process
 * starts faster and stays smaller; undici spends less CPU per request (~70 vs ~100 µs in raw loops at concurrency
 * 64), so many small concurrent `create` calls go faster on `UndiciHttpClient`.
 *
 * @example
 * ```ts
 * import { MessagesClient } from "@parley/transport"
 * import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
 * import { Layer } from "effect"
 *
 * const ClientLive = MessagesClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import * as Https from "node:https"
import { Readable } from "node:stream"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Outgoing from "./internal/outgoing.js"
import { ReadableResponse } from "./internal/readableResponse.js"

/**
 * The agents requests go through: `http` for `http:` URLs, `https` for `https:` URLs.
 *
 * @since 0.1.0
 * @category models
 */
export interface Agents {
  readonly http: Http.Agent
  readonly https: Https.Agent
}

/**
 * An `HttpClient` sending every request through `agents`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (agents: Agents): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) => {
    const send = ({ body, headers }: Outgoing.Outgoing) =>
      Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
        const secure = url.protocol === "https:"
        const host = url.hostname
        const nodeRequest = (secure ? Https : Http).request({
          protocol: url.protocol,
          // an IPv6 literal comes bracketed in a URL and is not in a socket address
          hostname: host.charCodeAt(0) === 91 ? host.slice(1, -1) : host,
          port: url.port,
          path: url.pathname + url.search,
          method: request.method,
          headers,
          agent: secure ? agents.https : agents.http
        })
        // The signal is not given to `request`: Node hands it on to the socket an agent creates, where it would
        // outlive the request. Aborting ends the request while it is in flight. Once the whole response has arrived
        // it only lets the unread rest drain, so that the connection goes back to the pool (destroying the request
        // then would destroy a connection already serving another request, or idle with nobody listening for its
        // error).
        let received: Http.IncomingMessage | undefined
        const abort = () => {
          if (received === undefined || !received.complete) return nodeRequest.destroy(signal.reason)
          if (!received.readableEnded) {
            received.removeAllListeners("readable")
            received.removeAllListeners("data")
            received.resume()
          }
        }
        if (signal.aborted) abort()
        signal.addEventListener("abort", abort, { once: true })
        nodeRequest.once("close", () => signal.removeEventListener("abort", abort))
        let settled = false
        nodeRequest.on("response", (incoming: Http.IncomingMessage) => {
          received = incoming
          if (settled) return
          settled = true
          resume(
            Effect.succeed(
              new ReadableResponse(
                request,
                incoming.statusCode ?? 0,
                incoming.headers,
                incoming,
                incoming.socket?.remoteAddress
              )
            )
          )
        })
        nodeRequest.on("error", (cause) => {
          if (settled) return
          settled = true
          resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
        })
        if (body instanceof Readable) {
          body.on("error", (cause) => nodeRequest.destroy(cause))
          body.pipe(nodeRequest)
        } else {
          nodeRequest.end(body)
        }
      })
    const outgoing = Outgoing.of(request)
    return Effect.isEffect(outgoing) ? Effect.flatMap(outgoing, send) : send(outgoing)
  })

/**
 * Keep-alive agents with unbounded sockets per origin (the server's limits are the rate limiter's business) and
 * Nagle's algorithm off (a request is sent whole at once, as undici does), made with the layer and destroyed with it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const agents = (options: Http.AgentOptions = {}): Effect.Effect<Agents, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const settings: Http.AgentOptions = { keepAlive: true, noDelay: true, ...options }
      return { http: new Http.Agent(settings), https: new Https.Agent(settings) }
    }),
    (made) =>
      Effect.sync(() => {
        made.http.destroy()
        made.https.destroy()
      })
  )

/**
 * The client on fresh keep-alive agents, destroyed with the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(HttpClient.HttpClient, Effect.map(agents(), make))

/**
 * The client on agents made with `options` (socket limits, keep-alive timing, TLS settings such as `ca`), still
 * keep-alive unless `options` says otherwise.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAgentOptions = (options: Https.AgentOptions): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(HttpClient.HttpClient, Effect.map(agents(options), make))
