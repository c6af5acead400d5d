import * as Effect from "effect/Effect"

/** The default (live) clock. */
const liveClock = Effect.runSync(Effect.clock)

/**
 * Whether the fiber runs on the live clock, where a JS timer keeps Effect's time: there a call uses a watchdog;
 * under any other clock (`TestClock`) its waits run under `Effect.timeoutFail`, in virtual time.
 */
export const isLive: Effect.Effect<boolean> = Effect.clockWith((clock) => Effect.succeed(clock === liveClock))

/** The longest delay a JS timer takes; a deadline further away never fires. */
const maxTimerMillis = 2 ** 31 - 1

/**
 * One timer for a whole call under the live clock. Before each wait on the network the call arms a deadline, after
 * it disarms; when an armed deadline passes, `onExpire` runs once (it aborts the call's HTTP request, so the pending
 * wait fails and the call reads {@link Watchdog.expired}).
 *
 * Why: a fiber per wait (`Effect.timeoutFail`), or a reader fiber with a timer per read, was the largest cost of a
 * call after the HTTP client's own (measured on the bench's 256 concurrent streams: ~20% of the wall time). Here a
 * wait costs a `Date.now()` and two assignments: moving the deadline later leaves the timer alone (it fires early,
 * sees the new deadline and waits again), and only moving it earlier re-arms it.
 */
export interface Watchdog<P> {
  /** Arms the deadline `at` (ms since the epoch); `payload` says what expired if it passes. */
  readonly arm: (at: number, payload: P) => void
  /** Disarms: nothing expires until the next `arm`. */
  readonly disarm: () => void
  /** The payload of the deadline that passed, once one did. */
  readonly expired: () => P | undefined
  /** Clears the timer for good. */
  readonly stop: () => void
}

/** A watchdog calling `onExpire` with the payload of the first deadline that passes. */
export const make = <P>(onExpire: (payload: P) => void): Watchdog<P> => {
  let deadline = Number.POSITIVE_INFINITY
  let payload: P | undefined
  let expired: P | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let timerAt = Number.POSITIVE_INFINITY
  let stopped = false

  const schedule = (at: number, now: number) => {
    const delay = Math.max(0, at - now)
    if (delay > maxTimerMillis) return
    timerAt = at
    timer = setTimeout(fire, delay)
  }

  function fire() {
    timer = undefined
    timerAt = Number.POSITIVE_INFINITY
    if (stopped || expired !== undefined || deadline === Number.POSITIVE_INFINITY) return
    const now = Date.now()
    if (now < deadline) return schedule(deadline, now)
    expired = payload
    onExpire(payload as P)
  }

  return {
    arm: (at, next) => {
      if (stopped || expired !== undefined) return
      deadline = at
      payload = next
      if (at < timerAt) {
        if (timer !== undefined) clearTimeout(timer)
        schedule(at, Date.now())
      }
    },
    disarm: () => {
      deadline = Number.POSITIVE_INFINITY
    },
    expired: () => expired,
    stop: () => {
      stopped = true
      deadline = Number.POSITIVE_INFINITY
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      timerAt = Number.POSITIVE_INFINITY
    }
  }
}

/** Waits `millis` of real time, whatever the fiber's clock: for waits on the network, not on the caller's schedule. */
export const realSleep = (millis: number): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  })
