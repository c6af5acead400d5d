import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Accumulator from "../src/Accumulator.js"
import * as ApiError from "../src/ApiError.js"
import * as Content from "../src/Content.js"
import * as Conversation from "../src/Conversation.js"
import * as Message from "../src/Message.js"
import * as Request from "../src/Request.js"
import * as RunState from "../src/RunState.js"
import * as StreamEvent from "../src/StreamEvent.js"
import * as StructuredOutput from "../src/StructuredOutput.js"
import * as Tokens from "../src/Tokens.js"
import * as Validation from "../src/Validation.js"
import * as Wire from "../src/Wire.js"

/**
 * Bounded fuzzing of every decoder from the valid fixtures of `fixtures/api`: each run takes a fixture and changes it
 * at a random place (a value replaced by any JSON, hostile values included; a key removed; a key added, `__proto__`,
 * `toString` and the discriminators among them), then decodes it. No decoder may throw, nor its error's `message`;
 * what a decoder accepts encodes back to the JSON it was given, and no decoded object has another prototype than
 * `Object.prototype` or `Array.prototype`.
 */
const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "api")
const rows = fs
  .readFileSync(path.join(fixturesDir, "README.md"), "utf8")
  .split("\n")
  .flatMap((line) => {
    const match = /^\| (\S+\.json) \| `[\w.]+` \| `(\w+)` \|$/.exec(line)
    return match === null
      ? []
      : [{ schema: match[2]!, json: JSON.parse(fs.readFileSync(path.join(fixturesDir, match[1]!), "utf8")) as unknown }]
  })
const fixturesOf = (schema: string): ReadonlyArray<unknown> =>
  rows.filter((row) => row.schema === schema).map((row) => row.json)

/** `[[[…]]]` `depth` deep. */
const deepArray = (depth: number): unknown => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`)

/** Any JSON value, and the values that broke decoders before. */
const hostile: FastCheck.Arbitrary<unknown> = FastCheck.oneof(
  { weight: 4, arbitrary: FastCheck.jsonValue({ maxDepth: 3 }) },
  FastCheck.constantFrom<unknown>(
    null,
    "",
    -1,
    0.5,
    4294967295,
    1e300,
    [],
    {},
    "text",
    "tool_use",
    "__proto__",
    { type: "text" },
    { type: "tool_use" },
    { type: [[[]]] }
  ),
  FastCheck.integer({ min: 257, max: 3_000 }).map(deepArray),
  FastCheck.integer({ min: 1, max: 3 }).map((n) => JSON.parse(`{"__proto__":{"isAdmin":true,"n":${n}}}`)),
  FastCheck.constantFrom("toString", "valueOf", "toJSON").map((key) => ({ [key]: {} }))
)

type Change =
  | { readonly kind: "replace"; readonly path: ReadonlyArray<number>; readonly value: unknown }
  | { readonly kind: "remove"; readonly path: ReadonlyArray<number> }
  | { readonly kind: "add"; readonly path: ReadonlyArray<number>; readonly key: string; readonly value: unknown }

const change: FastCheck.Arbitrary<Change> = FastCheck.oneof(
  FastCheck.record({
    kind: FastCheck.constant("replace" as const),
    path: FastCheck.array(FastCheck.nat(), { maxLength: 8 }),
    value: hostile
  }),
  FastCheck.record({
    kind: FastCheck.constant("remove" as const),
    path: FastCheck.array(FastCheck.nat(), { minLength: 1, maxLength: 8 })
  }),
  FastCheck.record({
    kind: FastCheck.constant("add" as const),
    path: FastCheck.array(FastCheck.nat(), { maxLength: 8 }),
    key: FastCheck.constantFrom("type", "__proto__", "toString", "text", "content", "index", "zz_new"),
    value: hostile
  })
)

/** Sets an own property, `__proto__` included (JSON.parse makes such keys own keys too). */
const setOwn = (target: object, key: string, value: unknown) =>
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })

/** A copy of `json` with the change applied where its path leads (each step picks a child, modulo their number). */
const apply = (json: unknown, c: Change): unknown => {
  const copy: unknown = json === undefined ? null : JSON.parse(JSON.stringify(json))
  const holder = { root: copy }
  let parent: object = holder
  let key: string = "root"
  for (const step of c.path) {
    const node = (parent as Record<string, unknown>)[key]
    if (typeof node !== "object" || node === null) break
    const keys = Object.keys(node)
    if (keys.length === 0) break
    parent = node
    key = keys[step % keys.length]!
  }
  const node = (parent as Record<string, unknown>)[key]
  if (c.kind === "replace") setOwn(parent, key, c.value)
  else if (c.kind === "remove") {
    if (parent === holder) return holder.root
    if (Array.isArray(parent)) parent.splice(Number(key), 1)
    else delete (parent as Record<string, unknown>)[key]
  } else if (typeof node === "object" && node !== null && !Array.isArray(node)) setOwn(node, c.key, c.value)
  else setOwn(parent, key, { [c.key]: c.value })
  return holder.root
}

/** Every object reachable from `value` has a plain prototype (iterative: values may be deep). */
const plainPrototypes = (value: unknown): boolean => {
  const todo: Array<unknown> = [value]
  const seen = new Set<unknown>()
  while (todo.length > 0) {
    const next = todo.pop()
    if (typeof next !== "object" || next === null || seen.has(next)) continue
    seen.add(next)
    const proto = Object.getPrototypeOf(next)
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false
    for (const key of Object.keys(next)) todo.push((next as Record<string, unknown>)[key])
  }
  return true
}

const wire: ReadonlyArray<readonly [string, Schema.Schema<unknown, unknown>]> = [
  ["ContentBlock", Content.ContentBlock as unknown as Schema.Schema<unknown, unknown>],
  ["ToolDefinition", Request.ToolDefinition as unknown as Schema.Schema<unknown, unknown>],
  ["ToolChoice", Request.ToolChoice as unknown as Schema.Schema<unknown, unknown>],
  ["ThinkingConfig", Request.ThinkingConfig as unknown as Schema.Schema<unknown, unknown>],
  ["MessageParam", Message.MessageParam as unknown as Schema.Schema<unknown, unknown>],
  ["RequestMessage", Message.RequestMessage as unknown as Schema.Schema<unknown, unknown>],
  ["Message", Message.Message as unknown as Schema.Schema<unknown, unknown>],
  ["MessagesRequest", Request.MessagesRequest as unknown as Schema.Schema<unknown, unknown>],
  ["CountTokensRequest", Request.CountTokensRequest as unknown as Schema.Schema<unknown, unknown>],
  ["CountTokensResponse", Request.CountTokensResponse as unknown as Schema.Schema<unknown, unknown>],
  ["StreamEvent", StreamEvent.StreamEvent as unknown as Schema.Schema<unknown, unknown>],
  ["ErrorBody", ApiError.ErrorBody as unknown as Schema.Schema<unknown, unknown>]
]

/** The changed fixture decoded: never a throw; a failure's message reads; a success encodes back to the input. */
const check = (
  decode: (json: unknown) => Either.Either<unknown, { readonly message: string }>,
  encode: ((value: unknown) => unknown) | undefined,
  json: unknown
) => {
  const result = decode(json)
  if (Either.isLeft(result)) {
    assert.isString(result.left.message)
    return
  }
  assert.isTrue(plainPrototypes(result.right))
  if (encode !== undefined) assert.deepStrictEqual(encode(result.right), json)
}

describe("bounded fuzz: every wire decoder, from its valid fixtures changed anywhere", () => {
  for (const [name, schema] of wire) {
    const fixtures = fixturesOf(name)
    it(`${name} (${fixtures.length} fixtures): a value or a typed failure, and what decodes encodes back equal`, () => {
      assert.isAbove(fixtures.length, 0)
      const decode = Wire.decodeUnknownEither(schema)
      const encode = Schema.encodeSync(schema)
      FastCheck.assert(
        FastCheck.property(
          FastCheck.nat(fixtures.length - 1),
          FastCheck.array(change, { minLength: 1, maxLength: 3 }),
          (i, changes) => {
            const json = changes.reduce(apply, fixtures[i]!)
            check(decode, encode, json)
          }
        ),
        { numRuns: 300 }
      )
    })
  }
})

describe("bounded fuzz: the decoders built on the wire schemas", () => {
  const messages = fixturesOf("MessageParam")

  it("Conversation.Json: a stored conversation changed anywhere is a conversation or a typed failure", () => {
    const decode = Schema.decodeUnknownEither(Conversation.Json)
    const encode = Schema.encodeSync(Conversation.Json)
    const stored = {
      system: "Be brief.",
      messages: [
        { role: "user", content: "What is 2 + 2?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 2, b: 2 } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "4" }] },
        { role: "system", content: "Answer in French." },
        { role: "assistant", content: "Quatre." },
        ...messages.filter((m) => (m as { role?: unknown }).role === "user")
      ],
      consecutiveUsers: "merge"
    }
    FastCheck.assert(
      FastCheck.property(FastCheck.array(change, { minLength: 1, maxLength: 3 }), (changes) => {
        const json = changes.reduce(apply, stored)
        const result = decode(json)
        if (Either.isLeft(result)) return assert.isString(result.left.message)
        const messagesOut = Conversation.messages(result.right)
        assert.isTrue(plainPrototypes(messagesOut))
        // a stored conversation that decodes encodes back to what it holds (merged turns merged)
        assert.deepStrictEqual(
          Schema.decodeUnknownSync(Conversation.Json)(encode(result.right)).length,
          result.right.length
        )
      }),
      { numRuns: 300 }
    )
  })

  it("RunState: a stored state changed anywhere is a state or a typed failure", () => {
    const state = {
      runId: "run_1",
      conversation: {
        messages: [
          { role: "user", content: "add 1 and 2" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }] }
        ]
      },
      turns: 1,
      toolCalls: 0,
      usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, total: 2 },
      elapsedMillis: 5,
      guard: { last: { name: "add", input: { a: 1, b: 2 } }, count: 1 },
      text: "",
      message: fixturesOf("Message")[0],
      pending: {
        turn: 1,
        calls: [{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }],
        results: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "3" }] }],
        awaiting: ["toolu_1"],
        decisions: { toolu_1: { _tag: "Allow" } }
      }
    }
    const decode = Schema.decodeUnknownEither(RunState.RunState)
    FastCheck.assert(
      FastCheck.property(FastCheck.array(change, { minLength: 1, maxLength: 3 }), (changes) => {
        const json = changes.reduce(apply, state)
        const result = decode(json)
        if (Either.isLeft(result)) return assert.isString(result.left.message)
        const { conversation, ...rest } = result.right
        assert.isTrue(plainPrototypes(rest))
        assert.isTrue(plainPrototypes(Conversation.messages(conversation)))
      }),
      { numRuns: 300 }
    )
  })

  it("StructuredOutput.parse: any reply text is the value or a typed StructuredOutputError", () => {
    const Output = Schema.Struct({
      names: Schema.Array(Schema.String),
      meta: Schema.Record({ key: Schema.String, value: Schema.Unknown })
    })
    const text = FastCheck.oneof(
      FastCheck.string(),
      hostile.map((value) => JSON.stringify(value)),
      FastCheck.record({ names: FastCheck.array(FastCheck.string()), meta: hostile }).map((value) =>
        JSON.stringify(value)
      ),
      FastCheck.integer({ min: 1, max: 200_000 }).map(
        (depth) => `{"names":[],"meta":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}`
      )
    )
    FastCheck.assert(
      FastCheck.property(text, (reply) => {
        const message: Message.Message = {
          id: "m",
          type: "message",
          role: "assistant",
          content: [{ type: "text", text: reply }],
          stop_reason: "end_turn"
        }
        const result = StructuredOutput.parse(Output, message)
        if (Either.isLeft(result)) {
          assert.strictEqual(result.left._tag, "StructuredOutputError")
          assert.isString(result.left.message)
        } else assert.isTrue(plainPrototypes(result.right))
      }),
      { numRuns: 500 }
    )
  })

  it("Tokens.estimateRequest and Validation.validateRequest: any decodable request is a number and a verdict", () => {
    const requests = fixturesOf("MessagesRequest")
    const decode = Wire.decodeUnknownEither(Request.MessagesRequest)
    FastCheck.assert(
      FastCheck.property(
        FastCheck.nat(requests.length - 1),
        FastCheck.array(change, { minLength: 1, maxLength: 3 }),
        (i, changes) => {
          const decoded = decode(changes.reduce(apply, requests[i]!))
          if (Either.isLeft(decoded)) return
          const estimate = Tokens.estimateRequest(decoded.right)
          assert.isTrue(Number.isFinite(estimate) && estimate >= 0)
          const verdict = Effect.runSync(Effect.either(Validation.validateRequest(decoded.right)))
          if (Either.isLeft(verdict)) assert.strictEqual(verdict.left._tag, "ValidationError")
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe("bounded fuzz: the Accumulator on the fixtures' events, changed anywhere", () => {
  const events = fixturesOf("StreamEvent")
  it("a changed event sequence, decoded as the transport decodes it: add, snapshot and finish never throw", () => {
    const decode = Wire.decodeUnknownEither(StreamEvent.StreamEvent)
    FastCheck.assert(
      FastCheck.property(
        FastCheck.array(FastCheck.nat(events.length - 1), { maxLength: 20 }),
        FastCheck.array(FastCheck.record({ at: FastCheck.nat(), change }), { maxLength: 4 }),
        (picks, changes) => {
          const sequence: Array<unknown> = picks.map((i) => events[i])
          for (const { at, change: c } of changes) {
            if (sequence.length > 0) sequence[at % sequence.length] = apply(sequence[at % sequence.length], c)
          }
          const accumulator = Accumulator.make()
          for (const json of sequence) {
            const event = decode(json)
            if (Either.isLeft(event)) continue
            const error = accumulator.add(event.right as StreamEvent.StreamEvent)
            if (error !== undefined) assert.strictEqual(error._tag, "AccumulatorError")
            assert.isTrue(plainPrototypes(accumulator.snapshot()))
          }
          const result = accumulator.finish()
          if (Either.isRight(result)) assert.isTrue(plainPrototypes(result.right))
        }
      ),
      { numRuns: 500 }
    )
  })
})
