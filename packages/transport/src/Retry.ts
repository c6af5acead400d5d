/**
 * The retry policy of `MessagesClient`, as an Effect `Schedule` over `MessagesError`s that a user can replace or
 * compose. By default it is the official SDK's policy: 2 retries, a delay of `min(0.5 s * 2^n, 8 s)` less up to
 * 25% jitter, retrying 408, 409, 429, 5xx (529 included), connection errors and timeouts, never 400/401/403/404/413,
 * with `x-should-retry` overriding and `retry-after-ms` winning over `retry-after` over the computed delay.
 *
 * It also does what the SDK does not:
 *
 * - one policy covers all three failure surfaces: connecting and timeouts, HTTP statuses, and an SSE `error` event
 *   (e.g. `overloaded_error` after HTTP 200) that arrives before any content reached the caller; once content was
 *   delivered the stream fails with `StreamInterruptedError` instead of silently repeating output;
 * - a `retry-after` longer than `maxRetryAfter` is not waited for: the error is returned at once, with its
 *   `retryAfter`, so the caller decides;
 * - `deadline` bounds all attempts together: no retry starts if its delay would end past it;
 * - every retry is logged (attempt, reason, delay, request-id of the failed attempt) and counted in the
 *   `parley_transport_retries` metric, tagged with the error's `_tag`.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { Retry } from "@parley/transport"
 *
 * // the default policy, plus up to 6 retries of 529s
 * const RetryLive = Retry.layerSchedule(
 *   Retry.schedule().pipe(
 *     Schedule.union(Retry.schedule({ maxRetries: 6 }).pipe(Schedule.whileInput((e) => e._tag === "OverloadedError")))
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import type { MessagesError } from "./MessagesError.js"

/**
 * Options of the default policy.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Retries after the first attempt. Default 2 (3 attempts), as in the SDK. */
  readonly maxRetries?: number | undefined
  /** Delay before the first retry, doubled for each next one. Default 500 ms. */
  readonly initialDelay?: Duration.DurationInput | undefined
  /** Largest computed delay. Default 8 seconds. */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** Up to this fraction of a computed delay is removed at random. Default 0.25; 0 makes delays exact. */
  readonly jitter?: number | undefined
  /** The longest `retry-after` that is waited for; a longer one ends the retries. Default 60 seconds. */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
  /** No retry starts if it would start later than this after the call began. Default 10 minutes. */
  readonly deadline?: Duration.DurationInput | undefined
}

/**
 * A retry policy: the schedule, fed each failure, and the deadline across attempts.
 *
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  readonly schedule: Schedule.Schedule<unknown, MessagesError>
  readonly deadline: Duration.Duration | undefined
}

/**
 * Whether the default policy retries an error: its `isRetryable`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable = (error: MessagesError): boolean => error.isRetryable

/**
 * The `retry-after` an error asks for, if any.
 *
 * @since 0.1.0
 * @category accessors
 */
export const retryAfter = (error: MessagesError): Duration.Duration | undefined =>
  "retryAfter" in error ? error.retryAfter : undefined

/**
 * The default policy as a `Schedule` of `MessagesError`s; its output is each retry's delay.
 *
 * @since 0.1.0
 * @category constructors
 */
export const schedule = (options: Options = {}): Schedule.Schedule<Duration.Duration, MessagesError> => {
  const maxRetryAfter = Duration.decode(options.maxRetryAfter ?? "60 seconds")
  const jitter = options.jitter ?? 0.25
  const backoff = Schedule.exponential(options.initialDelay ?? "500 millis").pipe(
    Schedule.union(Schedule.spaced(options.maxDelay ?? "8 seconds"))
  )
  return (jitter > 0 ? Schedule.jitteredWith(backoff, { min: 1 - jitter, max: 1 }) : backoff).pipe(
    Schedule.intersect(Schedule.recurs(options.maxRetries ?? 2)),
    Schedule.intersect(Schedule.identity<MessagesError>()),
    Schedule.whileInput((error: MessagesError) => {
      if (!error.isRetryable) return false
      const after = retryAfter(error)
      return after === undefined || Duration.lessThanOrEqualTo(after, maxRetryAfter)
    }),
    Schedule.modifyDelay(([, error], delay) => retryAfter(error) ?? delay),
    Schedule.delays
  )
}

/**
 * A policy from options (the default policy when none are given).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Policy => ({
  schedule: schedule(options),
  deadline: Duration.decode(options.deadline ?? "10 minutes")
})

/**
 * The default policy: {@link make}`()`.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultPolicy: Policy = make()

/**
 * No retries: one attempt.
 *
 * @since 0.2.0
 * @category constants
 */
export const none: Policy = { schedule: Schedule.stop, deadline: undefined }

/**
 * The retry policy of `MessagesClient` calls; when absent, {@link defaultPolicy}. Provided to a client's layer it
 * applies to that client; merged beside the client (found in the context of the calls) it applies to every client
 * that has none of its own.
 *
 * @since 0.1.0
 * @category tags
 */
export class RetryPolicy extends Context.Tag("@parley/transport/Retry/RetryPolicy")<RetryPolicy, Policy>() {}

/**
 * The default policy with options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RetryPolicy> => Layer.succeed(RetryPolicy, make(options))

/**
 * A policy from any `Schedule` of `MessagesError`s (e.g. the default one composed with more), with an optional
 * deadline across attempts (default 10 minutes).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSchedule = (
  schedule: Schedule.Schedule<unknown, MessagesError>,
  options: { readonly deadline?: Duration.DurationInput | undefined } = {}
): Policy => ({ schedule, deadline: Duration.decode(options.deadline ?? "10 minutes") })

/**
 * {@link fromSchedule} as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSchedule = (
  schedule: Schedule.Schedule<unknown, MessagesError>,
  options: { readonly deadline?: Duration.DurationInput | undefined } = {}
): Layer.Layer<RetryPolicy> => Layer.succeed(RetryPolicy, fromSchedule(schedule, options))

/**
 * No retries, as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const disabled: Layer.Layer<RetryPolicy> = Layer.succeed(RetryPolicy, none)

/**
 * The policy set by {@link withPolicy} for the calls of an effect: it wins over every policy in context.
 *
 * @since 0.2.0
 * @category references
 */
export const currentPolicy: FiberRef.FiberRef<Policy | undefined> = globalValue(
  "@parley/transport/Retry/currentPolicy",
  () => FiberRef.unsafeMake<Policy | undefined>(undefined)
)

/**
 * Runs an effect whose client calls use `policy`, whatever the layers say (a call's own `retry` option still wins).
 *
 * @example
 * ```ts
 * import { Retry } from "@parley/transport"
 *
 * const once = client.create(request).pipe(Retry.withPolicy(Retry.none))
 * ```
 *
 * @since 0.2.0
 * @category combinators
 */
export const withPolicy: {
  (policy: Policy): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, policy: Policy): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(effect: Effect.Effect<A, E, R>, policy: Policy) => Effect.locally(effect, currentPolicy, policy))

/**
 * Retries counted by `reason` (the failed attempt's `_tag`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const retries = Metric.counter("parley_transport_retries", {
  description: "Messages requests retried, by the failed attempt's error tag",
  incremental: true
})

const describe = (error: MessagesError): string =>
  "apiMessage" in error ? `${error._tag} (${error.status})` : error._tag

/**
 * Which attempt of a call is starting: `number` 1 for the first, and the wait before it (0 for the first).
 *
 * @since 0.2.0
 * @category models
 */
export interface Attempt {
  readonly number: number
  readonly waitMillis: number
}

const firstAttempt: Attempt = { number: 1, waitMillis: 0 }

/**
 * Runs an attempt under a policy: retried as the schedule says, within the deadline, each retry logged and
 * counted. The attempt may be a function of which attempt it is (for spans and logs of each attempt).
 *
 * @since 0.1.0
 * @category combinators
 */
export const retry = <A, R>(
  attempt: Effect.Effect<A, MessagesError, R> | ((attempt: Attempt) => Effect.Effect<A, MessagesError, R>),
  policy: Policy
): Effect.Effect<A, MessagesError, R> => {
  const run = typeof attempt === "function" ? attempt : () => attempt
  return Effect.flatMap(Clock.currentTimeMillis, (startedAt) =>
    // Effect.retry, set up only when the first attempt failed: a call that succeeds pays nothing for the policy.
    Effect.catchAll(run(firstAttempt), (first) => {
      let attempts = 1
      const deadlineAt = policy.deadline === undefined ? Infinity : startedAt + Duration.toMillis(policy.deadline)
      const checked = Schedule.delays(policy.schedule).pipe(
        Schedule.checkEffect((error: MessagesError, delay: Duration.Duration) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            if (now + Duration.toMillis(delay) > deadlineAt) return Effect.succeed(false)
            attempts++
            const requestId = "requestId" in error ? error.requestId : undefined
            return Effect.logWarning(`Retrying a Messages request: ${describe(error)}`).pipe(
              Effect.annotateLogs({
                attempt: attempts,
                reason: error._tag,
                delayMillis: Duration.toMillis(delay),
                ...(requestId === undefined ? {} : { requestId })
              }),
              Effect.zipRight(Metric.increment(Metric.tagged(retries, "reason", error._tag))),
              Effect.as(true)
            )
          })
        )
      )
      return Effect.flatMap(Schedule.driver(checked), (driver) => {
        const loop = (error: MessagesError): Effect.Effect<A, MessagesError, R> =>
          Effect.matchEffect(driver.next(error), {
            onFailure: () => Effect.fail(error),
            onSuccess: (delay) => Effect.catchAll(run({ number: attempts, waitMillis: Duration.toMillis(delay) }), loop)
          })
        return loop(first)
      })
    })
  )
}
