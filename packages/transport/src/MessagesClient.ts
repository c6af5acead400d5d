/**
 * The client of the Messages endpoint: `create` (one JSON response), `stream` (decoded server-sent events, ending
 * after `message_stop`), `createStreaming` (a stream read into the final message) and `countTokens`. It implements
 * core's `Model` port, so the same layer drives the agent loop. Built on `@effect/platform`'s `HttpClient`; the
 * layer does not choose one (the app provides Parley's `NodeHttpClient.layer`, the platform's
 * `FetchHttpClient.layer`, ...).
 *
 * Policies (`Retry`, `Timeout`, `RateLimit`) are read when each call starts, so every wiring does what it says:
 * per call (the call's options, `Retry.withPolicy`, `Timeout.withTimeouts`), provided to the client's layer, or
 * merged beside it anywhere in the app's context; the nearest wins, in that order, then the defaults. Per attempt
 * the order is: wait for the rate limiter, send under the timeouts, report usage to the limiter; the retry policy
 * wraps whole attempts. A `stream`'s attempt lasts until its first content event (so an SSE `error` event before
 * any content is retried like an HTTP error); `createStreaming` hands nothing to its caller before it returns, so
 * it retries any failure of the whole stream.
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
 *   const request = { max_tokens: 256, messages: [{ role: "user", content: "Hi" }] } as const
 *   const reply = yield* client.create(request)
 *   const streamed = yield* Accumulator.collect(client.stream(request, { betas: ["fine-grained-tool-streaming-2025-05-14"] }))
 *   const { value, meta } = yield* MessagesClient.withResponse(client.create(request))
 * })
 *
 * const ClientLive = MessagesClient.layer({
 *   apiKey: Redacted.make(process.env.ANTHROPIC_API_KEY ?? ""),
 *   defaultModel: "claude-sonnet-4-5"
 * }).pipe(Layer.provide(NodeHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as ApiVersion from "@parley/core/ApiVersion"
import * as Message from "@parley/core/Message"
import * as Model from "@parley/core/Model"
import * as PromptCaching from "@parley/core/PromptCaching"
import * as Request from "@parley/core/Request"
import type * as StreamEvent from "@parley/core/StreamEvent"
import * as Telemetry from "@parley/core/Telemetry"
import * as Tokens from "@parley/core/Tokens"
import * as Usage from "@parley/core/Usage"
import * as Validation from "@parley/core/Validation"
import * as Wire from "@parley/core/Wire"
import * as Channel from "effect/Channel"
import type * as Chunk from "effect/Chunk"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import * as ClientConfig from "./ClientConfig.js"
import * as CallTimer from "./internal/callTimer.js"
import * as Failures from "./internal/failures.js"
import * as Released from "./internal/released.js"
import * as RequestScope from "./internal/requestScope.js"
import * as StreamCall from "./internal/streamCall.js"
import * as StreamReader from "./internal/streamReader.js"
import * as Spans from "./internal/telemetry.js"
import { utf8Bytes } from "./internal/utf8Bytes.js"
import {
  type FailureContext,
  fromResponseBody,
  type MessagesError,
  retryAfterOf,
  shouldRetryOf
} from "./MessagesError.js"
import * as RateLimit from "./RateLimit.js"
import * as ResponseMeta from "./ResponseMeta.js"
import * as Retry from "./Retry.js"
import * as Timeout from "./Timeout.js"

// =============================================================================
// Service
// =============================================================================

/**
 * A Messages request as the client takes it: core's request, with `model` optional when the client has a
 * `defaultModel` (a call with neither fails with a `ValidationError`, rule `MissingModel`). `stream` is set by the
 * call (`create` or `stream`), not by the request.
 *
 * @since 0.2.0
 * @category models
 */
export type MessagesRequest = Model.ModelRequest

/**
 * A count_tokens request, `model` optional as in {@link MessagesRequest}.
 *
 * @since 0.2.0
 * @category models
 */
export type CountTokensRequest = Omit<Request.CountTokensRequest, "model"> & { readonly model?: string | undefined }

/**
 * Options of one call, over the client's own and the policies in context.
 *
 * @since 0.2.0
 * @category models
 */
export interface CallOptions {
  /** Beta flags for this call, sent with the client's own in `anthropic-beta`. */
  readonly betas?: ReadonlyArray<string> | undefined
  /** Extra headers for this call (they cannot replace auth, version or betas). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Timeouts of this call, over every other timeout setting. */
  readonly timeouts?: Timeout.Options | undefined
  /** The retry policy of this call (e.g. `Retry.none`, `Retry.make({ maxRetries: 5 })`). */
  readonly retry?: Retry.Policy | undefined
  /** The rate-limit key of this call, over `RateLimit.withKey` and the client's `rateLimitKey`. */
  readonly rateLimitKey?: string | undefined
}

/**
 * The Messages endpoint as a service. It is core's `Model` port, with more: `createStreaming`, `countTokens`, and
 * options per call.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service extends Model.Service {
  /** `POST /v1/messages` without streaming: the whole message. */
  readonly create: (request: MessagesRequest, options?: CallOptions) => Effect.Effect<Message.Message, MessagesError>
  /**
   * `POST /v1/messages` with `stream: true`: the decoded events, ending after `message_stop`. Pipe it into
   * `Accumulator.collect` for the final message. Interrupting the consumer aborts the request. Retried up to its
   * first content event; a failure after that has `delivered > 0` and is not retried.
   */
  readonly stream: (
    request: MessagesRequest,
    options?: CallOptions
  ) => Stream.Stream<StreamEvent.StreamEvent, MessagesError>
  /**
   * `POST /v1/messages` with `stream: true`, read into the final message (what `create` returns, for the requests
   * the API requires to stream and for long generations, which get the stream's idle timeout instead of a total
   * one). Nothing reaches the caller before it returns, so any retryable failure is retried, mid-stream too.
   * Events that do not form a message fail with `MalformedResponseError`.
   */
  readonly createStreaming: (
    request: MessagesRequest,
    options?: CallOptions
  ) => Effect.Effect<Message.Message, MessagesError>
  /** `POST /v1/messages/count_tokens`: the input tokens of a request. */
  readonly countTokens: (request: CountTokensRequest, options?: CallOptions) => Effect.Effect<number, MessagesError>
  /**
   * The token usage of every call this client completed, by model (cache reads and writes included); with
   * `Usage.costOfAll`, what they cost.
   */
  readonly usage: Effect.Effect<Usage.ByModel>
}

/**
 * The Messages client.
 *
 * @since 0.1.0
 * @category tags
 */
export class MessagesClient extends Context.Tag("@parley/transport/MessagesClient")<MessagesClient, Service>() {}

// =============================================================================
// Response metadata
// =============================================================================

/** Where {@link withResponse} collects the metadata of the responses of the calls it wraps. */
interface ResponseSink {
  meta: ResponseMeta.ResponseMeta | undefined
}

const currentResponseSink: FiberRef.FiberRef<ResponseSink | undefined> = globalValue(
  "@parley/transport/MessagesClient/currentResponseSink",
  () => FiberRef.unsafeMake<ResponseSink | undefined>(undefined)
)

/**
 * A result with the metadata of the last response behind it; `meta` is `undefined` only when the effect made no
 * call that received a response.
 *
 * @since 0.2.0
 * @category models
 */
export interface WithResponse<A> {
  readonly value: A
  readonly meta: ResponseMeta.ResponseMeta | undefined
}

/**
 * Runs an effect that makes client calls and gives its result with the metadata (status, `request-id`, rate-limit
 * headers) of the last response those calls received, as the official SDK's `.withResponse()`. Works for `create`,
 * `createStreaming`, `countTokens` and a consumed `stream` alike. A failed call needs no such wrapper: its error
 * carries the same fields.
 *
 * @since 0.2.0
 * @category combinators
 */
export const withResponse = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<WithResponse<A>, E, R> =>
  Effect.suspend(() => {
    const sink: ResponseSink = { meta: undefined }
    return Effect.map(Effect.locally(effect, currentResponseSink, sink), (value) => ({ value, meta: sink.meta }))
  })

// =============================================================================
// Internals
// =============================================================================

const messagesPath = "/v1/messages"
const countTokensPath = "/v1/messages/count_tokens"

const noSpans = () => true

const decodeMessage = Wire.decodeUnknownEither(Message.Message)
const decodeCount = Wire.decodeUnknownEither(Request.CountTokensResponse)

const parseJson = (text: string): { readonly value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/** Input tokens as the rate limiter counts them: uncached input plus cache writes. */
const inputTokensOf = (usage: Message.Message["usage"]) =>
  usage === undefined || typeof usage.input_tokens !== "number"
    ? undefined
    : usage.input_tokens + (usage.cache_creation_input_tokens ?? 0)

const isOk = (status: number) => status >= 200 && status < 300

/** A call whose result is no message: nothing to report, nothing to add to the usage totals. */
const noOutcome = (): undefined => undefined

/** The policies a call runs under, resolved when it starts. */
interface Policies {
  readonly retry: Retry.Policy
  readonly timeouts: Timeout.Policy
  readonly limiter: RateLimit.Service | undefined
  readonly headers: Headers.Headers
  readonly rateLimitKey: string | undefined
  readonly sink: ResponseSink | undefined
  readonly telemetry: Telemetry.Settings | undefined
}

/** A request ready to send: its body (UTF-8, encoded once for every attempt), and its rate-limit key and cost. */
interface Prepared {
  readonly request: Request.MessagesRequest
  readonly body: Uint8Array
  readonly key: string
  readonly cost: RateLimit.Cost
}

/** The payload of a `create` or `countTokens` call's timer. */
type ExchangeExpiry = readonly [Failures.Phase, Duration.Duration]

// =============================================================================
// Constructors
// =============================================================================

/**
 * Builds a client from options. The policies found in context now (those provided to the client's layer) apply to
 * every call unless the call's own context or options set others.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: ClientOptions): Effect.Effect<Service, never, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function* () {
    yield* Effect.locallyScopedWith(Headers.currentRedactedNames, (names) =>
      names.includes("x-api-key") && names.includes("authorization") ? names : [...names, "x-api-key", "authorization"]
    )
    const http = RequestScope.client(yield* HttpClient.HttpClient)
    const built = yield* Effect.context<never>()
    const builtRetry = Context.getOption(built, Retry.RetryPolicy)
    const builtTimeouts = Context.getOption(built, Timeout.TimeoutPolicy)
    const builtLimiter = Context.getOption(built, RateLimit.RateLimiter)
    const builtTelemetry = Context.getOption(built, Telemetry.Telemetry)
    let ledger: Usage.ByModel = {}
    const record = (model: string, usage: Spans.Outcome["usage"]) => {
      ledger = Usage.addByModel(ledger, model, usage)
    }

    const baseUrl = (options.baseUrl ?? ClientConfig.defaultBaseUrl).replace(/\/+$/, "")
    const origin = (() => {
      try {
        return new URL(baseUrl).host
      } catch {
        return baseUrl
      }
    })()
    const apiVersion = options.apiVersion ?? ApiVersion.defaultVersion
    const versionRules = ApiVersion.rules[apiVersion]
    const key = Redacted.value(options.apiKey)
    const clientBetas = options.betas ?? []
    const fixedHeaders = {
      ...(options.authMode === "bearer" ? { authorization: `Bearer ${key}` } : { "x-api-key": key }),
      "anthropic-version": apiVersion
    }
    const headersOf = (extra: Readonly<Record<string, string>> | undefined, betas: ReadonlyArray<string>) =>
      Headers.fromInput({
        ...options.headers,
        ...extra,
        ...fixedHeaders,
        ...(betas.length > 0 ? { "anthropic-beta": betas.join(",") } : {})
      })
    const clientHeaders = headersOf(undefined, clientBetas)
    const fallbackKey = options.rateLimitKey ?? "default"

    /** The policies of a call: its options, then the fiber's overrides, the client's layer, the call's context. */
    const policiesOf = (call: CallOptions | undefined): Effect.Effect<Policies> =>
      Effect.withFiberRuntime((fiber) => {
        const context = fiber.currentContext
        const retry =
          call?.retry ??
          fiber.getFiberRef(Retry.currentPolicy) ??
          Option.getOrUndefined(builtRetry) ??
          Option.getOrUndefined(Context.getOption(context, Retry.RetryPolicy)) ??
          Retry.defaultPolicy
        const base = Option.getOrElse(
          Option.orElse(builtTimeouts, () => Context.getOption(context, Timeout.TimeoutPolicy)),
          () => Timeout.defaults
        )
        const own = options.timeouts === undefined ? base : Timeout.make(options.timeouts, base)
        const override = fiber.getFiberRef(Timeout.currentOptions)
        const withOverride = override === undefined ? own : Timeout.make(override, own)
        const timeouts = call?.timeouts === undefined ? withOverride : Timeout.make(call.timeouts, withOverride)
        const limiter =
          Option.getOrUndefined(builtLimiter) ??
          Option.getOrUndefined(Context.getOption(context, RateLimit.RateLimiter))
        const headers =
          call?.betas === undefined && call?.headers === undefined
            ? clientHeaders
            : headersOf(call.headers, call.betas === undefined ? clientBetas : [...clientBetas, ...call.betas])
        return Effect.succeed({
          retry,
          timeouts,
          limiter,
          headers,
          rateLimitKey: call?.rateLimitKey,
          sink: fiber.getFiberRef(currentResponseSink),
          telemetry:
            Option.getOrUndefined(Context.getOption(context, Telemetry.Telemetry)) ??
            Option.getOrUndefined(builtTelemetry)
        })
      })

    // The body goes as bytes encoded once per call (internal/utf8Bytes: sent as a string, `node:http` counts and
    // converts it again on every send, and the string stays on the JS heap for the whole call).
    const send = (path: string, body: Uint8Array, headers: Headers.Headers) =>
      http
        .execute(
          HttpClientRequest.post(baseUrl + path, { headers }).pipe(
            HttpClientRequest.setBody(HttpBody.uint8Array(body, "application/json"))
          )
        )
        .pipe(
          Effect.mapError((error) => Failures.connectionError(origin, error)),
          // the platform's own span per request would carry every header as an attribute: each call has its span
          Effect.locally(HttpClient.currentTracerDisabledWhen, noSpans)
        )

    const readText = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.mapError(response.text, (error) => Failures.connectionError(origin, error))

    const contextOf = (response: HttpClientResponse.HttpClientResponse, now: number): FailureContext => {
      const headers = response.headers
      return {
        meta: ResponseMeta.fromResponse(response.status, headers),
        retryAfter: retryAfterOf(headers, now),
        shouldRetry: shouldRetryOf(headers),
        contentType: headers["content-type"]
      }
    }

    /** Reports a response to the limiter and to {@link withResponse}. */
    const observe = (policies: Policies, prepared: Prepared | undefined, context: FailureContext) => {
      if (policies.sink !== undefined) policies.sink.meta = context.meta
      const limited =
        policies.limiter === undefined || prepared === undefined
          ? Effect.void
          : policies.limiter.observe(prepared.key, context.meta, context.retryAfter)
      return policies.telemetry === undefined ? limited : Effect.zipRight(Spans.response(context.meta), limited)
    }

    /**
     * Sends a request and reads its whole body: the response headers within `limits.headers`, the whole exchange
     * within `limits.total` (without one, within the headers timeout). One timer on the fiber's clock aborts the
     * request when a limit passes.
     */
    const exchange = (
      path: string,
      body: Uint8Array,
      headers: Headers.Headers,
      limits: { readonly headers: Duration.Duration; readonly total: Duration.Duration | undefined }
    ) =>
      Effect.flatMap(RequestScope.open, (request) =>
        Effect.flatMap(
          CallTimer.onFiberClock<ExchangeExpiry>(() => Effect.runFork(RequestScope.abort(request))),
          (timer) => {
            const startedAt = timer.now()
            const headersAt = startedAt + Duration.toMillis(limits.headers)
            const total = limits.total
            const totalAt = total === undefined ? headersAt : startedAt + Duration.toMillis(total)
            if (total === undefined || headersAt < totalAt) timer.arm(headersAt, ["headers", limits.headers])
            else timer.arm(totalAt, ["total", total])
            let completed = false
            return Effect.flatMap(Scope.extend(send(path, body, headers), request), (response) => {
              // the body within the rest of the total (a call bounded by its headers timeout alone keeps that)
              if (total !== undefined) timer.arm(totalAt, ["total", total])
              return Effect.map(readText(response), (text) => {
                completed = true
                return [response, text, timer.now()] as const
              })
            }).pipe(
              Effect.mapError((error) => {
                const expired = timer.expired()
                return expired === undefined ? error : Failures.timeoutError(expired[0], expired[1])
              }),
              Effect.onExit(() => {
                timer.stop()
                return RequestScope.finish(request, completed)
              })
            )
          }
        )
      )

    /** The request with the client's default model, checked under the version's rules when they say so. */
    const resolveModel = (request: MessagesRequest | CountTokensRequest): Effect.Effect<string, MessagesError> => {
      const model = request.model ?? options.defaultModel
      return model === undefined
        ? Effect.fail(
            new Validation.ValidationError({
              rule: "MissingModel",
              message:
                "The request has no model and the client no default model: set the request's model or the client's defaultModel (ANTHROPIC_MODEL)."
            })
          )
        : Effect.succeed(model)
    }

    const prepare = (
      request: MessagesRequest,
      stream: boolean,
      policies: Policies
    ): Effect.Effect<Prepared, MessagesError> =>
      Effect.flatMap(resolveModel(request), (model) => {
        const { stream: _stream, ...rest } = request as Request.MessagesRequest
        const full: Request.MessagesRequest = rest.model === model ? rest : { ...rest, model }
        const limiter = policies.limiter
        const ready = (checked: Request.MessagesRequest, key: string): Prepared => ({
          request: checked,
          body: utf8Bytes(JSON.stringify(stream ? { ...checked, stream: true } : checked)),
          key,
          cost:
            limiter === undefined
              ? { requests: 1, inputTokens: 0, outputTokens: 0 }
              : RateLimit.costOf(checked, Tokens.estimateRequest(checked))
        })
        const fallback = policies.rateLimitKey ?? fallbackKey
        // under every version: a fifth cache breakpoint is a certain 400 (the full check covers it where it runs)
        if (!versionRules.checkBeforeSending && PromptCaching.breakpoints(full) > PromptCaching.maxBreakpoints) {
          return Effect.fail(
            new Validation.ValidationError({
              rule: "TooManyCacheBreakpoints",
              message: `A request may have at most ${PromptCaching.maxBreakpoints} cache breakpoints (the top-level cache_control included); this one has ${PromptCaching.breakpoints(full)}.`
            })
          )
        }
        if (!versionRules.checkBeforeSending && limiter === undefined) return Effect.sync(() => ready(full, fallback))
        return Effect.gen(function* () {
          const checked = versionRules.checkBeforeSending
            ? yield* Validation.validateRequest(full, { apiVersion })
            : full
          const key =
            limiter === undefined || policies.rateLimitKey !== undefined
              ? fallback
              : yield* limiter.keyOf(checked, fallback)
          return ready(checked, key)
        })
      })

    const admit = (policies: Policies, prepared: Prepared) =>
      policies.limiter === undefined ? Effect.succeed(undefined) : policies.limiter.acquire(prepared.key, prepared.cost)

    /**
     * Runs a call's attempts under the retry policy; with telemetry on, inside the call's span (made here, or
     * `parent` when the caller made it), each attempt in a child span whose `traceparent` is sent.
     */
    const attempts = <A>(
      policies: Policies,
      parent: Tracer.Span | undefined,
      attempt: (headers: Headers.Headers) => Effect.Effect<A, MessagesError>
    ): Effect.Effect<A, MessagesError> => {
      const telemetry = policies.telemetry
      if (telemetry === undefined) return Retry.retry(attempt(policies.headers), policies.retry)
      const one = (info: Retry.Attempt) =>
        Effect.withSpan(
          Effect.flatMap(Effect.currentSpan.pipe(Effect.option), (span) =>
            attempt(
              telemetry.propagate && span._tag === "Some"
                ? Headers.set(policies.headers, "traceparent", Spans.traceparent(span.value))
                : policies.headers
            )
          ),
          "POST",
          {
            kind: "client",
            captureStackTrace: false,
            attributes: Spans.attemptAttributes(origin, info.number, info.waitMillis)
          }
        )
      const retried = Retry.retry(one, policies.retry)
      return parent === undefined ? retried : Effect.withParentSpan(retried, parent)
    }

    /**
     * A whole call: its attempts, then the usage recorded in the client's totals; with telemetry on, in a span
     * `<operation> <model>` with the GenAI attributes, and the call's metrics.
     */
    const instrumented = <A>(
      policies: Policies,
      operation: string,
      request: MessagesRequest | CountTokensRequest,
      model: string,
      streaming: boolean,
      outcome: (value: A) => Spans.Outcome | undefined,
      attempt: (headers: Headers.Headers) => Effect.Effect<A, MessagesError>
    ): Effect.Effect<A, MessagesError> => {
      const recorded = (value: A) => {
        const result = outcome(value)
        if (result !== undefined) record(model, result.usage)
      }
      if (policies.telemetry === undefined) return Effect.tap(attempts(policies, undefined, attempt), recorded)
      return Effect.useSpan(
        `${operation} ${model}`,
        {
          kind: "client",
          captureStackTrace: false,
          attributes: Spans.callAttributes(operation, request, model, origin, streaming)
        },
        (span) => {
          const startedAt = performance.now()
          const seconds = () => (performance.now() - startedAt) / 1000
          return attempts(policies, span, attempt).pipe(
            Effect.tapBoth({
              onFailure: (error) => Spans.fail(span, operation, model, error, seconds()),
              onSuccess: (value) => {
                recorded(value)
                return Spans.finish(span, operation, model, outcome(value) ?? {}, seconds())
              }
            })
          )
        }
      )
    }

    // -------------------------------------------------------------------------
    // create
    // -------------------------------------------------------------------------

    /** One exchange of a `create`: the response decoded, its usage settled on the rate-limit ticket, if any. */
    const createExchange = (
      policies: Policies,
      prepared: Prepared,
      total: Duration.Duration,
      headers: Headers.Headers,
      ticket: RateLimit.Ticket | undefined
    ) =>
      Effect.flatMap(
        exchange(messagesPath, prepared.body, headers, {
          headers: Timeout.nonStreamingHeaders(policies.timeouts, total),
          total
        }),
        ([response, text, now]) => {
          const context = contextOf(response, now)
          return Effect.zipRight(
            observe(policies, prepared, context),
            Effect.suspend((): Effect.Effect<Message.Message, MessagesError> => {
              if (!isOk(response.status)) return Effect.fail(fromResponseBody(context, text))
              const parsed = parseJson(text)
              if (parsed === undefined) {
                return Effect.fail(Failures.malformed(context.meta, "the response body is not JSON"))
              }
              const decoded = decodeMessage(parsed.value)
              if (decoded._tag === "Left") {
                return Effect.fail(
                  Failures.malformed(context.meta, `the response body is not a Message: ${decoded.left.message}`)
                )
              }
              const message = decoded.right
              ticket?.settle({
                inputTokens: inputTokensOf(message.usage),
                outputTokens: message.usage?.output_tokens
              })
              return Effect.succeed(message)
            })
          )
        }
      )

    /** One attempt of a `create`: in a scope holding the rate-limit ticket when there is a limiter. */
    const createAttempt = (
      policies: Policies,
      prepared: Prepared,
      total: Duration.Duration,
      headers: Headers.Headers
    ) =>
      policies.limiter === undefined
        ? createExchange(policies, prepared, total, headers, undefined)
        : Released.scoped(
            Effect.flatMap(admit(policies, prepared), (ticket) =>
              createExchange(policies, prepared, total, headers, ticket)
            )
          )

    const create = (request: MessagesRequest, call?: CallOptions) =>
      Effect.flatMap(policiesOf(call), (policies) =>
        Effect.flatMap(prepare(request, false, policies), (prepared) =>
          Effect.flatMap(Timeout.nonStreamingTotal(policies.timeouts, prepared.request.max_tokens), (total) =>
            instrumented(policies, "chat", request, prepared.request.model, false, Spans.outcomeOf, (headers) =>
              createAttempt(policies, prepared, total, headers)
            )
          )
        )
      )

    // -------------------------------------------------------------------------
    // stream
    // -------------------------------------------------------------------------

    /**
     * One attempt of a stream, in `scope` (which holds the rate-limit ticket): sends the request, reads the headers
     * and the head of the body. A failure up to there fails the attempt (retried by the policy).
     */
    const streamAttempt = (policies: Policies, prepared: Prepared, headers: Headers.Headers) =>
      Effect.gen(function* () {
        const ticket = yield* admit(policies, prepared)
        const request = yield* RequestScope.open
        const timer = yield* CallTimer.onFiberClock<StreamCall.Expiry>(() =>
          Effect.runFork(RequestScope.abort(request))
        )
        const timeouts = policies.timeouts
        const startedAt = timer.now()
        const deadline = startedAt + Duration.toMillis(timeouts.streamTotal)
        const headersAt = Math.min(startedAt + Duration.toMillis(timeouts.headers), deadline)
        timer.arm(headersAt, headersAt < deadline ? ["headers", timeouts.headers] : ["total", timeouts.streamTotal])
        const opened = Effect.gen(function* () {
          const response = yield* Scope.extend(send(messagesPath, prepared.body, headers), request)
          timer.disarm()
          const context = contextOf(response, timer.now())
          yield* observe(policies, prepared, context)
          if (!isOk(response.status)) {
            timer.arm(Math.min(timer.now() + Duration.toMillis(timeouts.idle), deadline), ["idle", timeouts.idle])
            const text = yield* readText(response)
            timer.disarm()
            return yield* Effect.fail(fromResponseBody(context, text))
          }
          if ((context.contentType ?? "").includes("application/json")) {
            return yield* Effect.fail(
              Failures.malformed(context.meta, "asked for an event stream, the server answered with a JSON body")
            )
          }
          // the body's reader belongs to the attempt's scope: closing the request's scope only aborts the request
          const call = yield* StreamCall.make({ request, timer, context, timeouts, deadline, response, ticket })
          return yield* StreamCall.readHead(call)
        }).pipe(
          Effect.mapError((error) => {
            const expired = timer.expired()
            return expired === undefined || expired === "drain" ? error : Failures.timeoutError(expired[0], expired[1])
          }),
          Effect.onError(() => {
            timer.stop()
            return RequestScope.abort(request)
          })
        )
        return yield* opened
      })

    /**
     * Opens a stream (retried up to its first content event); the ticket, the connection and, with telemetry on,
     * the call's span belong to the scope, which the stream closes when it ends.
     */
    const open = (request: MessagesRequest, call: CallOptions | undefined) =>
      Effect.gen(function* () {
        const policies = yield* policiesOf(call)
        const prepared = yield* prepare(request, true, policies)
        const parent = yield* Effect.scope
        const model = prepared.request.model
        let current: StreamCall.StreamCall | undefined
        const span =
          policies.telemetry === undefined
            ? undefined
            : yield* Effect.makeSpanScoped(`chat ${model}`, {
                kind: "client",
                captureStackTrace: false,
                attributes: Spans.callAttributes("chat", request, model, origin, true)
              })
        const startedAt = performance.now()
        // runs before the span's own finalizer ends it: the usage and the outcome of the stream as it ended
        yield* Scope.addFinalizerExit(parent, (exit) => {
          const reader = current?.reader
          const summary = reader === undefined ? undefined : StreamReader.summary(reader)
          const completed = reader !== undefined && (reader.status === "ended" || reader.status === "stopped")
          if (completed) record(model, summary?.usage)
          if (span === undefined) return Effect.void
          const seconds = (performance.now() - startedAt) / 1000
          if (exit._tag === "Failure" && !completed) span.attribute(Telemetry.Attributes.errorType, "StreamFailed")
          return Spans.finish(span, "chat", model, summary ?? {}, seconds)
        })
        const attempt = (headers: Headers.Headers) =>
          Effect.flatMap(Scope.fork(parent, ExecutionStrategy.sequential), (scope) =>
            streamAttempt(policies, prepared, headers).pipe(
              Scope.extend(scope),
              Effect.tap((opened) => {
                current = opened
                return Scope.addFinalizer(scope, StreamCall.finish(opened))
              }),
              Effect.onExit((exit) => (exit._tag === "Failure" ? Scope.close(scope, exit) : Effect.void))
            )
          )
        return yield* attempts(policies, span, attempt)
      })

    /** The chunks of an opened stream as a channel, until it gives `undefined`. */
    const emit = (
      call: StreamCall.StreamCall
    ): Channel.Channel<Chunk.Chunk<StreamEvent.StreamEvent>, unknown, MessagesError, unknown, void, unknown> => {
      const loop: Channel.Channel<
        Chunk.Chunk<StreamEvent.StreamEvent>,
        unknown,
        MessagesError,
        unknown,
        void,
        unknown
      > = Channel.flatMap(Channel.fromEffect(StreamCall.next(call)), (chunk) =>
        chunk === undefined ? Channel.void : Channel.flatMap(Channel.write(chunk), () => loop)
      )
      return loop
    }

    // `stream` as one channel that owns a scope (open, then emit), not `Stream.unwrapScoped` (a flatten of a stream
    // of streams): less allocated per call.
    const stream = (
      request: MessagesRequest,
      call?: CallOptions
    ): Stream.Stream<StreamEvent.StreamEvent, MessagesError> =>
      Stream.fromChannel(
        Channel.acquireUseRelease(
          Scope.make(),
          (scope) => Channel.flatMap(Channel.fromEffect(Scope.extend(open(request, call), scope)), emit),
          (scope, exit) => Scope.close(scope, Released.released(exit))
        )
      )

    const createStreaming = (request: MessagesRequest, call?: CallOptions) =>
      Effect.gen(function* () {
        const policies = yield* policiesOf(call)
        const prepared = yield* prepare(request, true, policies)
        const attempt = (headers: Headers.Headers) =>
          Released.scoped(
            Effect.flatMap(Effect.scope, (scope) =>
              Effect.flatMap(streamAttempt(policies, prepared, headers), (opened) =>
                Effect.zipRight(Scope.addFinalizer(scope, StreamCall.finish(opened)), StreamCall.collect(opened))
              )
            )
          )
        return yield* instrumented(policies, "chat", request, prepared.request.model, true, Spans.outcomeOf, attempt)
      })

    // -------------------------------------------------------------------------
    // countTokens
    // -------------------------------------------------------------------------

    const countAttempt = (policies: Policies, body: Uint8Array, headers: Headers.Headers) =>
      Effect.flatMap(
        exchange(countTokensPath, body, headers, { headers: policies.timeouts.headers, total: undefined }),
        ([response, text, now]) => {
          const context = contextOf(response, now)
          return Effect.zipRight(
            observe(policies, undefined, context),
            Effect.suspend((): Effect.Effect<number, MessagesError> => {
              if (!isOk(response.status)) return Effect.fail(fromResponseBody(context, text))
              const parsed = parseJson(text)
              const decoded = parsed === undefined ? undefined : decodeCount(parsed.value)
              if (decoded === undefined || decoded._tag === "Left") {
                return Effect.fail(
                  Failures.malformed(context.meta, "the count_tokens response is not { input_tokens }")
                )
              }
              return Effect.succeed(decoded.right.input_tokens)
            })
          )
        }
      )

    const countTokens = (request: CountTokensRequest, call?: CallOptions) =>
      Effect.flatMap(policiesOf(call), (policies) =>
        Effect.flatMap(resolveModel(request), (model) => {
          const body = utf8Bytes(JSON.stringify(request.model === model ? request : { ...request, model }))
          return instrumented(policies, "count_tokens", request, model, false, noOutcome, (headers) =>
            countAttempt(policies, body, headers)
          )
        })
      )

    return MessagesClient.of({
      create,
      stream,
      createStreaming,
      countTokens,
      usage: Effect.sync(() => ledger)
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
 * A client from options; needs an `HttpClient`. It is also core's `Model`, so the agent loop runs on it. Policies
 * (`Retry`, `Timeout`, `RateLimit` layers) work provided to it or merged beside it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: ClientOptions
): Layer.Layer<MessagesClient | Model.Model, never, HttpClient.HttpClient> =>
  asModel(Layer.scoped(MessagesClient, make(options)))

/**
 * A client from configuration, by default the environment ({@link ClientConfig.config}: `ANTHROPIC_API_KEY`,
 * `ANTHROPIC_BASE_URL`, ...); fails with a `ConfigError` when the key is missing. Also core's `Model`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<ClientOptions> = ClientConfig.config
): Layer.Layer<MessagesClient | Model.Model, ConfigError.ConfigError, HttpClient.HttpClient> =>
  asModel(Layer.scoped(MessagesClient, Effect.flatMap(config, make)))

/** A client layer that also provides the client as core's `Model`. */
const asModel = <E, R>(client: Layer.Layer<MessagesClient, E, R>): Layer.Layer<MessagesClient | Model.Model, E, R> =>
  Layer.map(client, (context) => Context.add(context, Model.Model, Context.get(context, MessagesClient)))
