/**
 * Client-side admission control, so that many fibers, and many processes, sharing one account stay under its
 * limits instead of discovering them as 429s: requests, input tokens and output tokens per window of any length,
 * with bursts, and concurrent requests, per key (tenant, API key, model: whatever {@link Options.key} or
 * {@link withKey} says).
 *
 * - Input tokens are estimated from the request before sending (core's `Tokens.estimateRequest`) and corrected from
 *   the response's `usage`; output tokens reserve `max_tokens` and the unused part is released at the end.
 * - Each budget is a token bucket (the API's own algorithm: refills continuously, `burst` sets its size) or a
 *   sliding window (at most `limit` calls in any window of `per`, counted until `per` after each call ends).
 * - A call over the limit waits, in arrival order within the process: the oldest waiter is admitted first, so a
 *   large request is never starved by small ones. With `maxWait` a call that cannot be admitted in time fails with
 *   `RateLimitWaitError`.
 * - It obeys the server, with or without configured limits: after a 429 with `retry-after` every caller of the key
 *   pauses until then; `anthropic-ratelimit-*-remaining` lowers the local budgets, and when what remains of
 *   requests, tokens, input or output tokens is below a call's cost the key is held until that budget's `*-reset`.
 * - The state lives in a `Stores.Store`; {@link layer} uses the in-memory one, {@link layerStore} takes any
 *   (e.g. `@parley/ratelimit-redis`, shared by every process of a service) without changing callers.
 *
 * @example
 * ```ts
 * import { RateLimit } from "@parley/transport"
 *
 * // 5 requests per second with at most 2 back to back, 2 in flight, and the seeds' Basic tier for tokens
 * const RateLimitLive = RateLimit.layer({
 *   limits: {
 *     requests: { limit: 5, per: "1 second", burst: 2 },
 *     inputTokens: { limit: 100_000, per: "1 minute" },
 *     concurrency: 2
 *   }
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
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as Scope from "effect/Scope"
import { RateLimitWaitError } from "./MessagesError.js"
import * as Stores from "./RateLimitStore.js"
import type { ResponseMeta } from "./ResponseMeta.js"

// =============================================================================
// Models
// =============================================================================

/**
 * One budget: `limit` per `per` (any window: `"1 second"`, `"1 minute"`, ...).
 *
 * @since 0.2.0
 * @category models
 */
export interface Window {
  /** How much the window allows: requests, or tokens. */
  readonly limit: number
  /** The window. */
  readonly per: Duration.DurationInput
  /**
   * Token bucket: the most that can go at once after an idle time (default `limit`: a whole window at once).
   * Sliding window: the most that go back to back (a token bucket of `burst` refilling at `limit / per`; default:
   * no such cap). Set it when the server punishes bursts, e.g. `burst: 2` under `5 per second`.
   */
  readonly burst?: number | undefined
  /**
   * `"token-bucket"` (default; the API's own algorithm: the budget refills continuously) or `"sliding-window"` (no
   * more than `limit` in any window of `per`, each call counted until `per` after it ends: exact against a server
   * that counts windows, whatever the network's jitter; a call's slot is held for `per` plus its duration).
   */
  readonly algorithm?: "token-bucket" | "sliding-window" | undefined
}

/**
 * The limits of one key. Every limit is optional: an absent one is not enforced (the server's headers still are).
 *
 * @since 0.1.0
 * @category models
 */
export interface Limits {
  /** Requests per window. */
  readonly requests?: Window | undefined
  /** Input tokens per window, estimated before sending and corrected from `usage`. */
  readonly inputTokens?: Window | undefined
  /** Output tokens per window; a request reserves its `max_tokens` until it ends. */
  readonly outputTokens?: Window | undefined
  /** Requests in flight at once. A stream holds its slot until it ends. */
  readonly concurrency?: number | undefined
  /** Shorthand for `requests: { limit, per: "1 minute" }` (the seeds' Basic tier: 50). */
  readonly requestsPerMinute?: number | undefined
  /** Shorthand for `inputTokens: { limit, per: "1 minute" }` (Basic tier: 100,000 TPM). */
  readonly inputTokensPerMinute?: number | undefined
  /** Shorthand for `outputTokens: { limit, per: "1 minute" }`. */
  readonly outputTokensPerMinute?: number | undefined
  /** Shorthand for `concurrency` (Basic tier: 10). */
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
export type Cost = Stores.Cost

/**
 * Where the state of every key lives (see `RateLimitStore`).
 *
 * @since 0.1.0
 * @category models
 */
export type Store = Stores.Store

/**
 * The store of the budgets.
 *
 * @since 0.1.0
 * @category tags
 */
export const RateLimitStore: typeof Stores.RateLimitStore = Stores.RateLimitStore
/** @since 0.1.0 */
export type RateLimitStore = Stores.RateLimitStore

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
  /**
   * Waits for admission of `cost` under `key`; the admission lasts until the scope closes. A store that fails
   * closed fails this with a `RateLimitWaitError` (`maxWait` zero) naming the store; {@link Service.acquire} gives
   * the store's own `RateLimitStoreError` instead.
   */
  readonly admit: (key: string, cost: Cost) => Effect.Effect<Ticket, RateLimitWaitError, Scope.Scope>
  /** {@link Service.admit}, with a store's failure as `RateLimitStoreError`. */
  readonly acquire: (
    key: string,
    cost: Cost
  ) => Effect.Effect<Ticket, RateLimitWaitError | Stores.RateLimitStoreError, Scope.Scope>
  /** Applies what a response says: remaining budgets and resets, and a pause after a 429 with `retry-after`. */
  readonly observe: (key: string, meta: ResponseMeta, retryAfter: Duration.Duration | undefined) => Effect.Effect<void>
}

/**
 * `parley_ratelimit_wait_ms`: how long calls that had to wait waited for admission (a call admitted at once is not
 * recorded), in milliseconds.
 *
 * @since 0.2.0
 * @category metrics
 */
export const waits = Metric.histogram(
  "parley_ratelimit_wait_ms",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 18 }),
  "Milliseconds a call waited for the client-side rate limiter"
)

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
  /** The limits, the same for every key or per key. Default: none (only the server's headers are obeyed). */
  readonly limits?: Limits | ((key: string) => Limits) | undefined
  /** The key of a request when {@link withKey} did not set one (e.g. `(request) => request.model`). */
  readonly key?: ((request: Request.MessagesRequest) => string) | undefined
  /**
   * Whether the `*-reset` headers hold a key whose remaining budget is below a call's cost (default `true`). The
   * `*-remaining` headers lower configured token buckets either way.
   */
  readonly holdUntilReset?: boolean | undefined
  /**
   * How often a call blocked by a shared store's concurrency or sliding window asks again (default 20 ms): a call
   * ending in another process cannot wake it. Calls of this process wake on their own releases at once.
   */
  readonly pollInterval?: Duration.DurationInput | undefined
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
// Plans
// =============================================================================

const windowOf = (window: Window): Stores.Budget => ({
  limit: window.limit,
  per: Math.max(1, Duration.toMillis(Duration.decode(window.per))),
  burst: window.burst,
  algorithm: window.algorithm ?? "token-bucket"
})

const perMinute = (limit: number | undefined): Stores.Budget | undefined =>
  limit === undefined ? undefined : { limit, per: 60_000, algorithm: "token-bucket" }

/**
 * The limits as a store reads them.
 *
 * @since 0.2.0
 * @category constructors
 */
export const planOf = (limits: Limits): Stores.Plan => ({
  requests: limits.requests === undefined ? perMinute(limits.requestsPerMinute) : windowOf(limits.requests),
  inputTokens: limits.inputTokens === undefined ? perMinute(limits.inputTokensPerMinute) : windowOf(limits.inputTokens),
  outputTokens:
    limits.outputTokens === undefined ? perMinute(limits.outputTokensPerMinute) : windowOf(limits.outputTokens),
  concurrency: limits.concurrency ?? limits.maxConcurrent
})

// =============================================================================
// In-memory store
// =============================================================================

/**
 * The in-memory store (`Stores.makeMemory`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeStoreMemory: () => Stores.Store & { readonly size: () => number } = Stores.makeMemory

/**
 * The in-memory store.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStoreMemory: Layer.Layer<Stores.RateLimitStore> = Stores.layerMemory

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

const noLimits: Limits = {}

const leasePrefix = (): string => {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")
}

const budgetsOfMeta = ["requests", "tokens", "inputTokens", "outputTokens"] as const

/**
 * A limiter over a store. With a store whose leases have a TTL, a fiber of the scope renews the leases of the
 * calls in flight every third of the TTL.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Stores.RateLimitStore | Scope.Scope> =>
  Effect.gen(function* () {
    const store = yield* Stores.RateLimitStore
    const lanes = new Map<string, Lane>()
    const held = new Map<string, Set<string>>()
    const prefix = leasePrefix()
    let leases = 0
    const plans = new WeakMap<Limits, Stores.Plan>()
    const configured = options.limits ?? noLimits
    const limitsOf = typeof configured === "function" ? configured : () => configured
    const planFor = (limits: Limits): Stores.Plan => {
      let plan = plans.get(limits)
      if (plan === undefined) {
        plan = planOf(limits)
        plans.set(limits, plan)
      }
      return plan
    }
    const holdUntilReset = options.holdUntilReset ?? true
    const poll =
      store.leaseTtl === undefined
        ? Infinity
        : Duration.toMillis(Duration.decode(options.pollInterval ?? Duration.millis(20)))

    if (store.leaseTtl !== undefined) {
      const every = Duration.millis(Math.max(1, Math.floor(store.leaseTtl / 3)))
      const renewAll = Effect.suspend(() =>
        Effect.forEach(
          Array.from(held, ([key, ids]) => [key, Array.from(ids)] as const),
          ([key, ids]) => (ids.length === 0 ? Effect.void : Effect.ignore(store.renew(key, ids))),
          { discard: true }
        )
      )
      yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(every), renewAll)))
    }

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
    const hold = (key: string, id: string) => {
      let ids = held.get(key)
      if (ids === undefined) {
        ids = new Set()
        held.set(key, ids)
      }
      ids.add(id)
    }
    const unhold = (key: string, id: string) => {
      const ids = held.get(key)
      if (ids === undefined) return
      ids.delete(id)
      if (ids.size === 0) held.delete(key)
    }

    const acquire = (
      key: string,
      cost: Cost
    ): Effect.Effect<Ticket, RateLimitWaitError | Stores.RateLimitStoreError, Scope.Scope> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const limits = limitsOf(key)
          const plan = planFor(limits)
          const lane = laneOf(key)
          const turn = makeDeferred()
          lane.queue.push(turn)
          const id = `${prefix}-${++leases}`
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
              const decision = yield* store.acquire(key, plan, cost, id)
              const now = yield* Clock.currentTimeMillis
              if (decision._tag === "Admitted") {
                lane.active++
                if (store.leaseTtl !== undefined) hold(key, id)
                return
              }
              const millis = decision.millis === undefined ? poll : decision.millis
              const until = millis === Infinity ? Infinity : now + millis
              if (until > deadline && (decision.millis !== undefined || now >= deadline)) return yield* tooLong()
              yield* waitFor(Deferred.await(lane.signal), Math.min(until, deadline) - now)
            }
          })
          yield* Effect.onExit(admitted, () => Effect.sync(() => leave(key, lane, turn)))
          const waited = (yield* Clock.currentTimeMillis) - startedAt
          if (waited > 0) yield* Metric.update(waits, waited)

          let usage: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined
          // on the scope itself (`Effect.addFinalizer` would also diff and restore the fiber's refs: ~15 µs a call)
          yield* Effect.scopeWith((scope) =>
            Scope.addFinalizerExit(scope, (exit) => {
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
              return store.release(key, plan, id, refund).pipe(
                Effect.ignore,
                Effect.zipRight(
                  Effect.sync(() => {
                    unhold(key, id)
                    lane.active--
                    wake(lane)
                    dropIfIdle(key, lane)
                  })
                )
              )
            })
          )
          return {
            key,
            settle: (next) => {
              usage = { ...usage, ...next }
            }
          }
        })
      )

    const admit = (key: string, cost: Cost): Effect.Effect<Ticket, RateLimitWaitError, Scope.Scope> =>
      Effect.catchTag(
        acquire(key, cost),
        "RateLimitStoreError",
        (error) =>
          new RateLimitWaitError({
            key,
            maxWait: Duration.zero,
            message: `The rate limiter could not admit a call under key "${key}": ${error.message}`
          })
      )

    const observe = (key: string, meta: ResponseMeta, retryAfter: Duration.Duration | undefined) =>
      Effect.suspend(() => {
        const plan = planFor(limitsOf(key))
        const pause =
          meta.status === 429 && retryAfter !== undefined
            ? Effect.ignore(store.pause(key, Duration.toMillis(retryAfter)))
            : Effect.void
        const observed: { -readonly [K in keyof Stores.Observed]: Stores.Observed[K] } = {}
        let any = false
        return Effect.flatMap(Clock.currentTimeMillis, (now) => {
          for (const name of budgetsOfMeta) {
            const budget = meta.rateLimit[name]
            if (budget?.remaining === undefined) continue
            const reset = holdUntilReset && budget.reset !== undefined ? Date.parse(budget.reset) : Number.NaN
            observed[name] = {
              remaining: budget.remaining,
              resetIn: Number.isFinite(reset) && reset > now ? reset - now : undefined
            }
            any = true
          }
          return any ? Effect.zipRight(Effect.ignore(store.observe(key, plan, observed)), pause) : pause
        })
      })

    const keyOf = (request: Request.MessagesRequest, fallback: string) =>
      Effect.map(FiberRef.get(currentKey), (key) => key ?? options.key?.(request) ?? fallback)

    return { admit, acquire, observe, keyOf }
  })

/**
 * A limiter over the store provided to it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStore = (options: Options = {}): Layer.Layer<RateLimiter, never, Stores.RateLimitStore> =>
  Layer.scoped(RateLimiter, make(options))

/**
 * A limiter over the in-memory store.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RateLimiter> =>
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
