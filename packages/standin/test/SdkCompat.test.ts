import Anthropic from "@anthropic-ai/sdk"
import { jsonSchemaOutputFormat } from "@anthropic-ai/sdk/helpers/json-schema"
import { assert, describe, it } from "@effect/vitest"
import * as Message from "@parley/core/Message"
import * as Effect from "effect/Effect"
import * as Fault from "../src/Fault.js"
import * as Reply from "../src/Reply.js"
import * as Responder from "../src/Responder.js"
import * as StandinServer from "../src/StandinServer.js"
import { messagesBody, request } from "./http.js"
import { addTool } from "./sdkTools.js"

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

  it.scoped("the tool runner with its default threading: create, then continue with only the new turn", () =>
    Effect.gen(function* () {
      const seen: Array<{ readonly messages: number; readonly tools: number; readonly system: unknown }> = []
      const { client, standin } = yield* withClient([
        (request) => {
          seen.push({ messages: request.messages.length, tools: request.tools?.length ?? 0, system: request.system })
          return Reply.toolUse([{ name: "add", input: { a: 2, b: 3 } }])
        },
        (request) => {
          seen.push({ messages: request.messages.length, tools: request.tools?.length ?? 0, system: request.system })
          return Reply.text(`The sum is ${Message.textOf(request.messages[2] ?? { content: "" }) || "5"}.`)
        }
      ])
      const runs: Array<unknown> = []
      const add = addTool((input) => runs.push(input))
      const final = yield* Effect.promise(async () =>
        client.beta.messages.toolRunner({
          model: "claude-test",
          max_tokens: 256,
          system: "You add numbers.",
          messages: [{ role: "user", content: "add 2 and 3" }],
          tools: [add]
        })
      )
      assert.deepStrictEqual(runs, [{ a: 2, b: 3 }])
      assert.strictEqual(final.stop_reason, "end_turn")
      assert.deepStrictEqual(seen, [
        { messages: 1, tools: 1, system: "You add numbers." },
        { messages: 3, tools: 1, system: "You add numbers." }
      ])
      const bodies = standin.requests().map((recorded) => recorded.body as Record<string, unknown>)
      assert.strictEqual(bodies.length, 2)
      assert.deepStrictEqual(bodies[0]?.["thread"], { type: "create" })
      const continued = bodies[1]
      const firstId = String(
        (continued?.["thread"] as { previous_message_id?: string } | undefined)?.previous_message_id
      )
      assert.deepStrictEqual(continued?.["thread"], { type: "continue", previous_message_id: firstId })
      assert.match(firstId, /^msg_01/)
      assert.strictEqual(continued?.["tools"], undefined)
      assert.strictEqual(continued?.["system"], undefined)
      const turn = continued?.["messages"] as ReadonlyArray<{ role: string; content: ReadonlyArray<{ type: string }> }>
      assert.strictEqual(turn.length, 1)
      assert.strictEqual(turn[0]?.role, "user")
      assert.deepStrictEqual(
        turn[0]?.content.map((block) => block.type),
        ["tool_result"]
      )
    })
  )

  it.scoped("a thread the server no longer holds: 404 thread_not_found, then the SDK replays the history", () =>
    Effect.gen(function* () {
      const standin = yield* StandinServer.start({
        responder: Responder.script([Reply.toolUse([{ name: "add", input: { a: 2, b: 3 } }]), Reply.text("5")]),
        threads: { maxThreads: 0 }
      })
      const client = new Anthropic({ apiKey: "test", baseURL: standin.url, maxRetries: 0 })
      const add = addTool()
      yield* Effect.promise(async () =>
        client.beta.messages.toolRunner({
          model: "claude-test",
          max_tokens: 256,
          messages: [{ role: "user", content: "add 2 and 3" }],
          tools: [add]
        })
      )
      const recorded = standin.requests()
      const threads = recorded.map((entry) => (entry.body as { thread?: { type: string } }).thread?.type)
      assert.deepStrictEqual(threads, ["create", "continue", "create"])
      const notFound = yield* request(standin.url, "/v1/messages?beta=true", {
        body: messagesBody({ thread: { type: "continue", previous_message_id: "msg_unknown" } })
      })
      assert.strictEqual(notFound.status, 404)
      const body = JSON.parse(notFound.body)
      assert.deepStrictEqual(body, {
        type: "error",
        error: {
          type: "not_found_error",
          message:
            'No usable thread state was found for previous_message_id "msg_unknown". Replay the full conversation with thread: {"type": "create"} to start a new thread.',
          details: { error_code: "thread_not_found" }
        },
        request_id: notFound.headers["request-id"]
      })
      const error = yield* Effect.flip(
        Effect.tryPromise(() =>
          client.messages.create({
            model: "claude-test",
            max_tokens: 16,
            messages: user,
            thread: { type: "continue", previous_message_id: "msg_unknown" }
          } as Parameters<typeof client.messages.create>[0])
        )
      )
      assert.instanceOf(error.error, Anthropic.ThreadNotFoundError)
    })
  )

  it.scoped("messages.parse gets JSON valid for the output_config.format schema", () =>
    Effect.gen(function* () {
      const standin = yield* StandinServer.start({ responder: Responder.planner() })
      const client = new Anthropic({ apiKey: "test", baseURL: standin.url, maxRetries: 0 })
      const message = yield* Effect.promise(() =>
        client.messages.parse({
          model: "claude-test",
          max_tokens: 512,
          messages: [{ role: "user", content: "Describe a city" }],
          output_config: {
            format: jsonSchemaOutputFormat({
              type: "object",
              properties: {
                name: { type: "string" },
                population: { type: "integer" },
                kind: { type: "string", enum: ["city", "town"] },
                tags: { type: "array", items: { type: "string" } },
                capital: { type: "boolean" }
              },
              required: ["name", "population", "kind", "tags", "capital"],
              additionalProperties: false
            })
          }
        })
      )
      assert.strictEqual(message.stop_reason, "end_turn")
      const parsed = message.parsed_output
      assert.isNotNull(parsed)
      assert.deepStrictEqual(Object.keys(parsed ?? {}), ["name", "population", "kind", "tags", "capital"])
      assert.strictEqual(parsed?.population, 0)
      assert.strictEqual(parsed?.kind, "city")
      assert.strictEqual(parsed?.capital, true)
      assert.strictEqual(parsed?.tags.length, 1)
      assert.isString(parsed?.name)
    })
  )

  it.scoped("models.list and models.retrieve", () =>
    Effect.gen(function* () {
      const { client } = yield* withClient([])
      const ids = yield* Effect.promise(async () => {
        const out: Array<string> = []
        for await (const model of client.models.list({ limit: 2 })) out.push(model.id)
        return out
      })
      assert.deepStrictEqual(ids, [
        "claude-opus-4-6",
        "claude-sonnet-4-6",
        "claude-opus-4-5-20251101",
        "claude-haiku-4-5-20251001"
      ])
      const model = yield* Effect.promise(() => client.models.retrieve("claude-sonnet-4-6"))
      assert.strictEqual(model.display_name, "Claude Sonnet 4.6")
      assert.strictEqual(model.type, "model")
      const missing = yield* Effect.flip(Effect.tryPromise(() => client.models.retrieve("claude-nonexistent")))
      assert.instanceOf(missing.error, Anthropic.NotFoundError)
    })
  )

  it.scoped("retries a 529 and a 429 as the SDK does, honouring retry-after-ms", () =>
    Effect.gen(function* () {
      const standin = yield* StandinServer.start({
        responder: Responder.script([Reply.text("Finally.")]),
        faults: Fault.combine(
          Fault.calls(0, 1, Fault.status(529, { headers: { "retry-after-ms": "5" } })),
          Fault.calls(1, 2, Fault.rateLimited({ retryAfterMs: 5 }))
        )
      })
      const client = new Anthropic({ apiKey: "test", baseURL: standin.url, maxRetries: 2 })
      const message = yield* Effect.promise(() =>
        client.messages.create({ model: "claude-test", max_tokens: 64, messages: user })
      )
      assert.deepStrictEqual(message.content as ReadonlyArray<unknown>, [{ type: "text", text: "Finally." }])
      assert.deepStrictEqual(
        standin.requests().map((recorded) => recorded.headers["x-stainless-retry-count"]),
        ["0", "1", "2"]
      )
    })
  )

  it.scoped("the streaming tool runner with its default threading", () =>
    Effect.gen(function* () {
      const { client, standin } = yield* withClient([
        Reply.toolUse([{ name: "add", input: { a: 20, b: 22 } }]),
        (request) => Reply.text(`Answered after ${request.messages.length} messages.`)
      ])
      const add = addTool()
      const final = yield* Effect.promise(async () => {
        const runner = client.beta.messages.toolRunner({
          model: "claude-test",
          max_tokens: 256,
          messages: [{ role: "user", content: "add 20 and 22" }],
          tools: [add],
          stream: true
        })
        for await (const stream of runner) await stream.finalMessage()
        return runner.runUntilDone()
      })
      assert.deepStrictEqual(final.content as ReadonlyArray<unknown>, [
        { type: "text", text: "Answered after 3 messages." }
      ])
      assert.deepStrictEqual(
        standin.requests().map((recorded) => (recorded.body as { thread?: { type: string } }).thread?.type),
        ["create", "continue"]
      )
    })
  )
})
