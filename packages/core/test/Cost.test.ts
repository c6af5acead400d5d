import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Accumulator from "../src/Accumulator.js"
import * as Content from "../src/Content.js"
import * as Conversation from "../src/Conversation.js"
import type * as Message from "../src/Message.js"
import * as Request from "../src/Request.js"
import type * as StreamEvent from "../src/StreamEvent.js"
import * as Tokens from "../src/Tokens.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"
import * as Validation from "../src/Validation.js"
import * as Wire from "../src/Wire.js"

/**
 * Work counted, not timed: while `f` runs, every array traversal by iteration (`for...of`, spread) or by an array
 * method (`slice`, `concat`, `map`, `forEach`, ...) and every `Object.keys` counts the elements it passes, and every
 * property read of a block made by {@link block} counts one. A cost linear in the input grows as the input grows,
 * whatever the machine's speed. (Iteration is counted through `Array.prototype[Symbol.iterator]`, which makes V8
 * leave its fast paths for the rest of this file's worker: this file holds only counted tests.)
 */
let work = 0
const counted = <A>(f: () => A): { readonly result: A; readonly work: number } => {
  const proto = Array.prototype as unknown as Record<string | symbol, unknown>
  const iterate = Array.prototype[Symbol.iterator]
  const methods = ["slice", "concat", "map", "forEach", "filter", "every", "some", "findIndex", "reduce", "includes"]
  const saved = methods.map((name) => proto[name] as (...args: Array<unknown>) => unknown)
  const keys = Object.keys
  work = 0
  proto[Symbol.iterator] = function (this: Array<unknown>) {
    const inner = iterate.call(this)
    return {
      next: () => {
        work++
        return inner.next()
      },
      [Symbol.iterator]() {
        return this
      }
    }
  }
  methods.forEach((name, i) => {
    proto[name] = function (this: Array<unknown>, ...args: Array<unknown>) {
      work += this.length
      return saved[i]!.apply(this, args)
    }
  })
  Object.keys = (value: object) => {
    const out = keys(value)
    work += out.length
    return out
  }
  try {
    const result = f()
    return { result, work }
  } finally {
    proto[Symbol.iterator] = iterate
    methods.forEach((name, i) => {
      proto[name] = saved[i]
    })
    Object.keys = keys
  }
}

/** A text block whose property reads count as work. */
const block = (text: string): Content.ContentBlock =>
  new Proxy(Content.text(text), {
    get: (target, key, receiver) => {
      work++
      return Reflect.get(target, key, receiver)
    }
  })

/** `work(4n) / work(n)`: about 4 for a linear cost, about 16 for a quadratic one. */
const growth = (cost: (n: number) => number, n: number) => cost(4 * n) / cost(n)

describe("merges cost amortised linear time: counted work grows as the turns do", () => {
  it("n consecutive user turns appended one by one merge into one turn", () => {
    const cost = (n: number) => {
      const turns = Array.from({ length: n }, (_, i) => [block(`part ${i}`)])
      const { result, work } = counted(() => {
        let conversation = Conversation.make()
        for (const content of turns) conversation = Either.getOrThrow(Conversation.appendUser(conversation, content))
        return Conversation.messages(conversation)
      })
      assert.strictEqual(result.length, 1)
      assert.strictEqual((result[0]!.content as ReadonlyArray<Content.TextBlock>).length, n)
      return work
    }
    const ratio = growth(cost, 2_000)
    assert.isAbove(ratio, 3.5)
    assert.isBelow(ratio, 4.5)
  })

  it("n assistant turns after one user turn (continuations, as pause_turn replies are) merge into one turn", () => {
    const cost = (n: number) => {
      const turns = Array.from({ length: n }, (_, i) => ({ role: "assistant" as const, content: [block(`step ${i}`)] }))
      const { result, work } = counted(() => {
        let conversation = Either.getOrThrow(Conversation.appendUser(Conversation.make(), "Go on."))
        for (const turn of turns) conversation = Either.getOrThrow(Conversation.appendAssistant(conversation, turn))
        return Conversation.messages(conversation)
      })
      assert.strictEqual(result.length, 2)
      assert.strictEqual((result[1]!.content as ReadonlyArray<Content.TextBlock>).length, n)
      return work
    }
    const ratio = growth(cost, 2_000)
    assert.isAbove(ratio, 3.5)
    assert.isBelow(ratio, 4.5)
  })

  it("fromMessages and Conversation.Json on n consecutive user turns, with system messages between some", () => {
    const messages = (n: number): Array<Message.MessageParam> =>
      Array.from({ length: n }, (_, i) =>
        i % 10 === 9 ? { role: "system", content: `note ${i}` } : { role: "user", content: [block(`part ${i}`)] }
      )
    const fromMessages = (n: number) => {
      const input = messages(n)
      const { result, work } = counted(() => Conversation.messages(Either.getOrThrow(Conversation.fromMessages(input))))
      // one user turn per run of user messages, and the system messages apart
      assert.strictEqual(result.length, n / 5)
      return work
    }
    const json = (n: number) => {
      const stored = { messages: messages(n).map((m) => JSON.parse(JSON.stringify(m)) as unknown) }
      const { result, work } = counted(() => Schema.decodeUnknownSync(Conversation.Json)(stored))
      assert.strictEqual(result.length, n / 5)
      return work
    }
    for (const cost of [fromMessages, json]) {
      const ratio = growth(cost, 2_000)
      assert.isAbove(ratio, 3.5)
      assert.isBelow(ratio, 4.5)
    }
  })

  it("the counter sees a quadratic merge: the whole merged turn copied on each append", () => {
    const cost = (n: number) =>
      counted(() => {
        let blocks: Array<Content.ContentBlock> = []
        for (let i = 0; i < n; i++) blocks = [...blocks, Content.text(`part ${i}`)]
        return blocks
      }).work
    assert.isAbove(growth(cost, 500), 15)
  })
})

describe("decoding, estimating, linting and accumulating cost linear time: counted work grows as the input does", () => {
  const linear = (cost: (n: number) => number, n: number) => {
    const ratio = growth(cost, n)
    assert.isAbove(ratio, 3.5)
    assert.isBelow(ratio, 4.5)
  }
  /** A conversation of n turns: questions, tool calls and their results, as JSON from outside. */
  const history = (n: number): Array<unknown> =>
    Array.from({ length: n }, (_, i) =>
      i % 2 === 0
        ? {
            role: "user",
            content:
              i === 0 ? "Start." : [{ type: "tool_result", tool_use_id: `toolu_${i - 1}`, content: `result ${i}` }]
          }
        : {
            role: "assistant",
            content: [
              { type: "text", text: `Step ${i}.` },
              { type: "tool_use", id: `toolu_${i}`, name: "lookup", input: { key: `k${i}`, nested: { a: [1, 2] } } }
            ]
          }
    )
  const request = (n: number) => ({
    model: "claude-sonnet-4-5",
    max_tokens: 1024,
    tools: [{ name: "lookup", input_schema: { type: "object" } }],
    messages: [
      ...history(n),
      { role: "user", content: [{ type: "tool_result", tool_use_id: `toolu_${n - 1}`, content: "last" }] }
    ]
  })

  it("Wire.decodeUnknownEither(MessagesRequest) on a request of n turns", () => {
    const decode = Wire.decodeUnknownEither(Request.MessagesRequest)
    linear((n) => {
      const input = request(n)
      const { result, work } = counted(() => decode(input))
      assert.isTrue(Either.isRight(result))
      return work
    }, 500)
  })

  it("Tokens.estimateRequest and Validation.validateRequest on a request of n turns", () => {
    const decode = Wire.decodeUnknownEither(Request.MessagesRequest)
    const decoded = (n: number) => Either.getOrThrow(decode(request(n)))
    linear((n) => {
      const input = decoded(n)
      return counted(() => Tokens.estimateRequest(input)).work
    }, 500)
    linear((n) => {
      const input = decoded(n)
      const { result, work } = counted(() => Effect.runSync(Effect.either(Validation.validateRequest(input))))
      assert.isTrue(Either.isRight(result))
      return work
    }, 500)
  })

  it("Validation.validateRequest on n consecutive user turns and n assistant turns, system messages between some", () => {
    const consecutive = (n: number) => ({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      messages: [
        ...Array.from({ length: n }, (_, i) =>
          i % 10 === 9
            ? { role: "system", content: `note ${i}` }
            : { role: "user", content: [Content.text(`part ${i}`)] }
        ),
        ...Array.from({ length: n }, (_, i) => ({ role: "assistant", content: [Content.text(`step ${i}`)] }))
      ]
    })
    linear((n) => {
      const input = Either.getOrThrow(Wire.decodeUnknownEither(Request.MessagesRequest)(consecutive(n)))
      const { result, work } = counted(() => Effect.runSync(Effect.either(Validation.validateRequest(input))))
      assert.isTrue(Either.isRight(result))
      return work
    }, 1_000)
  })

  it("Toolkit.run on a tool input of n entries, valid and invalid (every problem reported)", () => {
    const Tags = Tool.make("tag", {
      description: "Tags items",
      input: Schema.Struct({ items: Schema.Array(Schema.Struct({ id: Schema.String, weight: Schema.Number })) })
    })
    const tools = Toolkit.make(Tags).handle({ tag: ({ items }) => Effect.succeed(`${items.length} tagged`) })
    for (const valid of [true, false]) {
      linear((n) => {
        const input = {
          items: Array.from({ length: n }, (_, i) => ({ id: `item ${i}`, weight: valid ? i : `heavy ${i}` }))
        }
        const { result, work } = counted(() =>
          Effect.runSync(tools.run({ type: "tool_use", id: "toolu_1", name: "tag", input }))
        )
        assert.strictEqual(result.is_error, valid ? undefined : true)
        if (valid) assert.strictEqual(result.content, `${n} tagged`)
        return work
      }, 500)
    }
  })

  it("the Accumulator on n blocks of n/10 pieces each, a snapshot at the end", () => {
    const events = (n: number): Array<StreamEvent.StreamEvent> => {
      const out: Array<Record<string, unknown>> = [
        {
          type: "message_start",
          message: {
            id: "m",
            type: "message",
            role: "assistant",
            content: [],
            usage: { input_tokens: 1, output_tokens: 1 }
          }
        }
      ]
      for (let b = 0; b < n / 10; b++) {
        const tool = b % 2 === 1
        out.push({
          type: "content_block_start",
          index: b,
          content_block: tool ? { type: "tool_use", id: `t${b}`, name: "n", input: {} } : { type: "text", text: "" }
        })
        for (let p = 0; p < 10; p++) {
          out.push({
            type: "content_block_delta",
            index: b,
            delta: tool
              ? { type: "input_json_delta", partial_json: p === 0 ? '{"a":"' : p === 9 ? 'x"}' : "x" }
              : { type: "text_delta", text: `piece ${p} ` }
          })
        }
        out.push({ type: "content_block_stop", index: b })
      }
      out.push(
        { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: n } },
        { type: "message_stop" }
      )
      return out as unknown as Array<StreamEvent.StreamEvent>
    }
    linear((n) => {
      const input = events(n)
      const { result, work } = counted(() => {
        const accumulator = Accumulator.make()
        for (let i = 0; i < input.length; i++) accumulator.add(input[i]!)
        accumulator.snapshot()
        return accumulator.finish()
      })
      assert.strictEqual(Either.getOrThrow(result).content.length, n / 10)
      return work
    }, 2_000)
  })

  it("Conversation.appendUser / appendAssistant / appendToolResults over n turns, messages read at the end", () => {
    linear((n) => {
      const turns = history(n) as Array<Message.MessageParam>
      const { result, work } = counted(() => {
        let conversation = Conversation.make()
        for (const turn of turns) {
          conversation = Either.getOrThrow(
            turn.role === "user"
              ? Conversation.appendUser(conversation, turn.content)
              : Conversation.appendAssistant(conversation, turn)
          )
        }
        return Conversation.messages(conversation)
      })
      assert.strictEqual(result.length, n)
      return work
    }, 1_000)
  })
})
