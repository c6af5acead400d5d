/** A literal piece of JSON text on the work stack of {@link iterative}. */
class Raw {
  constructor(readonly text: string) {}
}

/** The end of an array or object on the work stack: its closing bracket, and it is no longer an ancestor. */
class Close {
  constructor(
    readonly value: object,
    readonly text: string
  ) {}
}

/**
 * A value's JSON text, as `JSON.stringify` gives it for JSON data, built without recursion, so for values nested too
 * deep for `JSON.stringify` (which overflows the stack at a few thousand levels). A value with a cycle gives "";
 * one object reached twice (not a cycle) is written twice, as `JSON.stringify` does.
 */
export const iterative = (value: unknown): string => {
  const out: Array<string> = []
  const todo: Array<unknown> = [value]
  const ancestors = new Set<object>()
  while (todo.length > 0) {
    const next = todo.pop()
    if (next instanceof Raw) {
      out.push(next.text)
    } else if (next instanceof Close) {
      ancestors.delete(next.value)
      out.push(next.text)
    } else if (typeof next !== "object" || next === null) {
      out.push(JSON.stringify(next) ?? "null")
    } else if (ancestors.has(next)) {
      return ""
    } else {
      ancestors.add(next)
      // pushed in reverse, so that they are popped in order
      const parts: Array<unknown> = []
      if (Array.isArray(next)) {
        next.forEach((item, i) => {
          if (i > 0) parts.push(new Raw(","))
          parts.push(item)
        })
        out.push("[")
      } else {
        const record = next as Record<string, unknown>
        for (const key of Object.keys(record)) {
          if (record[key] === undefined) continue
          parts.push(new Raw(`${parts.length > 0 ? "," : ""}${JSON.stringify(key)}:`), record[key])
        }
        out.push("{")
      }
      todo.push(new Close(next, Array.isArray(next) ? "]" : "}"))
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i])
    }
  }
  return out.join("")
}

/** `JSON.stringify(value)` (`""` for a value it gives nothing for), or {@link iterative} where it cannot (too deep). */
export const of = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? ""
  } catch {
    return iterative(value)
  }
}
