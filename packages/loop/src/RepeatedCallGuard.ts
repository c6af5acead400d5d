/**
 * The repeated-call guard: counts how many times in a row the model called the same tool with the same input, so a
 * loop stuck on one call ends instead of burning its budget. Inputs are compared as JSON with sorted object keys,
 * so `{ "a": 1, "b": 2 }` and `{ "b": 2, "a": 1 }` are the same input.
 *
 * @since 0.1.0
 */

/**
 * The guard's state: the last call's key and how many times in a row it was made.
 *
 * @since 0.1.0
 * @category models
 */
export interface RepeatedCallGuard {
  readonly key: string | undefined
  readonly count: number
}

/**
 * A guard that has seen no call.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: RepeatedCallGuard = { key: undefined, count: 0 }

const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

/**
 * The identity of a call: its tool name and its input as canonical JSON.
 *
 * @since 0.1.0
 * @category keys
 */
export const key = (call: { readonly name: string; readonly input: unknown }): string =>
  `${call.name}\u0000${canonical(call.input)}`

/**
 * The guard after one more call: the count goes up if the call repeats the previous one, and restarts at 1 if not.
 *
 * @since 0.1.0
 * @category combinators
 */
export const observe = (
  guard: RepeatedCallGuard,
  call: { readonly name: string; readonly input: unknown }
): RepeatedCallGuard => {
  const next = key(call)
  return next === guard.key ? { key: next, count: guard.count + 1 } : { key: next, count: 1 }
}
