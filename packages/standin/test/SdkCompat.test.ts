import Anthropic from "@anthropic-ai/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fault from "../src/Fault.js"
import * as Reply from "../src/Reply.js"
import * as Responder from "../src/Responder.js"
import * as StandinServer from "../src/StandinServer.js"

const withClient = (replies: Parameters<typeof Responder.script>[0]) =>
  Effect.map(StandinServer.start({ responder: Responder.script(replies) }), (standin) => ({
    standin,
    client: new Anthropic({ apiKey: "test", baseURL: standin.url, maxRetries: 0 })
  }))

const user = [{ role: "user" as const, content: "What is 17 * 23?" }]

describe("SdkCompat: @anthropic-ai/sdk against the stand-in", () => {
  it.scoped("messages.create gets a message it accepts", () =>
    Effect.gen(function* () {
      const { client, standin } = yield* withClient([Reply.text("17 * 23 = 391.", { id: "msg_create" })])
      const message = yield* Effect.promise(() =>
        client.messages.create({ model: "claude-test", max_tokens: 128, messages: user })
      )
      assert.strictEqual(message.id, "msg_create")
      assert.strictEqual(message.type, "message")
      assert.strictEqual(message.role, "assistant")
      assert.strictEqual(message.model, "claude-test")
      assert.deepStrictEqual(message.content as ReadonlyArray<unknown>, [{ type: "text", text: "17 * 23 = 391." }])
      assert.strictEqual(message.stop_reason, "end_turn")
      assert.strictEqual(message.stop_sequence, null)
      assert.isAbove(message.usage.input_tokens, 0)
      assert.match(String(message._request_id), /^req_01/)
      const [recorded] = standin.requests()
      assert.strictEqual(recorded?.headers.authorization, "Bearer <redacted>")
      assert.isString(recorded?.headers["anthropic-version"])
    })
  )

  it.scoped("messages.stream(...).finalMessage() assembles text, thinking and tool_use from the SSE events", () =>
    Effect.gen(function* () {
      const input = { expression: "17 * 23", note: 'a "quoted" value with unicode ✓' }
      const reply = Reply.blocks([
        { type: "thinking", thinking: "The user wants a product; use the calculator.", signature: "sig-abc" },
        { type: "text", text: "Let me calculate that for you." },
        { type: "tool_use", id: "toolu_stream", name: "calculator", input }
      ])
      const { client } = yield* withClient([reply])
      const events: Array<string> = []
      const message = yield* Effect.promise(() => {
        const stream = client.messages.stream({ model: "claude-test", max_tokens: 128, messages: user })
        stream.on("streamEvent", (event) => events.push(event.type))
        return stream.finalMessage()
      })
      assert.deepStrictEqual(message.content as ReadonlyArray<unknown>, [
        { type: "thinking", thinking: "The user wants a product; use the calculator.", signature: "sig-abc" },
        { type: "text", text: "Let me calculate that for you." },
        { type: "tool_use", id: "toolu_stream", name: "calculator", input }
      ])
      assert.strictEqual(message.id, reply.message.id)
      assert.strictEqual(message.stop_reason, "tool_use")
      assert.isAbove(message.usage.output_tokens, 1)
      assert.strictEqual(events[0], "message_start")
      assert.strictEqual(events[events.length - 1], "message_stop")
      assert.isFalse(events.includes("ping"))
    })
  )

  it.scoped("messages.countTokens gets input_tokens", () =>
    Effect.gen(function* () {
      const { client } = yield* withClient([])
      const counted = yield* Effect.promise(() => client.messages.countTokens({ model: "claude-test", messages: user }))
      assert.deepStrictEqual(Object.keys(counted), ["input_tokens"])
      assert.isAbove(counted.input_tokens, 0)
    })
  )

  it.scoped("a 429 fault surfaces as the SDK's RateLimitError with the API's message", () =>
    Effect.gen(function* () {
      const { client } = yield* withClient([
        Reply.fault(
          Fault.rateLimited({ retryAfterSeconds: 3, message: "Number of requests has exceeded your rate limit." })
        )
      ])
      const error = yield* Effect.flip(
        Effect.tryPromise(() => client.messages.create({ model: "claude-test", max_tokens: 128, messages: user }))
      )
      const cause = error.error
      assert.instanceOf(cause, Anthropic.RateLimitError)
      if (!(cause instanceof Anthropic.RateLimitError)) return
      assert.strictEqual(cause.status, 429)
      assert.strictEqual(cause.type, "rate_limit_error")
      assert.strictEqual(cause.apiMessage, "Number of requests has exceeded your rate limit.")
      assert.strictEqual(cause.headers.get("retry-after"), "3")
      assert.match(String(cause.requestID), /^req_01/)
      assert.strictEqual(
        cause.message,
        `429 {"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit."},"request_id":"${cause.requestID}"}`
      )
    })
  )

  it.scoped("a mid-stream error event surfaces as an APIError of its type", () =>
    Effect.gen(function* () {
      const { client } = yield* withClient([
        Reply.withFaults(Reply.text("Partial answer that never finishes"), Fault.midStreamError(4))
      ])
      const error = yield* Effect.flip(
        Effect.tryPromise(() =>
          client.messages.stream({ model: "claude-test", max_tokens: 128, messages: user }).finalMessage()
        )
      )
      const cause = error.error
      assert.instanceOf(cause, Anthropic.APIError)
      if (!(cause instanceof Anthropic.APIError)) return
      assert.strictEqual(cause.type, "overloaded_error")
      assert.strictEqual(cause.apiMessage, "Overloaded")
    })
  )
})
