/**
 * The timeout policy of `MessagesClient`: layered, with every timeout on by default. A call is bounded while it
 * waits for response headers, while a stream waits for its first event and between two events (pings count), and
 * as a whole. Non-streaming calls get a total derived from `max_tokens` as the official SDK does, and a call that
 * could outlast it fails at once with `StreamingRequiredError` advising `stream`.
 *
 * Every timeout runs on the calling fiber's `Clock` (one timer per call, whatever the clock), so tests drive them
 * with `TestClock` through the same code path as production. Each applies to one attempt; the retry policy's
 * `deadline` bounds all attempts together. Timeouts come, nearest first, from a call's `timeouts` option,
 * {@link withTimeouts}, the client's own `timeouts` option, and a `TimeoutPolicy` provided to the client's layer or
 * found in the call's context.
 *
 * @example
 * ```ts
 * import { Timeout } from "@parley/transport"
 *
 * // time out a stream that stays silent for 20 seconds
 * const TimeoutLive = Timeout.layer({ idle: "20 seconds" })
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import * as Layer from "effect/Layer"
import { StreamingRequiredError } from "./MessagesError.js"

/**
 * The resolved policy.
 *
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  /** Time from sending a request to its response headers (streams and `countTokens`). Default 60 seconds. */
  readonly headers: Duration.Duration
  /**
   * Time from sending a non-streaming `create` to its response headers. The API sends a non-streaming response's
   * headers with its body, when the whole message is generated, so the default is `"total"`: the call's total.
   * Setting `headers` sets this too, unless it is set itself.
   */
  readonly nonStreamingHeaders: Duration.Duration | "total"
  /** Time from a stream's headers to its first event. Default 60 seconds. */
  readonly firstEvent: Duration.Duration
  /**
   * Longest gap between two events of a stream; the API sends `ping`s, so a silent stream is a hung one (the SDK
   * has no such timeout). Default 60 seconds.
   */
  readonly idle: Duration.Duration
  /** A stream's whole duration, per attempt. Default 60 minutes. */
  readonly streamTotal: Duration.Duration
  /**
   * A non-streaming call's whole duration, per attempt. `"auto"` (default) is the SDK's rule: 10 minutes, and a
   * call whose `max_tokens` could take longer (more than 21,333 tokens at the SDK's assumed 128,000 tokens/hour)
   * fails with `StreamingRequiredError` before sending. A fixed duration disables that check.
   */
  readonly nonStreaming: Duration.Duration | "auto"
}

/**
 * Options of the policy: any subset, the rest default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly headers?: Duration.DurationInput | undefined
  readonly nonStreamingHeaders?: Duration.DurationInput | "total" | undefined
  readonly firstEvent?: Duration.DurationInput | undefined
  readonly idle?: Duration.DurationInput | undefined
  readonly streamTotal?: Duration.DurationInput | undefined
  readonly nonStreaming?: Duration.DurationInput | "auto" | undefined
}

/**
 * The defaults: 60 s to headers, 60 s to the first event, 60 s idle, 60 min per stream, `"auto"` non-streaming.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaults: Policy = {
  headers: Duration.seconds(60),
  nonStreamingHeaders: "total",
  firstEvent: Duration.seconds(60),
  idle: Duration.seconds(60),
  streamTotal: Duration.minutes(60),
  nonStreaming: "auto"
}

/**
 * A policy from options over a base (the defaults unless given).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}, base: Policy = defaults): Policy => ({
  headers: options.headers === undefined ? base.headers : Duration.decode(options.headers),
  nonStreamingHeaders:
    options.nonStreamingHeaders === "total"
      ? "total"
      : options.nonStreamingHeaders !== undefined
        ? Duration.decode(options.nonStreamingHeaders)
        : options.headers !== undefined
          ? Duration.decode(options.headers)
          : base.nonStreamingHeaders,
  firstEvent: options.firstEvent === undefined ? base.firstEvent : Duration.decode(options.firstEvent),
  idle: options.idle === undefined ? base.idle : Duration.decode(options.idle),
  streamTotal: options.streamTotal === undefined ? base.streamTotal : Duration.decode(options.streamTotal),
  nonStreaming:
    options.nonStreaming === undefined
      ? base.nonStreaming
      : options.nonStreaming === "auto"
        ? "auto"
        : Duration.decode(options.nonStreaming)
})

/**
 * The timeout policy of `MessagesClient` calls; when absent, {@link defaults}. Provided to a client's layer it
 * applies to that client; merged beside the client it applies to every client that has none of its own. A client's
 * own `timeouts` option overrides it field by field.
 *
 * @since 0.1.0
 * @category tags
 */
export class TimeoutPolicy extends Context.Tag("@parley/transport/Timeout/TimeoutPolicy")<TimeoutPolicy, Policy>() {}

/**
 * The timeouts set by {@link withTimeouts} for the calls of an effect.
 *
 * @since 0.2.0
 * @category references
 */
export const currentOptions: FiberRef.FiberRef<Options | undefined> = globalValue(
  "@parley/transport/Timeout/currentOptions",
  () => FiberRef.unsafeMake<Options | undefined>(undefined)
)

/**
 * Runs an effect whose client calls use these timeouts over every layer's and client's (a call's own `timeouts`
 * option still wins).
 *
 * @example
 * ```ts
 * import { Timeout } from "@parley/transport"
 *
 * const quick = client.create(request).pipe(Timeout.withTimeouts({ nonStreaming: "20 seconds" }))
 * ```
 *
 * @since 0.2.0
 * @category combinators
 */
export const withTimeouts: {
  (options: Options): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, options: Options): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(effect: Effect.Effect<A, E, R>, options: Options) =>
  Effect.locally(effect, currentOptions, options)
)

/**
 * The headers timeout of a non-streaming call whose total is `total`.
 *
 * @since 0.2.0
 * @category combinators
 */
export const nonStreamingHeaders = (policy: Policy, total: Duration.Duration): Duration.Duration =>
  policy.nonStreamingHeaders === "total" ? total : policy.nonStreamingHeaders

/**
 * Provides a timeout policy to the clients built with it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<TimeoutPolicy> => Layer.succeed(TimeoutPolicy, make(options))

/** The SDK's non-streaming limit and its assumed output rate. */
const sdkLimit = Duration.minutes(10)
const sdkTokensPerHour = 128_000

/**
 * The total timeout of a non-streaming call with this `max_tokens`, or `StreamingRequiredError` when `"auto"`
 * judges the call too long to run without streaming.
 *
 * @since 0.1.0
 * @category combinators
 */
export const nonStreamingTotal = (
  policy: Policy,
  maxTokens: number
): Effect.Effect<Duration.Duration, StreamingRequiredError> => {
  if (policy.nonStreaming !== "auto") return Effect.succeed(policy.nonStreaming)
  const expected = Duration.millis(Math.round((3_600_000 * maxTokens) / sdkTokensPerHour))
  if (Duration.lessThanOrEqualTo(expected, sdkLimit)) return Effect.succeed(sdkLimit)
  return Effect.fail(
    new StreamingRequiredError({
      maxTokens,
      expected,
      limit: sdkLimit,
      message:
        `A non-streaming call with max_tokens ${maxTokens} may take ${Duration.format(expected)}, longer than ` +
        `${Duration.format(sdkLimit)}: use MessagesClient.stream (with Accumulator.collect for the final message), ` +
        "or set an explicit Timeout nonStreaming duration."
    })
  )
}
