import { assert, describe, it } from "@effect/vitest"
import * as Accumulator from "@parley/core/Accumulator"
import type * as Message from "@parley/core/Message"
import * as StreamEvent from "@parley/core/StreamEvent"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as EventStream from "../src/EventStream.js"

const future = { type: "future_block", payload: { kept: true } }

const message: Message.Message = {
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude-test",
  content: [
    { type: "thinking", thinking: "Think about it carefully.", signature: "sig==" },
    { type: "redacted_thinking", data: "opaque" },
    { type: "text", text: "Héllo 👋 world" },
    { type: "tool_use", id: "toolu_1", name: "calculator", input: { expression: "17 * 23" } },
    future
  ],
  stop_reason: "tool_use",
  stop_sequence: null,
  usage: { input_tokens: 42, output_tokens: 17, cache_creation_input_tokens: 0, cache_read_input_tokens: 3 }
}

const decode = Schema.decodeUnknownEither(StreamEvent.StreamEvent)

describe("EventStream", () => {
  it("emits the API's event sequence with a ping after the first block start", () => {
    const events = EventStream.events(message, { textChunkSize: 6, jsonChunkSize: 8, thinkingChunkSize: 10 })
    assert.deepStrictEqual(
      events.map((event) => (StreamEvent.is("content_block_delta")(event) ? `delta:${event.delta.type}` : event.type)),
      [
        "message_start",
        "content_block_start",
        "ping",
        "delta:thinking_delta",
        "delta:thinking_delta",
        "delta:thinking_delta",
        "delta:signature_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_stop",
        "content_block_start",
        "delta:text_delta",
        "delta:text_delta",
        "delta:text_delta",
        "content_block_stop",
        "content_block_start",
        "delta:input_json_delta",
        "delta:input_json_delta",
        "delta:input_json_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_stop",
        "message_delta",
        "message_stop"
      ]
    )
    for (const event of events) assert.isTrue(Either.isRight(decode(event)))
  })

  it("starts with an empty message and ends with the stop reason and cumulative usage", () => {
    const events = EventStream.events(message)
    assert.deepStrictEqual(events[0], {
      type: "message_start",
      message: {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "claude-test",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 42, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 3 }
      }
    })
    assert.deepStrictEqual(events[events.length - 2], {
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 42, output_tokens: 17, cache_creation_input_tokens: 0, cache_read_input_tokens: 3 }
    })
  })

  it("never splits a surrogate pair", () => {
    const events = EventStream.events({ ...message, content: [{ type: "text", text: "a👋b👋" }] }, { textChunkSize: 2 })
    const texts = events
      .filter(StreamEvent.is("content_block_delta"))
      .map((event) => (event.delta as { text: string }).text)
    assert.deepStrictEqual(texts, ["a👋", "b👋"])
  })

  it("round-trips through core's accumulator to the same message", () => {
    const accumulator = Accumulator.make()
    for (const event of EventStream.events(message, { textChunkSize: 3, jsonChunkSize: 4 })) {
      assert.isUndefined(accumulator.add(event))
    }
    assert.deepStrictEqual(accumulator.finish(), Either.right(message))
  })

  it("frames an event as event and data lines", () => {
    assert.strictEqual(EventStream.frame({ type: "ping" }), 'event: ping\ndata: {"type":"ping"}\n\n')
  })

  it("streams a message without content", () => {
    const events = EventStream.events({ ...message, content: [], stop_reason: "end_turn" })
    assert.deepStrictEqual(
      events.map((event) => event.type),
      ["message_start", "ping", "message_delta", "message_stop"]
    )
  })
})
