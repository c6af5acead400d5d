/**
 * CPU time for the Effect drivers: the metrics of `body` with the process's user + system CPU time spent while it
 * ran, as `cpuMs`.
 */
import * as Effect from "effect/Effect"
import type { Metrics } from "./Scenario.js"

/** Runs `body` and adds the CPU time it took to its metrics. */
export const measured = <A extends Metrics, E, R>(body: Effect.Effect<A, E, R>): Effect.Effect<Metrics, E, R> =>
  Effect.suspend(() => {
    const before = process.cpuUsage()
    return Effect.map(body, (metrics) => {
      const used = process.cpuUsage(before)
      return { ...metrics, cpuMs: (used.user + used.system) / 1000 }
    })
  })
