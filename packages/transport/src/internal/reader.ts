import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import { maxTimerMillis } from "./deadline.js"

/**
 * A body read in one background fiber, one read at a time on demand, each handed to the caller who waits for it
 * under a plain JS timer. Only for the live clock (timers are `setTimeout`).
 *
 * Why: the idle timeout applies to every network read of a stream. `deadline.timeoutFail` per read forks a fiber per
 * read, which on a 50k-event stream (~130 reads) doubled the GC time (measured: ~18 ms of GC per stream, ~9 ms with
 * this reader); here the whole body costs one fiber, and a read that arrives in time costs one timer.
 */
export interface Reader<A, E> {
  /** The next read; fails with `onTimeout()` when it has not arrived within `millis`. */
  readonly take: <E2>(millis: number, onTimeout: () => E2) => Effect.Effect<A, E | E2>
}

/**
 * Starts reading `pull` in a fiber of the current scope (closing the scope interrupts a read in progress). The
 * fiber stops after the first failed read, which every later `take` returns.
 */
export const make = <A, E>(pull: Effect.Effect<A, E>): Effect.Effect<Reader<A, E>, never, Scope.Scope> =>
  Effect.suspend(() => {
    const demand = Effect.unsafeMakeLatch(false)
    let waiter: ((exit: Exit.Exit<A, E>) => void) | undefined
    let ready: Exit.Exit<A, E> | undefined
    let last: Exit.Exit<A, E> | undefined

    const deliver = (exit: Exit.Exit<A, E>) => {
      if (Exit.isFailure(exit)) last = exit
      const resume = waiter
      if (resume === undefined) {
        ready = exit
      } else {
        waiter = undefined
        resume(exit)
      }
    }

    const loop: Effect.Effect<void> = Effect.flatMap(demand.await, () => {
      demand.unsafeClose()
      return Effect.flatMap(Effect.exit(pull), (exit) => {
        deliver(exit)
        return Exit.isFailure(exit) ? Effect.void : loop
      })
    })

    const take = <E2>(millis: number, onTimeout: () => E2): Effect.Effect<A, E | E2> =>
      Effect.async<A, E | E2>((resume) => {
        if (ready !== undefined) {
          const exit = ready
          ready = undefined
          return resume(exit)
        }
        if (last !== undefined) return resume(last)
        const callback = (exit: Exit.Exit<A, E>) => {
          if (timer !== undefined) clearTimeout(timer)
          resume(exit)
        }
        const timer =
          millis > maxTimerMillis
            ? undefined
            : setTimeout(
                () => {
                  if (waiter !== callback) return
                  waiter = undefined
                  resume(Effect.fail(onTimeout()))
                },
                Math.max(0, millis)
              )
        waiter = callback
        demand.unsafeOpen()
        return Effect.sync(() => {
          if (waiter === callback) waiter = undefined
          if (timer !== undefined) clearTimeout(timer)
        })
      })

    return Effect.as(Effect.forkScoped(loop), { take })
  })
