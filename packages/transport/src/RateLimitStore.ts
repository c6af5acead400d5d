/**
 * Where the rate limiter's state lives, and the one algorithm every store runs over it.
 *
 * A key's whole state (budgets, leases of the calls in flight, the pause after a 429, the holds learned from
 * `anthropic-ratelimit-*-reset` headers) is one JSON-serialisable {@link KeyState}. The operations on it
 * ({@link acquireState}, {@link releaseState}, {@link renewState}, {@link pauseState}, {@link observeState}) are pure
 * functions of the state, the {@link Plan} and the store's time, so a store only has to run them atomically: the
 * in-memory store ({@link makeMemory}) in this process under Effect's `Clock`, a shared store (e.g.
 * `@parley/ratelimit-redis`) on its server under the server's clock, so that every process sees one time.
 *
 * - A call is admitted under a **lease**. A shared store gives leases a TTL, which the limiter renews while the call
 *   runs; a process that dies (even by SIGKILL) stops renewing, and its concurrency slots come back when its leases
 *   expire.
 * - **Token buckets** refill continuously at `limit / per` up to `burst` (default `limit`).
 * - **Sliding windows** count a call from its admission until `per` after its end, so a call's slot outlasts the
 *   moment it reached the server by a whole window whatever the network's jitter: the server never sees more than
 *   `limit` calls in any window of `per`. With `burst`, a token bucket of `burst` also spaces the calls of a window.
 * - **Fairness:** within a process, calls of a key are admitted in arrival order (the limiter's lanes: only the
 *   oldest waiter asks the store). Across processes, each process's oldest waiter asks the store when its wait ends;
 *   the store admits whichever asks first once the budget allows, so processes share a key roughly evenly but not
 *   in strict global arrival order.
 *
 * @since 0.2.0
 */

import * as ModelError from "@parley/core/ModelError"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

// =============================================================================
// Models
// =============================================================================

/**
 * The budgets a store can enforce.
 *
 * @since 0.2.0
 * @category models
 */
export type BudgetName = "requests" | "inputTokens" | "outputTokens"

/**
 * The budget names, in a fixed order.
 *
 * @since 0.2.0
 * @category models
 */
export const budgetNames: ReadonlyArray<BudgetName> = ["requests", "inputTokens", "outputTokens"]

/**
 * One budget as a store enforces it: `limit` per `per` milliseconds.
 *
 * @since 0.2.0
 * @category models
 */
export interface Budget {
  readonly limit: number
  /** The window, in milliseconds. */
  readonly per: number
  /** Token bucket: its size (default `limit`). Sliding window: calls let through back to back (default: no cap). */
  readonly burst?: number | undefined
  readonly algorithm: "token-bucket" | "sliding-window"
}

/**
 * The limits of one key, in the form stores read (the limiter builds it from `RateLimit.Limits`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Plan {
  readonly requests?: Budget | undefined
  readonly inputTokens?: Budget | undefined
  readonly outputTokens?: Budget | undefined
  /** Calls in flight at once. */
  readonly concurrency?: number | undefined
}

/**
 * What one call takes from the budgets.
 *
 * @since 0.2.0
 * @category models
 */
export interface Cost {
  readonly requests: number
  readonly inputTokens: number
  readonly outputTokens: number
}

/**
 * A store's answer to an admission request: admitted under the lease, or wait `millis` (or until a call of this
 * process ends, when `millis` is undefined) and ask again.
 *
 * @since 0.2.0
 * @category models
 */
export type Decision = { readonly _tag: "Admitted" } | { readonly _tag: "Wait"; readonly millis: number | undefined }

/**
 * What one response's `anthropic-ratelimit-*` headers say of a budget: what is left, and in how many milliseconds
 * (from when the response was read) it is full again.
 *
 * @since 0.2.0
 * @category models
 */
export interface Observation {
  readonly remaining?: number | undefined
  readonly resetIn?: number | undefined
}

/**
 * The server's word on every budget it reports (`tokens` is the most restrictive token budget).
 *
 * @since 0.2.0
 * @category models
 */
export interface Observed {
  readonly requests?: Observation | undefined
  readonly tokens?: Observation | undefined
  readonly inputTokens?: Observation | undefined
  readonly outputTokens?: Observation | undefined
}

/** @internal */
export type HoldName = BudgetName | "tokens"

const holdNames: ReadonlyArray<HoldName> = ["requests", "tokens", "inputTokens", "outputTokens"]

/**
 * A token bucket's level at a time.
 *
 * @since 0.2.0
 * @category state
 */
export interface BucketState {
  level: number
  at: number
}

/**
 * An admitted call: its lease (`exp`: when it lapses unless renewed, `null` for no TTL), when it ended (`end`,
 * `null` while in flight) and what it took (`r`, `i`, `o`).
 *
 * @since 0.2.0
 * @category state
 */
export interface LeaseState {
  id: string
  exp: number | null
  end: number | null
  r: number
  i: number
  o: number
}

/**
 * A hold learned from the headers: `rem` left until `reset`.
 *
 * @since 0.2.0
 * @category state
 */
export interface HoldState {
  rem: number
  reset: number
}

/**
 * The whole state of one key.
 *
 * @since 0.2.0
 * @category state
 */
export interface KeyState {
  /** Token buckets by budget name (for sliding windows: the burst bucket). */
  b: { [K in BudgetName]?: BucketState }
  /** Leases in flight, and ended ones still inside a sliding window. */
  l: Array<LeaseState>
  /** Admits nothing before this time (after a 429's `retry-after`). */
  p: number
  /** Holds from the `*-reset` headers. */
  h: { [K in HoldName]?: HoldState }
}

/**
 * A fresh key.
 *
 * @since 0.2.0
 * @category state
 */
export const emptyState = (): KeyState => ({ b: {}, l: [], p: 0, h: {} })

// =============================================================================
// Errors
// =============================================================================

/**
 * The store of the budgets could not answer (a shared store's server is down or too slow) and the store is set to
 * fail closed: the call is not sent. Retryable, since the store may be back by the next attempt.
 *
 * @since 0.2.0
 * @category errors
 */
export class RateLimitStoreError extends Schema.TaggedError<RateLimitStoreError>(
  "@parley/transport/RateLimitStore/RateLimitStoreError"
)("RateLimitStoreError", {
  /** The limiter key of the call. */
  key: Schema.String,
  /** The store that failed, e.g. `"redis"`. */
  store: Schema.String,
  /** The store operation: `acquire`, `release`, `renew`, `pause` or `observe`. */
  operation: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  /** The brand of model errors. */
  get [ModelError.TypeId](): ModelError.TypeId {
    return ModelError.TypeId
  }
  /** The client-side limiter could not admit the call. */
  get reason(): "rate-limit-wait" {
    return "rate-limit-wait"
  }
  /** Whether repeating the request may succeed: yes, once the store answers again. */
  get isRetryable(): boolean {
    return true
  }
  /** Nothing was sent. */
  get delivered(): number {
    return 0
  }
}

// =============================================================================
// Store
// =============================================================================

/**
 * Where the state of every key lives. Each operation runs atomically on one key's state, at the store's time.
 *
 * @since 0.2.0
 * @category models
 */
export interface Store {
  /** A short name for errors and logs (`"memory"`, `"redis"`). */
  readonly name: string
  /** The TTL of leases, in milliseconds: the limiter renews the leases of its calls in flight at a third of it. */
  readonly leaseTtl: number | undefined
  /** Admits a call under lease `id` when everything fits now; else says how long to wait. */
  readonly acquire: (key: string, plan: Plan, cost: Cost, id: string) => Effect.Effect<Decision, RateLimitStoreError>
  /** Ends lease `id` and gives back `refund` (a negative refund charges more, when usage beat the estimate). */
  readonly release: (key: string, plan: Plan, id: string, refund: Cost) => Effect.Effect<void, RateLimitStoreError>
  /** Extends the leases still in flight by the TTL. */
  readonly renew: (key: string, ids: ReadonlyArray<string>) => Effect.Effect<void, RateLimitStoreError>
  /** Admits nothing for `millis` from now. */
  readonly pause: (key: string, millis: number) => Effect.Effect<void, RateLimitStoreError>
  /** Applies what the server said is left: lower budgets, holds until the resets. */
  readonly observe: (key: string, plan: Plan, observed: Observed) => Effect.Effect<void, RateLimitStoreError>
}

/**
 * The store of the budgets.
 *
 * @since 0.2.0
 * @category tags
 */
export class RateLimitStore extends Context.Tag("@parley/transport/RateLimit/RateLimitStore")<
  RateLimitStore,
  Store
>() {}

// =============================================================================
// The algorithm
// =============================================================================

const amountOf = (lease: LeaseState, name: BudgetName): number =>
  name === "requests" ? lease.r : name === "inputTokens" ? lease.i : lease.o

const longestWindow = (plan: Plan): number => {
  let longest = -1
  for (const name of budgetNames) {
    const budget = plan[name]
    if (budget?.algorithm === "sliding-window") longest = Math.max(longest, budget.per)
  }
  return longest
}

const bucketSize = (budget: Budget): number =>
  budget.algorithm === "token-bucket" ? (budget.burst ?? budget.limit) : (budget.burst as number)

const hasBucket = (budget: Budget | undefined): budget is Budget =>
  budget !== undefined && budget.limit > 0 && (budget.algorithm === "token-bucket" || budget.burst !== undefined)

const refill = (state: KeyState, name: BudgetName, budget: Budget, now: number): BucketState => {
  const size = bucketSize(budget)
  const bucket = state.b[name]
  if (bucket === undefined) {
    const fresh = { level: size, at: now }
    state.b[name] = fresh
    return fresh
  }
  if (now > bucket.at) {
    bucket.level = Math.min(size, bucket.level + ((now - bucket.at) * budget.limit) / budget.per)
    bucket.at = now
  }
  return bucket
}

/** Drops what no longer matters at `now`: lapsed leases end at their expiry, old ones and passed holds go. */
const prune = (state: KeyState, plan: Plan, now: number): void => {
  const window = longestWindow(plan)
  const kept: Array<LeaseState> = []
  for (const lease of state.l) {
    if (lease.end === null && lease.exp !== null && lease.exp <= now) lease.end = lease.exp
    if (lease.end === null || (window >= 0 && lease.end + window > now)) kept.push(lease)
  }
  state.l = kept
  for (const name of holdNames) {
    const hold = state.h[name]
    if (hold !== undefined && hold.reset <= now) delete state.h[name]
  }
  if (state.p <= now) state.p = 0
}

const holdCost = (name: HoldName, cost: Cost): number =>
  name === "tokens" ? Math.min(cost.inputTokens, cost.outputTokens) : cost[name]

/**
 * Admits a call under lease `id` (TTL `ttl` ms, or none) if everything fits at `now`.
 *
 * @since 0.2.0
 * @category algorithm
 */
export const acquireState = (
  state: KeyState,
  plan: Plan,
  cost: Cost,
  id: string,
  ttl: number | undefined,
  now: number
): Decision => {
  prune(state, plan, now)
  let wait = state.p > now ? state.p - now : 0
  let blocked = false
  for (const name of holdNames) {
    const hold = state.h[name]
    const need = holdCost(name, cost)
    if (hold !== undefined && need > 0 && hold.rem < need) wait = Math.max(wait, hold.reset - now)
  }
  for (const name of budgetNames) {
    const budget = plan[name]
    if (budget === undefined || budget.limit <= 0) continue
    const need = cost[name]
    if (need <= 0) continue
    if (hasBucket(budget)) {
      const size = bucketSize(budget)
      const bucket = refill(state, name, budget, now)
      const wanted = Math.min(need, size)
      if (bucket.level < wanted) wait = Math.max(wait, Math.ceil(((wanted - bucket.level) * budget.per) / budget.limit))
    }
    if (budget.algorithm === "sliding-window") {
      const wanted = Math.min(need, budget.limit)
      let used = 0
      const ending: Array<{ readonly at: number; readonly amount: number }> = []
      for (const lease of state.l) {
        const amount = amountOf(lease, name)
        if (amount <= 0) continue
        if (lease.end === null) used += amount
        else if (lease.end + budget.per > now) {
          used += amount
          ending.push({ at: lease.end + budget.per, amount })
        }
      }
      if (used + wanted > budget.limit) {
        ending.sort((a, b) => a.at - b.at)
        let left = used
        let until: number | undefined
        for (const { amount, at } of ending) {
          left -= amount
          if (left + wanted <= budget.limit) {
            until = at
            break
          }
        }
        if (until === undefined) blocked = true
        else wait = Math.max(wait, until - now)
      }
    }
  }
  if (plan.concurrency !== undefined) {
    let inFlight = 0
    for (const lease of state.l) if (lease.end === null) inFlight++
    if (inFlight >= plan.concurrency) blocked = true
  }
  if (wait > 0) return { _tag: "Wait", millis: wait }
  if (blocked) return { _tag: "Wait", millis: undefined }
  for (const name of budgetNames) {
    const budget = plan[name]
    if (hasBucket(budget) && cost[name] > 0) refill(state, name, budget, now).level -= cost[name]
  }
  for (const name of holdNames) {
    const hold = state.h[name]
    if (hold !== undefined) hold.rem -= holdCost(name, cost)
  }
  state.l.push({
    id,
    exp: ttl === undefined ? null : now + ttl,
    end: null,
    r: cost.requests,
    i: cost.inputTokens,
    o: cost.outputTokens
  })
  return { _tag: "Admitted" }
}

/**
 * Ends lease `id` at `now` and gives back `refund`.
 *
 * @since 0.2.0
 * @category algorithm
 */
export const releaseState = (state: KeyState, plan: Plan, id: string, refund: Cost, now: number): void => {
  const index = state.l.findIndex((lease) => lease.id === id)
  const lease = index < 0 ? undefined : state.l[index]
  if (lease !== undefined) {
    // a lapsed lease already ended at its expiry; a late release keeps that end
    if (lease.end === null) lease.end = now
    lease.r -= refund.requests
    lease.i -= refund.inputTokens
    lease.o -= refund.outputTokens
  }
  for (const name of budgetNames) {
    const budget = plan[name]
    if (!hasBucket(budget) || refund[name] === 0) continue
    const bucket = refill(state, name, budget, now)
    bucket.level = Math.min(bucketSize(budget), bucket.level + refund[name])
  }
  prune(state, plan, now)
}

/**
 * Extends the leases `ids` still in flight to `now + ttl`.
 *
 * @since 0.2.0
 * @category algorithm
 */
export const renewState = (state: KeyState, ids: ReadonlyArray<string>, ttl: number, now: number): void => {
  const wanted = new Set(ids)
  for (const lease of state.l) {
    if (lease.end === null && lease.exp !== null && lease.exp > now && wanted.has(lease.id)) lease.exp = now + ttl
  }
}

/**
 * Admits nothing for `millis` from `now`.
 *
 * @since 0.2.0
 * @category algorithm
 */
export const pauseState = (state: KeyState, millis: number, now: number): void => {
  state.p = Math.max(state.p, now + millis)
}

/**
 * Applies the server's word at `now`: a configured token bucket drops to what is left; a budget with a reset
 * holds the key until then once what is left is below a call's cost.
 *
 * @since 0.2.0
 * @category algorithm
 */
export const observeState = (state: KeyState, plan: Plan, observed: Observed, now: number): void => {
  for (const name of holdNames) {
    const seen = observed[name]
    if (seen?.remaining === undefined) continue
    if (name !== "tokens") {
      const budget = plan[name]
      if (hasBucket(budget)) {
        const bucket = refill(state, name, budget, now)
        bucket.level = Math.min(bucket.level, seen.remaining)
      }
    }
    if (seen.resetIn !== undefined && seen.resetIn > 0) {
      state.h[name] = { rem: seen.remaining, reset: now + Math.ceil(seen.resetIn) }
    }
  }
}

/**
 * How long from `now` until the key is back to a fresh state (nothing in flight or in a window, no pause, no hold,
 * every bucket full): `Infinity` while a lease without TTL is in flight. A store may forget the key after that.
 *
 * @since 0.2.0
 * @category algorithm
 */
export const restsIn = (state: KeyState, plan: Plan, now: number): number => {
  let rest = Math.max(0, state.p - now)
  const window = Math.max(0, longestWindow(plan))
  for (const lease of state.l) {
    if (lease.end === null) {
      if (lease.exp === null) return Infinity
      rest = Math.max(rest, lease.exp + window - now)
    } else rest = Math.max(rest, lease.end + window - now)
  }
  for (const name of holdNames) {
    const hold = state.h[name]
    if (hold !== undefined) rest = Math.max(rest, hold.reset - now)
  }
  for (const name of budgetNames) {
    const bucket = state.b[name]
    const budget = plan[name]
    if (bucket === undefined) continue
    if (!hasBucket(budget)) return Infinity
    const missing = bucketSize(budget) - bucket.level
    rest = Math.max(rest, bucket.at - now + (missing * budget.per) / budget.limit)
  }
  return Math.max(0, rest)
}

// =============================================================================
// In-memory store
// =============================================================================

interface Entry {
  readonly state: KeyState
  plan: Plan
}

/** The longest the in-memory store goes between sweeps while it is used. */
const sweepEvery = 60_000

/**
 * An in-memory {@link Store}: the state of every key in this process, at Effect's `Clock` (so `TestClock` drives
 * it), leases without TTL (they end with the process). A key back to a fresh state is forgotten at the next sweep,
 * which runs on the first call a minute after the last one, or as soon as the map has doubled since then (O(1) per
 * call on average), so one key per tenant does not grow the process. `size` says how many keys are held.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory = (): Store & { readonly size: () => number } => {
  const entries = new Map<string, Entry>()
  let sweepAt = 64
  let sweptAt = Number.NEGATIVE_INFINITY
  const sweep = (now: number) => {
    for (const [key, entry] of entries) if (restsIn(entry.state, entry.plan, now) <= 0) entries.delete(key)
    sweepAt = Math.max(64, entries.size * 2)
    sweptAt = now
  }
  const entryOf = (key: string, plan: Plan | undefined, now: number): Entry => {
    if (now - sweptAt >= sweepEvery) sweep(now)
    let entry = entries.get(key)
    if (entry === undefined) {
      if (entries.size >= sweepAt) sweep(now)
      entry = { state: emptyState(), plan: plan ?? {} }
      entries.set(key, entry)
    } else if (plan !== undefined) entry.plan = plan
    return entry
  }
  const at = <A>(f: (now: number) => A) => Effect.map(Clock.currentTimeMillis, f)
  return {
    name: "memory",
    leaseTtl: undefined,
    size: () => entries.size,
    acquire: (key, plan, cost, id) =>
      at((now) => acquireState(entryOf(key, plan, now).state, plan, cost, id, undefined, now)),
    release: (key, plan, id, refund) => at((now) => releaseState(entryOf(key, plan, now).state, plan, id, refund, now)),
    renew: () => Effect.void,
    pause: (key, millis) => at((now) => pauseState(entryOf(key, undefined, now).state, millis, now)),
    observe: (key, plan, observed) => at((now) => observeState(entryOf(key, plan, now).state, plan, observed, now))
  }
}

/**
 * The in-memory store.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemory: Layer.Layer<RateLimitStore> = Layer.sync(RateLimitStore, makeMemory)

// =============================================================================
// Fallback
// =============================================================================

/**
 * A shared store that falls back on a local one while it fails: `"fail-open"` admits against `fallback` (default: a
 * new in-memory store) with `share` of each limit (default 1: the whole limit; `0.1` for one of ten workers) until
 * `primary` answers again, which every operation tries first; `"fail-closed"` fails the call with
 * {@link RateLimitStoreError}. A lease taken from the fallback is released there. Pauses and headers go to both.
 * Failing open logs one warning when the store stops answering and one line when it answers again.
 *
 * @since 0.2.0
 * @category combinators
 */
export const withFallback = (
  primary: Store,
  options: {
    readonly onUnavailable: "fail-open" | "fail-closed"
    readonly fallback?: Store | undefined
    readonly share?: number | undefined
  }
): Store => {
  if (options.onUnavailable === "fail-closed") return primary
  const fallback = options.fallback ?? makeMemory()
  const local = new Set<string>()
  const share = options.share ?? 1
  const plans = new WeakMap<Plan, Plan>()
  const shared = (plan: Plan): Plan => {
    if (share === 1) return plan
    let scaled = plans.get(plan)
    if (scaled === undefined) {
      const scale = (budget: Budget | undefined): Budget | undefined =>
        budget === undefined
          ? undefined
          : {
              ...budget,
              limit: Math.max(1, budget.limit * share),
              burst: budget.burst === undefined ? undefined : Math.max(1, budget.burst * share)
            }
      scaled = {
        requests: scale(plan.requests),
        inputTokens: scale(plan.inputTokens),
        outputTokens: scale(plan.outputTokens),
        concurrency: plan.concurrency === undefined ? undefined : Math.max(1, Math.floor(plan.concurrency * share))
      }
      plans.set(plan, scaled)
    }
    return scaled
  }
  // one warning when the shared store goes down, one line when it is back: not one per call
  let degraded = false
  const unavailable = (error: RateLimitStoreError) =>
    Effect.suspend(() => {
      degraded = true
      return Effect.logWarning(
        `The rate limit store "${primary.name}" is unavailable; admitting against this process's own limits until it answers again. ${error.message}`
      )
    })
  const recovered = Effect.suspend(() => {
    degraded = false
    return Effect.logInfo(`The rate limit store "${primary.name}" answers again; admitting against it.`)
  })
  return {
    name: primary.name,
    leaseTtl: primary.leaseTtl,
    acquire: (key, plan, cost, id) =>
      primary.acquire(key, plan, cost, id).pipe(
        Effect.tap(() => (degraded ? recovered : Effect.void)),
        Effect.catchAll((error) =>
          Effect.zipRight(
            degraded ? Effect.void : unavailable(error),
            Effect.tap(fallback.acquire(key, shared(plan), cost, id), (decision) => {
              if (decision._tag === "Admitted") local.add(id)
            })
          )
        )
      ),
    release: (key, plan, id, refund) =>
      local.delete(id)
        ? fallback.release(key, shared(plan), id, refund)
        : primary.release(key, plan, id, refund).pipe(Effect.catchAll(() => Effect.void)),
    renew: (key, ids) =>
      primary.renew(
        key,
        ids.filter((id) => !local.has(id))
      ),
    pause: (key, millis) =>
      Effect.zipRight(fallback.pause(key, millis), primary.pause(key, millis).pipe(Effect.catchAll(() => Effect.void))),
    observe: (key, plan, observed) =>
      Effect.zipRight(
        fallback.observe(key, shared(plan), observed),
        primary.observe(key, plan, observed).pipe(Effect.catchAll(() => Effect.void))
      )
  }
}
