import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Content from "../src/Content.js"
import * as Message from "../src/Message.js"
import * as Request from "../src/Request.js"
import * as Validation from "../src/Validation.js"
import { classify, extractJsonObjects, seedFiles, seedsDir } from "./utils/seeds.js"

// No false positives: what the documentation shows as working, and what the API itself returns, passes the linter.

const outcome = (request: Request.MessagesRequest, options?: Validation.Options) =>
  Effect.runSync(Effect.either(Validation.validateRequest(request, options)))

const request = (messages: ReadonlyArray<Message.MessageParam>, extra?: Partial<Request.MessagesRequest>) => ({
  model: "claude-sonnet-4-5",
  max_tokens: 1024,
  messages,
  ...extra
})

const examples = (file: string, kind: string) =>
  extractJsonObjects(fs.readFileSync(path.join(seedsDir, file), "utf8")).filter((json) => classify(json) === kind)

/** A decoder for the seeds' JSON (the schemas are open unions, so their types are given rather than inferred). */
const decode =
  <A>(schema: unknown) =>
  (json: unknown): A =>
    Schema.decodeUnknownSync(schema as Schema.Schema<A>)(json)

describe("the seeds' examples pass the linter", () => {
  for (const file of seedFiles()) {
    it(`${file}: requests, turns (in history and as a prefill), blocks and tools`, () => {
      for (const json of examples(file, "MessagesRequest")) {
        const example = decode<Request.MessagesRequest>(Request.MessagesRequest)(json)
        for (const apiVersion of [undefined, "2023-06-01"] as const) {
          assert.deepStrictEqual(outcome(example, { apiVersion }), Either.right(example))
        }
      }
      const turns = examples(file, "MessageParam").map(decode<Message.MessageParam>(Message.MessageParam))
      // all of a page's turns in order, as one conversation: consecutive user turns merge, as the API merges them
      const conversation = [...turns, Message.user("Thanks")]
      assert.deepStrictEqual(outcome(request(conversation)), Either.right(request(conversation)))
      for (const turn of turns) {
        const messages = turn.role === "assistant" ? [Message.user("Hi"), turn, Message.user("Go on")] : [turn]
        assert.deepStrictEqual(outcome(request(messages)), Either.right(request(messages)), JSON.stringify(turn))
        if (turn.role !== "assistant") continue
        // as a prefill, on a model that accepts prefills; the API rejects a prefill ending with whitespace
        // ("final assistant content cannot end with trailing whitespace"), which one seed's example does
        const prefill = request([Message.user("Hi"), turn])
        const result = outcome(prefill)
        if (/\s$/.test(Message.textOf(turn))) {
          assert.strictEqual(Either.isLeft(result) && result.left.rule, "PrefillTrailingWhitespace")
        } else {
          assert.deepStrictEqual(result, Either.right(prefill))
        }
      }
      for (const json of examples(file, "ContentBlock")) {
        const messages = [Message.user([decode<Content.ContentBlock>(Content.ContentBlock)(json)])]
        assert.deepStrictEqual(outcome(request(messages)), Either.right(request(messages)))
      }
      for (const json of examples(file, "ToolDefinition")) {
        const tooled = request([Message.user("Hi")], {
          tools: [decode<Request.ToolDefinition>(Request.ToolDefinition)(json)]
        })
        assert.deepStrictEqual(outcome(tooled), Either.right(tooled))
      }
    })
  }
})

describe("conversations the API produces pass the linter", () => {
  // A tool-use conversation as the API and a well-behaved client write it: rounds of a user question and an
  // assistant turn. The turn's first message starts with thinking; after tool results the turn goes on, with a new
  // thinking block only sometimes (interleaved thinking); no message ends with thinking; tool_use ids are unique and
  // every call is answered in the next user message. The last round may stop at tool results (the request continues
  // the turn) or at an assistant message (a final assistant turn).
  const step = (thinking: FastCheck.Arbitrary<boolean>, minCalls: number) =>
    FastCheck.record({
      thinking,
      redacted: FastCheck.boolean(),
      text: FastCheck.boolean(),
      calls: FastCheck.integer({ min: minCalls, max: 3 })
    })
  const round = FastCheck.record({
    first: step(FastCheck.constant(true), 0),
    steps: FastCheck.array(step(FastCheck.boolean(), 1), { maxLength: 3 }),
    answered: FastCheck.boolean()
  })
  type Round = typeof round extends FastCheck.Arbitrary<infer T> ? T : never
  const rounds = FastCheck.array(round, { minLength: 1, maxLength: 4 })

  /** The messages of the rounds, and the index of the first assistant message of each round. */
  const build = (rounds: ReadonlyArray<Round>) => {
    let ids = 0
    const messages: Array<Message.MessageParam> = []
    const starts: Array<number> = []
    rounds.forEach((r, index) => {
      messages.push(Message.user(`Question ${index}`))
      starts.push(messages.length)
      // the steps after the first call tools; the first may not (then it ends the turn)
      const steps = r.first.calls === 0 ? [r.first] : [r.first, ...r.steps]
      for (const s of steps) {
        const content: Array<Content.ContentBlock> = []
        if (s.thinking) {
          content.push(
            s.redacted
              ? { type: "redacted_thinking", data: "EmwKAhgB" }
              : { type: "thinking", thinking: "Hm.", signature: "sig" }
          )
        }
        if (s.text || s.calls === 0) content.push(Content.text("Checking."))
        const calls = Array.from(
          { length: s.calls },
          (): Content.ToolUseBlock => ({ type: "tool_use", id: `toolu_${ids++}`, name: "lookup", input: {} })
        )
        messages.push(Message.assistant([...content, ...calls]))
        if (calls.length > 0) messages.push(Message.user(calls.map((c) => Content.toolResult(c.id, "-3C"))))
      }
      const last = index === rounds.length - 1
      if (messages.at(-1)?.role === "user" && (!last || r.answered)) messages.push(Message.assistant("Here you are."))
    })
    return { messages, starts }
  }

  const thinking = { max_tokens: 4096, thinking: { type: "enabled" as const, budget_tokens: 2048 } }
  const withoutThinking = (messages: ReadonlyArray<Message.MessageParam>, at: number) =>
    messages.map((m, i) =>
      i === at ? Message.assistant((m.content as ReadonlyArray<Content.ContentBlock>).slice(1)) : m
    )

  it("pass, with thinking enabled or not", () => {
    FastCheck.assert(
      FastCheck.property(rounds, (rounds) => {
        const { messages } = build(rounds)
        for (const extra of [thinking, {}]) {
          const candidate = request(messages, extra)
          assert.deepStrictEqual(outcome(candidate), Either.right(candidate))
        }
      }),
      { numRuns: 500 }
    )
  })

  it("a closed earlier turn needs no thinking block; the turn the request continues does", () => {
    FastCheck.assert(
      FastCheck.property(rounds, (rounds) => {
        const { messages, starts } = build(rounds)
        starts.forEach((start, index) => {
          const candidate = request(withoutThinking(messages, start), thinking)
          const result = outcome(candidate)
          if (index < starts.length - 1) assert.deepStrictEqual(result, Either.right(candidate))
          else {
            assert.deepStrictEqual(
              Either.isLeft(result) ? [result.left.rule, result.left.turn, result.left.block] : result,
              ["MissingThinking", start, 0]
            )
          }
        })
      }),
      { numRuns: 500 }
    )
  })
})
