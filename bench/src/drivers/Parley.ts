/**
 * Driver: Parley's transport. The scenarios go through `MessagesClient` (`create`, and `createStreaming`: the stream
 * accumulated into the final message, like the SDK's `stream().finalMessage()`) on the HttpClient chosen by
 * `--variant` (`parley`, the default: Parley's `NodeHttpClient.layer`; `parley-undici`: Parley's
 * `UndiciHttpClient.layer`; the platform's `undici`:
 * `NodeHttpClient.layerUndici`, `node`: `NodeHttpClient.layer`, `fetch`: `FetchHttpClient.layer`), written as an
 * Effect application would: the fan-out is `Effect.forEach` with `concurrency`, one runtime for the whole process.
 * Also the rate limiter (h): `RateLimit.layer` configured with the server's limits. It imports only what a
 * transport user imports, so its cold start and memory are those of the client (the loop and conversation scenarios
 * live in `ParleyAgent.ts`).
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Message from "@parley/core/Message"
import type * as Request from "@parley/core/Request"
import * as MessagesClient from "@parley/transport/MessagesClient"
import * as RateLimit from "@parley/transport/RateLimit"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { measured } from "../Cpu.js"
import {
  createMetrics,
  type DriverOptions,
  expected,
  historyMetrics,
  main,
  payloadIds,
  payloadUrl,
  rateMetrics,
  streamMetrics,
  streamsMetrics,
  verify
} from "../Harness.js"
import * as Payloads from "../Payloads.js"
import * as Stats from "../Stats.js"

/**
 * The HttpClient layer of `--variant`, imported on demand: an application imports the one it uses, and the cold
 * start (g) should not pay for loading the others.
 */
const httpLayer = async (variant: string): Promise<Layer.Layer<HttpClient.HttpClient>> => {
  switch (variant) {
    case "":
    case "parley":
      return (await import("@parley/transport/NodeHttpClient")).layer
    case "parley-undici":
      return (await import("@parley/transport/UndiciHttpClient")).layer
    case "undici":
      return (await import("@effect/platform-node/NodeHttpClient")).layerUndici
    case "node":
      return (await import("@effect/platform-node/NodeHttpClient")).layer
    case "fetch":
      return (await import("@effect/platform/FetchHttpClient")).layer
    default:
      throw new Error(`unknown --variant ${variant} (parley | parley-undici | undici | node | fetch)`)
  }
}

const request: Request.MessagesRequest = Payloads.requestBody(false)

/** A client for one payload's base URL. */
const clientFor = (url: string): Effect.Effect<MessagesClient.Service, never, HttpClient.HttpClient | Scope.Scope> =>
  MessagesClient.make({ apiKey: Redacted.make(Payloads.apiKey), baseUrl: url })

/** Runs `n` copies of `call`, `concurrency` at a time; succeeds with each call's latency in ms. */
const fanOut = <E, R>(n: number, concurrency: number, call: Effect.Effect<void, E, R>) =>
  Effect.forEach(
    Array.from({ length: n }, (_, i) => i),
    () =>
      Effect.suspend(() => {
        const start = performance.now()
        return Effect.as(call, undefined).pipe(Effect.map(() => performance.now() - start))
      }),
    { concurrency }
  )

const verified = (want: Message.Message) => (message: Message.Message) => Effect.sync(() => verify(message, want))

const transport = (options: DriverOptions, http: Layer.Layer<HttpClient.HttpClient>) =>
  Effect.gen(function* () {
    const ids = payloadIds(options)
    switch (options.scenario) {
      case "create": {
        const client = yield* clientFor(payloadUrl(options, ids.create))
        const once = Effect.flatMap(client.create(request), verified(expected(ids.create)))
        yield* fanOut(Math.min(300, options.requests), options.concurrency, once)
        return yield* measured(
          Effect.gen(function* () {
            const start = performance.now()
            const latencies = yield* fanOut(options.requests, options.concurrency, once)
            return createMetrics(options, latencies, performance.now() - start)
          })
        )
      }
      case "history": {
        // the same request object every call, as a loop's turns share their history
        const client = yield* clientFor(payloadUrl(options, ids.history))
        const long = Payloads.historyRequest(options.history) as Request.MessagesRequest
        const once = Effect.flatMap(client.create(long), verified(expected(ids.history)))
        yield* fanOut(Math.min(100, options.requests), 1, once)
        let wallMs = 0
        const metrics = yield* measured(
          Effect.suspend(() => {
            const start = performance.now()
            return Effect.map(fanOut(options.requests, 1, once), (latencies) => {
              wallMs = performance.now() - start
              return Stats.latencies(latencies)
            })
          })
        )
        return historyMetrics(options, metrics, wallMs)
      }
      case "stream":
      case "tool":
      case "streams": {
        const id = options.scenario === "tool" ? ids.tool : ids.stream
        const client = yield* clientFor(payloadUrl(options, id))
        const once = Effect.flatMap(client.createStreaming(request), verified(expected(id)))
        if (options.scenario === "streams") {
          yield* fanOut(options.streams, options.streams, once)
          return yield* measured(
            Effect.gen(function* () {
              const start = performance.now()
              const latencies = yield* fanOut(options.streams, options.streams, once)
              return streamsMetrics(options, latencies, performance.now() - start)
            })
          )
        }
        yield* fanOut(options.scenario === "stream" ? 1 : 3, 1, once)
        return yield* measured(
          Effect.map(fanOut(options.times, 1, once), (latencies) => streamMetrics(options, latencies))
        )
      }
      case "cold": {
        const importedMs = performance.now()
        const client = yield* clientFor(payloadUrl(options, ids.cold))
        yield* Effect.flatMap(client.create(request), verified(expected(ids.cold)))
        return { importedMs, responseMs: performance.now() }
      }
      case "ratelimit": {
        const client = yield* clientFor(payloadUrl(options, ids.ratelimit))
        const want = expected(ids.ratelimit)
        const start = performance.now()
        const outcomes = yield* Effect.forEach(
          Array.from({ length: options.requests }, (_, i) => i),
          () => Effect.either(Effect.flatMap(client.create(request), verified(want))),
          { concurrency: options.concurrency }
        )
        const failed = outcomes.filter(Either.isLeft).length
        return rateMetrics(options.requests - failed, failed, performance.now() - start)
      }
      default:
        return yield* Effect.die(new Error(`not a transport scenario: ${options.scenario}`))
    }
  }).pipe(
    Effect.scoped,
    Effect.provide(
      options.scenario === "ratelimit"
        ? Layer.merge(http, RateLimit.layer({ limits: { requestsPerMinute: 60 * 5, maxConcurrent: 2 } }))
        : http
    )
  )

main("parley", async (options) => Effect.runPromise(transport(options, await httpLayer(options.variant))))
