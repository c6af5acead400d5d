import type * as Message from "@parley/core/Message"
import type * as Request from "@parley/core/Request"

/** What the server keeps of a thread at one of its replies: the create-only fields and the history up to the reply. */
export interface Snapshot {
  readonly system: Request.MessagesRequest["system"]
  readonly tools: Request.MessagesRequest["tools"]
  readonly messages: ReadonlyArray<Message.RequestMessage>
  readonly storedAt: number
  /** The request body bytes this state was built from, counted against `maxBytes`. */
  readonly bytes: number
}

/** How many thread states the server keeps and for how long. */
export interface Limits {
  readonly maxThreads: number
  readonly ttlMillis: number
  readonly maxBytes: number
}

/**
 * Server-held threads, keyed by the id of the reply a `continue` names. Bounded: at most `maxThreads` snapshots
 * holding at most `maxBytes` (the least recently used go first, the latest is kept), each forgotten `ttlMillis` after
 * it was stored or last continued.
 */
export interface Store {
  readonly get: (messageId: string, now: number) => Snapshot | undefined
  readonly put: (messageId: string, snapshot: Snapshot) => void
  readonly size: () => number
}

export const make = (limits: Limits): Store => {
  const entries = new Map<string, Snapshot>()
  let bytes = 0
  const expired = (snapshot: Snapshot, now: number) => now - snapshot.storedAt > limits.ttlMillis
  const remove = (key: string) => {
    const snapshot = entries.get(key)
    if (snapshot === undefined) return
    bytes -= snapshot.bytes
    entries.delete(key)
  }
  return {
    get: (messageId, now) => {
      const snapshot = entries.get(messageId)
      if (snapshot === undefined) return undefined
      remove(messageId)
      if (expired(snapshot, now)) return undefined
      const touched = { ...snapshot, storedAt: now }
      entries.set(messageId, touched)
      bytes += touched.bytes
      return touched
    },
    put: (messageId, snapshot) => {
      if (limits.maxThreads <= 0) return
      remove(messageId)
      entries.set(messageId, snapshot)
      bytes += snapshot.bytes
      for (const [key, value] of entries) {
        if (entries.size === 1) break
        if (entries.size <= limits.maxThreads && bytes <= limits.maxBytes && !expired(value, snapshot.storedAt)) break
        remove(key)
      }
    },
    size: () => entries.size
  }
}
