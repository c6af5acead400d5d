/**
 * A `RateLimitStore.Store` on Redis, so that every process of a service shares each key's budgets, concurrency
 * leases, the pause after a 429 and the holds learned from `anthropic-ratelimit-*-reset` headers.
 *
 * Each key's state is the transport's plain-JSON `RateLimitStore.KeyState`, in one Redis hash, and every
 * operation runs the transport's own algorithm on it (`RateLimitStore.acquireState`, ...): one atomic script reads
 * the state with its version and the server's `TIME` (the one clock of every process), the algorithm runs here, and
 * a second atomic script writes the new state only if the version did not move (else the step is recomputed). An
 * admission that must wait writes nothing. Leases have a TTL (default 30 s) that the limiter renews while a call
 * runs, so the slots of a process that dies come back when its leases lapse; idle keys expire from Redis once back
 * at rest.
 *
 * Redis unavailable: a command fails at once while disconnected (no offline queue) or after `commandTimeout`
 * (default 500 ms), never hangs; with `onUnavailable: "fail-open"` (the default) the call is admitted against this
 * process's own limits (times `fallbackShare`), with `"fail-closed"` it fails with `RateLimitStoreError`. ioredis
 * reconnects in the background and the next operation uses Redis again.
 *
 * @example
 * ```ts
 * import { RedisStore } from "@parley/ratelimit-redis"
 * import { RateLimit } from "@parley/transport"
 * import * as Layer from "effect/Layer"
 *
 * // ten workers share 50 requests per minute and 10 in flight; during a Redis outage each takes a tenth
 * const RateLimitLive = RateLimit.layerStore({
 *   limits: { requests: { limit: 50, per: "1 minute" }, concurrency: 10 }
 * }).pipe(Layer.provide(RedisStore.layer({ url: "redis://127.0.0.1:6379", fallbackShare: 0.1 })))
 * ```
 *
 * @since 0.1.0
 */
import * as RateLimitStore from "@parley/transport/RateLimitStore"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { Redis, type RedisOptions } from "ioredis"

/**
 * Options of the Redis store.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The server, e.g. `redis://127.0.0.1:6379` (default). Ignored when `client` is given. */
  readonly url?: string | undefined
  /** More ioredis options for the connection the store opens (`password`, `tls`, ...). */
  readonly redisOptions?: RedisOptions | undefined
  /**
   * A connection of the app's to use instead of opening one (not closed by the store). Give it
   * `enableOfflineQueue: false` so that commands fail at once while it is disconnected.
   */
  readonly client?: Redis | undefined
  /** The prefix of every Redis key (default `"parley:ratelimit:"`); the limiter key follows it. */
  readonly prefix?: string | undefined
  /** How long a lease lives unless renewed (default 30 s): the slots of a dead process come back within it. */
  readonly leaseTtl?: Duration.DurationInput | undefined
  /** The longest a Redis command may take before the store counts Redis as unavailable (default 500 ms). */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /**
   * While Redis is unavailable: `"fail-open"` (default) admits against this process's own limits, `"fail-closed"`
   * fails the call with `RateLimitStoreError`.
   */
  readonly onUnavailable?: "fail-open" | "fail-closed" | undefined
  /** Under fail-open, the share of each limit this process takes alone (default 1; e.g. 0.1 for ten workers). */
  readonly fallbackShare?: number | undefined
}

const read = `
local v = redis.call('HMGET', KEYS[1], 's', 'v')
local t = redis.call('TIME')
return {v[1] or '', v[2] or '0', t[1], t[2]}
`

const write = `
local v = redis.call('HGET', KEYS[1], 'v') or '0'
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 's', ARGV[2], 'v', tostring(tonumber(v) + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`

interface Scripts {
  parleyRead(key: string): Promise<[string, string, string, string]>
  parleyWrite(key: string, version: string, state: string, ttl: number): Promise<number>
}

/** The longest a key is kept without a write (a lease without TTL never comes from this store). */
const maxKeep = 24 * 60 * 60 * 1000

/** Attempts of one step under contention before it counts as failed. */
const maxAttempts = 64

/**
 * The Redis store over a connection, without the fallback (fails with `RateLimitStoreError` whenever Redis does).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClient = (
  client: Redis,
  options: Pick<Options, "prefix" | "leaseTtl"> = {}
): RateLimitStore.Store & { readonly conflicts: () => number } => {
  const prefix = options.prefix ?? "parley:ratelimit:"
  const leaseTtl = Duration.toMillis(Duration.decode(options.leaseTtl ?? Duration.seconds(30)))
  if (!("parleyRead" in client)) {
    client.defineCommand("parleyRead", { numberOfKeys: 1, lua: read })
    client.defineCommand("parleyWrite", { numberOfKeys: 1, lua: write })
  }
  const scripts = client as unknown as Scripts
  let conflicts = 0

  type Step = (state: RateLimitStore.KeyState, now: number) => { readonly result: unknown; readonly write: boolean }
  interface Pending {
    readonly step: Step
    readonly resolve: (result: unknown) => void
    readonly reject: (error: unknown) => void
  }
  /**
   * The operations of this process on one key are applied in batches: all that arrived while the previous batch
   * ran are computed, in order, on one read of the state and written with one compare-and-set, so the process's
   * own operations never make each other's write fail. Another process's write may still move the version; then
   * the whole batch is computed again on the new state.
   */
  const pending = new Map<string, Array<Pending>>()
  const running = new Set<string>()
  /** The last limits seen for each key, for the operations that do not carry them (renew, pause). */
  const plans = new Map<string, RateLimitStore.Plan>()

  const runBatch = async (key: string, batch: ReadonlyArray<Pending>): Promise<Array<unknown>> => {
    const redisKey = prefix + key
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const [text, version, seconds, micros] = await scripts.parleyRead(redisKey)
      // fractional milliseconds: a window ends exactly `per` after the call did, never a rounding earlier
      const now = Number(seconds) * 1000 + Number(micros) / 1000
      const state: RateLimitStore.KeyState = text === "" ? RateLimitStore.emptyState() : JSON.parse(text)
      let write = false
      const results = batch.map(({ step }) => {
        const outcome = step(state, now)
        write ||= outcome.write
        return outcome.result
      })
      if (!write) return results
      const rest = RateLimitStore.restsIn(state, plans.get(key) ?? {}, now)
      const keep = Math.ceil(Math.min(maxKeep, rest)) + 1000
      if ((await scripts.parleyWrite(redisKey, version, JSON.stringify(state), keep)) === 1) return results
      conflicts++
    }
    throw new Error(`${maxAttempts} conflicting writes in a row`)
  }

  const drain = async (key: string) => {
    running.add(key)
    try {
      for (let batch = pending.get(key); batch !== undefined; batch = pending.get(key)) {
        pending.delete(key)
        try {
          const results = await runBatch(key, batch)
          for (let index = 0; index < batch.length; index++) batch[index]?.resolve(results[index])
        } catch (error) {
          for (const entry of batch) entry.reject(error)
        }
      }
    } finally {
      running.delete(key)
      if (pending.has(key)) void drain(key)
    }
  }

  const submit = (key: string, step: Step): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const queue = pending.get(key)
      if (queue === undefined) pending.set(key, [{ step, resolve, reject }])
      else queue.push({ step, resolve, reject })
      if (!running.has(key)) void drain(key)
    })

  /** Runs `step` on the key's state at Redis's time; writes the state back when `step` says so. */
  const update = <A>(
    key: string,
    operation: string,
    plan: RateLimitStore.Plan | undefined,
    step: (state: RateLimitStore.KeyState, now: number) => { readonly result: A; readonly write: boolean }
  ): Effect.Effect<A, RateLimitStore.RateLimitStoreError> =>
    Effect.tryPromise({
      try: () => {
        if (plan !== undefined) plans.set(key, plan)
        return submit(key, step) as Promise<A>
      },
      catch: (cause) =>
        new RateLimitStoreError({
          key,
          store: "redis",
          operation,
          message: `Redis did not answer the rate limiter's ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause
        })
    })

  return {
    name: "redis",
    leaseTtl,
    conflicts: () => conflicts,
    acquire: (key, plan, cost, id) =>
      update(key, "acquire", plan, (state, now) => {
        const decision = RateLimitStore.acquireState(state, plan, cost, id, leaseTtl, now)
        return { result: decision, write: decision._tag === "Admitted" }
      }),
    release: (key, plan, id, refund) =>
      update(key, "release", plan, (state, now) => {
        RateLimitStore.releaseState(state, plan, id, refund, now)
        return { result: undefined, write: true }
      }),
    renew: (key, ids) =>
      update(key, "renew", undefined, (state, now) => {
        RateLimitStore.renewState(state, ids, leaseTtl, now)
        return { result: undefined, write: true }
      }),
    pause: (key, millis) =>
      update(key, "pause", undefined, (state, now) => {
        RateLimitStore.pauseState(state, millis, now)
        return { result: undefined, write: true }
      }),
    observe: (key, plan, observed) =>
      update(key, "observe", plan, (state, now) => {
        RateLimitStore.observeState(state, plan, observed, now)
        return { result: undefined, write: true }
      })
  }
}

const RateLimitStoreError = RateLimitStore.RateLimitStoreError

/**
 * The Redis store for the scope: opens a connection (or uses `client`), waits up to `commandTimeout` for it to be
 * ready (a Redis that is down does not stop the app starting under fail-open), and closes it with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RateLimitStore.Store, never, Scope.Scope> =>
  Effect.gen(function* () {
    const commandTimeout = Duration.toMillis(Duration.decode(options.commandTimeout ?? Duration.millis(500)))
    const client =
      options.client ??
      (yield* Effect.acquireRelease(
        Effect.sync(
          () =>
            new Redis(options.url ?? "redis://127.0.0.1:6379", {
              enableOfflineQueue: false,
              maxRetriesPerRequest: 1,
              commandTimeout,
              connectTimeout: commandTimeout,
              retryStrategy: (times) => Math.min(times * 50, 1000),
              ...options.redisOptions
            })
        ),
        (redis) => Effect.sync(() => redis.disconnect())
      ))
    // swallow connection errors: ioredis reconnects, and each operation reports its own failure
    client.on("error", () => {})
    if (client.status !== "ready") {
      yield* Effect.async<void>((resume) => {
        const ready = () => resume(Effect.void)
        client.once("ready", ready)
        const timer = setTimeout(ready, commandTimeout)
        return Effect.sync(() => {
          clearTimeout(timer)
          client.off("ready", ready)
        })
      })
    }
    const store = fromClient(client, options)
    const share = options.fallbackShare ?? 1
    return RateLimitStore.withFallback(store, {
      onUnavailable: options.onUnavailable ?? "fail-open",
      share
    })
  })

/**
 * The Redis store as the limiter's `RateLimitStore`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RateLimitStore.RateLimitStore> =>
  Layer.scoped(RateLimitStore.RateLimitStore, make(options))
