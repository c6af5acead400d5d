/**
 * The benchmark's scenarios, by the name a driver is given on its command line, and the shape of what a driver
 * measures. Effect-free: drivers of every kind import it.
 */

/**
 * Every scenario a driver may be asked to run; `consumer` is the one the plain-JS consumers of `consumer/` (and the
 * import-only processes beside them) report, they take no scenario argument.
 */
export const scenarios = [
  "create",
  "stream",
  "streams",
  "tool",
  "history",
  "cold",
  "loop",
  "conversation",
  "ratelimit",
  "consumer"
] as const

/** A scenario name. */
export type Scenario = (typeof scenarios)[number]

/**
 * What a driver measured, by name (milliseconds end in `Ms`). `primaryMs`, when present, is the figure drivers are
 * compared on (lower is better).
 */
export type Metrics = Readonly<Record<string, number>>
