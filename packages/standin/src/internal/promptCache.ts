import { createHash } from "node:crypto"
import type * as Message from "@parley/core/Message"
import type * as Request from "@parley/core/Request"
import * as Tokens from "@parley/core/Tokens"

/** The fewest prefix tokens the stand-in caches (the API's minimum for most models). */
export const minimumTokens = 1024

/** The input split as the API reports it: uncached tokens, tokens read from the cache, tokens written to it. */
export interface CacheUsage {
  readonly input_tokens: number
  readonly cache_read_input_tokens: number
  readonly cache_creation_input_tokens: number
}

type Blocks = ReadonlyArray<Record<string, unknown>>

const marked = (value: unknown): boolean =>
  typeof value === "object" && value !== null && (value as { cache_control?: unknown }).cache_control != null

/** The request cut after each cache breakpoint (tools, then system, then messages), in order. */
const prefixes = (request: Request.MessagesRequest): ReadonlyArray<Request.MessagesRequest> => {
  const out: Array<Request.MessagesRequest> = []
  const base = { model: request.model, max_tokens: request.max_tokens, messages: [] as Array<Message.MessageParam> }
  const tools = request.tools ?? []
  tools.forEach((tool, index) => {
    if (marked(tool)) out.push({ ...base, tools: tools.slice(0, index + 1) })
  })
  const system = typeof request.system === "string" || request.system === undefined ? [] : (request.system as Blocks)
  system.forEach((block, index) => {
    if (marked(block)) {
      out.push({ ...base, tools, system: system.slice(0, index + 1) } as unknown as Request.MessagesRequest)
    }
  })
  const messages = request.messages
  const automatic = request.cache_control != null
  messages.forEach((message, index) => {
    const content = typeof message.content === "string" ? [] : (message.content as Blocks)
    content.forEach((block, at) => {
      const last = automatic && index === messages.length - 1 && at === content.length - 1
      if (marked(block) || last) {
        out.push({
          ...request,
          messages: [...messages.slice(0, index), { ...message, content: content.slice(0, at + 1) }]
        } as unknown as Request.MessagesRequest)
      }
    })
    if (automatic && index === messages.length - 1 && typeof message.content === "string") out.push(request)
  })
  return out
}

const keyOf = (prefix: Request.MessagesRequest): string =>
  createHash("sha256")
    .update(
      JSON.stringify([prefix.model, prefix.tools ?? null, prefix.system ?? null, prefix.messages], (key, value) =>
        key === "cache_control" ? undefined : value
      )
    )
    .digest("base64")

/**
 * Prompt caching as the API reports it: the request's prefix up to its last cache breakpoint (`cache_control` on a
 * tool, a system block or a message block, or the request's own `cache_control` for the last block) is written to
 * the cache the first time (`cache_creation_input_tokens`) and read from it later (`cache_read_input_tokens`), when it
 * holds at least {@link minimumTokens}. Entries expire `ttlMillis` after their last use; at most `maxEntries` are kept.
 */
export const make = (limits: { readonly maxEntries: number; readonly ttlMillis: number }) => {
  const entries = new Map<string, number>()
  return (request: Request.MessagesRequest, now: number): CacheUsage => {
    const total = Tokens.estimateRequest(request)
    const cuts = prefixes(request)
      .map((prefix) => ({ key: keyOf(prefix), tokens: Math.min(total, Tokens.estimateRequest(prefix)) }))
      .filter((cut) => cut.tokens >= minimumTokens)
    const last = cuts[cuts.length - 1]
    if (last === undefined) return { input_tokens: total, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }
    let read = 0
    for (const cut of [...cuts].reverse()) {
      const usedAt = entries.get(cut.key)
      if (usedAt !== undefined && now - usedAt <= limits.ttlMillis) {
        read = cut.tokens
        entries.delete(cut.key)
        entries.set(cut.key, now)
        break
      }
    }
    const creation = Math.max(0, last.tokens - read)
    for (const cut of cuts) {
      entries.delete(cut.key)
      entries.set(cut.key, now)
    }
    while (entries.size > limits.maxEntries) {
      const oldest = entries.keys().next().value
      if (oldest === undefined) break
      entries.delete(oldest)
    }
    return {
      input_tokens: total - read - creation,
      cache_read_input_tokens: read,
      cache_creation_input_tokens: creation
    }
  }
}
