/**
 * The repeated-call guard: counts how many times in a row the model called the same tool with the same input, so a
 * loop stuck on one call ends instead of burning its budget. Inputs are compared as JSON values, object keys in any
 * order, so `{ "a": 1, "b": 2 }` and `{ "b": 2, "a": 1 }` are the same input.
 *
 * @since 0.1.0
 */

/**
 * A tool call as the guard sees it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Call {
  readonly name: string
  readonly input: unknown
}

/**
 * The guard's state: the last call and how many times in a row it was made.
 *
 * @since 0.1.0
 * @category models
 */
export interface RepeatedCallGuard {
  readonly last: Call | undefined
  readonly count: number
}

/**
 * A guard that has seen no call.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: RepeatedCallGuard = { last: undefined, count: 0 }

/**
 * Whether two JSON values are equal, object keys in any order (keys whose value is `undefined` are ignored, as JSON
 * drops them). Stops at the first difference.
 *
 * @since 0.1.0
 * @category equivalence
 */
export const sameInput = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameInput(a[i], b[i])) return false
    return true
  }
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  let size = 0
  for (const key in x) {
    if (!Object.hasOwn(x, key) || x[key] === undefined) continue
    size++
    if (!Object.hasOwn(y, key) || !sameInput(x[key], y[key])) return false
  }
  for (const key in y) if (Object.hasOwn(y, key) && y[key] !== undefined) size--
  return size === 0
}

/**
 * The guard after one more call: the count goes up if the call repeats the previous one, and restarts at 1 if not.
 *
 * @since 0.1.0
 * @category combinators
 */
export const observe = (guard: RepeatedCallGuard, call: Call): RepeatedCallGuard =>
  guard.last !== undefined && guard.last.name === call.name && sameInput(guard.last.input, call.input)
    ? { last: call, count: guard.count + 1 }
    : { last: call, count: 1 }
