/**
 * Builds the final `Message` of a streaming response from its events, the way the API builds it: text deltas are
 * appended, `input_json_delta` pieces form the tool input, `message_delta` sets the stop reason and usage.
 *
 * Built for speed on long streams: text pieces are kept in arrays and joined once at `content_block_stop`, partial
 * JSON is parsed once when its block stops, and {@link Accumulator.snapshot} is computed only when asked for.
 * Unknown events, unknown delta types and unknown fields pass through (unknown fields of `message_delta` land on the
 * message), so a stream from a newer API version still accumulates.
 *
 * @example
 * ```ts
 * import { Accumulator } from "@parley/core"
 *
 * // Effect<Message, MessagesError | AccumulatorError>
 * const message = Accumulator.collect(client.stream(request))
 * ```
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as Content from "./Content.js"
import type * as Message from "./Message.js"
import type * as StreamEvent from "./StreamEvent.js"

// =============================================================================
// Errors
// =============================================================================

/**
 * A stream that cannot be made into a message:
 *
 * - `InvalidToolInput`: the `input_json_delta` pieces of block `index` do not form JSON.
 * - `OutOfOrder`: an event that cannot follow the events before it (a delta before its block started, a block
 *   started twice, an event after `message_stop`, a delta of the wrong kind for its block, ...).
 * - `Incomplete`: the events ended before `message_stop` (or with an `error` event).
 *
 * @since 0.1.0
 * @category errors
 */
export class AccumulatorError extends Schema.TaggedError<AccumulatorError>()("AccumulatorError", {
  reason: Schema.Literal("InvalidToolInput", "OutOfOrder", "Incomplete"),
  index: Schema.optional(Schema.Number),
  message: Schema.String
}) {}

// =============================================================================
// Models
// =============================================================================

/**
 * A mutable, synchronous accumulator for one stream. Feed every event to {@link Accumulator.add}; read the result
 * with {@link Accumulator.finish}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Accumulator {
  /**
   * Adds one event. Returns an error when the event cannot be applied; after an error the accumulator keeps
   * returning it and {@link Accumulator.finish} fails with it.
   */
  readonly add: (event: StreamEvent.StreamEvent) => AccumulatorError | undefined
  /**
   * The message so far: stopped blocks as they will be, open blocks with their text so far and a best-effort
   * parse of their partial tool input (the input of the last complete member, or `{}` when nothing parses yet).
   * Each call costs O(the message so far), as it builds a new message: `add` stays O(the event) however often
   * snapshots are taken, and no snapshot changes afterwards.
   */
  readonly snapshot: () => Message.Message
  /** Whether `message_stop` was seen. */
  readonly complete: boolean
  /** The final message, or why there is none. */
  readonly finish: () => Either.Either<Message.Message, AccumulatorError>
}

// =============================================================================
// Internals
// =============================================================================

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** One content block being built. */
interface Block {
  readonly start: Content.ContentBlock
  readonly kind: "text" | "input" | "thinking" | "compaction" | "other"
  readonly pieces: Array<string>
  /** The last `signature_delta`'s signature: each delta carries the whole signature, so the last one wins. */
  signature: string | undefined
  readonly citations: Array<unknown>
  /** Fields a delta carries whole, so the last one wins (`compaction_delta`'s `content` and `encrypted_content`). */
  replaced: Record<string, unknown> | undefined
  final: Content.ContentBlock | undefined
}

const kindOf = (block: Content.ContentBlock): Block["kind"] => {
  switch (block.type) {
    case "text":
      return "text"
    case "thinking":
      return "thinking"
    case "compaction":
      return "compaction"
    case "tool_use":
    case "server_tool_use":
    case "mcp_tool_use":
      return "input"
    default:
      return "input" in block ? "input" : "other"
  }
}

const errorOf = (reason: AccumulatorError["reason"], message: string, index?: number): AccumulatorError =>
  new AccumulatorError(index === undefined ? { reason, message } : { reason, index, message })

const stringField = (block: Content.ContentBlock, field: string): string => {
  const value = (block as Record<string, unknown>)[field]
  return typeof value === "string" ? value : ""
}

/** Parses partial JSON as far as it goes: closes open strings and containers, drops an incomplete last member. */
const parsePartial = (json: string): unknown => {
  const stack: Array<{ readonly close: "}" | "]"; cut: number }> = []
  let inString = false
  let escaped = false
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i)
    if (inString) {
      if (escaped) escaped = false
      else if (c === 92) escaped = true
      else if (c === 34) inString = false
      continue
    }
    if (c === 34) {
      inString = true
    } else if (c === 123 || c === 91) {
      stack.push({ close: c === 123 ? "}" : "]", cut: i + 1 })
    } else if (c === 125 || c === 93) {
      stack.pop()
      const parent = stack[stack.length - 1]
      if (parent !== undefined) parent.cut = i + 1
    } else if (c === 44) {
      const top = stack[stack.length - 1]
      if (top !== undefined) top.cut = i
    }
  }
  const closers = (depth: number) => {
    let out = ""
    for (let i = depth - 1; i >= 0; i--) out += stack[i]!.close
    return out
  }
  const attempt = (text: string): { readonly value: unknown } | undefined => {
    try {
      return { value: JSON.parse(text) }
    } catch {
      return undefined
    }
  }
  let head = json
  if (inString) {
    head = json.replace(/\\u[0-9a-fA-F]{0,3}$/, "")
    if (escaped && head.length === json.length) head = head.slice(0, -1)
    head += '"'
  }
  const whole = attempt(head + closers(stack.length))
  if (whole !== undefined) return whole.value
  const top = stack[stack.length - 1]
  if (top === undefined) return undefined
  return attempt(json.slice(0, top.cut) + closers(stack.length))?.value
}

const finalize = (block: Block, index: number): Content.ContentBlock | AccumulatorError => {
  switch (block.kind) {
    case "text": {
      if (block.pieces.length === 0 && block.citations.length === 0) return block.start
      const out: Record<string, unknown> = {
        ...block.start,
        text: stringField(block.start, "text") + block.pieces.join("")
      }
      if (block.citations.length > 0) {
        const before = (block.start as { readonly citations?: unknown }).citations
        out.citations = Array.isArray(before) ? [...before, ...block.citations] : block.citations
      }
      return out as Content.ContentBlock
    }
    case "thinking": {
      if (block.pieces.length === 0 && block.signature === undefined) return block.start
      return {
        ...block.start,
        thinking: stringField(block.start, "thinking") + block.pieces.join(""),
        signature: block.signature ?? stringField(block.start, "signature")
      } as Content.ContentBlock
    }
    case "compaction":
      return block.replaced === undefined
        ? block.start
        : ({ ...block.start, ...block.replaced } as Content.ContentBlock)
    case "input": {
      const json = block.pieces.length === 1 ? block.pieces[0]! : block.pieces.join("")
      if (json.trim() === "") return block.start
      try {
        return { ...block.start, input: JSON.parse(json) } as Content.ContentBlock
      } catch (cause) {
        return errorOf(
          "InvalidToolInput",
          `content block ${index}: the input_json_delta pieces are not valid JSON (${String(cause)})`,
          index
        )
      }
    }
    case "other":
      return block.start
  }
}

const partial = (block: Block, index: number): Content.ContentBlock => {
  if (block.final !== undefined) return block.final
  if (block.kind === "input") {
    const json = block.pieces.join("")
    if (json.trim() === "") return block.start
    const input = parsePartial(json)
    return input === undefined ? block.start : ({ ...block.start, input } as Content.ContentBlock)
  }
  const result = finalize(block, index)
  return result instanceof AccumulatorError ? block.start : result
}

/** Sets an own data property, even for a key such as `__proto__` (an assignment would set the prototype). */
const setOwn = (target: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

/** The fields of `message_delta.delta` that are set even when `null` (a `null` stop sequence is information). */
const alwaysSet = new Set(["stop_reason", "stop_sequence", "stop_details"])

/**
 * Applies a `message_delta`'s fields to the message, as the SDK's accumulator applies them: the stop fields always;
 * every other field (`container`, `context_management`, fields added later) only when not `null`, so a `null` never
 * erases what `message_start` said. Own keys only, set as own properties, on the accumulator's own message object
 * (never a copy of it per event: with a copy, n events that each add a field cost O(n²), 16,000 of them 90 s).
 */
const mergeDelta = (message: Record<string, unknown>, delta: StreamEvent.MessageDeltaEvent["delta"]): void => {
  for (const key of Object.keys(delta)) {
    const value = (delta as Record<string, unknown>)[key]
    if (value === undefined) continue
    if (value !== null || alwaysSet.has(key)) setOwn(message, key, value)
  }
}

/** The fields of a `message_delta` event itself (beside `delta`) that describe the message, set when not `null`. */
const eventFields = ["context_management", "input_transformations"] as const

const mergeEventFields = (message: Record<string, unknown>, event: Record<string, unknown>): void => {
  for (const key of eventFields) {
    const value = event[key]
    if (value !== undefined && value !== null) message[key] = value
  }
}

/** The block kind each known delta applies to; other deltas are ignored. */
const expectedKind = new Map<string, Block["kind"]>([
  ["text_delta", "text"],
  ["citations_delta", "text"],
  ["input_json_delta", "input"],
  ["thinking_delta", "thinking"],
  ["signature_delta", "thinking"],
  ["compaction_delta", "compaction"]
])

/**
 * Applies a `message_delta`'s usage: its counters are whole-message totals, so each one present replaces the last.
 * Written in place into `usage`, a copy the accumulator owns (see {@link mergeDelta}).
 */
const mergeUsage = (usage: Record<string, unknown>, update: StreamEvent.MessageDeltaEvent["usage"]): void => {
  for (const key of Object.keys(update)) {
    const value = (update as Record<string, unknown>)[key]
    if (value !== undefined && value !== null) setOwn(usage, key, value)
  }
}

// =============================================================================
// Constructors
// =============================================================================

/**
 * A fresh accumulator for one stream.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Accumulator => {
  let message: Mutable<Message.Message> | undefined
  /** `message.usage`, once a `message_delta` has written to it: the accumulator's own copy, changed in place. */
  let usage: Record<string, unknown> | undefined
  const blocks: Array<Block | undefined> = []
  let failure: AccumulatorError | undefined
  let streamError: string | undefined
  let result: Message.Message | undefined

  const fail = (error: AccumulatorError) => {
    failure = error
    return error
  }

  const openBlock = (index: number, what: string): Block | AccumulatorError => {
    const block = blocks[index]
    if (block === undefined)
      return fail(errorOf("OutOfOrder", `${what} for content block ${index}, which was not started`, index))
    if (block.final !== undefined)
      return fail(errorOf("OutOfOrder", `${what} for content block ${index} after it stopped`, index))
    return block
  }

  // the message and its usage are copied for each result: they are changed in place by later events
  const build = (content: Array<Content.ContentBlock>): Message.Message =>
    usage === undefined ? { ...message!, content } : { ...message!, content, usage: { ...usage } as Message.Usage }

  const add = (event: StreamEvent.StreamEvent): AccumulatorError | undefined => {
    if (failure !== undefined) return failure
    const type = event.type
    if (type === "ping") return undefined
    if (type === "error") {
      const detail = (event as StreamEvent.ErrorEvent).error
      streamError = `${detail.type}: ${detail.message}`
      return undefined
    }
    if (self.complete) return fail(errorOf("OutOfOrder", `a ${type} event after message_stop`))
    if (type === "message_start") {
      if (message !== undefined) return fail(errorOf("OutOfOrder", "a second message_start"))
      const start = (event as StreamEvent.MessageStartEvent).message
      message = { ...start }
      start.content.forEach((block, index) => {
        blocks[index] = {
          start: block,
          kind: "other",
          pieces: [],
          signature: undefined,
          citations: [],
          replaced: undefined,
          final: block
        }
      })
      return undefined
    }
    const known =
      type === "content_block_start" ||
      type === "content_block_delta" ||
      type === "content_block_stop" ||
      type === "message_delta" ||
      type === "message_stop"
    if (!known) return undefined
    if (message === undefined) return fail(errorOf("OutOfOrder", `a ${type} event before message_start`))
    switch (type) {
      case "content_block_delta": {
        const { index, delta } = event as StreamEvent.ContentBlockDeltaEvent
        const block = openBlock(index, delta.type)
        if (block instanceof AccumulatorError) return block
        const expected = expectedKind.get(delta.type)
        if (expected === undefined) return undefined
        if (expected !== block.kind) {
          return fail(
            errorOf(
              "OutOfOrder",
              `a delta of type ${delta.type} for content block ${index} of type ${block.start.type}`,
              index
            )
          )
        }
        switch (delta.type) {
          case "text_delta":
            block.pieces.push((delta as typeof StreamEvent.TextDelta.Type).text)
            break
          case "input_json_delta":
            block.pieces.push((delta as typeof StreamEvent.InputJsonDelta.Type).partial_json)
            break
          case "thinking_delta":
            block.pieces.push((delta as typeof StreamEvent.ThinkingDelta.Type).thinking)
            break
          case "signature_delta":
            block.signature = (delta as typeof StreamEvent.SignatureDelta.Type).signature
            break
          case "citations_delta":
            block.citations.push((delta as typeof StreamEvent.CitationsDelta.Type).citation)
            break
          default: {
            // compaction_delta: the block's final value (a null content is a failed compaction); encrypted_content
            // only when the server sent it
            const { content, encrypted_content } = delta as { content?: unknown; encrypted_content?: unknown }
            block.replaced = {
              ...block.replaced,
              content: content ?? null,
              ...(Object.hasOwn(delta, "encrypted_content") ? { encrypted_content } : {})
            }
          }
        }
        return undefined
      }
      case "content_block_start": {
        const { index, content_block } = event as StreamEvent.ContentBlockStartEvent
        // the API starts blocks in order, each at the next index: anything else is refused in O(1), so no index value
        // can make the accumulator's work or memory grow (a sparse array up to index 2^32 - 2, say)
        if (index !== blocks.length) {
          return fail(
            errorOf(
              "OutOfOrder",
              index < blocks.length && Number.isInteger(index) && index >= 0
                ? `content block ${index} started twice`
                : `content_block_start for index ${index}, where the next block is ${blocks.length}`
            )
          )
        }
        blocks[index] = {
          start: content_block,
          kind: kindOf(content_block),
          pieces: [],
          signature: undefined,
          citations: [],
          replaced: undefined,
          final: undefined
        }
        // a fallback block names the model that served the response, as the non-streaming message says
        const served = (content_block as { readonly to?: { readonly model?: unknown } }).to?.model
        if (content_block.type === "fallback" && typeof served === "string") message.model = served
        return undefined
      }
      case "content_block_stop": {
        const { index } = event as StreamEvent.ContentBlockStopEvent
        const block = openBlock(index, "content_block_stop")
        if (block instanceof AccumulatorError) return block
        const final = finalize(block, index)
        if (final instanceof AccumulatorError) return fail(final)
        block.final = final
        block.pieces.length = 0
        return undefined
      }
      case "message_delta": {
        const { delta, usage: update } = event as StreamEvent.MessageDeltaEvent
        mergeDelta(message as Record<string, unknown>, delta)
        mergeEventFields(message as Record<string, unknown>, event as unknown as Record<string, unknown>)
        if (usage === undefined) {
          usage = {}
          // own keys of message_start's usage, as own properties (a spread would too; no __proto__ becomes one)
          const before = (message.usage ?? {}) as Record<string, unknown>
          for (const key of Object.keys(before)) setOwn(usage, key, before[key])
        }
        mergeUsage(usage, update)
        message.usage = usage as Message.Usage
        return undefined
      }
      default: {
        const open = blocks.findIndex((block) => block !== undefined && block.final === undefined)
        if (open >= 0) return fail(errorOf("OutOfOrder", `message_stop while content block ${open} is open`, open))
        self.complete = true
        return undefined
      }
    }
  }

  const content = (f: (block: Block, index: number) => Content.ContentBlock): Array<Content.ContentBlock> => {
    const out: Array<Content.ContentBlock> = []
    blocks.forEach((block, index) => {
      if (block !== undefined) out.push(f(block, index))
    })
    return out
  }

  const empty: Message.Message = { id: "", type: "message", role: "assistant", content: [] }

  // `complete` is a data property set at `message_stop`, not a getter. With a getter in this per-call object literal,
  // each stream's state (its pieces, its parsed tool input) outlived the stream through young collections and was
  // promoted, to be freed only by the next full GC (V8 keeps a literal's accessor functions with its hidden class,
  // which is the likely path). Measured on the bench's tool stream (2,000 pieces), accumulating only, one process,
  // `--trace-gc-nvp`: ~3 MB promoted and 5–9 ms per young collection with the getter; ~0 KB and 0.3 ms without.
  const self: Mutable<Accumulator> = {
    add,
    complete: false,
    snapshot: () => {
      if (result !== undefined) return result
      if (message === undefined) return empty
      return build(content(partial))
    },
    finish: () => {
      if (failure !== undefined) return Either.left(failure)
      if (!self.complete) {
        return Either.left(
          errorOf(
            "Incomplete",
            streamError === undefined
              ? message === undefined
                ? "the stream ended before message_start"
                : "the stream ended before message_stop"
              : `the stream ended with an error event (${streamError})`
          )
        )
      }
      result ??= build(content((block) => block.final!))
      return Either.right(result)
    }
  }
  return self
}

/**
 * Runs a stream of events to its end and returns the accumulated message; fails with the stream's error, or with
 * an {@link AccumulatorError} when the events do not form a complete message.
 *
 * @since 0.1.0
 * @category constructors
 */
export const collect = <E, R>(
  events: Stream.Stream<StreamEvent.StreamEvent, E, R>
): Effect.Effect<Message.Message, E | AccumulatorError, R> =>
  Effect.scoped(
    Effect.flatMap(Stream.toPull(events), (pull) => {
      const accumulator = make()
      // a pull loop, not `Stream.runForEachChunk`: running into a sink allocated ~140 KB more per 500-event stream
      const loop: Effect.Effect<Message.Message, E | AccumulatorError, R> = Effect.matchEffect(pull, {
        onFailure: (cause): Effect.Effect<Message.Message, E | AccumulatorError> =>
          Option.isNone(cause) ? accumulator.finish() : Effect.fail(cause.value),
        onSuccess: (chunk): Effect.Effect<Message.Message, E | AccumulatorError, R> => {
          // indexed, not `for...of`: a chunk's iterator allocates a result object per event
          const array = Chunk.toReadonlyArray(chunk)
          for (let i = 0; i < array.length; i++) {
            const error = accumulator.add(array[i]!)
            if (error !== undefined) return Effect.fail(error)
          }
          return loop
        }
      })
      return loop
    })
  )
