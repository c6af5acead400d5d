import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Accumulator from "../src/Accumulator.js"
import * as ApiError from "../src/ApiError.js"
import * as Content from "../src/Content.js"
import * as Conversation from "../src/Conversation.js"
import * as JsonText from "../src/internal/jsonText.js"
import * as Message from "../src/Message.js"
import * as Request from "../src/Request.js"
import * as StreamEvent from "../src/StreamEvent.js"
import * as Tokens from "../src/Tokens.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"
import * as Wire from "../src/Wire.js"

/** `{"type": [[[…]]]}` with `depth` arrays: a discriminator that is an array, the shape that overflowed the stack. */
const deepType = (depth: number): unknown => JSON.parse(`{"type":${"[".repeat(depth)}${"]".repeat(depth)}}`)
/** Arrays nested `depth` deep. */
const deepArray = (depth: number): unknown => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`)

const message = (content: ReadonlyArray<unknown>) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude-test",
  content,
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 1, output_tokens: 1 }
})

const tooDeep = `the JSON is nested deeper than ${Wire.maxDepth} levels`
const protoKey = `an object has a "__proto__" key, which decoding would make its prototype`

describe("Wire.unsafeJson", () => {
  it("accepts JSON up to maxDepth levels and refuses one level more, at any depth, without recursion", () => {
    assert.strictEqual(Wire.unsafeJson(deepArray(Wire.maxDepth)), undefined)
    assert.strictEqual(Wire.unsafeJson(deepArray(Wire.maxDepth + 1)), tooDeep)
    assert.strictEqual(Wire.unsafeJson(deepArray(1_000_000)), tooDeep)
    assert.strictEqual(Wire.unsafeJson({ a: [{ b: 1 }] }, { maxDepth: 2 }), "the JSON is nested deeper than 2 levels")
    assert.strictEqual(Wire.unsafeJson("text"), undefined)
    assert.strictEqual(Wire.unsafeJson(null), undefined)
  })

  it("refuses an own __proto__ key anywhere, except inside a tool_use block's input unless asked to check it", () => {
    assert.strictEqual(Wire.unsafeJson(JSON.parse('{"usage":{"__proto__":{"x":1}}}')), protoKey)
    assert.strictEqual(Wire.unsafeJson(JSON.parse('[{"a":[{"__proto__":null}]}]')), protoKey)
    const toolUse = JSON.parse(
      '{"type":"tool_use","id":"t","name":"n","input":{"prefs":{"__proto__":{"isAdmin":true}}}}'
    )
    assert.strictEqual(Wire.unsafeJson(toolUse), undefined)
    assert.strictEqual(Wire.unsafeJson(toolUse, { checkToolInputs: true }), protoKey)
    // an inherited __proto__ (every object has one) is not a key
    assert.strictEqual(Wire.unsafeJson({ a: {} }), undefined)
  })
})

describe("Wire.decodeUnknownEither: no input makes a decoder or its error message throw", () => {
  for (const [name, schema, wrap] of [
    ["ContentBlock", Content.ContentBlock, (value: unknown) => value],
    ["Message", Message.Message, (value: unknown) => message([value])],
    [
      "StreamEvent",
      StreamEvent.StreamEvent,
      (value: unknown) => ({ type: "content_block_start", index: 0, content_block: value })
    ],
    ["MessageParam", Message.MessageParam, (value: unknown) => ({ role: "user", content: [value] })],
    ["RequestMessage", Message.RequestMessage, (value: unknown) => ({ role: "system", output_config: value })],
    [
      "MessagesRequest",
      Request.MessagesRequest,
      (value: unknown) => ({
        model: "m",
        max_tokens: 1,
        messages: [{ role: "user", content: "x" }],
        tools: [{ name: "t", input_schema: { type: "object", properties: { a: value } } }]
      })
    ],
    [
      "CountTokensRequest",
      Request.CountTokensRequest,
      (value: unknown) => ({ model: "m", messages: [{ role: "user", content: [value] }] })
    ],
    [
      "CountTokensResponse",
      Request.CountTokensResponse,
      (value: unknown) => ({ input_tokens: 1, context_management: value })
    ],
    [
      "ToolDefinition",
      Request.ToolDefinition,
      (value: unknown) => ({ type: "web_fetch_20250910", name: "web_fetch", url_sources: value })
    ],
    ["ErrorBody", ApiError.ErrorBody, (value: unknown) => ({ type: "error", error: { type: "x", message: value } })]
  ] as const) {
    it(`${name}: nested 3,000, 5,000 and 100,000 deep fails with a typed error whose message reads`, () => {
      const decode = Wire.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)
      for (const depth of [3_000, 5_000, 100_000]) {
        const result = decode(wrap(deepType(depth)))
        assert.isTrue(Either.isLeft(result))
        if (Either.isLeft(result)) assert.strictEqual(result.left.message, tooDeep)
      }
    })
  }

  it("an own __proto__ key anywhere in a request (outside tool inputs) is refused, never made a prototype", () => {
    const decode = Wire.decodeUnknownEither(Request.MessagesRequest)
    for (const at of [
      '"metadata":{"__proto__":{"user_id":"x"}}',
      '"tools":[{"name":"t","input_schema":{"type":"object","properties":{"__proto__":{"type":"string"}}}}]',
      '"output_config":{"__proto__":{"effort":"max"}}'
    ]) {
      const result = decode(JSON.parse(`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}],${at}}`))
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) assert.strictEqual(result.left.message, protoKey)
    }
  })

  it("a value within the limit decodes exactly as the schema alone decodes it", () => {
    const value = message([
      { type: "text", text: "hi" },
      { type: "tool_use", id: "t", name: "n", input: deepArray(200) }
    ])
    assert.deepStrictEqual(
      Wire.decodeUnknownEither(Message.Message)(value),
      Schema.decodeUnknownEither(Message.Message)(value)
    )
  })

  it("bounded fuzz: any JSON value, at any position of a Message, decodes to a value or a typed failure", () => {
    const decode = Wire.decodeUnknownEither(Message.Message)
    FastCheck.assert(
      FastCheck.property(
        FastCheck.jsonValue({ depthSize: "large" }),
        FastCheck.integer({ min: 1, max: 600 }),
        (value, depth) => {
          for (const input of [value, message([value]), message([{ type: value, text: value }]), deepType(depth)]) {
            const result = decode(input)
            if (Either.isLeft(result)) assert.isString(result.left.message)
          }
        }
      ),
      { numRuns: 1000 }
    )
  })
})

describe("Conversation.Json, Toolkit and Tokens on hostile JSON", () => {
  it("Conversation.Json refuses a stored conversation nested too deep, with a typed error", () => {
    const stored = { messages: [{ role: "user", content: [deepType(50_000)] }] }
    const result = Schema.decodeUnknownEither(Conversation.Json)(stored)
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) assert.include(result.left.message, tooDeep)
  })

  const Prefs = Tool.make("set_prefs", {
    description: "Sets preferences",
    input: Schema.Struct({ prefs: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
  })
  let seen: unknown
  const handled = Toolkit.make(Prefs).handle({
    set_prefs: ({ prefs }) =>
      Effect.sync(() => {
        seen = prefs
        return "ok"
      })
  })
  const call = (input: unknown): Content.ToolUseBlock => ({ type: "tool_use", id: "toolu_1", name: "set_prefs", input })

  it.effect("a tool input with a __proto__ key is an is_error result, and the handler never sees it", () =>
    Effect.gen(function* () {
      seen = undefined
      const result = yield* handled.run(call(JSON.parse('{"prefs":{"__proto__":{"isAdmin":true}}}')))
      assert.deepStrictEqual(result, {
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: `Error: invalid input for tool "set_prefs": ${protoKey}. Call the tool again without it.`,
        is_error: true
      })
      assert.strictEqual(seen, undefined)
    })
  )

  it.effect("a tool input nested 100,000 deep is an is_error result, not a crash", () =>
    Effect.gen(function* () {
      const result = yield* handled.run(call({ prefs: { a: deepArray(100_000) } }))
      assert.strictEqual(result.is_error, true)
      assert.strictEqual(
        result.content,
        `Error: invalid input for tool "set_prefs": ${tooDeep}. Call the tool again without it.`
      )
      const ok = yield* handled.run(call({ prefs: { theme: "dark" } }))
      assert.deepStrictEqual(ok, { type: "tool_result", tool_use_id: "toolu_1", content: "ok" })
    })
  )

  it("Tokens.estimateRequest counts a tool input 100,000 deep instead of throwing", () => {
    const request = (input: unknown) => ({
      model: "claude-test",
      max_tokens: 10,
      messages: [
        { role: "user" as const, content: "hi" },
        { role: "assistant" as const, content: [{ type: "tool_use" as const, id: "t", name: "n", input }] }
      ]
    })
    const shallow = Tokens.estimateRequest(request([]))
    const deep = Tokens.estimateRequest(request(deepArray(100_000)))
    // 200,000 ASCII characters of brackets where [] had 2
    assert.strictEqual(deep - shallow, Math.ceil(200_000 / 3.5) - Math.ceil(2 / 3.5))
  })

  it("the iterative JSON text equals JSON.stringify on any JSON value, and handles any depth", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.jsonValue(), (value) => {
        assert.strictEqual(JsonText.iterative(value), JSON.stringify(value))
      }),
      { numRuns: 500 }
    )
    const shared = { a: 1 }
    assert.strictEqual(
      JsonText.iterative([shared, shared, { b: undefined, c: [undefined] }]),
      '[{"a":1},{"a":1},{"c":[null]}]'
    )
    assert.strictEqual(JsonText.iterative(deepArray(100_000)).length, 200_000)
  })
})

describe("found by the fuzz suite", () => {
  it('a discriminator holding {"toString":{}} (the decoder turned it into a string and threw) is refused', () => {
    const decode = Wire.decodeUnknownEither(Message.Message)
    for (const key of ["toString", "valueOf", "toJSON"]) {
      for (const type of [{ [key]: {} }, [{ [key]: {} }, 1]]) {
        const result = decode(message([{ type, text: "x" }]))
        assert.isTrue(Either.isLeft(result))
        if (Either.isLeft(result)) {
          assert.strictEqual(result.left.message, `an object has a "${key}" key, which would shadow its own method`)
        }
      }
    }
    const toolUse = { type: "tool_use", id: "t", name: "n", input: { toString: "kept", valueOf: 1 } }
    assert.deepStrictEqual(decode(message([toolUse])), Schema.decodeUnknownEither(Message.Message)(message([toolUse])))
  })
})

describe("bounded fuzz of the Accumulator and the Toolkit", () => {
  const index = FastCheck.oneof(FastCheck.nat(3), FastCheck.constantFrom(4294967294, 4294967295, 1e300, -1, 0.5))
  const anyJson = FastCheck.jsonValue({ maxDepth: 4 })
  const event = FastCheck.oneof(
    FastCheck.record({
      type: FastCheck.constant("message_start"),
      message: FastCheck.constant(message([]))
    }),
    FastCheck.record({
      type: FastCheck.constant("content_block_start"),
      index,
      content_block: FastCheck.oneof(
        FastCheck.constant({ type: "text", text: "" }),
        FastCheck.constant({ type: "tool_use", id: "t", name: "n", input: {} }),
        FastCheck.constant({ type: "thinking", thinking: "", signature: "" }),
        FastCheck.record({ type: FastCheck.string(), extra: anyJson })
      )
    }),
    FastCheck.record({
      type: FastCheck.constant("content_block_delta"),
      index,
      delta: FastCheck.oneof(
        FastCheck.record({ type: FastCheck.constant("text_delta"), text: FastCheck.string() }),
        FastCheck.record({ type: FastCheck.constant("input_json_delta"), partial_json: FastCheck.string() }),
        FastCheck.record({ type: FastCheck.constant("thinking_delta"), thinking: FastCheck.string() }),
        FastCheck.record({ type: FastCheck.constant("signature_delta"), signature: FastCheck.string() }),
        FastCheck.record({ type: FastCheck.string(), value: anyJson })
      )
    }),
    FastCheck.record({ type: FastCheck.constant("content_block_stop"), index }),
    FastCheck.record({
      type: FastCheck.constant("message_delta"),
      delta: FastCheck.dictionary(FastCheck.string(), anyJson),
      usage: FastCheck.dictionary(FastCheck.string(), anyJson)
    }),
    FastCheck.constant({ type: "message_stop" }),
    FastCheck.record({ type: FastCheck.string(), data: anyJson })
  )

  it("any sequence of events: add, snapshot and finish return a value or a typed error, and never throw", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.array(event, { maxLength: 40 }), (events) => {
        const accumulator = Accumulator.make()
        for (const item of events) {
          const error = accumulator.add(item as unknown as StreamEvent.StreamEvent)
          if (error !== undefined) assert.strictEqual(error._tag, "AccumulatorError")
          accumulator.snapshot()
        }
        const result = accumulator.finish()
        if (Either.isLeft(result)) assert.strictEqual(result.left._tag, "AccumulatorError")
        else assert.strictEqual(Object.getPrototypeOf(result.right), Object.prototype)
      }),
      { numRuns: 1000 }
    )
  })

  const Lookup = Tool.make("lookup", {
    description: "Looks a key up",
    input: Schema.Struct({
      key: Schema.String,
      options: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
    }),
    output: Schema.Struct({ found: Schema.Boolean })
  })
  const lookup = Toolkit.make(Lookup).handle({ lookup: ({ key }) => Effect.succeed({ found: key.length > 0 }) })

  it.effect("any tool input, known or unknown tool: a tool_result for the call, never a failure or a defect", () =>
    Effect.promise(() =>
      FastCheck.assert(
        FastCheck.asyncProperty(
          FastCheck.constantFrom("lookup", "missing"),
          FastCheck.jsonValue(),
          async (name, input) => {
            const result = await Effect.runPromise(lookup.run({ type: "tool_use", id: "toolu_f", name, input }))
            assert.strictEqual(result.type, "tool_result")
            assert.strictEqual(result.tool_use_id, "toolu_f")
            if (name === "missing") assert.strictEqual(result.is_error, true)
          }
        ),
        { numRuns: 500 }
      )
    )
  )
})
