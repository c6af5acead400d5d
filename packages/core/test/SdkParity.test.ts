import { BetaMessageStream } from "@anthropic-ai/sdk/lib/BetaMessageStream"
import { MessageStream } from "@anthropic-ai/sdk/lib/MessageStream"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Accumulator from "../src/Accumulator.js"
import type * as StreamEvent from "../src/StreamEvent.js"

/**
 * The official SDK's stream accumulator (`MessageStream`, @anthropic-ai/sdk) and Parley's `Accumulator`, fed the same
 * events: the final messages must be equal.
 */
type Event = Record<string, unknown>

const sdkFinal = async (events: ReadonlyArray<Event>, beta = false): Promise<unknown> => {
  const bytes = new TextEncoder().encode(events.map((event) => `${JSON.stringify(event)}\n`).join(""))
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes)
      controller.close()
    }
  })
  const final = beta
    ? await BetaMessageStream.fromReadableStream(body).finalMessage()
    : await MessageStream.fromReadableStream(body).finalMessage()
  // a JSON copy: the SDK keeps its partial-JSON buffers as non-enumerable properties of the blocks; `parsed_output`
  // is its structured-output helper's field (null without an output format), not the wire's
  const { parsed_output: _, ...message } = JSON.parse(JSON.stringify(final)) as Record<string, unknown>
  return message
}

const parleyFinal = (events: ReadonlyArray<Event>): unknown => {
  const accumulator = Accumulator.make()
  for (const event of events) {
    const error = accumulator.add(event as unknown as StreamEvent.StreamEvent)
    if (error !== undefined) throw new Error(error.message)
  }
  return JSON.parse(JSON.stringify(Either.getOrThrow(accumulator.finish())))
}

const same = (events: ReadonlyArray<Event>) =>
  Effect.promise(async () => assert.deepStrictEqual(parleyFinal(events), await sdkFinal(events)))

/** The same against the SDK's beta accumulator (`BetaMessageStream`), which applies the beta events and fields. */
const sameBeta = (events: ReadonlyArray<Event>) =>
  Effect.promise(async () => assert.deepStrictEqual(parleyFinal(events), await sdkFinal(events, true)))

const start = (extra: Event = {}): Event => ({
  type: "message_start",
  message: {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 25, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    ...extra
  }
})
const blockStart = (index: number, block: Event): Event => ({
  type: "content_block_start",
  index,
  content_block: block
})
const delta = (index: number, value: Event): Event => ({ type: "content_block_delta", index, delta: value })
const stop = (index: number): Event => ({ type: "content_block_stop", index })
const messageDelta = (value: Event, usage: Event): Event => ({ type: "message_delta", delta: value, usage })
const end: Event = { type: "message_stop" }

describe("the Accumulator and the SDK's MessageStream give the same final message", () => {
  it.effect("text, then a tool_use whose input arrives in pieces, then a message_delta with a null container", () =>
    same([
      start({ container: { id: "container_1", expires_at: "2026-12-03T00:00:00Z" } }),
      { type: "ping" },
      blockStart(0, { type: "text", text: "" }),
      delta(0, { type: "text_delta", text: "Let me " }),
      delta(0, { type: "text_delta", text: "check — ünïcode ✓." }),
      stop(0),
      blockStart(1, { type: "tool_use", id: "toolu_1", name: "weather", input: {} }),
      delta(1, { type: "input_json_delta", partial_json: "" }),
      delta(1, { type: "input_json_delta", partial_json: '{"city": "Par' }),
      delta(1, { type: "input_json_delta", partial_json: 'is", "days": [1, 2], "x": {"y": null}}' }),
      stop(1),
      messageDelta(
        { stop_reason: "tool_use", stop_sequence: null, container: null },
        { output_tokens: 42, input_tokens: 30, cache_read_input_tokens: 7 }
      ),
      end
    ])
  )

  it.effect("thinking with its signature (the last signature_delta wins), then text with citations", () =>
    same([
      start(),
      blockStart(0, { type: "thinking", thinking: "", signature: "" }),
      delta(0, { type: "thinking_delta", thinking: "Hmm, " }),
      delta(0, { type: "thinking_delta", thinking: "let me think." }),
      delta(0, { type: "signature_delta", signature: "partial" }),
      delta(0, { type: "signature_delta", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds" }),
      stop(0),
      blockStart(1, { type: "text", text: "" }),
      delta(1, { type: "text_delta", text: "The grass is green." }),
      delta(1, {
        type: "citations_delta",
        citation: {
          type: "char_location",
          cited_text: "The grass is green.",
          document_index: 0,
          document_title: "Doc",
          start_char_index: 0,
          end_char_index: 19
        }
      }),
      stop(1),
      messageDelta({ stop_reason: "end_turn", stop_sequence: null }, { output_tokens: 60 }),
      end
    ])
  )

  it.effect("a stop sequence, and a message_delta with server tool usage", () =>
    same([
      start(),
      blockStart(0, { type: "text", text: "" }),
      delta(0, { type: "text_delta", text: "one, two" }),
      stop(0),
      messageDelta(
        { stop_reason: "stop_sequence", stop_sequence: "three" },
        { output_tokens: 5, server_tool_use: { web_search_requests: 1 } }
      ),
      end
    ])
  )

  const piece = FastCheck.string({ maxLength: 12, unit: "binary" })
  const block = FastCheck.oneof(
    FastCheck.record({ kind: FastCheck.constant("text" as const), pieces: FastCheck.array(piece, { maxLength: 5 }) }),
    FastCheck.record({
      kind: FastCheck.constant("thinking" as const),
      pieces: FastCheck.array(piece, { maxLength: 5 })
    }),
    FastCheck.record({
      kind: FastCheck.constant("tool_use" as const),
      input: FastCheck.dictionary(FastCheck.string({ maxLength: 5 }), FastCheck.jsonValue({ maxDepth: 3 }), {
        maxKeys: 4
      }),
      cuts: FastCheck.array(FastCheck.nat(200), { maxLength: 4 })
    })
  )
  const nullable = FastCheck.option(FastCheck.nat(10_000), { nil: null })

  it.effect("any sequence of text, thinking and tool_use blocks, in any pieces, with any usage update", () =>
    Effect.promise(() =>
      FastCheck.assert(
        FastCheck.asyncProperty(
          FastCheck.array(block, { maxLength: 4 }),
          FastCheck.record({
            output_tokens: FastCheck.nat(10_000),
            input_tokens: nullable,
            cache_read_input_tokens: nullable
          }),
          async (blocks, usage) => {
            const events: Array<Event> = [start()]
            blocks.forEach((item, index) => {
              if (item.kind === "text") {
                events.push(blockStart(index, { type: "text", text: "" }))
                for (const text of item.pieces) events.push(delta(index, { type: "text_delta", text }))
              } else if (item.kind === "thinking") {
                events.push(blockStart(index, { type: "thinking", thinking: "", signature: "" }))
                for (const thinking of item.pieces) events.push(delta(index, { type: "thinking_delta", thinking }))
                events.push(delta(index, { type: "signature_delta", signature: `sig${index}` }))
              } else {
                events.push(blockStart(index, { type: "tool_use", id: `toolu_${index}`, name: "t", input: {} }))
                const json = JSON.stringify(item.input)
                const cuts = [...new Set(item.cuts.map((cut) => cut % (json.length + 1)))].sort((a, b) => a - b)
                let from = 0
                for (const cut of [...cuts, json.length]) {
                  events.push(delta(index, { type: "input_json_delta", partial_json: json.slice(from, cut) }))
                  from = cut
                }
              }
              events.push(stop(index))
            })
            events.push(messageDelta({ stop_reason: "end_turn", stop_sequence: null }, usage), end)
            assert.deepStrictEqual(parleyFinal(events), await sdkFinal(events))
          }
        ),
        { numRuns: 300 }
      )
    )
  )
})

describe("the Accumulator and the SDK's BetaMessageStream give the same final message on beta events", () => {
  it.effect("compaction_delta: the last delta's content and encrypted_content win", () =>
    sameBeta([
      start(),
      blockStart(0, { type: "compaction", content: null }),
      delta(0, { type: "compaction_delta", content: "draft" }),
      delta(0, { type: "compaction_delta", content: "Summary of turns 1-40.", encrypted_content: "enc_1" }),
      stop(0),
      blockStart(1, { type: "text", text: "" }),
      delta(1, { type: "text_delta", text: "Continuing." }),
      stop(1),
      messageDelta({ stop_reason: "end_turn", stop_sequence: null }, { output_tokens: 9 }),
      end
    ])
  )

  it.effect("message_delta: a null container keeps message_start's; context_management is kept unless null", () =>
    sameBeta([
      start({ container: { id: "container_1", expires_at: "2026-12-03T00:00:00Z" } }),
      blockStart(0, { type: "text", text: "" }),
      delta(0, { type: "text_delta", text: "Done." }),
      stop(0),
      {
        ...messageDelta({ stop_reason: "end_turn", stop_sequence: null, container: null }, { output_tokens: 3 }),
        context_management: {
          applied_edits: [{ type: "clear_tool_uses_20250919", cleared_input_tokens: 1200, cleared_tool_uses: 2 }]
        }
      },
      {
        ...messageDelta({ stop_reason: "end_turn", stop_sequence: null }, { output_tokens: 4 }),
        context_management: null
      },
      end
    ])
  )

  it.effect("a fallback block relabels the message's model with the model that served it", () =>
    sameBeta([
      start(),
      blockStart(0, {
        type: "fallback",
        from: { model: "claude-sonnet-4-5" },
        to: { model: "claude-haiku-4-5" },
        trigger: { type: "refusal", category: null }
      }),
      stop(0),
      blockStart(1, { type: "text", text: "" }),
      delta(1, { type: "text_delta", text: "Hello." }),
      stop(1),
      messageDelta({ stop_reason: "end_turn", stop_sequence: null }, { output_tokens: 2 }),
      end
    ])
  )
})
