import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as ApiError from "../src/ApiError.js"
import type * as Content from "../src/Content.js"
import * as Message from "../src/Message.js"
import * as Request from "../src/Request.js"
import * as Wire from "../src/Wire.js"
import { assertRoundTrip } from "./utils/properties.js"

/** `true` exactly when A and B are the same type (checked by the compiler: a wrong claim does not compile). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

describe("Message", () => {
  it("keeps a new stop reason, unknown blocks and unknown fields", () => {
    const wire = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      content: [
        { type: "text", text: "Hello!" },
        { type: "hologram", frames: 3 }
      ],
      model: "claude-x",
      stop_reason: "brand_new_reason",
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 6, new_usage_counter: 1 },
      container: { id: "c_1", expires_at: "2026-11-01T00:00:00Z" }
    }
    const decoded = Schema.decodeUnknownSync(Message.Message)(wire)
    assert.strictEqual(decoded.stop_reason, "brand_new_reason")
    assert.deepStrictEqual<unknown>(Schema.encodeSync(Message.Message)(decoded), wire)
  })

  it("decode(encode(x)) == x for messages and turns (property)", () => {
    assertRoundTrip(Message.Message, 100)
    assertRoundTrip(Message.MessageParam, 100)
    assertRoundTrip(Message.RequestMessage, 100)
    assertRoundTrip(Message.SystemSettingsParam, 50)
  })

  describe("a system message without content (beta)", () => {
    const wire = { role: "system", output_config: { effort: "low" }, clear_at: null, future_field: [1] }

    it("decodes in a request's messages, is told apart by hasContent, and encodes back to equal JSON", () => {
      const decoded = Either.getOrThrow(Wire.decodeUnknownEither(Message.RequestMessage)(wire))
      assert.isFalse(Message.hasContent(decoded))
      assert.isTrue(Schema.is(Message.SystemSettingsParam)(decoded))
      assert.deepStrictEqual<unknown>(Schema.encodeSync(Message.RequestMessage)(decoded), wire)
      assert.strictEqual(Message.textOf(decoded), "")

      const request = { model: "m", max_tokens: 1, messages: [wire, { role: "user", content: "Hi" }] }
      const decodedRequest = Either.getOrThrow(Wire.decodeUnknownEither(Request.MessagesRequest)(request))
      assert.deepStrictEqual(
        decodedRequest.messages.map((message) => Message.hasContent(message)),
        [false, true]
      )
      assert.deepStrictEqual<unknown>(Schema.encodeSync(Request.MessagesRequest)(decodedRequest), request)
    })

    it("is not a MessageParam: a turn's content is always there", () => {
      assert.isTrue(Either.isLeft(Wire.decodeUnknownEither(Message.MessageParam)(wire)))
      const withContent = Either.getOrThrow(
        Wire.decodeUnknownEither(Message.RequestMessage)({ role: "system", content: "Be brief." })
      )
      assert.isTrue(Message.hasContent(withContent))
      assert.isTrue(Schema.is(Message.SystemMessageParam)(withContent))
      // compile-time: reading content through MessageParam never gives undefined; through RequestMessage it may
      const turn: Equals<Message.MessageParam["content"], string | ReadonlyArray<Content.ContentBlock>> = true
      const entry: Equals<Message.RequestMessage["content"], string | ReadonlyArray<Content.ContentBlock> | undefined> =
        true
      assert.deepStrictEqual([turn, entry], [true, true])
    })
  })

  it("keeps an unknown error type and fields of the error body", () => {
    const wire = {
      type: "error",
      error: { type: "quota_exhausted_error", message: "later", retry: 3 },
      request_id: null
    }
    const decoded = Schema.decodeUnknownSync(ApiError.ErrorBody)(wire)
    assert.strictEqual(decoded.error.type, "quota_exhausted_error")
    assert.deepStrictEqual<unknown>(Schema.encodeSync(ApiError.ErrorBody)(decoded), wire)
  })
})
