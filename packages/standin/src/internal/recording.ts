/** The latest requests, bounded by count and by body bytes (the latest request is always kept). */
export interface Recorder<A> {
  readonly add: (entry: A, bytes: number) => void
  readonly snapshot: () => ReadonlyArray<A>
}

export const make = <A>(limits: { readonly maxRequests: number; readonly maxBytes: number }): Recorder<A> => {
  const entries: Array<{ readonly entry: A; readonly bytes: number }> = []
  let bytes = 0
  return {
    add: (entry, size) => {
      if (limits.maxRequests <= 0) return
      entries.push({ entry, bytes: size })
      bytes += size
      while (entries.length > 1 && (entries.length > limits.maxRequests || bytes > limits.maxBytes)) {
        bytes -= entries.shift()?.bytes ?? 0
      }
    },
    snapshot: () => entries.map((kept) => kept.entry)
  }
}
