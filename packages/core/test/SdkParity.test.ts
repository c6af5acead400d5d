import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
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

describe("the Accumulator and the SDK's accumulators on every block, delta and message_delta field", () => {
  const readFixture = (name: string): Event =>
    JSON.parse(
      fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "api", name), "utf8")
    ) as Event

  it.effect("GA: a server tool's input in pieces, its result block, a refusal's stop_details, a new container", () =>
    same([
      start({ container: { id: "container_1", expires_at: "2026-12-03T00:00:00Z" }, stop_details: null }),
      blockStart(0, { type: "server_tool_use", id: "srvtoolu_01", name: "web_search", input: {} }),
      delta(0, { type: "input_json_delta", partial_json: '{"query": "weather' }),
      delta(0, { type: "input_json_delta", partial_json: ' in Oslo"}' }),
      stop(0),
      blockStart(1, readFixture("block.web_search_tool_result.json")),
      stop(1),
      blockStart(2, { type: "text", text: "I cannot " }),
      delta(2, { type: "text_delta", text: "help with that." }),
      stop(2),
      messageDelta(
        {
          stop_reason: "refusal",
          stop_sequence: null,
          stop_details: { type: "refusal", category: "cyber", explanation: "no" },
          container: { id: "container_2", expires_at: "2026-12-04T00:00:00Z" }
        },
        {
          output_tokens: 12,
          input_tokens: 40,
          cache_creation_input_tokens: 5,
          server_tool_use: { web_search_requests: 1, web_fetch_requests: 0 },
          output_tokens_details: { thinking_tokens: 0 }
        }
      ),
      end
    ])
  )

  it.effect(
    "beta: an MCP tool's input in pieces and its result, an advisor, a failed compaction, every usage field",
    () =>
      sameBeta([
        start({ stop_details: null, context_management: null }),
        blockStart(0, {
          type: "mcp_tool_use",
          id: "mcptoolu_01",
          name: "search_issues",
          server_name: "github",
          input: {}
        }),
        delta(0, { type: "input_json_delta", partial_json: '{"query": ' }),
        delta(0, { type: "input_json_delta", partial_json: '"label:bug"}' }),
        stop(0),
        blockStart(1, readFixture("block.beta.mcp_tool_result.json")),
        stop(1),
        blockStart(2, { type: "server_tool_use", id: "srvtoolu_16", name: "advisor", input: {} }),
        stop(2),
        blockStart(3, readFixture("block.beta.advisor_tool_result.json")),
        stop(3),
        blockStart(4, { type: "compaction", content: null }),
        delta(4, { type: "compaction_delta", content: null }),
        stop(4),
        {
          ...messageDelta(
            { stop_reason: "compaction", stop_sequence: null, stop_details: null, container: null },
            {
              output_tokens: 30,
              input_tokens: 100,
              cache_creation_input_tokens: 10,
              cache_read_input_tokens: 20,
              server_tool_use: { web_search_requests: 0 },
              iterations: [{ type: "message", input_tokens: 100, output_tokens: 30 }],
              fallback_credit: { status: { type: "redeemed" } },
              output_tokens_details: { thinking_tokens: 4 }
            }
          ),
          context_management: { applied_edits: [] },
          input_transformations: [{ type: "tool_search", tokens_removed: 12 }]
        },
        end
      ])
  )

  it.effect(
    "beta: the fixtures' message_delta (a refusal with stop_details, nulls everywhere else) after a text block",
    () =>
      sameBeta([
        start({ container: { id: "container_1", expires_at: "2026-12-03T00:00:00Z" } }),
        blockStart(0, { type: "text", text: "" }),
        delta(0, { type: "text_delta", text: "No." }),
        stop(0),
        readFixture("event.message_delta.beta.json"),
        end
      ])
  )

  const piece = FastCheck.string({ maxLength: 8 })
  const json = FastCheck.dictionary(FastCheck.string({ maxLength: 4 }), FastCheck.jsonValue({ maxDepth: 2 }), {
    maxKeys: 3
  })
  const block = FastCheck.oneof(
    FastCheck.record({ kind: FastCheck.constant("text" as const), pieces: FastCheck.array(piece, { maxLength: 3 }) }),
    FastCheck.record({
      kind: FastCheck.constant("thinking" as const),
      pieces: FastCheck.array(piece, { maxLength: 3 }),
      signatures: FastCheck.array(piece, { maxLength: 2 })
    }),
    FastCheck.record({
      kind: FastCheck.constantFrom("tool_use" as const, "server_tool_use" as const, "mcp_tool_use" as const),
      input: json,
      cuts: FastCheck.array(FastCheck.nat(100), { maxLength: 3 })
    }),
    FastCheck.record({
      kind: FastCheck.constant("compaction" as const),
      contents: FastCheck.array(FastCheck.option(piece, { nil: null }), { maxLength: 2 })
    }),
    FastCheck.record({
      kind: FastCheck.constant("fallback" as const),
      model: FastCheck.constantFrom("claude-a", "claude-b")
    })
  )
  const nullOr = <A>(arbitrary: FastCheck.Arbitrary<A>) => FastCheck.option(arbitrary, { nil: null })
  const messageDeltaEvent = FastCheck.record({
    stop_reason: FastCheck.constantFrom("end_turn", "tool_use", "pause_turn", "compaction", "refusal"),
    stop_sequence: nullOr(piece),
    stop_details: nullOr(FastCheck.constant({ type: "refusal", category: null, explanation: null })),
    container: nullOr(FastCheck.record({ id: piece, expires_at: FastCheck.constant("2026-12-03T00:00:00Z") })),
    context_management: nullOr(FastCheck.constant({ applied_edits: [] })),
    output_tokens: FastCheck.nat(1000),
    input_tokens: nullOr(FastCheck.nat(1000)),
    cache_read_input_tokens: nullOr(FastCheck.nat(1000)),
    iterations: nullOr(FastCheck.constant([{ type: "message", input_tokens: 1, output_tokens: 1 }]))
  })

  it.effect(
    "beta, any sequence: text, thinking, tool, server tool, MCP, compaction and fallback blocks in any pieces, then message_deltas",
    () =>
      Effect.promise(() =>
        FastCheck.assert(
          FastCheck.asyncProperty(
            FastCheck.array(block, { maxLength: 5 }),
            FastCheck.array(messageDeltaEvent, { minLength: 1, maxLength: 3 }),
            nullOr(FastCheck.record({ id: piece, expires_at: FastCheck.constant("2026-12-01T00:00:00Z") })),
            async (blocks, deltas, container) => {
              const events: Array<Event> = [start({ container, stop_details: null })]
              blocks.forEach((item, index) => {
                switch (item.kind) {
                  case "text":
                    events.push(blockStart(index, { type: "text", text: "" }))
                    for (const text of item.pieces) events.push(delta(index, { type: "text_delta", text }))
                    break
                  case "thinking":
                    events.push(blockStart(index, { type: "thinking", thinking: "", signature: "" }))
                    for (const thinking of item.pieces) events.push(delta(index, { type: "thinking_delta", thinking }))
                    for (const signature of item.signatures)
                      events.push(delta(index, { type: "signature_delta", signature }))
                    break
                  case "compaction":
                    events.push(blockStart(index, { type: "compaction", content: null }))
                    for (const content of item.contents)
                      events.push(delta(index, { type: "compaction_delta", content }))
                    break
                  case "fallback":
                    events.push(
                      blockStart(index, {
                        type: "fallback",
                        from: { model: "claude-sonnet-4-5" },
                        to: { model: item.model },
                        trigger: { type: "refusal", category: null }
                      })
                    )
                    break
                  default: {
                    const extra = item.kind === "mcp_tool_use" ? { server_name: "github" } : {}
                    events.push(
                      blockStart(index, { type: item.kind, id: `toolu_${index}`, name: "t", input: {}, ...extra })
                    )
                    const text = JSON.stringify(item.input)
                    const cuts = [...new Set(item.cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b)
                    let from = 0
                    for (const cut of [...cuts, text.length]) {
                      events.push(delta(index, { type: "input_json_delta", partial_json: text.slice(from, cut) }))
                      from = cut
                    }
                  }
                }
                events.push(stop(index))
              })
              for (const d of deltas) {
                const {
                  output_tokens,
                  input_tokens,
                  cache_read_input_tokens,
                  iterations,
                  context_management,
                  ...rest
                } = d
                events.push({
                  ...messageDelta(rest, { output_tokens, input_tokens, cache_read_input_tokens, iterations }),
                  context_management
                })
              }
              events.push(end)
              assert.deepStrictEqual(parleyFinal(events), await sdkFinal(events, true))
            }
          ),
          { numRuns: 300 }
        )
      )
  )
})

describe("where the Accumulator departs from the SDK's accumulators, on purpose", () => {
  it.effect("fields the SDK does not know: Parley keeps them (a newer API's usage counter, a new delta field)", () =>
    Effect.promise(async () => {
      const events = [
        start(),
        blockStart(0, { type: "text", text: "" }),
        delta(0, { type: "text_delta", text: "Hi." }),
        stop(0),
        messageDelta(
          { stop_reason: "end_turn", stop_sequence: null, stop_details: null, zz_new_field: "kept" },
          { output_tokens: 2, zz_new_counter: 7 }
        ),
        end
      ]
      const sdk = (await sdkFinal(events)) as Record<string, unknown>
      const parley = parleyFinal(events) as Record<string, unknown>
      assert.deepStrictEqual(
        { ...parley, zz_new_field: undefined, usage: { ...(parley.usage as object), zz_new_counter: undefined } },
        { ...sdk, zz_new_field: undefined, usage: { ...(sdk.usage as object), zz_new_counter: undefined } }
      )
      assert.deepStrictEqual(
        [parley.zz_new_field, (parley.usage as Record<string, unknown>).zz_new_counter],
        ["kept", 7]
      )
      assert.deepStrictEqual(
        [sdk.zz_new_field, (sdk.usage as Record<string, unknown>).zz_new_counter],
        [undefined, undefined]
      )
    })
  )

  it.effect("a stop field the delta does not carry: Parley keeps message_start's, the SDK's becomes undefined", () =>
    Effect.promise(async () => {
      const events = [
        start({ stop_details: null }),
        blockStart(0, { type: "text", text: "" }),
        stop(0),
        messageDelta({ stop_reason: "end_turn", stop_sequence: null }, { output_tokens: 2 }),
        end
      ]
      const sdk = (await sdkFinal(events)) as Record<string, unknown>
      const parley = parleyFinal(events) as Record<string, unknown>
      assert.deepStrictEqual([Object.hasOwn(parley, "stop_details"), parley.stop_details], [true, null])
      assert.isFalse(Object.hasOwn(sdk, "stop_details"))
      assert.deepStrictEqual({ ...parley, stop_details: undefined }, { ...sdk, stop_details: undefined })
    })
  )

  it.effect("a delta of the wrong kind for its block: the SDK ignores it, Parley fails with OutOfOrder", () =>
    Effect.promise(async () => {
      const events = [
        start(),
        blockStart(0, { type: "text", text: "" }),
        delta(0, { type: "input_json_delta", partial_json: '{"a":1}' }),
        stop(0),
        messageDelta({ stop_reason: "end_turn", stop_sequence: null }, { output_tokens: 2 }),
        end
      ]
      const sdk = (await sdkFinal(events)) as { content: ReadonlyArray<unknown> }
      assert.deepStrictEqual(sdk.content, [{ type: "text", text: "" }])
      const accumulator = Accumulator.make()
      const errors = events.map((event) => accumulator.add(event as unknown as StreamEvent.StreamEvent))
      assert.strictEqual(errors[2]?.message, "a delta of type input_json_delta for content block 0 of type text")
      assert.strictEqual(errors[2]?.reason, "OutOfOrder")
    })
  )
})
