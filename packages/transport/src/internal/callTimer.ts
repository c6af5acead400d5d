import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

/**
 * One timer for a whole call, on the call's `Clock` (the live clock, `TestClock`, or any other): before each wait
 * on the network the call arms a deadline, after it disarms; when an armed deadline passes, `onExpire` runs once (it
 * aborts the call's HTTP request, so the pending wait fails and the call reads {@link CallTimer.expired}).
 *
 * Why one timer and not `Effect.timeout` per wait: a fiber per wait was the largest cost of a stream after the HTTP
 * client's own (bench/RESULTS.md). Here a wait costs a clock read and two assignments; moving the deadline later
 * leaves the sleep alone (it wakes early, sees the new deadline and sleeps again), and only moving it earlier
 * starts another.
 */
export interface CallTimer<P> {
  /** Arms the deadline `at` (the clock's milliseconds); `payload` says what expired if it passes. */
  readonly arm: (at: number, payload: P) => void
  /** Disarms: nothing expires until the next `arm`. */
  readonly disarm: () => void
  /** The payload of the deadline that passed, once one did. */
  readonly expired: () => P | undefined
  /** The clock's current time, in milliseconds. */
  readonly now: () => number
  /** Stops the timer for good. */
  readonly stop: () => void
}

/** The longest delay a JS timer takes; a deadline further away never fires. */
const maxDelayMillis = 2 ** 31 - 1

interface State<P> {
  deadline: number
  payload: P | undefined
  expired: P | undefined
  sleeper: Fiber.RuntimeFiber<void> | undefined
  sleeperAt: number
  stopped: boolean
}

/** A timer on `clock` calling `onExpire` with the payload of the first deadline that passes. */
export const make = <P>(clock: Clock.Clock, onExpire: (payload: P) => void): CallTimer<P> => {
  const state: State<P> = {
    deadline: Number.POSITIVE_INFINITY,
    payload: undefined,
    expired: undefined,
    sleeper: undefined,
    sleeperAt: Number.POSITIVE_INFINITY,
    stopped: false
  }

  const schedule = (at: number) => {
    const delay = Math.max(0, at - clock.unsafeCurrentTimeMillis())
    if (delay > maxDelayMillis) return
    state.sleeperAt = at
    const sleeper = Effect.runFork(clock.sleep(Duration.millis(delay)))
    state.sleeper = sleeper
    sleeper.addObserver((exit) => {
      if (exit._tag === "Success" && state.sleeper === sleeper) wake()
    })
  }

  const cancel = () => {
    const sleeper = state.sleeper
    state.sleeper = undefined
    state.sleeperAt = Number.POSITIVE_INFINITY
    if (sleeper !== undefined) sleeper.unsafeInterruptAsFork(FiberId.none)
  }

  const wake = () => {
    state.sleeper = undefined
    state.sleeperAt = Number.POSITIVE_INFINITY
    if (state.stopped || state.expired !== undefined || state.deadline === Number.POSITIVE_INFINITY) return
    if (clock.unsafeCurrentTimeMillis() < state.deadline) return schedule(state.deadline)
    state.expired = state.payload
    onExpire(state.payload as P)
  }

  return {
    arm: (at, payload) => {
      if (state.stopped || state.expired !== undefined) return
      state.deadline = at
      state.payload = payload
      if (at < state.sleeperAt) {
        cancel()
        schedule(at)
      }
    },
    disarm: () => {
      state.deadline = Number.POSITIVE_INFINITY
    },
    expired: () => state.expired,
    now: () => clock.unsafeCurrentTimeMillis(),
    stop: () => {
      state.stopped = true
      state.deadline = Number.POSITIVE_INFINITY
      cancel()
    }
  }
}

/** A timer on the fiber's clock. */
export const onFiberClock = <P>(onExpire: (payload: P) => void): Effect.Effect<CallTimer<P>> =>
  Effect.map(Effect.clock, (clock) => make(clock, onExpire))
