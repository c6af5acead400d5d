import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

/** The default (live) clock: with it, a timeout is one timer and one fiber instead of `Effect.timeoutFail`'s race. */
const liveClock = Effect.runSync(Effect.clock)

/** Whether the fiber runs on the live clock, where plain JS timers keep Effect's time (not under `TestClock`). */
export const isLive: Effect.Effect<boolean> = Effect.clockWith((clock) => Effect.succeed(clock === liveClock))

/** The longest delay a JS timer takes; longer timeouts never fire. */
export const maxTimerMillis = 2 ** 31 - 1

/**
 * Fails with `onTimeout()` when `effect` has not finished within `duration` of Effect's `Clock`, interrupting it in
 * the background (which aborts an HTTP request). Under the live clock it costs one fiber and one timer; under any
 * other clock (e.g. `TestClock`) it is `Effect.timeoutFail`.
 */
export const timeoutFail = <A, E, R, E2>(
  effect: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> =>
  Effect.clockWith((clock) => {
    if (clock !== liveClock) return Effect.timeoutFail(effect, { duration, onTimeout })
    const millis = Duration.toMillis(duration)
    if (millis > maxTimerMillis) return effect
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.fork(restore(effect)), (fiber) =>
        restore(
          Effect.async<A, E | E2>((resume) => {
            let settled = false
            const observer = (exit: Exit.Exit<A, E>) => {
              if (settled) return
              settled = true
              clearTimeout(timer)
              resume(exit)
            }
            const timer = setTimeout(() => {
              if (settled) return
              settled = true
              fiber.removeObserver(observer)
              fiber.unsafeInterruptAsFork(FiberId.none)
              resume(Effect.fail(onTimeout()))
            }, millis)
            fiber.addObserver(observer)
            return Effect.suspend(() => {
              settled = true
              clearTimeout(timer)
              fiber.removeObserver(observer)
              return Fiber.interrupt(fiber)
            })
          })
        )
      )
    )
  })
