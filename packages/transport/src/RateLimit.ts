/**
 * Client-side admission control, so that many fibers sharing one account stay under its limits instead of
 * discovering them as 429s: requests per minute, input tokens per minute, output tokens per minute and concurrent
 * requests, per key (tenant, API key, model: whatever {@link Options.key} or {@link withKey} says).
 *
 * - Input tokens are estimated from the request before sending (core's `Tokens.estimateRequest`) and corrected from
 *   the response's `usage`; output tokens reserve `max_tokens` and the unused part is released at the end.
 * - Budgets refill continuously, as the API's token buckets do (a 50 RPM budget gains one request every 1.2 s).
 * - A call over the limit waits, in arrival order: the oldest waiter is admitted first, so a large request is never
 *   starved by small ones (a request larger than a whole budget waits for a full budget). With `maxWait` a call
 *   that cannot be admitted in time fails with `RateLimitWaitError`.
 * - It obeys the server: after a 429 with `retry-after` every caller of that key pauses until then, and the
 *   `anthropic-ratelimit-*-remaining` headers lower the local budget when the server knows less is left.
 * - The budgets live in a {@link Store}; {@link layer} uses the in-memory one, {@link layerStore} takes any (e.g. a
 *   shared store for several processes) without changing callers.
 *
 * @example
 * ```ts
 * import { RateLimit } from "@parley/transport"
 *
 * // the seeds' Basic tier, one budget per tenant
 * const RateLimitLive = RateLimit.layer({
 *   limits: { requestsPerMinute: 50, inputTokensPerMinute: 100_000, maxConcurrent: 10 }
 * })
 * const forTenant = (tenant: string) => RateLimit.withKey(`tenant:${tenant}`)
 * ```
 *
 * @since 0.1.0
 */
import type * as Request from "@parley/core/Request"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { RateLimitWaitError } from "./MessagesError.js"
import type { ResponseMeta } from "./ResponseMeta.js"

// =============================================================================
// Models
// =============================================================================

/**
 * The limits of one key. Every limit is optional: an absent one is not enforced.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limits {
  /** Requests per minute (the seeds' Basic tier: 50). */
  readonly requestsPerMinute?: number | undefined
  /** Input tokens per minute, estimated before sending and corrected from `usage` (Basic tier: 100,000 TPM). */
  readonly inputTokensPerMinute?: number | undefined
  /** Output tokens per minute; a request reserves its `max_tokens` until it ends. */
  readonly outputTokensPerMinute?: number | undefined
  /** Requests in flight at once (Basic tier: 10). A stream holds its slot until it ends. */
  readonly maxConcurrent?: number | undefined
  /** The longest a call waits for admission before failing with `RateLimitWaitError`. Default: no limit. */
  readonly maxWait?: Duration.DurationInput | undefined
}

/**
 * What one call takes from the budgets.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cost {
  readonly requests: number
  readonly inputTokens: number
  readonly outputTokens: number
}

/**
 * A store's answer to an admission request: admitted (the cost is taken), or wait `millis` (or until something
 * is released, when `millis` is undefined) and ask again.
 *
 * @since 0.1.0
 * @category models
 */
export type Decision = { readonly _tag: "Admitted" } | { readonly _tag: "Wait"; readonly millis: number | undefined }

/**
 * What the server says is left, from the `anthropic-ratelimit-*-remaining` headers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Remaining {
  readonly requests?: number | undefined
  readonly inputTokens?: number | undefined
  readonly outputTokens?: number | undefined
}

/**
 * Where the budgets of every key live. All times are epoch milliseconds from Effect's `Clock`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Store {
  /** Takes `cost` from the key's budgets and one concurrency slot if everything fits now; else says how long to wait. */
  readonly acquire: (key: string, limits: Limits, cost: Cost, now: number) => Effect.Effect<Decision>
  /** Gives back a concurrency slot and `refund` (a negative refund charges more, e.g. when usage beat the estimate). */
  readonly release: (key: string, limits: Limits, refund: Cost, now: number) => Effect.Effect<void>
  /** Admits nothing for the key before `until`. */
  readonly pause: (key: string, until: number) => Effect.Effect<void>
  /** Lowers the key's budgets to what the server says is left. */
  readonly observe: (key: string, limits: Limits, remaining: Remaining, now: number) => Effect.Effect<void>
}

/**
 * The store of the budgets.
 *
 * @since 0.1.0
 * @category tags
 */
export class RateLimitStore extends Context.Tag("@parley/transport/RateLimit/RateLimitStore")<
  RateLimitStore,
  Store
>() {}

/**
 * An admitted call. Report its usage with `settle` when known; its budgets and slot are released when the scope of
 * the admission closes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Ticket {
  readonly key: string
  readonly settle: (usage: {
    readonly inputTokens?: number | undefined
    readonly outputTokens?: number | undefined
  }) => void
}

/**
 * The limiter a `MessagesClient` consults before each attempt, when one is provided.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The key of a call: {@link withKey} if set, else the layer's `key` function, else `fallback`. */
  readonly keyOf: (request: Request.MessagesRequest, fallback: string) => Effect.Effect<string>
  /** Waits for admission of `cost` under `key`; the admission lasts until the scope closes. */
  readonly admit: (key: string, cost: Cost) => Effect.Effect<Ticket, RateLimitWaitError, Scope.Scope>
  /** Applies what a response says: remaining budgets, and a pause after a 429 with `retry-after`. */
  readonly observe: (key: string, meta: ResponseMeta, retryAfter: Duration.Duration | undefined) => Effect.Effect<void>
}

/**
 * The rate limiter.
 *
 * @since 0.1.0
 * @category tags
 */
export class RateLimiter extends Context.Tag("@parley/transport/RateLimit/RateLimiter")<RateLimiter, Service>() {}

/**
 * Options of a limiter.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The limits, the same for every key or per key. */
  readonly limits: Limits | ((key: string) => Limits)
  /** The key of a request when {@link withKey} did not set one (e.g. `(request) => request.model`). */
  readonly key?: ((request: Request.MessagesRequest) => string) | undefined
}

// =============================================================================
// Keys
// =============================================================================

/**
 * The key set by {@link withKey} for the current fiber.
 *
 * @since 0.1.0
 * @category fiber refs
 */
export const currentKey: FiberRef.FiberRef<string | undefined> = globalValue(
  "@parley/transport/RateLimit/currentKey",
  () => FiberRef.unsafeMake<string | undefined>(undefined)
)

/**
 * Runs an effect with its Messages calls limited under `key` (e.g. a tenant id).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withKey: {
  (key: string): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, key: string): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(self: Effect.Effect<A, E, R>, key: string) => Effect.locally(self, currentKey, key))

// =============================================================================
// In-memory store
// =============================================================================

const minute = 60_000

interface Bucket {
  level: number
  at: number
}

interface KeyState {
  requests: Bucket | undefined
  inputTokens: Bucket | undefined
  outputTokens: Bucket | undefined
  inFlight: number
  pausedUntil: number
  /** The limits of the last call, to tell when the key is back to a fresh state. */
  limits: Limits | undefined
}

type BucketName = "requests" | "inputTokens" | "outputTokens"

const capacities = (limits: Limits): Record<BucketName, number | undefined> => ({
  requests: limits.requestsPerMinute,
  inputTokens: limits.inputTokensPerMinute,
  outputTokens: limits.outputTokensPerMinute
})

const names: ReadonlyArray<BucketName> = ["requests", "inputTokens", "outputTokens"]

/** The bucket's level at `now`, refilled continuously up to its capacity. */
const refill = (state: KeyState, name: BucketName, capacity: number, now: number): Bucket => {
  const bucket = state[name]
  if (bucket === undefined) {
    const fresh = { level: capacity, at: now }
    state[name] = fresh
    return fresh
  }
  if (now > bucket.at) {
    bucket.level = Math.min(capacity, bucket.level + ((now - bucket.at) * capacity) / minute)
    bucket.at = now
  }
  return bucket
}

/** Whether a key's state at `now` is what a fresh state would be: nothing in flight, no pause, every bucket full. */
const atRest = (state: KeyState, now: number): boolean => {
  if (state.inFlight > 0 || state.pausedUntil > now) return false
  const capacity = state.limits === undefined ? undefined : capacities(state.limits)
  for (const name of names) {
    const bucket = state[name]
    if (bucket === undefined) continue
    const cap = capacity?.[name]
    if (cap === undefined || refill(state, name, cap, now).level < cap) return false
  }
  return true
}

/**
 * An in-memory {@link Store}: token buckets per key in this process. A key whose state is back to a fresh one
 * (nothing in flight, no pause, every bucket refilled) is forgotten, so a service with many short-lived keys (one
 * per tenant, per user, ...) keeps only the keys in use: the map is swept whenever it has doubled since the last
 * sweep, which costs O(1) per call on average. `size` says how many keys are held.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeStoreMemory = (): Store & { readonly size: () => number } => {
  const states = new Map<string, KeyState>()
  let sweepAt = 64
  const sweep = (now: number) => {
    for (const [key, state] of states) if (atRest(state, now)) states.delete(key)
    sweepAt = Math.max(64, states.size * 2)
  }
  const stateOf = (key: string, now: number): KeyState => {
    let state = states.get(key)
    if (state === undefined) {
      if (states.size >= sweepAt) sweep(now)
      state = {
        requests: undefined,
        inputTokens: undefined,
        outputTokens: undefined,
        inFlight: 0,
        pausedUntil: 0,
        limits: undefined
      }
      states.set(key, state)
    }
    return state
  }
  return {
    size: () => states.size,
    acquire: (key, limits, cost, now) =>
      Effect.sync((): Decision => {
        const state = stateOf(key, now)
        state.limits = limits
        const capacity = capacities(limits)
        let wait = state.pausedUntil > now ? state.pausedUntil - now : 0
        for (const name of names) {
          const cap = capacity[name]
          if (cap === undefined || cap <= 0) continue
          const bucket = refill(state, name, cap, now)
          const need = Math.min(cost[name], cap)
          if (bucket.level < need) wait = Math.max(wait, Math.ceil(((need - bucket.level) * minute) / cap))
        }
        const full = limits.maxConcurrent !== undefined && state.inFlight >= limits.maxConcurrent
        if (wait > 0) return { _tag: "Wait", millis: wait }
        if (full) return { _tag: "Wait", millis: undefined }
        for (const name of names) {
          const bucket = state[name]
          if (capacity[name] !== undefined && bucket !== undefined) bucket.level -= cost[name]
        }
        state.inFlight++
        return { _tag: "Admitted" }
      }),
    release: (key, limits, refund, now) =>
      Effect.sync(() => {
        const state = stateOf(key, now)
        state.inFlight = Math.max(0, state.inFlight - 1)
        const capacity = capacities(limits)
        for (const name of names) {
          const cap = capacity[name]
          if (cap === undefined || refund[name] === 0) continue
          const bucket = refill(state, name, cap, now)
          bucket.level = Math.min(cap, bucket.level + refund[name])
        }
      }),
    pause: (key, until) =>
      Effect.sync(() => {
        const state = stateOf(key, 0)
        state.pausedUntil = Math.max(state.pausedUntil, until)
      }),
    observe: (key, limits, remaining, now) =>
      Effect.sync(() => {
        const state = stateOf(key, now)
        state.limits ??= limits
        const capacity = capacities(limits)
        for (const name of names) {
          const cap = capacity[name]
          const left = remaining[name]
          if (cap === undefined || left === undefined) continue
          const bucket = refill(state, name, cap, now)
          bucket.level = Math.min(bucket.level, left)
        }
      })
  }
}

/**
 * The in-memory store.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStoreMemory: Layer.Layer<RateLimitStore> = Layer.sync(RateLimitStore, makeStoreMemory)

// =============================================================================
// Limiter
// =============================================================================

/**
 * The waiters of one key, oldest first; the head is the one asking the store. A lane with no waiter and no admitted
 * call is dropped (a later call makes a new one): an admitted call must find its own lane to wake on release.
 */
interface Lane {
  readonly queue: Array<Deferred.Deferred<void>>
  signal: Deferred.Deferred<void>
  active: number
}

const makeDeferred = () => Deferred.unsafeMake<void>(FiberId.none)

/**
 * A limiter over a store.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, RateLimitStore> =>
  Effect.map(RateLimitStore, (store) => {
    const lanes = new Map<string, Lane>()
    const limitsOf = typeof options.limits === "function" ? options.limits : () => options.limits as Limits
    const laneOf = (key: string): Lane => {
      let lane = lanes.get(key)
      if (lane === undefined) {
        lane = { queue: [], signal: makeDeferred(), active: 0 }
        lanes.set(key, lane)
      }
      return lane
    }
    const dropIfIdle = (key: string, lane: Lane) => {
      if (lane.queue.length === 0 && lane.active === 0 && lanes.get(key) === lane) lanes.delete(key)
    }
    const wake = (lane: Lane) => {
      const signal = lane.signal
      lane.signal = makeDeferred()
      Deferred.unsafeDone(signal, Exit.void)
    }
    const leave = (key: string, lane: Lane, turn: Deferred.Deferred<void>) => {
      const index = lane.queue.indexOf(turn)
      if (index < 0) return
      lane.queue.splice(index, 1)
      const next = lane.queue[0]
      if (index === 0 && next !== undefined) Deferred.unsafeDone(next, Exit.void)
      dropIfIdle(key, lane)
    }

    const admit = (key: string, cost: Cost): Effect.Effect<Ticket, RateLimitWaitError, Scope.Scope> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const limits = limitsOf(key)
          const lane = laneOf(key)
          const turn = makeDeferred()
          lane.queue.push(turn)
          const startedAt = yield* Clock.currentTimeMillis
          const maxWait = limits.maxWait === undefined ? undefined : Duration.decode(limits.maxWait)
          const deadline = maxWait === undefined ? Infinity : startedAt + Duration.toMillis(maxWait)
          const tooLong = () =>
            new RateLimitWaitError({
              key,
              maxWait: maxWait ?? Duration.infinity,
              message: `The rate limiter could not admit a call under key "${key}" within ${Duration.format(maxWait ?? Duration.infinity)}.`
            })
          const waitFor = (effect: Effect.Effect<void>, millis: number) =>
            restore(millis === Infinity ? effect : Effect.race(effect, Effect.sleep(Duration.millis(millis))))

          const admitted = Effect.gen(function* () {
            if (lane.queue[0] !== turn) {
              const now = yield* Clock.currentTimeMillis
              yield* waitFor(Deferred.await(turn), deadline - now)
              if (lane.queue[0] !== turn) return yield* tooLong()
            }
            while (true) {
              const now = yield* Clock.currentTimeMillis
              const decision = yield* store.acquire(key, limits, cost, now)
              if (decision._tag === "Admitted") {
                lane.active++
                return
              }
              const until = decision.millis === undefined ? Infinity : now + decision.millis
              if (until > deadline && (decision.millis !== undefined || now >= deadline)) return yield* tooLong()
              yield* waitFor(Deferred.await(lane.signal), Math.min(until, deadline) - now)
            }
          })
          yield* Effect.onExit(admitted, () => Effect.sync(() => leave(key, lane, turn)))

          let usage: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined
          // on the scope itself (`Effect.addFinalizer` would also diff and restore the fiber's refs: ~15 µs a call)
          yield* Effect.scopeWith((scope) =>
            Scope.addFinalizerExit(scope, (exit) =>
              Effect.flatMap(Clock.currentTimeMillis, (now) => {
                const settled = usage !== undefined || Exit.isSuccess(exit)
                const refund: Cost = {
                  requests: 0,
                  inputTokens:
                    usage?.inputTokens !== undefined
                      ? cost.inputTokens - usage.inputTokens
                      : settled
                        ? 0
                        : cost.inputTokens,
                  outputTokens:
                    usage?.outputTokens !== undefined
                      ? Math.max(0, cost.outputTokens - usage.outputTokens)
                      : settled
                        ? 0
                        : cost.outputTokens
                }
                return store.release(key, limits, refund, now).pipe(
                  Effect.zipRight(
                    Effect.sync(() => {
                      lane.active--
                      wake(lane)
                      dropIfIdle(key, lane)
                    })
                  )
                )
              })
            )
          )
          return {
            key,
            settle: (next) => {
              usage = { ...usage, ...next }
            }
          }
        })
      )

    const observe = (key: string, meta: ResponseMeta, retryAfter: Duration.Duration | undefined) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const limits = limitsOf(key)
        const { requests, inputTokens, outputTokens } = meta.rateLimit
        const remaining: Remaining = {
          requests: requests?.remaining,
          inputTokens: inputTokens?.remaining,
          outputTokens: outputTokens?.remaining
        }
        const tighten =
          remaining.requests === undefined &&
          remaining.inputTokens === undefined &&
          remaining.outputTokens === undefined
            ? Effect.void
            : store.observe(key, limits, remaining, now)
        const pause =
          meta.status === 429 && retryAfter !== undefined
            ? store.pause(key, now + Duration.toMillis(retryAfter))
            : Effect.void
        return Effect.zipRight(tighten, pause)
      })

    const keyOf = (request: Request.MessagesRequest, fallback: string) =>
      Effect.map(FiberRef.get(currentKey), (key) => key ?? options.key?.(request) ?? fallback)

    return { admit, observe, keyOf }
  })

/**
 * A limiter over the store provided to it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStore = (options: Options): Layer.Layer<RateLimiter, never, RateLimitStore> =>
  Layer.effect(RateLimiter, make(options))

/**
 * A limiter over the in-memory store.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<RateLimiter> =>
  layerStore(options).pipe(Layer.provide(layerStoreMemory))

/**
 * The cost of a request: one request, its estimated input tokens and its `max_tokens`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const costOf = (request: Request.MessagesRequest, estimateInput: number): Cost => ({
  requests: 1,
  inputTokens: estimateInput,
  outputTokens: request.max_tokens
})
