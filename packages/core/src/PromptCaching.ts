/**
 * Automatic prompt caching: `cache_control` set on a request so that what repeats from one call to the next (tools,
 * system, the conversation so far) is read from the cache instead of paid in full. Two ways, as the API offers:
 *
 * - `"top-level"`: the request's own `cache_control`, which the API applies to the last cacheable block;
 * - `"breakpoints"`: explicit breakpoints on the last block of the last two user turns (so that an agent loop's
 *   next call reads the prefix the previous call wrote), then the last system block and the last tool while
 *   breakpoints are left.
 *
 * Neither ever makes a fifth breakpoint (the API allows four per request, the top-level one included): existing
 * breakpoints are counted first and fewer are added.
 *
 * @example
 * ```ts
 * import { PromptCaching } from "@parley/core"
 *
 * const cached = PromptCaching.apply(request, { mode: "breakpoints", ttl: "1h" })
 * ```
 *
 * @since 0.2.0
 */
import type * as Content from "./Content.js"
import type * as Message from "./Message.js"
import type * as Request from "./Request.js"

/**
 * Options of {@link apply}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** `"top-level"` (default) or `"breakpoints"`. */
  readonly mode?: "top-level" | "breakpoints" | undefined
  /** The cache's time to live: `"5m"` (default) or `"1h"`. */
  readonly ttl?: "5m" | "1h" | undefined
}

/** The most breakpoints a request may have, the top-level `cache_control` included. */
export const maxBreakpoints = 4

type CacheControl = NonNullable<Content.TextBlock["cache_control"]>

const hasCache = (value: unknown): boolean =>
  typeof value === "object" &&
  value !== null &&
  "cache_control" in value &&
  (value as { readonly cache_control?: unknown }).cache_control != null

/**
 * The breakpoints a request has: its top-level `cache_control`, and every tool, system block and message block
 * (tool results' inner blocks included) that carries one.
 *
 * @since 0.2.0
 * @category counting
 */
export const breakpoints = (
  request: Pick<Request.MessagesRequest, "messages" | "system" | "tools" | "cache_control">
): number => {
  let count = request.cache_control == null ? 0 : 1
  for (const tool of request.tools ?? []) if (hasCache(tool)) count++
  if (Array.isArray(request.system)) for (const block of request.system) if (hasCache(block)) count++
  for (const message of request.messages) {
    // a content-less system message (beta) has no block to count
    if (typeof message.content === "string" || message.content === undefined) continue
    for (const block of message.content) {
      if (hasCache(block)) count++
      const inner = (block as { readonly content?: unknown }).content
      if (block.type === "tool_result" && Array.isArray(inner)) for (const item of inner) if (hasCache(item)) count++
    }
  }
  return count
}

/** A block with a breakpoint. */
const marked = <B extends object>(block: B, control: CacheControl): B => ({ ...block, cache_control: control })

/** The message with a breakpoint on its last block (a string content becomes one text block). */
const markLast = (message: Message.MessageParam, control: CacheControl): Message.MessageParam | undefined => {
  const content = message.content
  if (typeof content === "string") {
    return content === ""
      ? undefined
      : ({ ...message, content: [{ type: "text", text: content, cache_control: control }] } as Message.MessageParam)
  }
  if (content.length === 0) return undefined
  const last = content[content.length - 1]!
  if (hasCache(last)) return undefined
  // thinking blocks cannot carry cache_control
  if (last.type === "thinking" || last.type === "redacted_thinking") return undefined
  return { ...message, content: [...content.slice(0, -1), marked(last, control)] } as Message.MessageParam
}

/**
 * The request with caching on, never beyond four breakpoints. A request that already has the breakpoints it may
 * have is returned as it is.
 *
 * @since 0.2.0
 * @category combinators
 */
export const apply = <R extends Pick<Request.MessagesRequest, "messages" | "system" | "tools" | "cache_control">>(
  request: R,
  options: Options = {}
): R => {
  const control: CacheControl = options.ttl === "1h" ? { type: "ephemeral", ttl: "1h" } : { type: "ephemeral" }
  let left = maxBreakpoints - breakpoints(request)
  if (left <= 0) return request
  if ((options.mode ?? "top-level") === "top-level") {
    return request.cache_control == null ? { ...request, cache_control: control } : request
  }
  // most valuable first: a breakpoint caches everything before it, so the last user turns (which cover tools and
  // system too) come before system and tools
  const messages = [...request.messages]
  let users = 0
  for (let i = messages.length - 1; i >= 0 && left > 0 && users < 2; i--) {
    const message = messages[i]!
    if (message.role !== "user") continue
    users++
    const withMark = markLast(message, control)
    if (withMark !== undefined) {
      messages[i] = withMark
      left--
    }
  }
  let next: R = { ...request, messages }
  const system = request.system
  if (left > 0 && system !== undefined && system !== "" && !(Array.isArray(system) && system.length === 0)) {
    if (typeof system === "string") {
      next = { ...next, system: [{ type: "text", text: system, cache_control: control }] }
      left--
    } else if (!hasCache(system[system.length - 1])) {
      next = { ...next, system: [...system.slice(0, -1), marked(system[system.length - 1]!, control)] }
      left--
    }
  }
  const tools = request.tools
  if (left > 0 && tools !== undefined && tools.length > 0 && !hasCache(tools[tools.length - 1])) {
    next = { ...next, tools: [...tools.slice(0, -1), marked(tools[tools.length - 1]!, control)] }
    left--
  }
  return next
}
