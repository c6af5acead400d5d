import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as ApiError from "../src/ApiError.js"
import * as Message from "../src/Message.js"
import { assertRoundTrip } from "./utils/properties.js"

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
