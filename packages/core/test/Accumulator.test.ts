import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as Accumulator from "../src/Accumulator.js"
import type * as StreamEvent from "../src/StreamEvent.js"

const ev = (event: Record<string, unknown>) => event as unknown as StreamEvent.StreamEvent

const start = ev({
  type: "message_start",
  message: {
    id: "msg_1",
    type: "message",
    role: "assistant",
    content: [],
    model: "claude-test",
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 25, output_tokens: 1, cache_read_input_tokens: 0 }
  }
})
const textStart = (index: number) =>
  ev({ type: "content_block_start", index, content_block: { type: "text", text: "" } })
const text = (index: number, piece: string) =>
  ev({ type: "content_block_delta", index, delta: { type: "text_delta", text: piece } })
const toolStart = (index: number) =>
  ev({
    type: "content_block_start",
    index,
    content_block: { type: "tool_use", id: "toolu_1", name: "weather", input: {} }
  })
const json = (index: number, piece: string) =>
  ev({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: piece } })
const stop = (index: number) => ev({ type: "content_block_stop", index })
const delta = ev({
  type: "message_delta",
  delta: { stop_reason: "tool_use", stop_sequence: null, container: { id: "c1" } },
  usage: { output_tokens: 42, input_tokens: null }
})
const messageStop = ev({ type: "message_stop" })
const ping = ev({ type: "ping" })

const feed = (events: ReadonlyArray<StreamEvent.StreamEvent>) => {
  const accumulator = Accumulator.make()
  const errors = events.map((event) => accumulator.add(event)).filter((error) => error !== undefined)
  return { accumulator, errors }
}

const full = [
  start,
  ping,
  textStart(0),
  text(0, "Let me "),
  text(0, "check."),
  stop(0),
  toolStart(1),
  json(1, ""),
  json(1, '{"city": "Pa'),
  json(1, 'ris", "days": [1, '),
  json(1, "2]}"),
  stop(1),
  ev({ type: "brand_new_event", x: 1 }),
  delta,
  messageStop
]

describe("Accumulator", () => {
  it("builds the final message: joined text, parsed tool input, stop reason, usage and unknown fields", () => {
    const { accumulator, errors } = feed(full)
    assert.deepStrictEqual(errors, [])
    assert.isTrue(accumulator.complete)
    assert.deepStrictEqual(
      accumulator.finish(),
      Either.right({
        id: "msg_1",
        type: "message",
        role: "assistant",
        content: [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris", days: [1, 2] } }
        ],
        model: "claude-test",
        stop_reason: "tool_use",
        stop_sequence: null,
        container: { id: "c1" },
        usage: { input_tokens: 25, output_tokens: 42, cache_read_input_tokens: 0 }
      } as never)
    )
  })

  it("complete is a data property that turns true at message_stop (no per-accumulator getter)", () => {
    // A getter in the per-call object literal kept every stream's state alive through young GCs (see Accumulator.ts).
    const accumulator = Accumulator.make()
    const descriptor = () => Object.getOwnPropertyDescriptor(accumulator, "complete")
    assert.deepStrictEqual(descriptor(), { value: false, writable: true, enumerable: true, configurable: true })
    for (const event of full) accumulator.add(event)
    assert.deepStrictEqual(descriptor(), { value: true, writable: true, enumerable: true, configurable: true })
  })

  it("snapshot shows the message so far, with a best-effort parse of partial tool input", () => {
    const { accumulator } = feed(full.slice(0, 9))
    assert.isFalse(accumulator.complete)
    assert.deepStrictEqual(accumulator.snapshot().content as unknown, [
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Pa" } }
    ])
    accumulator.add(json(1, 'ris", "days": [1, 2, tr'))
    assert.deepStrictEqual((accumulator.snapshot().content[1] as { input: unknown }).input, {
      city: "Paris",
      days: [1, 2]
    })
    accumulator.add(json(1, 'ue], "note": "a \\'))
    assert.deepStrictEqual((accumulator.snapshot().content[1] as { input: unknown }).input, {
      city: "Paris",
      days: [1, 2, true],
      note: "a "
    })
  })

  it("2,000 input_json_delta pieces form the same input as the whole JSON", () => {
    const input = { items: Array.from({ length: 300 }, (_, i) => ({ id: i, name: `item "${i}"`, tags: ["a", "ü"] })) }
    const whole = JSON.stringify(input)
    const pieces = Array.from({ length: 2000 }, (_, i) =>
      whole.slice(Math.floor((i * whole.length) / 2000), Math.floor(((i + 1) * whole.length) / 2000))
    )
    const { accumulator } = feed([start, toolStart(0), ...pieces.map((piece) => json(0, piece)), stop(0), messageStop])
    const message = Either.getOrThrow(accumulator.finish())
    assert.deepStrictEqual((message.content[0] as { input: unknown }).input, input)
  })

  it("input pieces that are not JSON fail with InvalidToolInput at content_block_stop", () => {
    const { accumulator, errors } = feed([start, toolStart(0), json(0, '{"a": '), stop(0), messageStop])
    assert.strictEqual(errors.length, 2)
    assert.strictEqual(errors[1], errors[0], "after an error, add keeps returning it")
    assert.strictEqual(errors[0]?.reason, "InvalidToolInput")
    assert.strictEqual(errors[0]?.index, 0)
    assert.deepStrictEqual(accumulator.finish(), Either.left(errors[0]!))
  })

  it("events out of order fail with OutOfOrder", () => {
    const cases: ReadonlyArray<[string, ReadonlyArray<StreamEvent.StreamEvent>]> = [
      ["a content_block_delta event before message_start", [text(0, "x")]],
      ["text_delta for content block 0, which was not started", [start, text(0, "x")]],
      ["text_delta for content block 0 after it stopped", [start, textStart(0), stop(0), text(0, "x")]],
      ["a second message_start", [start, start]],
      ["content block 0 started twice", [start, textStart(0), textStart(0)]],
      ["a delta of type input_json_delta for content block 0 of type text", [start, textStart(0), json(0, "{}")]],
      ["message_stop while content block 0 is open", [start, textStart(0), messageStop]],
      ["a message_delta event after message_stop", [start, messageStop, delta]]
    ]
    for (const [message, events] of cases) {
      const { errors } = feed(events)
      assert.strictEqual(errors[0]?.reason, "OutOfOrder", message)
      assert.include(errors[0]?.message, message)
    }
  })

  it("a stream that ends early is Incomplete, with the error event's text when there was one", () => {
    const early = feed([start, textStart(0), text(0, "x")]).accumulator.finish()
    assert.deepStrictEqual(
      Either.map(Either.flip(early), (error) => [error.reason, error.message]),
      Either.right(["Incomplete", "the stream ended before message_stop"])
    )
    const errored = feed([start, ev({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })])
    const error = Either.flip(errored.accumulator.finish())
    assert.deepStrictEqual(
      Either.map(error, (e) => e.message),
      Either.right("the stream ended with an error event (overloaded_error: Overloaded)")
    )
  })

  it("keeps unknown block types and ignores unknown delta types", () => {
    const { accumulator, errors } = feed([
      start,
      ev({ type: "content_block_start", index: 0, content_block: { type: "hologram", frames: [1] } }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "hologram_delta", frame: 2 } }),
      stop(0),
      messageStop
    ])
    assert.deepStrictEqual(errors, [])
    assert.deepStrictEqual(Either.getOrThrow(accumulator.finish()).content as unknown, [
      { type: "hologram", frames: [1] }
    ])
  })

  it.effect("collect runs a stream of events into the final message", () =>
    Effect.gen(function* () {
      const message = yield* Accumulator.collect(Stream.fromIterable(full).pipe(Stream.rechunk(3)))
      assert.strictEqual(message.content.length, 2)
      const error = yield* Effect.flip(Accumulator.collect(Stream.fromIterable(full.slice(0, 5))))
      assert.strictEqual(error._tag, "AccumulatorError")
      assert.strictEqual(error._tag === "AccumulatorError" && error.reason, "Incomplete")
    })
  )
})

describe("Accumulator: indexes, message_delta and signatures as the API and the SDK's accumulator have them", () => {
  it("a block must start at the next index: any other index is refused at once, whatever its value", () => {
    for (const index of [4294967294, 4294967295, 1e300, -1, 0.5, 2]) {
      const { accumulator, errors } = feed([start, textStart(0), stop(0), textStart(index)])
      assert.strictEqual(errors.length, 1)
      assert.strictEqual(errors[0]?.reason, "OutOfOrder")
      assert.strictEqual(errors[0]?.message, `content_block_start for index ${index}, where the next block is 1`)
      assert.isTrue(Either.isLeft(accumulator.finish()))
    }
    const twice = feed([start, textStart(0), stop(0), textStart(0)])
    assert.strictEqual(twice.errors[0]?.message, "content block 0 started twice")
  })

  it("a delta or stop for a huge index fails as not started, and snapshot() stays the size of the real content", () => {
    const { accumulator, errors } = feed([start, textStart(0), text(0, "hi"), text(4294967294, "x")])
    assert.strictEqual(errors[0]?.message, "text_delta for content block 4294967294, which was not started")
    assert.deepStrictEqual(accumulator.snapshot().content, [{ type: "text", text: "hi" }])
  })

  it("message_delta: stop fields always, other fields only when not null, so a null container keeps message_start's", () => {
    const withContainer = ev({
      type: "message_start",
      message: { ...(start as unknown as { message: object }).message, container: { id: "c0", expires_at: "t" } }
    })
    const nullContainer = ev({
      type: "message_delta",
      delta: {
        stop_reason: "end_turn",
        stop_sequence: null,
        container: null,
        context_management: { applied_edits: [] }
      },
      usage: { output_tokens: 7, cache_read_input_tokens: null }
    })
    const { accumulator, errors } = feed([
      withContainer,
      textStart(0),
      text(0, "ok"),
      stop(0),
      nullContainer,
      messageStop
    ])
    assert.deepStrictEqual(errors, [])
    const message = Either.getOrThrow(accumulator.finish()) as unknown as Record<string, unknown>
    assert.deepStrictEqual(message["container"], { id: "c0", expires_at: "t" })
    assert.strictEqual(message["stop_reason"], "end_turn")
    assert.strictEqual(message["stop_sequence"], null)
    assert.deepStrictEqual(message["context_management"], { applied_edits: [] })
    assert.deepStrictEqual(message["usage"], { input_tokens: 25, output_tokens: 7, cache_read_input_tokens: 0 })
  })

  it("a __proto__ key in message_delta stays an own key: no prototype of the message or its usage changes", () => {
    const hostile = ev(
      JSON.parse(
        '{"type":"message_delta","delta":{"stop_reason":"end_turn","__proto__":{"role":"user"}},' +
          '"usage":{"output_tokens":3,"__proto__":{"input_tokens":"lots"}}}'
      )
    )
    const { accumulator, errors } = feed([start, hostile, messageStop])
    assert.deepStrictEqual(errors, [])
    const message = Either.getOrThrow(accumulator.finish())
    assert.strictEqual(Object.getPrototypeOf(message), Object.prototype)
    assert.strictEqual(Object.getPrototypeOf(message.usage), Object.prototype)
    assert.strictEqual(message.role, "assistant")
    assert.strictEqual(message.usage?.input_tokens, 25)
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(message.usage, "__proto__")?.value, { input_tokens: "lots" })
  })

  it("signature_delta replaces the signature (each carries all of it), as the SDK does", () => {
    const thinkingStart = ev({
      type: "content_block_start",
      index: 0,
      content_block: { type: "thinking", thinking: "", signature: "" }
    })
    const signature = (value: string) =>
      ev({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: value } })
    const thinking = ev({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hm" } })
    const { accumulator, errors } = feed([
      start,
      thinkingStart,
      thinking,
      signature("partial"),
      signature("FULL"),
      stop(0)
    ])
    assert.deepStrictEqual(errors, [])
    assert.deepStrictEqual(accumulator.snapshot().content, [{ type: "thinking", thinking: "hm", signature: "FULL" }])
  })
})

describe("Accumulator: beta events as the SDK's BetaMessageStream (1.16) applies them", () => {
  it("compaction_delta gives the compaction block its content (the last one wins), encrypted_content when sent", () => {
    const compaction = (index: number, delta: Record<string, unknown>) =>
      ev({ type: "content_block_delta", index, delta: { type: "compaction_delta", ...delta } })
    const { accumulator, errors } = feed([
      start,
      ev({ type: "content_block_start", index: 0, content_block: { type: "compaction", content: null } }),
      compaction(0, { content: "draft" }),
      compaction(0, { content: "Summary of turns 1-40.", encrypted_content: "enc_1" }),
      stop(0),
      ev({ type: "content_block_start", index: 1, content_block: { type: "compaction", content: null } }),
      compaction(1, { content: null }),
      stop(1),
      messageStop
    ])
    assert.deepStrictEqual(errors, [])
    assert.deepStrictEqual(Either.getOrThrow(accumulator.finish()).content, [
      { type: "compaction", content: "Summary of turns 1-40.", encrypted_content: "enc_1" },
      { type: "compaction", content: null }
    ] as unknown as ReadonlyArray<never>)
  })

  it("a fallback block relabels the message's model; message_delta's context_management is kept unless null", () => {
    const { accumulator, errors } = feed([
      start,
      ev({
        type: "content_block_start",
        index: 0,
        content_block: { type: "fallback", from: { model: "claude-test" }, to: { model: "claude-fallback" } }
      }),
      stop(0),
      ev({
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 3, fallback_credit: { amount: 1 } },
        context_management: { applied_edits: [{ type: "clear_tool_uses_20250919", cleared_tool_uses: 2 }] }
      }),
      ev({
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 4 },
        context_management: null
      }),
      messageStop
    ])
    assert.deepStrictEqual(errors, [])
    const message = Either.getOrThrow(accumulator.finish()) as unknown as Record<string, unknown>
    assert.strictEqual(message["model"], "claude-fallback")
    assert.deepStrictEqual(message["context_management"], {
      applied_edits: [{ type: "clear_tool_uses_20250919", cleared_tool_uses: 2 }]
    })
    assert.deepStrictEqual(message["usage"], {
      input_tokens: 25,
      output_tokens: 4,
      cache_read_input_tokens: 0,
      fallback_credit: { amount: 1 }
    })
  })

  it("a delta whose type names an Object.prototype member is ignored like any unknown delta", () => {
    const odd = (type: string) => ev({ type: "content_block_delta", index: 0, delta: { type } })
    const { accumulator, errors } = feed([start, textStart(0), odd("__proto__"), odd("toString"), stop(0), messageStop])
    assert.deepStrictEqual(errors, [])
    assert.deepStrictEqual(Either.getOrThrow(accumulator.finish()).content, [{ type: "text", text: "" }])
  })
})

describe("Accumulator: cost linear in the stream, whatever the events hold", () => {
  const base = ev({
    type: "message_start",
    message: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      content: [],
      model: "claude-a",
      usage: { input_tokens: 25, output_tokens: 1 }
    }
  })

  // Each message_delta used to copy the whole message and its usage: n events adding a field each cost O(n²)
  // (16,000 took 90 s). In place, 25,000 take a few milliseconds; on the copying version (about 3 minutes) this test
  // fails with its timeout.
  it("25,000 message_delta events, each adding a delta field and a usage field: every field kept, in order", () => {
    const n = 25_000
    const events = [base]
    for (let i = 0; i < n; i++) {
      events.push(ev({ type: "message_delta", delta: { [`field_${i}`]: i }, usage: { [`counter_${i}`]: i } }))
    }
    events.push(messageStop)
    const { accumulator, errors } = feed(events)
    assert.deepStrictEqual(errors, [])
    const message = Either.getOrThrow(accumulator.finish()) as unknown as Record<string, unknown>
    const keys = Object.keys(message)
    assert.strictEqual(keys.length, 6 + n)
    assert.deepStrictEqual(keys.slice(0, 7), ["id", "type", "role", "content", "model", "usage", "field_0"])
    assert.strictEqual(keys[keys.length - 1], `field_${n - 1}`)
    assert.strictEqual(message[`field_${n - 1}`], n - 1)
    const usage = message.usage as Record<string, unknown>
    assert.strictEqual(Object.keys(usage).length, 2 + n)
    assert.deepStrictEqual(
      [usage.input_tokens, usage.output_tokens, usage.counter_0, usage[`counter_${n - 1}`]],
      [25, 1, 0, n - 1]
    )
  }, 20_000)

  it("20,000 fields, then 20,000 fallback blocks: the last block's model labels the message", () => {
    const n = 20_000
    const events = [base]
    for (let i = 0; i < n; i++) events.push(ev({ type: "message_delta", delta: { [`field_${i}`]: i }, usage: {} }))
    for (let i = 0; i < n; i++) {
      events.push(
        ev({
          type: "content_block_start",
          index: i,
          content_block: { type: "fallback", from: { model: "claude-a" }, to: { model: `claude-${i}` } }
        }),
        stop(i)
      )
    }
    events.push(messageStop)
    const { accumulator, errors } = feed(events)
    assert.deepStrictEqual(errors, [])
    const message = Either.getOrThrow(accumulator.finish())
    assert.strictEqual(message.model, `claude-${n - 1}`)
    assert.strictEqual(message.content.length, n)
    assert.strictEqual(Object.keys(message).length, 6 + n)
  }, 20_000)

  it("changed in place, yet no snapshot or result changes after it was taken", () => {
    const accumulator = Accumulator.make()
    accumulator.add(base)
    accumulator.add(ev({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 5 } }))
    const first = accumulator.snapshot()
    const firstJson = JSON.stringify(first)
    accumulator.add(
      ev({
        type: "message_delta",
        delta: { stop_reason: "max_tokens", container: { id: "c" } },
        usage: { output_tokens: 9, cache_read_input_tokens: 3 }
      })
    )
    accumulator.add(
      ev({ type: "content_block_start", index: 0, content_block: { type: "fallback", to: { model: "claude-b" } } })
    )
    accumulator.add(stop(0))
    const second = accumulator.snapshot()
    assert.strictEqual(JSON.stringify(first), firstJson)
    assert.deepStrictEqual(
      [first.stop_reason, first.usage, first.model],
      ["end_turn", { input_tokens: 25, output_tokens: 5 }, "claude-a"]
    )
    assert.deepStrictEqual(
      [second.stop_reason, second.usage, second.model, (second as { container?: unknown }).container],
      ["max_tokens", { input_tokens: 25, output_tokens: 9, cache_read_input_tokens: 3 }, "claude-b", { id: "c" }]
    )
    assert.notStrictEqual(first.usage, second.usage)
    accumulator.add(messageStop)
    const final = Either.getOrThrow(accumulator.finish())
    assert.deepStrictEqual(final.usage, second.usage)
    assert.strictEqual(JSON.stringify(first), firstJson)
    // message_start's own usage object was never written to
    assert.deepStrictEqual((base as unknown as { message: { usage: unknown } }).message.usage, {
      input_tokens: 25,
      output_tokens: 1
    })
  })
})
