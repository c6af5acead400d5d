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
 * client's own (bench/RESULTS.md). Here a wait costs a clock read and two assignments: moving the deadline later
 * leaves the scheduled entry alone (it fires early, sees the new deadline and schedules again).
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

// =============================================================================
// One scheduler per clock
// =============================================================================

/**
 * A scheduled wake-up of a timer; `active` is cleared when the timer no longer needs it, and `fire` with it: an
 * inactive entry waits in the heap until its time or a compaction, and must not keep the call (its request, its
 * body) alive that long.
 */
interface Entry {
  readonly at: number
  fire: () => void
  active: boolean
}

const released = () => {}

/**
 * The wake-ups of every timer on one clock, in a min-heap, with one sleeping fiber (the clock's own `sleep`) until
 * the earliest. Why shared: a sleeping fiber per call, forked and interrupted, cost ~38 µs a call against ~1 µs
 * here (bench/RESULTS.md); a call usually arms a deadline later than the earliest, which only pushes an entry.
 */
interface Scheduler {
  readonly clock: Clock.Clock
  readonly heap: Array<Entry>
  /** Entries still wanted; when none are, the sleep is interrupted (a sleeping timer would keep the process alive). */
  active: number
  inactive: number
  sleeper: Fiber.RuntimeFiber<void> | undefined
  sleeperAt: number
  /** Set while due entries fire: what they schedule waits for the one sleep started after them. */
  waking: boolean
  /** Set while a check for "nothing left to wake for" is queued. */
  idleCheck: boolean
}

const schedulers = new WeakMap<Clock.Clock, Scheduler>()

const schedulerOf = (clock: Clock.Clock): Scheduler => {
  let scheduler = schedulers.get(clock)
  if (scheduler === undefined) {
    scheduler = {
      clock,
      heap: [],
      active: 0,
      inactive: 0,
      sleeper: undefined,
      sleeperAt: Number.POSITIVE_INFINITY,
      waking: false,
      idleCheck: false
    }
    schedulers.set(clock, scheduler)
  }
  return scheduler
}

const push = (heap: Array<Entry>, entry: Entry) => {
  heap.push(entry)
  let i = heap.length - 1
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (heap[parent]!.at <= entry.at) break
    heap[i] = heap[parent]!
    i = parent
  }
  heap[i] = entry
}

const pop = (heap: Array<Entry>): Entry | undefined => {
  const top = heap[0]
  const last = heap.pop()
  if (top === undefined || last === undefined || heap.length === 0) return top
  let i = 0
  const n = heap.length
  while (true) {
    const left = 2 * i + 1
    if (left >= n) break
    const right = left + 1
    const child = right < n && heap[right]!.at < heap[left]!.at ? right : left
    if (heap[child]!.at >= last.at) break
    heap[i] = heap[child]!
    i = child
  }
  heap[i] = last
  return top
}

/** Drops inactive entries once they are most of the heap, so stopped timers do not hold memory until their time. */
const compact = (scheduler: Scheduler) => {
  if (scheduler.heap.length < 1024 || scheduler.inactive * 2 < scheduler.heap.length) return
  const live = scheduler.heap.filter((entry) => entry.active)
  scheduler.heap.length = 0
  for (const entry of live) push(scheduler.heap, entry)
  scheduler.inactive = 0
}

/** The longest delay a JS timer takes; a deadline further away is slept towards in steps. */
const maxDelayMillis = 2 ** 31 - 1

const sleepUntil = (scheduler: Scheduler, at: number) => {
  const previous = scheduler.sleeper
  const delay = Math.min(maxDelayMillis, Math.max(0, at - scheduler.clock.unsafeCurrentTimeMillis()))
  scheduler.sleeperAt = at
  const sleeper = Effect.runFork(scheduler.clock.sleep(Duration.millis(delay)))
  scheduler.sleeper = sleeper
  sleeper.addObserver((exit) => {
    if (exit._tag === "Success" && scheduler.sleeper === sleeper) wake(scheduler)
  })
  if (previous !== undefined) previous.unsafeInterruptAsFork(FiberId.none)
}

const wake = (scheduler: Scheduler) => {
  scheduler.sleeper = undefined
  scheduler.sleeperAt = Number.POSITIVE_INFINITY
  const now = scheduler.clock.unsafeCurrentTimeMillis()
  const heap = scheduler.heap
  scheduler.waking = true
  while (heap.length > 0 && (heap[0]!.at <= now || !heap[0]!.active)) {
    const entry = pop(heap)!
    if (entry.active) {
      entry.active = false
      scheduler.active--
      entry.fire()
    } else scheduler.inactive = Math.max(0, scheduler.inactive - 1)
  }
  scheduler.waking = false
  if (heap.length > 0) sleepUntil(scheduler, heap[0]!.at)
}

const schedule = (scheduler: Scheduler, at: number, fire: () => void): Entry => {
  const entry: Entry = { at, fire, active: true }
  scheduler.active++
  push(scheduler.heap, entry)
  if (!scheduler.waking && at < scheduler.sleeperAt) sleepUntil(scheduler, at)
  return entry
}

const idle = (scheduler: Scheduler) => {
  scheduler.idleCheck = false
  if (scheduler.active > 0) return
  scheduler.heap.length = 0
  scheduler.inactive = 0
  const sleeper = scheduler.sleeper
  scheduler.sleeper = undefined
  scheduler.sleeperAt = Number.POSITIVE_INFINITY
  if (sleeper !== undefined) sleeper.unsafeInterruptAsFork(FiberId.none)
}

const cancel = (scheduler: Scheduler, entry: Entry | undefined) => {
  if (entry === undefined || !entry.active) return
  entry.active = false
  entry.fire = released
  scheduler.active--
  if (scheduler.active === 0 && !scheduler.idleCheck) {
    // Nothing left to wake for: end the sleep, which would otherwise hold the process open until its time. Checked
    // a turn later, so that back-to-back calls (one stops, the next arms) keep the same sleep.
    scheduler.idleCheck = true
    setTimeout(() => idle(scheduler), 0)
  }
  scheduler.inactive++
  compact(scheduler)
}

// =============================================================================
// Timers
// =============================================================================

interface State<P> {
  deadline: number
  payload: P | undefined
  expired: P | undefined
  entry: Entry | undefined
  stopped: boolean
}

/** A timer on `clock` calling `onExpire` with the payload of the first deadline that passes. */
export const make = <P>(clock: Clock.Clock, onExpire: (payload: P) => void): CallTimer<P> => {
  const scheduler = schedulerOf(clock)
  const state: State<P> = {
    deadline: Number.POSITIVE_INFINITY,
    payload: undefined,
    expired: undefined,
    entry: undefined,
    stopped: false
  }

  const fire = () => {
    state.entry = undefined
    if (state.stopped || state.expired !== undefined || state.deadline === Number.POSITIVE_INFINITY) return
    if (clock.unsafeCurrentTimeMillis() < state.deadline) {
      state.entry = schedule(scheduler, state.deadline, fire)
      return
    }
    state.expired = state.payload
    onExpire(state.payload as P)
  }

  return {
    arm: (at, payload) => {
      if (state.stopped || state.expired !== undefined) return
      state.deadline = at
      state.payload = payload
      const entry = state.entry
      if (entry === undefined || at < entry.at) {
        cancel(scheduler, entry)
        state.entry = schedule(scheduler, at, fire)
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
      cancel(scheduler, state.entry)
      state.entry = undefined
    }
  }
}

/** A timer on the fiber's clock. */
export const onFiberClock = <P>(onExpire: (payload: P) => void): Effect.Effect<CallTimer<P>> =>
  Effect.map(Effect.clock, (clock) => make(clock, onExpire))
