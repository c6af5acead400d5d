/**
 * The client of the Messages endpoint: `create` (one JSON response), `stream` (decoded server-sent events, ending
 * after `message_stop`) and `countTokens`, each also in a `...WithMeta` variant that returns the response's
 * `request-id` and rate-limit headers with the result. Built on `@effect/platform`'s `HttpClient`; the layer does
 * not choose one (the app provides Parley's `NodeHttpClient.layer`, the platform's `FetchHttpClient.layer`, ...).
 *
 * The client composes the policies it finds in context when its layer is built: `Retry.RetryPolicy` (default: the
 * SDK's policy), `Timeout.TimeoutPolicy` (default: every timeout on) and `RateLimit.RateLimiter` (default: none).
 * Per attempt the order is: wait for the rate limiter, send under the timeouts, report usage to the limiter; the
 * retry policy wraps whole attempts, and a stream's attempt lasts until its first content event, so an SSE `error`
 * event before any content is retried like an HTTP error.
 *
 * @example
 * ```ts
 * import { Accumulator } from "@parley/core"
 * import { MessagesClient } from "@parley/transport"
 * import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
 * import { Effect, Layer, Redacted } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const client = yield* MessagesClient.MessagesClient
 *   const request = { model: "claude-sonnet-4", max_tokens: 256, messages: [{ role: "user", content: "Hi" }] } as const
 *   const reply = yield* client.create(request)
 *   const streamed = yield* Accumulator.collect(client.stream(request))
 * })
 *
 * const ClientLive = MessagesClient.layer({ apiKey: Redacted.make(process.env.ANTHROPIC_API_KEY ?? "") }).pipe(
 *   Layer.provide(NodeHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Accumulator from "@parley/core/Accumulator"
import * as Message from "@parley/core/Message"
import * as Request from "@parley/core/Request"
import type * as StreamEvent from "@parley/core/StreamEvent"
import * as Tokens from "@parley/core/Tokens"
import * as Validation from "@parley/core/Validation"
import * as Wire from "@parley/core/Wire"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ClientConfig from "./ClientConfig.js"
import * as BodyReader from "./internal/bodyReader.js"
import * as Released from "./internal/released.js"
import * as RequestScope from "./internal/requestScope.js"
import * as Watchdog from "./internal/watchdog.js"
import {
  type ApiFailure,
  ConnectionError,
  type FailureContext,
  fromErrorEvent,
  fromResponseBody,
  MalformedResponseError,
  type MessagesError,
  retryAfterOf,
  StreamInterruptedError,
  StreamTruncatedError,
  shouldRetryOf,
  TimeoutError,
  type TimeoutPhase
} from "./MessagesError.js"
import * as RateLimit from "./RateLimit.js"
import * as ResponseMeta from "./ResponseMeta.js"
import * as Retry from "./Retry.js"
import * as StreamDecoder from "./StreamDecoder.js"
import * as Timeout from "./Timeout.js"

// =============================================================================
// Service
// =============================================================================

/**
 * The Messages endpoint as a service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `POST /v1/messages` without streaming: the whole message. */
  readonly create: (request: Request.MessagesRequest) => Effect.Effect<Message.Message, MessagesError>
  /** {@link Service.create}, with the response's request-id and rate-limit headers. */
  readonly createWithMeta: (
    request: Request.MessagesRequest
  ) => Effect.Effect<ResponseMeta.WithMeta<Message.Message>, MessagesError>
  /**
   * `POST /v1/messages` with `stream: true`: the decoded events, ending after `message_stop`. Pipe it into
   * `Accumulator.collect` for the final message. Interrupting the consumer aborts the request.
   */
  readonly stream: (request: Request.MessagesRequest) => Stream.Stream<StreamEvent.StreamEvent, MessagesError>
  /**
   * {@link Service.stream}, opened: succeeds once the stream's first content event arrived (after any retries),
   * with the response's metadata; the connection belongs to the scope.
   */
  readonly streamWithMeta: (
    request: Request.MessagesRequest
  ) => Effect.Effect<
    ResponseMeta.WithMeta<Stream.Stream<StreamEvent.StreamEvent, MessagesError>>,
    MessagesError,
    Scope.Scope
  >
  /**
   * `POST /v1/messages` with `stream: true`, accumulated into the final message (what `create` returns, for the
   * requests the API requires to stream and for long generations, which get the stream's idle timeout instead of
   * a total one). Same result as `Accumulator.collect(stream(request))`, without a `Stream` in between: each read
   * is decoded and folded in one step. Events that do not form a message fail with `MalformedResponseError`.
   */
  readonly createStreaming: (request: Request.MessagesRequest) => Effect.Effect<Message.Message, MessagesError>
  /** {@link Service.createStreaming}, with the response's request-id and rate-limit headers. */
  readonly createStreamingWithMeta: (
    request: Request.MessagesRequest
  ) => Effect.Effect<ResponseMeta.WithMeta<Message.Message>, MessagesError>
  /** `POST /v1/messages/count_tokens`: the input tokens of a request. */
  readonly countTokens: (request: Request.CountTokensRequest) => Effect.Effect<number, MessagesError>
  /** {@link Service.countTokens}, with the response's request-id and rate-limit headers. */
  readonly countTokensWithMeta: (
    request: Request.CountTokensRequest
  ) => Effect.Effect<ResponseMeta.WithMeta<number>, MessagesError>
}

/**
 * The Messages client.
 *
 * @since 0.1.0
 * @category tags
 */
export class MessagesClient extends Context.Tag("@parley/transport/MessagesClient")<MessagesClient, Service>() {}

// =============================================================================
// Internals
// =============================================================================

const messagesPath = "/v1/messages"
const countTokensPath = "/v1/messages/count_tokens"

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

const noSpans = () => true

/** Effect's built-in tracer, whose spans are recorded nowhere. */
const builtInTracer = Effect.runSync(Effect.tracer)

/**
 * A client span `name` with the request's model, made only when a tracer other than Effect's built-in one is
 * installed (e.g. `@effect/opentelemetry`): under the built-in tracer a span is seen by no one, and making it cost
 * ~15% of the CPU of a `create` (measured on the bench's create c=64).
 */
const traced =
  (name: string, request: { readonly model: string }) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.tracerWith((tracer) =>
      tracer === builtInTracer
        ? effect
        : Effect.withSpan(effect, name, {
            kind: "client",
            captureStackTrace: false,
            attributes: { model: request.model }
          })
    )

/** The system error code somewhere in a cause chain (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...). */
const codeOf = (cause: unknown): string | undefined => {
  let current = cause
  for (let depth = 0; depth < 4 && isRecord(current); depth++) {
    if (typeof current.code === "string") return current.code
    current = current.cause
  }
  return undefined
}

const connectionError = (origin: string, error: HttpClientError.HttpClientError): ConnectionError => {
  if (error._tag === "RequestError" && error.reason !== "Transport") {
    return new ConnectionError({
      code: error.reason,
      message: `The request to ${origin} could not be made (${error.reason}).`
    })
  }
  const code = codeOf(error.cause)
  const what = error._tag === "RequestError" ? "The connection failed" : "The connection broke while reading the body"
  return new ConnectionError({
    ...(code === undefined ? {} : { code }),
    message: `${what} (${origin}): ${code ?? "transport error"}.`
  })
}

const timeoutError = (phase: TimeoutPhase, timeout: Duration.Duration, requestId?: string): TimeoutError => {
  const after = Duration.format(timeout)
  const what = {
    headers: `No response headers within ${after}`,
    "first-event": `No stream event within ${after} of the response headers`,
    idle: `The stream was silent for ${after}`,
    total: `The call did not finish within ${after}`
  }[phase]
  return new TimeoutError({
    phase,
    timeout,
    ...(requestId === undefined ? {} : { requestId }),
    message: `${what} (${phase} timeout${requestId === undefined ? "" : `, request-id ${requestId}`}).`
  })
}

const malformed = (meta: ResponseMeta.ResponseMeta, what: string): MalformedResponseError =>
  new MalformedResponseError({
    status: meta.status,
    ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }),
    message: `${what} (HTTP ${meta.status}${meta.requestId === undefined ? "" : `, request-id ${meta.requestId}`}).`
  })

const decodeMessage = Wire.decodeUnknownEither(Message.Message)
const decodeCount = Wire.decodeUnknownEither(Request.CountTokensResponse)

const parseJson = (text: string): { readonly value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/** How long (ms, real time) a stream's body may take to end after `message_stop` before it is aborted instead. */
const drainGraceMillis = 250

/** What the call's watchdog reports if the body outlasts that grace: made once, not per stream. */
const drainExpired = ["idle", Duration.millis(drainGraceMillis)] as const

/** Input tokens as the rate limiter counts them: uncached input plus cache writes. */
const inputTokensOf = (
  usage:
    | {
        readonly input_tokens?: number | null | undefined
        readonly cache_creation_input_tokens?: number | null | undefined
      }
    | undefined
) =>
  usage === undefined || typeof usage.input_tokens !== "number"
    ? undefined
    : usage.input_tokens + (usage.cache_creation_input_tokens ?? 0)

interface Prepared {
  readonly body: string
  readonly key: string
  readonly cost: RateLimit.Cost
}

/** The failures of a stream after its headers: wrapped in `StreamInterruptedError` once content was delivered. */
type Interruption = StreamInterruptedError["error"]

/** The chunks of a stream's step as a channel, until the step gives `undefined`. */
const emit = <A, E>(
  step: Effect.Effect<Chunk.Chunk<A> | undefined, E>
): Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, void, unknown> => {
  const loop: Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, void, unknown> = Channel.flatMap(
    Channel.fromEffect(step),
    (chunk) => (chunk === undefined ? Channel.void : Channel.flatMap(Channel.write(chunk), () => loop))
  )
  return loop
}

/** Events before which a failed stream can still be retried: they carry no content. */
const isPreamble = (type: string) => type === "message_start" || type === "ping"

// =============================================================================
// Constructors
// =============================================================================

/**
 * The UTF-8 length of a string in bytes. The body is sent as the string itself (a raw body) rather than encoded to
 * bytes first: no byte copy of the body is made, and `node:http` joins a string body to its headers into one
 * chunk instead of writing the two as separate chunks. Counted here, not with `Buffer.byteLength`: this module uses
 * no Node API, so the client runs on any platform's HttpClient.
 */
const utf8Length = (text: string): number => {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) continue
    if (code < 0x800) bytes += 1
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        // a surrogate pair: 4 bytes for 2 UTF-16 units
        bytes += 2
        i++
      } else bytes += 2
    } else bytes += 2
  }
  return bytes
}

/**
 * Builds a client from options, with the retry, timeout and rate-limit policies found in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: ClientOptions): Effect.Effect<Service, never, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function* () {
    yield* Effect.locallyScopedWith(Headers.currentRedactedNames, (names) =>
      names.includes("x-api-key") && names.includes("authorization") ? names : [...names, "x-api-key", "authorization"]
    )
    const http = yield* HttpClient.HttpClient
    const retryPolicy = Option.getOrElse(yield* Effect.serviceOption(Retry.RetryPolicy), () => Retry.make())
    const timeoutBase = Option.getOrElse(yield* Effect.serviceOption(Timeout.TimeoutPolicy), () => Timeout.defaults)
    const timeouts = Timeout.make(options.timeouts ?? {}, timeoutBase)
    const limiter = Option.getOrUndefined(yield* Effect.serviceOption(RateLimit.RateLimiter))

    const baseUrl = (options.baseUrl ?? ClientConfig.defaultBaseUrl).replace(/\/+$/, "")
    const origin = (() => {
      try {
        return new URL(baseUrl).host
      } catch {
        return baseUrl
      }
    })()
    const apiVersion = options.apiVersion ?? ClientConfig.defaultApiVersion
    const key = Redacted.value(options.apiKey)
    const headers = Headers.fromInput({
      ...options.headers,
      ...(options.authMode === "bearer" ? { authorization: `Bearer ${key}` } : { "x-api-key": key }),
      "anthropic-version": apiVersion,
      ...(options.betas !== undefined && options.betas.length > 0 ? { "anthropic-beta": options.betas.join(",") } : {})
    })
    const fallbackKey = options.rateLimitKey ?? "default"

    // Each request is tied to a scope of its own (`withScope`): closing that scope aborts it, which is how a
    // timeout or an interruption ends it. The platform's per-request span (with every header as an attribute) is
    // off: each call has its own span.
    const scopedHttp = RequestScope.withScope(http)
    const send = (path: string, body: string) =>
      scopedHttp
        .execute(
          HttpClientRequest.post(baseUrl + path, { headers }).pipe(
            HttpClientRequest.setBody(
              HttpBody.raw(body, { contentType: "application/json", contentLength: utf8Length(body) })
            )
          )
        )
        .pipe(
          Effect.mapError((error) => connectionError(origin, error)),
          Effect.locally(HttpClient.currentTracerDisabledWhen, noSpans)
        )

    const readText = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.mapError(response.text, (error) => connectionError(origin, error))

    /**
     * Sends a request and reads its whole body within `limit`, else fails with a `phase` timeout. Under the live
     * clock one watchdog timer aborts the request (no fiber); under any other clock (TestClock) `Effect.timeoutFail`.
     */
    const exchange = (path: string, body: string, limit: Duration.Duration, phase: TimeoutPhase) => {
      const whole = Effect.flatMap(send(path, body), (response) =>
        Effect.map(readText(response), (text) => [response, text] as const)
      )
      return Effect.flatMap(Watchdog.isLive, (live) =>
        live
          ? Effect.flatMap(Scope.make(), (call) => {
              const dog = Watchdog.make<true>(() => Effect.runFork(Scope.close(call, Exit.void)))
              dog.arm(Date.now() + Duration.toMillis(limit), true)
              return whole.pipe(
                Scope.extend(call),
                Effect.mapError((error) => (dog.expired() === undefined ? error : timeoutError(phase, limit))),
                Effect.onExit((exit) => {
                  dog.stop()
                  return Scope.close(call, Released.released(exit))
                })
              )
            })
          : Effect.timeoutFail(Released.scoped(whole), { duration: limit, onTimeout: () => timeoutError(phase, limit) })
      )
    }

    const contextOf = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.map(Clock.currentTimeMillis, (now): FailureContext => {
        const headers = response.headers
        return {
          meta: ResponseMeta.fromResponse(response.status, headers),
          retryAfter: retryAfterOf(headers, now),
          shouldRetry: shouldRetryOf(headers),
          contentType: headers["content-type"]
        }
      })

    const isOk = (status: number) => status >= 200 && status < 300

    const prepared = (request: Request.MessagesRequest, stream: boolean, key: string): Prepared => {
      const { stream: _stream, ...rest } = request
      return {
        body: JSON.stringify(stream ? { ...rest, stream: true } : rest),
        key,
        cost:
          limiter === undefined
            ? { requests: 1, inputTokens: 0, outputTokens: 0 }
            : RateLimit.costOf(request, Tokens.estimateRequest(request))
      }
    }

    const prepare = (request: Request.MessagesRequest, stream: boolean): Effect.Effect<Prepared, MessagesError> => {
      const withModel =
        request.model === "" && options.defaultModel !== undefined
          ? { ...request, model: options.defaultModel }
          : request
      if (apiVersion !== "2026-10-21" && limiter === undefined) {
        return Effect.sync(() => prepared(withModel, stream, fallbackKey))
      }
      return Effect.gen(function* () {
        const checked =
          apiVersion === "2026-10-21" ? yield* Validation.validateRequest(withModel, { apiVersion }) : withModel
        const key = limiter === undefined ? fallbackKey : yield* limiter.keyOf(checked, fallbackKey)
        return prepared(checked, stream, key)
      })
    }

    const admit = (prepared: Prepared) =>
      limiter === undefined ? Effect.succeed(undefined) : limiter.admit(prepared.key, prepared.cost)

    const observe = (prepared: Prepared, context: FailureContext) =>
      limiter === undefined ? Effect.void : limiter.observe(prepared.key, context.meta, context.retryAfter)

    // -------------------------------------------------------------------------
    // create
    // -------------------------------------------------------------------------

    const createExchange = (prepared: Prepared, total: Duration.Duration, ticket: RateLimit.Ticket | undefined) =>
      exchange(messagesPath, prepared.body, total, "total").pipe(
        Effect.flatMap(([response, text]) =>
          Effect.flatMap(contextOf(response), (context) => {
            const result = Effect.suspend((): Effect.Effect<ResponseMeta.WithMeta<Message.Message>, MessagesError> => {
              if (!isOk(response.status)) return Effect.fail(fromResponseBody(context, text))
              const parsed = parseJson(text)
              if (parsed === undefined) return Effect.fail(malformed(context.meta, "The response body is not JSON"))
              const decoded = decodeMessage(parsed.value)
              if (decoded._tag === "Left") {
                return Effect.fail(
                  malformed(context.meta, `The response body is not a Message: ${decoded.left.message}`)
                )
              }
              const message = decoded.right
              ticket?.settle({ inputTokens: inputTokensOf(message.usage), outputTokens: message.usage?.output_tokens })
              return Effect.succeed({ value: message, meta: context.meta })
            })
            return ticket === undefined ? result : Effect.zipRight(observe(prepared, context), result)
          })
        )
      )

    const createAttempt = (prepared: Prepared, total: Duration.Duration) =>
      limiter === undefined
        ? createExchange(prepared, total, undefined)
        : Released.scoped(Effect.flatMap(admit(prepared), (ticket) => createExchange(prepared, total, ticket)))

    const createWithMeta = (request: Request.MessagesRequest) =>
      Effect.flatMap(prepare(request, false), (prepared) =>
        Effect.flatMap(Timeout.nonStreamingTotal(timeouts, request.max_tokens), (total) =>
          Retry.retry(createAttempt(prepared, total), retryPolicy)
        )
      ).pipe(traced("MessagesClient.create", request))

    // -------------------------------------------------------------------------
    // stream
    // -------------------------------------------------------------------------

    const streamAttempt = (prepared: Prepared) =>
      Effect.gen(function* () {
        const ticket = yield* admit(prepared)
        const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(timeouts.streamTotal)

        // The request belongs to a scope of its own: closing it aborts the request, and with it any wait in progress.
        // Under the live clock one watchdog timer does that when a wait outlasts its timeout; under any other clock
        // (TestClock) each wait runs under `Effect.timeoutFail`.
        const call = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
        const dog = (yield* Watchdog.isLive)
          ? Watchdog.make<readonly [TimeoutPhase, Duration.Duration]>(() =>
              Effect.runFork(Scope.close(call, Exit.void))
            )
          : undefined
        if (dog !== undefined) yield* Scope.addFinalizer(call, Effect.sync(dog.stop))

        /** The timeout of a wait in `phase` at `now`: the phase's own, or the rest of the total when that is nearer. */
        const limitOf = (phase: Exclude<TimeoutPhase, "total">, now: number) => {
          const limit = timeouts[phase === "first-event" ? "firstEvent" : phase]
          const left = deadline - now
          return Duration.toMillis(limit) <= left
            ? ([limit, phase, limit] as const)
            : ([Duration.millis(Math.max(0, left)), "total", timeouts.streamTotal] as const)
        }

        /** Runs a wait under its phase's timeout (see {@link limitOf}). */
        const timed = <A, E>(
          effect: Effect.Effect<A, E>,
          phase: Exclude<TimeoutPhase, "total">,
          requestId?: string
        ): Effect.Effect<A, E | TimeoutError> => {
          if (dog === undefined) {
            return Effect.flatMap(Clock.currentTimeMillis, (now) => {
              const [duration, which, fired] = limitOf(phase, now)
              return Effect.timeoutFail(effect, { duration, onTimeout: () => timeoutError(which, fired, requestId) })
            })
          }
          return Effect.suspend(() => {
            const now = Date.now()
            const [duration, which, fired] = limitOf(phase, now)
            dog.arm(now + Duration.toMillis(duration), [which, fired])
            return Effect.mapBoth(effect, {
              onFailure: (error): E | TimeoutError => {
                dog.disarm()
                const expired = dog.expired()
                return expired === undefined ? error : timeoutError(expired[0], expired[1], requestId)
              },
              onSuccess: (value) => {
                dog.disarm()
                return value
              }
            })
          })
        }

        const response = yield* timed(Scope.extend(send(messagesPath, prepared.body), call), "headers")
        const context = yield* contextOf(response)
        const { meta } = context
        yield* observe(prepared, context)
        if (!isOk(response.status)) {
          const text = yield* timed(readText(response), "idle", meta.requestId)
          return yield* Effect.fail(fromResponseBody(context, text))
        }
        if ((context.contentType ?? "").includes("application/json")) {
          return yield* Effect.fail(malformed(meta, "Asked for an event stream, the server answered with a JSON body"))
        }

        const pull = BodyReader.of(response) ?? (yield* Stream.toPull(response.stream))
        const decoder = StreamDecoder.make()
        let done = false
        let ended = false
        let pending: ApiFailure | undefined
        let started = false
        let delivered = 0

        /** Keeps the events up to `message_stop` or an `error` event, and reports usage to the limiter. */
        const accept = (events: Array<StreamEvent.StreamEvent>) => {
          for (let i = 0; i < events.length; i++) {
            const event = events[i]!
            const type = event.type
            if (type === "content_block_delta" || type === "ping" || type === "content_block_stop") continue
            if (type === "message_stop") {
              done = true
              events.length = i + 1
              return
            }
            if (type === "error") {
              pending = fromErrorEvent(context, (event as StreamEvent.ErrorEvent).error)
              done = true
              events.length = i
              return
            }
            if (ticket !== undefined) {
              if (type === "message_start") {
                ticket.settle({ inputTokens: inputTokensOf((event as StreamEvent.MessageStartEvent).message.usage) })
              } else if (type === "message_delta") {
                ticket.settle({ outputTokens: (event as StreamEvent.MessageDeltaEvent).usage.output_tokens })
              }
            }
          }
        }

        const truncated = (what: string) =>
          new StreamTruncatedError({
            ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }),
            message: `${what} before message_stop${meta.requestId === undefined ? "" : ` (request-id ${meta.requestId})`}.`
          })

        /**
         * Reads (each network read from `fetch`) until at least one event is complete, the body ends or a failure is
         * pending.
         */
        const read = (
          fetch: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<HttpClientError.ResponseError> | TimeoutError>
        ): Effect.Effect<Array<StreamEvent.StreamEvent>, Interruption> =>
          Effect.suspend(() => {
            if (ended) return Effect.fail(truncated("The event stream ended"))
            const out: Array<StreamEvent.StreamEvent> = []
            const settle = (): Effect.Effect<Array<StreamEvent.StreamEvent>, Interruption> => {
              accept(out)
              if (out.length > 0) return Effect.succeed(out)
              if (pending !== undefined) {
                const failure = pending
                pending = undefined
                return Effect.fail(failure)
              }
              return loop
            }
            const loop: Effect.Effect<Array<StreamEvent.StreamEvent>, Interruption> = Effect.matchEffect(fetch, {
              onFailure: (cause) => {
                if (!Option.isOption(cause)) return Effect.fail(cause)
                if (Option.isSome(cause)) {
                  done = true
                  const code = codeOf(cause.value.cause)
                  return Effect.fail(truncated(`The connection broke (${code ?? "transport error"})`))
                }
                ended = true
                const problem = decoder.end(out)
                if (problem !== undefined) return Effect.fail(malformed(meta, problem))
                accept(out)
                if (out.length > 0 || pending !== undefined) return settle()
                done = true
                return Effect.fail(truncated("The event stream ended"))
              },
              onSuccess: (chunks) => {
                for (const bytes of chunks) {
                  const problem = decoder.push(bytes, out)
                  if (problem !== undefined) {
                    done = true
                    return Effect.fail(malformed(meta, problem))
                  }
                }
                return settle()
              }
            })
            return loop
          })

        const next = Effect.suspend(() => {
          const phase = started ? "idle" : "first-event"
          started = true
          return timed(read(pull), phase, meta.requestId)
        })

        // After `message_stop` the server ends the body. Reading on to that end, when it comes at once, lets the
        // connection go back to the pool: closing the request's scope before it would abort the request and close
        // the connection (one more connection, and TLS handshake, per stream). A body that does not end within the
        // grace period (real time, whatever the clock) is aborted: under the live clock by the call's watchdog (no
        // fiber and no second timer: measured on the bench's tool stream, a race with a sleep here cost ~0.3 MB more
        // promoted per young GC), under another clock by a race with a real-time sleep.
        const drained: Effect.Effect<undefined> = Effect.suspend(() => {
          if (ended) return Effect.void
          const rest: Effect.Effect<void> = Effect.matchEffect(pull, {
            onFailure: () => Effect.void,
            onSuccess: () => rest
          })
          if (dog === undefined) return Effect.raceFirst(rest, Watchdog.realSleep(drainGraceMillis))
          dog.arm(Date.now() + drainGraceMillis, drainExpired)
          return rest
        }).pipe(Effect.as(undefined))

        // The attempt lasts until the first content event: everything before it is held back, so a failure up to
        // there is retried without the caller seeing anything twice.
        let head: Array<StreamEvent.StreamEvent> = []
        while (true) {
          const events = yield* next
          // indexed (the first read often holds the whole stream); the first read's array is kept, not copied
          let content = false
          for (let i = 0; i < events.length && !content; i++) content = !isPreamble(events[i]!.type)
          if (head.length === 0) head = events
          else for (let i = 0; i < events.length; i++) head.push(events[i]!)
          if (!content && pending !== undefined) {
            const failure = pending
            pending = undefined
            return yield* Effect.fail(failure)
          }
          if (content || done) break
        }
        delivered = head.length

        // One step for the whole stream: the held-back head first, then a chunk per read; `undefined` at the end.
        let first: Array<StreamEvent.StreamEvent> | undefined = head
        const step: Effect.Effect<Chunk.Chunk<StreamEvent.StreamEvent> | undefined, MessagesError> = Effect.suspend(
          () => {
            if (first !== undefined) {
              const events = first
              first = undefined
              return Effect.succeed(Chunk.unsafeFromArray(events))
            }
            if (pending !== undefined) {
              const failure = pending
              pending = undefined
              return Effect.fail(StreamInterruptedError.wrap(failure, delivered, meta.requestId))
            }
            if (done) return drained
            return Effect.matchEffect(next, {
              onFailure: (error) => {
                done = true
                return Effect.fail(StreamInterruptedError.wrap(error, delivered, meta.requestId))
              },
              onSuccess: (events) => {
                delivered += events.length
                return Effect.succeed(Chunk.unsafeFromArray(events))
              }
            })
          }
        )
        return { value: step, meta }
      })

    /** Opens a stream (retried up to its first content event): its step and metadata, the connection in the scope. */
    const open = (request: Request.MessagesRequest) =>
      Effect.gen(function* () {
        const prepared = yield* prepare(request, true)
        const parent = yield* Effect.scope
        const attempt = Effect.flatMap(Scope.fork(parent, ExecutionStrategy.sequential), (scope) =>
          streamAttempt(prepared).pipe(
            Scope.extend(scope),
            Effect.onExit((exit) => (Exit.isFailure(exit) ? Scope.close(scope, exit) : Effect.void))
          )
        )
        return yield* Retry.retry(attempt, retryPolicy)
      }).pipe(traced("MessagesClient.stream", request))

    const streamWithMeta = (request: Request.MessagesRequest) =>
      Effect.map(open(request), ({ value, meta }) => ({ value: Stream.fromChannel(emit(value)), meta }))

    // `stream` as one channel that owns a scope (open, then emit), not `Stream.unwrapScoped` (a flatten of a stream
    // of streams): measured ~80 KB less allocated per call.
    const stream = (request: Request.MessagesRequest): Stream.Stream<StreamEvent.StreamEvent, MessagesError> =>
      Stream.fromChannel(
        Channel.acquireUseRelease(
          Scope.make(),
          (scope) =>
            Channel.flatMap(Channel.fromEffect(Scope.extend(open(request), scope)), ({ value }) => emit(value)),
          (scope, exit) => Scope.close(scope, Released.released(exit))
        )
      )

    const createStreamingWithMeta = (request: Request.MessagesRequest) =>
      Released.scoped(
        Effect.flatMap(open(request), ({ value: step, meta }) => {
          const accumulator = Accumulator.make()
          const loop: Effect.Effect<ResponseMeta.WithMeta<Message.Message>, MessagesError> = Effect.flatMap(
            step,
            (chunk) => {
              if (chunk === undefined) {
                const result = accumulator.finish()
                return result._tag === "Right"
                  ? Effect.succeed({ value: result.right, meta })
                  : Effect.fail(malformed(meta, `The events do not form a message: ${result.left.message}`))
              }
              const events = Chunk.toReadonlyArray(chunk)
              for (let i = 0; i < events.length; i++) {
                const error = accumulator.add(events[i]!)
                if (error !== undefined) {
                  return Effect.fail(malformed(meta, `The events do not form a message: ${error.message}`))
                }
              }
              return loop
            }
          )
          return loop
        })
      )

    // -------------------------------------------------------------------------
    // countTokens
    // -------------------------------------------------------------------------

    const countAttempt = (body: string) =>
      Effect.gen(function* () {
        const [response, text] = yield* exchange(countTokensPath, body, timeouts.headers, "headers")
        const context = yield* contextOf(response)
        if (!isOk(response.status)) return yield* Effect.fail(fromResponseBody(context, text))
        const parsed = parseJson(text)
        const decoded = parsed === undefined ? undefined : decodeCount(parsed.value)
        if (decoded === undefined || decoded._tag === "Left") {
          return yield* Effect.fail(malformed(context.meta, "The count_tokens response is not { input_tokens }"))
        }
        return { value: decoded.right.input_tokens, meta: context.meta }
      })

    const countTokensWithMeta = (request: Request.CountTokensRequest) =>
      Effect.suspend(() => {
        const body = JSON.stringify(
          request.model === "" && options.defaultModel !== undefined
            ? { ...request, model: options.defaultModel }
            : request
        )
        return Retry.retry(countAttempt(body), retryPolicy)
      }).pipe(traced("MessagesClient.countTokens", request))

    return MessagesClient.of({
      create: (request) => Effect.map(createWithMeta(request), (result) => result.value),
      createWithMeta,
      stream,
      streamWithMeta,
      createStreaming: (request) => Effect.map(createStreamingWithMeta(request), (result) => result.value),
      createStreamingWithMeta,
      countTokens: (request) => Effect.map(countTokensWithMeta(request), (result) => result.value),
      countTokensWithMeta
    })
  })

/**
 * The options of a client.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientOptions = ClientConfig.ClientOptions

/**
 * A client from options; needs an `HttpClient`. Provide `Retry`, `Timeout` and `RateLimit` layers to it to change
 * its policies.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ClientOptions): Layer.Layer<MessagesClient, never, HttpClient.HttpClient> =>
  Layer.scoped(MessagesClient, make(options))

/**
 * A client from configuration, by default the environment ({@link ClientConfig.config}: `ANTHROPIC_API_KEY`,
 * `ANTHROPIC_BASE_URL`, ...); fails with a `ConfigError` when the key is missing.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<ClientOptions> = ClientConfig.config
): Layer.Layer<MessagesClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.scoped(MessagesClient, Effect.flatMap(config, make))
