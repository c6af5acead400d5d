import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Content from "../src/Content.js"
import * as Conversation from "../src/Conversation.js"
import * as Message from "../src/Message.js"
import * as Validation from "../src/Validation.js"

const reply = (content: ReadonlyArray<Content.ContentBlock>, stop_reason = "end_turn"): Message.Message => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  content,
  model: "claude-sonnet-4-5",
  stop_reason,
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 }
})

const toolUse = (id: string, name = "get_weather"): Content.ToolUseBlock => ({
  type: "tool_use",
  id,
  name,
  input: { city: "Oslo" }
})

const error = (fields: { rule: Validation.Rule; turn?: number; block?: number; message: string }) =>
  new Validation.ValidationError(fields)

/** user -> assistant asking for tools a and b. */
const awaitingTools = Effect.gen(function* () {
  const conversation = yield* Conversation.appendUser(Conversation.make(), "Weather in Oslo and Bergen?")
  return yield* Conversation.appendAssistant(
    conversation,
    reply([Content.text("Checking."), toolUse("toolu_a"), toolUse("toolu_b")], "tool_use")
  )
})

describe("Conversation", () => {
  it.effect("builds a request from system, user input, replies and tool results", () =>
    Effect.gen(function* () {
      const conversation = yield* Conversation.make({ system: "Be brief." }).pipe(
        Conversation.appendUser("Weather?"),
        Either.flatMap(Conversation.appendAssistant(reply([toolUse("toolu_a")], "tool_use"))),
        Either.flatMap(Conversation.appendToolResults([Content.toolResult("toolu_a", "-3C")]))
      )
      assert.deepStrictEqual(Conversation.pendingToolUses(conversation), [])
      assert.strictEqual(conversation.length, 3)
      assert.deepStrictEqual(Conversation.toRequest(conversation, { model: "claude-sonnet-4-5", max_tokens: 256 }), {
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        system: "Be brief.",
        messages: [
          { role: "user", content: "Weather?" },
          { role: "assistant", content: [toolUse("toolu_a")] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_a", content: "-3C" }] }
        ]
      })
    })
  )

  it.effect("accepts images and documents as user input", () =>
    Effect.gen(function* () {
      const image = Content.imageUrl("https://example.com/ant.jpg")
      const document = Content.textDocument("Ants are insects.", { title: "Ants" })
      const conversation = yield* Conversation.appendUser(Conversation.make(), [image, document, Content.text("?")])
      const single = yield* Conversation.appendUser(Conversation.make(), image)
      assert.deepStrictEqual(Conversation.messages(conversation), [
        { role: "user", content: [image, document, Content.text("?")] }
      ])
      assert.deepStrictEqual(Conversation.messages(single), [{ role: "user", content: [image] }])
    })
  )

  it.effect("is immutable: appending to an older value leaves newer ones untouched", () =>
    Effect.gen(function* () {
      const first = yield* Conversation.appendUser(Conversation.make(), "Hi")
      const a = yield* Conversation.appendAssistant(first, reply([Content.text("A")]))
      const b = yield* Conversation.appendAssistant(first, reply([Content.text("B")]))
      assert.deepStrictEqual(Conversation.messages(first), [{ role: "user", content: "Hi" }])
      assert.deepStrictEqual(Conversation.lastTurn(a), { role: "assistant", content: [Content.text("A")] })
      assert.deepStrictEqual(Conversation.lastTurn(b), { role: "assistant", content: [Content.text("B")] })
    })
  )

  it.effect("lists the tool_use blocks the next turn must answer", () =>
    Effect.gen(function* () {
      const conversation = yield* awaitingTools
      assert.deepStrictEqual(Conversation.pendingToolUses(conversation), [toolUse("toolu_a"), toolUse("toolu_b")])
    })
  )

  describe("rejects what the API would reject", () => {
    it.effect("a first turn not from the user", () =>
      Effect.gen(function* () {
        const expected = error({
          rule: "FirstTurnNotUser",
          turn: 0,
          message: "messages[0]: the first turn must be from the user"
        })
        assert.deepStrictEqual(
          yield* Effect.flip(Conversation.appendAssistant(Conversation.make(), reply([Content.text("Hi")]))),
          expected
        )
        assert.deepStrictEqual(yield* Effect.flip(Conversation.prefill(Conversation.make(), "Sure")), expected)
      })
    )

    it.effect("a tool_result whose tool_use_id has no tool_use in the previous assistant turn", () =>
      Effect.gen(function* () {
        const conversation = yield* awaitingTools
        const failure = yield* Effect.flip(
          Conversation.appendToolResults(conversation, [
            Content.toolResult("toolu_a", "-3C"),
            Content.toolResult("toolu_zzz", "?")
          ])
        )
        assert.deepStrictEqual(
          failure,
          error({
            rule: "ToolResultWithoutToolUse",
            turn: 2,
            block: 1,
            message:
              `messages[2].content[1]: tool_result for "toolu_zzz" answers no tool_use of the previous ` +
              `assistant turn messages[1]`
          })
        )
        const first = yield* Effect.flip(
          Conversation.appendToolResults(Conversation.make(), [Content.toolResult("toolu_a", "x")])
        )
        assert.deepStrictEqual(
          first,
          error({
            rule: "ToolResultWithoutToolUse",
            turn: 0,
            block: 0,
            message: `messages[0].content[0]: tool_result for "toolu_a" has no tool_use before it`
          })
        )
      })
    )

    it.effect("tool_use blocks left unanswered when the next user turn is added", () =>
      Effect.gen(function* () {
        const conversation = yield* awaitingTools
        const partial = yield* Effect.flip(
          Conversation.appendToolResults(conversation, [Content.toolResult("toolu_a", "-3C")])
        )
        assert.deepStrictEqual(
          partial,
          error({
            rule: "UnansweredToolUse",
            turn: 1,
            block: 2,
            message: `messages[1].content[2]: tool_use "toolu_b" has no tool_result in the next turn messages[2]`
          })
        )
        const text = yield* Effect.flip(Conversation.appendUser(conversation, "Never mind"))
        assert.deepStrictEqual(
          text,
          error({
            rule: "UnansweredToolUse",
            turn: 1,
            block: 1,
            message: `messages[1].content[1]: tool_use "toolu_a" has no tool_result in the next turn messages[2]`
          })
        )
      })
    )

    it.effect("tool results not placed before other content in their turn", () =>
      Effect.gen(function* () {
        const conversation = yield* awaitingTools
        const failure = yield* Effect.flip(
          Conversation.appendUser(conversation, [
            Content.toolResult("toolu_a", "-3C"),
            Content.text("Also:"),
            Content.toolResult("toolu_b", "2C")
          ])
        )
        assert.deepStrictEqual(
          failure,
          error({
            rule: "ToolResultNotFirst",
            turn: 2,
            block: 2,
            message: "messages[2].content[2]: tool_result blocks must come before any other content"
          })
        )
        const ok = yield* Conversation.appendUser(conversation, [
          Content.toolResult("toolu_b", "2C"),
          Content.toolResult("toolu_a", "-3C"),
          Content.text("Thanks")
        ])
        assert.strictEqual(ok.length, 3)
      })
    )

    it.effect("a thinking block without its signature in an assistant turn", () =>
      Effect.gen(function* () {
        const conversation = yield* Conversation.appendUser(Conversation.make(), "Think.")
        const failure = yield* Effect.flip(
          Conversation.appendAssistant(
            conversation,
            reply([{ type: "thinking", thinking: "Hmm", signature: "" }, Content.text("Done")])
          )
        )
        assert.deepStrictEqual(
          failure,
          error({
            rule: "ThinkingWithoutSignature",
            turn: 1,
            block: 0,
            message: "messages[1].content[0]: a thinking block must be sent back with the signature the API gave it"
          })
        )
        const signed = yield* Conversation.appendAssistant(
          conversation,
          reply([{ type: "thinking", thinking: "Hmm", signature: "sig" }, Content.text("Done")])
        )
        assert.strictEqual(signed.length, 2)
      })
    )

    it.effect("empty user input", () =>
      Effect.gen(function* () {
        for (const input of ["", "  \n", []] as const) {
          assert.deepStrictEqual(
            yield* Effect.flip(Conversation.appendUser(Conversation.make(), input)),
            error({ rule: "EmptyContent", turn: 0, message: "messages[0]: a user turn must have non-blank content" })
          )
        }
        assert.deepStrictEqual(
          yield* Effect.flip(Conversation.appendUser(Conversation.make(), [Content.text("a"), Content.text(" ")])),
          error({
            rule: "EmptyContent",
            turn: 0,
            block: 1,
            message: "messages[0].content[1]: text blocks must contain non-whitespace text"
          })
        )
      })
    )

    it.effect("an empty assistant turn once a user turn follows it", () =>
      Effect.gen(function* () {
        const conversation = yield* Conversation.make().pipe(
          Conversation.appendUser("Hi"),
          Either.flatMap(Conversation.appendAssistant(reply([])))
        )
        assert.deepStrictEqual(
          yield* Effect.flip(Conversation.appendUser(conversation, "Hello?")),
          error({
            rule: "EmptyContent",
            turn: 1,
            message: "messages[1]: an assistant turn must have non-blank content"
          })
        )
      })
    )

    it.effect("a prefill ending with whitespace", () =>
      Effect.gen(function* () {
        const conversation = yield* Conversation.appendUser(Conversation.make(), "Haiku?")
        assert.deepStrictEqual(
          yield* Effect.flip(Conversation.prefill(conversation, "Here is a haiku:\n\n")),
          error({
            rule: "PrefillTrailingWhitespace",
            turn: 1,
            message: "messages[1]: the final assistant turn cannot end with whitespace"
          })
        )
      })
    )
  })

  describe("consecutive user turns", () => {
    it.effect("are merged by default, as the API does", () =>
      Effect.gen(function* () {
        const conversation = yield* Conversation.appendUser(Conversation.make(), "One")
        assert.strictEqual(conversation.consecutiveUsers, "merge")
        const merged = yield* Conversation.appendUser(conversation, "Two")
        assert.deepStrictEqual(Conversation.messages(merged), [
          { role: "user", content: [Content.text("One"), Content.text("Two")] }
        ])
      })
    )

    it.effect("are rejected when chosen", () =>
      Effect.gen(function* () {
        const conversation = yield* Conversation.appendUser(Conversation.make({ consecutiveUsers: "reject" }), "One")
        assert.strictEqual(conversation.consecutiveUsers, "reject")
        assert.deepStrictEqual(
          yield* Effect.flip(Conversation.appendUser(conversation, "Two")),
          error({
            rule: "ConsecutiveUserTurns",
            turn: 1,
            message:
              "messages[1]: a user turn follows the user turn messages[0]; merge them or add an assistant " +
              "turn between them"
          })
        )
      })
    )

    it.effect("are merged into one turn when chosen, and the merged turn is checked", () =>
      Effect.gen(function* () {
        const merging = yield* Conversation.appendUser(Conversation.make({ consecutiveUsers: "merge" }), "One")
        const merged = yield* Conversation.appendUser(merging, [Content.text("Two")])
        assert.deepStrictEqual(Conversation.messages(merged), [
          { role: "user", content: [Content.text("One"), Content.text("Two")] }
        ])
        const awaiting = yield* Conversation.appendAssistant(merged, reply([toolUse("toolu_a")], "tool_use"))
        const answered = yield* Conversation.appendToolResults(awaiting, [Content.toolResult("toolu_a", "ok")])
        const followUp = yield* Conversation.appendUser(answered, "And then?")
        assert.deepStrictEqual(Conversation.lastTurn(followUp), {
          role: "user",
          content: [Content.toolResult("toolu_a", "ok"), Content.text("And then?")]
        })
        const texted = yield* Conversation.appendUser(awaiting, [
          Content.toolResult("toolu_a", "ok"),
          Content.text("Hm")
        ])
        assert.deepStrictEqual(
          yield* Effect.flip(Conversation.appendToolResults(texted, [Content.toolResult("toolu_a", "again")])),
          error({
            rule: "ToolResultNotFirst",
            turn: 2,
            block: 2,
            message: "messages[2].content[2]: tool_result blocks must come before any other content"
          })
        )
      })
    )
  })

  it.effect("continues the last assistant turn with a reply to a prefill", () =>
    Effect.gen(function* () {
      const conversation = yield* Conversation.make().pipe(
        Conversation.appendUser("What is latin for Ant? (A) Apoidea, (B) Rhopalocera, (C) Formicidae"),
        Either.flatMap(Conversation.prefill("The answer is (")),
        Either.flatMap(Conversation.appendAssistant(reply([Content.text("C")], "max_tokens")))
      )
      assert.strictEqual(conversation.length, 2)
      assert.deepStrictEqual(Conversation.lastTurn(conversation), {
        role: "assistant",
        content: [Content.text("The answer is ("), Content.text("C")]
      })
    })
  )

  describe("API version 2026-10-21", () => {
    const cited: Content.TextBlock = {
      type: "text",
      text: "Ants",
      citations: [
        { type: "char_location", cited_text: "Ants", document_index: 0, start_char_index: 0, end_char_index: 4 }
      ]
    }
    const document = Content.textDocument("Ants are insects.")

    it.effect("rejects documents in assistant turns and citations on user text", () =>
      Effect.gen(function* () {
        const conversation = yield* Conversation.appendUser(Conversation.make({ apiVersion: "2026-10-21" }), "Hi")
        assert.deepStrictEqual(
          yield* Effect.flip(Conversation.appendAssistant(conversation, reply([Content.text("See"), document]))),
          error({
            rule: "DocumentInAssistantTurn",
            turn: 1,
            block: 1,
            message:
              "messages[1].content[1]: anthropic-version 2026-10-21 does not accept document blocks in " +
              "assistant turns"
          })
        )
        assert.deepStrictEqual(
          yield* Effect.flip(Conversation.appendUser(Conversation.make({ apiVersion: "2026-10-21" }), [cited])),
          error({
            rule: "CitationsOnUserText",
            turn: 0,
            block: 0,
            message:
              "messages[0].content[0]: anthropic-version 2026-10-21 does not accept citations on user text " + "blocks"
          })
        )
      })
    )

    it.effect("allows both under 2023-06-01 and when no version is asked for", () =>
      Effect.gen(function* () {
        for (const options of [{ apiVersion: "2023-06-01" as const }, {}]) {
          const conversation = yield* Conversation.make(options).pipe(
            Conversation.appendUser([cited, { ...cited, citations: [] }]),
            Either.flatMap(Conversation.appendAssistant(reply([document])))
          )
          assert.strictEqual(conversation.length, 2)
        }
        const empty = yield* Conversation.appendUser(Conversation.make({ apiVersion: "2026-10-21" }), [
          { ...cited, citations: [] }
        ])
        assert.strictEqual(empty.length, 1)
      })
    )
  })

  it.effect("serialises to JSON and back, losing nothing", () =>
    Effect.gen(function* () {
      const conversation = yield* Conversation.make({
        system: [Content.text("Be brief.")],
        apiVersion: "2023-06-01"
      }).pipe(
        Conversation.appendUser([Content.text("Hi"), { type: "hologram", frames: [1, 2] } as Content.ContentBlock]),
        Either.flatMap(
          Conversation.appendAssistant(
            reply([{ type: "text", text: "Yes", future_field: { a: 1 } } as Content.ContentBlock, toolUse("toolu_a")])
          )
        ),
        Either.flatMap(Conversation.appendToolResults([Content.toolResult("toolu_a", "ok", { isError: true })]))
      )
      const text = JSON.stringify(Schema.encodeSync(Conversation.Json)(conversation))
      const restored = Schema.decodeUnknownSync(Conversation.Json)(JSON.parse(text))
      assert.isTrue(Conversation.isConversation(restored))
      assert.deepStrictEqual(Conversation.messages(restored), Conversation.messages(conversation))
      assert.deepStrictEqual(restored.system, conversation.system)
      assert.strictEqual(restored.apiVersion, "2023-06-01")
      assert.strictEqual(restored.consecutiveUsers, "merge")
      assert.deepStrictEqual(
        JSON.parse(JSON.stringify(Schema.encodeSync(Conversation.Json)(restored))),
        JSON.parse(text)
      )
      assert.deepStrictEqual(JSON.parse(text).messages[1].content[0], {
        type: "text",
        text: "Yes",
        future_field: { a: 1 }
      })
    })
  )

  it("fails to restore a history the API would reject, with the rule's message", () => {
    const result = Schema.decodeUnknownEither(Conversation.Json)({
      messages: [{ role: "assistant", content: "Hi" }]
    })
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) {
      assert.include(result.left.message, "messages[0]: the first turn must be from the user")
    }
  })

  it.effect("builds, checks and encodes a 10,000-turn conversation", () =>
    Effect.gen(function* () {
      let conversation = Conversation.make({ system: "Long." })
      for (let i = 0; i < 5_000; i++) {
        const id = `toolu_${i}`
        conversation = yield* i % 2 === 0
          ? Conversation.appendUser(conversation, `Question ${i}`)
          : Conversation.appendToolResults(conversation, [Content.toolResult(`toolu_${i - 1}`, `Result ${i}`)])
        conversation = yield* Conversation.appendAssistant(
          conversation,
          reply(i % 2 === 0 ? [Content.text(`Calling ${i}`), toolUse(id)] : [Content.text(`Answer ${i}`)])
        )
      }
      assert.strictEqual(conversation.length, 10_000)
      const messages = Conversation.messages(conversation)
      assert.strictEqual(messages.length, 10_000)
      assert.deepStrictEqual(messages[0], { role: "user", content: "Question 0" })
      assert.deepStrictEqual(messages[2], { role: "user", content: [Content.toolResult("toolu_0", "Result 1")] })
      assert.deepStrictEqual(messages[9_999], { role: "assistant", content: [Content.text("Answer 4999")] })
      const request = Conversation.toRequest(conversation, { model: "claude-sonnet-4-5", max_tokens: 64 })
      assert.strictEqual(yield* Validation.validateRequest(request), request)
      const restored = Schema.decodeUnknownSync(Conversation.Json)(
        JSON.parse(JSON.stringify(Schema.encodeSync(Conversation.Json)(conversation)))
      )
      assert.strictEqual(JSON.stringify(Conversation.messages(restored)), JSON.stringify(messages))
    })
  )
})

describe("merging consecutive turns of one role", () => {
  /** The merge as it was specified before it was made incremental: the whole merged turn, checked again. */
  const reference = (messages: ReadonlyArray<Message.MessageParam>) => {
    const turns: Array<Message.MessageParam> = []
    for (const message of messages) {
      const last = turns.at(-1)
      if (last !== undefined && last.role === message.role) {
        const blocks = (content: Message.MessageParam["content"]) =>
          typeof content === "string" ? [Content.text(content)] : content
        const merged = { ...last, content: [...blocks(last.content), ...blocks(message.content)] }
        const error = Validation.checkTurn(merged, turns.length - 1, turns.at(-2))
        if (error !== undefined) return Either.left(error)
        turns[turns.length - 1] = merged
      } else {
        const error = Validation.checkTurn(message, turns.length, last)
        if (error !== undefined) return Either.left(error)
        turns.push(message)
      }
    }
    return Either.right(turns)
  }

  const ids = ["toolu_a", "toolu_b"]
  const block = FastCheck.oneof(
    FastCheck.constantFrom("hi", " ", "").map((text) => Content.text(text)),
    FastCheck.constantFrom(...ids).map((id) => Content.toolResult(id, "ok")),
    FastCheck.constantFrom(...ids).map((id): Content.ContentBlock => ({ type: "tool_use", id, name: "t", input: {} })),
    FastCheck.constantFrom("", "sig").map(
      (signature): Content.ContentBlock => ({ type: "thinking", thinking: "t", signature })
    )
  )
  const turn = FastCheck.record({
    role: FastCheck.constantFrom("user" as const, "assistant" as const),
    content: FastCheck.oneof(
      FastCheck.constantFrom("text", "  "),
      FastCheck.array(block, { minLength: 1, maxLength: 3 })
    )
  })

  it("accepts and rejects exactly what checking the whole merged turn does, with the same turns and errors", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.array(turn, { maxLength: 12 }), (messages) => {
        const actual = Either.map(
          Conversation.fromMessages(messages, { consecutiveUsers: "merge" }),
          Conversation.messages
        )
        assert.deepStrictEqual(actual, reference(messages))
      }),
      { numRuns: 3000 }
    )
  })

  it("a value that another value already extended is extended without changing either", () => {
    const base = Either.getOrThrow(
      Conversation.fromMessages([Message.user("a"), Message.user("b")], { consecutiveUsers: "merge" })
    )
    const one = Either.getOrThrow(Conversation.appendUser(base, "c"))
    const two = Either.getOrThrow(Conversation.appendUser(base, "d"))
    const texts = (c: Conversation.Conversation) =>
      (Conversation.messages(c)[0]!.content as ReadonlyArray<Content.TextBlock>).map((b) => b.text)
    assert.deepStrictEqual(texts(base), ["a", "b"])
    assert.deepStrictEqual(texts(one), ["a", "b", "c"])
    assert.deepStrictEqual(texts(two), ["a", "b", "d"])
  })

  it("20,000 consecutive user turns, from messages and from a stored conversation, merge into one turn", () => {
    const messages = Array.from({ length: 20_000 }, (_, i) => Message.user(`turn ${i}`))
    const built = Either.getOrThrow(Conversation.fromMessages(messages, { consecutiveUsers: "merge" }))
    assert.strictEqual(Conversation.messages(built).length, 1)
    const content = Conversation.messages(built)[0]?.content as ReadonlyArray<Content.TextBlock>
    assert.strictEqual(content.length, 20_000)
    assert.strictEqual(content[19_999]?.text, "turn 19999")
    const restored = Schema.decodeUnknownSync(Conversation.Json)({ messages, consecutiveUsers: "merge" })
    assert.deepStrictEqual(Conversation.messages(restored), Conversation.messages(built))
  })
})

describe("values share their turns and stay immutable", () => {
  const texts = (c: Conversation.Conversation) =>
    Conversation.messages(c).map((m) => `${m.role}:${typeof m.content === "string" ? m.content : "[blocks]"}`)

  it("two appends to the same parent do not see each other's turns, whichever is extended first", () => {
    const base = Either.getOrThrow(Conversation.fromMessages([Message.user("q"), Message.assistant("a")]))
    const baseMessages = Conversation.messages(base)
    const a = Either.getOrThrow(Conversation.appendUser(base, "A"))
    const aMessages = Conversation.messages(a)
    const b = Either.getOrThrow(Conversation.appendUser(base, "B"))
    // b's parent entry is the one a already wrote to the shared turns; a's next turn, then b's (a diverging branch)
    const a2 = Either.getOrThrow(Conversation.appendAssistant(a, { content: "after A" }))
    const b2 = Either.getOrThrow(Conversation.appendAssistant(b, { content: "after B" }))
    const b3 = Either.getOrThrow(Conversation.appendUser(b2, "B again"))
    const a3 = Either.getOrThrow(Conversation.appendUser(a2, "A again"))
    assert.deepStrictEqual(texts(base), ["user:q", "assistant:a"])
    assert.deepStrictEqual(texts(a), ["user:q", "assistant:a", "user:A"])
    assert.deepStrictEqual(texts(b), ["user:q", "assistant:a", "user:B"])
    assert.deepStrictEqual(texts(a3), ["user:q", "assistant:a", "user:A", "assistant:after A", "user:A again"])
    assert.deepStrictEqual(texts(b3), ["user:q", "assistant:a", "user:B", "assistant:after B", "user:B again"])
    assert.deepStrictEqual([a.length, b.length, a3.length, b3.length], [3, 3, 5, 5])
    // arrays read before the branches grew are unchanged, and reading again gives the same array
    assert.strictEqual(Conversation.messages(base), baseMessages)
    assert.strictEqual(baseMessages.length, 2)
    assert.strictEqual(Conversation.messages(a), aMessages)
    assert.deepStrictEqual(aMessages.length, 3)
    // the turns before the branch point are the same objects in every branch: nothing was copied turn by turn
    assert.strictEqual(Conversation.messages(a3)[1], Conversation.messages(b3)[1])
  })

  it("a merge into the last turn and a new turn after it, from one parent, do not see each other", () => {
    const base = Either.getOrThrow(Conversation.fromMessages([Message.user("q"), Message.assistant("a")]))
    const merged = Either.getOrThrow(Conversation.appendAssistant(base, { content: [Content.text("b")] }))
    const next = Either.getOrThrow(Conversation.appendUser(base, "next"))
    const after = Either.getOrThrow(Conversation.appendUser(merged, "after merge"))
    assert.deepStrictEqual(Conversation.messages(base), [Message.user("q"), Message.assistant("a")])
    assert.deepStrictEqual(Conversation.messages(merged), [
      Message.user("q"),
      { role: "assistant", content: [Content.text("a"), Content.text("b")] }
    ])
    assert.deepStrictEqual(Conversation.messages(next), [
      Message.user("q"),
      Message.assistant("a"),
      Message.user("next")
    ])
    assert.deepStrictEqual(Conversation.messages(after), [
      Message.user("q"),
      { role: "assistant", content: [Content.text("a"), Content.text("b")] },
      Message.user("after merge")
    ])
  })

  it("any tree of appends gives each value the turns of its own path, as building that path afresh does", () => {
    const entry = FastCheck.oneof(
      FastCheck.constantFrom("one", "two", "three").map(Message.user),
      FastCheck.constantFrom("yes", "no").map(Message.assistant),
      FastCheck.constantFrom("be brief", "be kind").map(
        (content): Message.MessageParam => ({ role: "system", content })
      )
    )
    const op = FastCheck.record({ parent: FastCheck.nat(), message: entry, read: FastCheck.boolean() })
    FastCheck.assert(
      FastCheck.property(FastCheck.array(op, { maxLength: 40 }), (ops) => {
        const values: Array<{
          readonly conversation: Conversation.Conversation
          readonly path: ReadonlyArray<Message.MessageParam>
          readonly read: ReadonlyArray<Message.MessageParam> | undefined
        }> = [{ conversation: Conversation.make(), path: [], read: undefined }]
        for (const { parent, message, read } of ops) {
          const from = values[parent % values.length]!
          const c = from.conversation
          const next =
            message.role === "system"
              ? Conversation.appendSystem(c, message.content)
              : message.role === "user"
                ? Conversation.appendUser(c, message.content)
                : Conversation.appendAssistant(c, message)
          if (Either.isLeft(next)) continue
          values.push({
            conversation: next.right,
            path: [...from.path, message],
            read: read ? [...Conversation.messages(next.right)] : undefined
          })
        }
        for (const { conversation, path, read } of values) {
          const fresh = Either.getOrThrow(Conversation.fromMessages(path))
          assert.deepStrictEqual(Conversation.messages(conversation), Conversation.messages(fresh))
          assert.strictEqual(conversation.length, fresh.length)
          if (read !== undefined) assert.deepStrictEqual(Conversation.messages(conversation), read)
        }
      }),
      { numRuns: 500 }
    )
  })

  /**
   * History turns whose property reads are counted: the work an append or a read does on the turns before the last
   * one shows up there, whatever the machine's speed.
   */
  const counted = (n: number) => {
    const reads = new Array<number>(n).fill(0)
    const messages = Array.from({ length: n }, (_, i) => {
      const message: Message.MessageParam =
        i % 2 === 0
          ? { role: "user", content: [Content.text(`question ${i}`)] }
          : { role: "assistant", content: [Content.text(`answer ${i}`)] }
      return new Proxy(message, {
        get: (target, key, receiver) => {
          reads[i]!++
          return Reflect.get(target, key, receiver)
        }
      })
    })
    return { messages, reads }
  }

  it("an append reads only the turn before it, and reading messages reads no turn, at any length", () => {
    const perTurn = (n: number) => {
      const { messages, reads } = counted(n)
      let conversation = Conversation.make()
      const afterEachAppend: Array<number> = []
      for (let i = 0; i < n; i++) {
        const before = reads.slice()
        conversation = Either.getOrThrow(
          i % 2 === 0
            ? Conversation.appendUser(conversation, messages[i]!.content)
            : Conversation.appendAssistant(conversation, messages[i]!)
        )
        // turns older than the previous one are not read by this append
        afterEachAppend.push(reads.slice(0, Math.max(0, i - 1)).reduce((sum, r, k) => sum + r - before[k]!, 0))
        Conversation.messages(conversation)
      }
      const built = reads.slice()
      const all = Conversation.messages(conversation)
      Schema.encodeSync(Conversation.Json)(conversation)
      Conversation.toRequest(conversation, { model: "m", max_tokens: 1 })
      return { afterEachAppend, built, all, untouched: reads.every((r, i) => r === built[i]) }
    }
    const short = perTurn(20)
    const long = perTurn(4_000)
    assert.deepStrictEqual(new Set(long.afterEachAppend), new Set([0]))
    assert.isTrue(long.untouched)
    assert.strictEqual(long.all.length, 4_000)
    // every turn is read the same number of times, in a short conversation and in a long one
    const middle = (built: ReadonlyArray<number>) => new Set(built.slice(1, -1))
    assert.strictEqual(middle(long.built).size, 1)
    assert.deepStrictEqual(middle(long.built), middle(short.built))
  })
})

describe("role: system messages (API version 2026-10-21)", () => {
  const options = { apiVersion: "2026-10-21" as const }
  const system = (content: string): Message.MessageParam => ({ role: "system", content })
  const asked: ReadonlyArray<Message.MessageParam> = [
    Message.user("Weather?"),
    { role: "assistant", content: [toolUse("toolu_a")] },
    system("Answer in Celsius.")
  ]
  /** The error `Validation.validateMessages` gives for the same messages: a conversation agrees with it. */
  /** The linter's verdict on the same messages, typed to compare with a failed append's. */
  const linted = (
    messages: ReadonlyArray<Message.MessageParam>,
    consecutiveUsers?: "reject"
  ): Either.Either<Validation.ValidationError, unknown> =>
    Either.flip(Validation.validateMessages(messages, { ...options, consecutiveUsers }))

  it("are kept apart: consecutive system messages are not merged, through appends, fromMessages and JSON", () => {
    const built = Either.getOrThrow(
      Conversation.make(options).pipe(
        Conversation.appendSystem("Be brief."),
        Either.flatMap(Conversation.appendSystem({ content: [Content.text("Be kind.")], clear_at: "never" })),
        Either.flatMap(Conversation.appendUser("Hi")),
        Either.flatMap(Conversation.appendSystem("Answer in French.")),
        Either.flatMap(Conversation.appendSystem("Use metric units."))
      )
    )
    const expected: ReadonlyArray<Message.MessageParam> = [
      system("Be brief."),
      { role: "system", content: [Content.text("Be kind.")], clear_at: "never" },
      Message.user("Hi"),
      system("Answer in French."),
      system("Use metric units.")
    ]
    assert.deepStrictEqual(Conversation.messages(built), expected)
    assert.strictEqual(built.length, 5)
    assert.deepStrictEqual(Conversation.messages(Either.getOrThrow(Conversation.fromMessages(expected))), expected)
    const restored = Schema.decodeUnknownSync(Conversation.Json)(
      JSON.parse(JSON.stringify(Schema.encodeSync(Conversation.Json)(built)))
    )
    assert.deepStrictEqual(Conversation.messages(restored), expected)
  })

  it("the turn after a system message is checked against the last turn before it", () => {
    const conversation = Either.getOrThrow(Conversation.fromMessages(asked, options))
    assert.deepStrictEqual(Conversation.pendingToolUses(conversation), [toolUse("toolu_a")])

    const unanswered = Either.flip(Conversation.appendUser(conversation, "Never mind"))
    assert.deepStrictEqual(
      unanswered,
      Either.right(
        error({
          rule: "UnansweredToolUse",
          turn: 1,
          block: 0,
          message: `messages[1].content[0]: tool_use "toolu_a" has no tool_result in the next turn messages[3]`
        })
      )
    )
    assert.deepStrictEqual(unanswered, linted([...asked, Message.user("Never mind")]))

    const stray = [Content.toolResult("toolu_zzz", "?")]
    const wrong = Either.flip(Conversation.appendToolResults(conversation, stray))
    assert.deepStrictEqual(
      wrong,
      Either.right(
        error({
          rule: "ToolResultWithoutToolUse",
          turn: 3,
          block: 0,
          message:
            `messages[3].content[0]: tool_result for "toolu_zzz" answers no tool_use of the previous assistant ` +
            "turn messages[1]"
        })
      )
    )
    assert.deepStrictEqual(wrong, linted([...asked, Message.user(stray)]))

    const answered = Either.getOrThrow(
      Conversation.appendToolResults(conversation, [Content.toolResult("toolu_a", "-3C")])
    )
    assert.strictEqual(answered.length, 4)
    assert.deepStrictEqual(Conversation.pendingToolUses(answered), [])
    assert.isTrue(Either.isRight(Validation.validateMessages(Conversation.messages(answered), options)))
  })

  it("leading system messages are no turn: an assistant turn after them is the first turn", () => {
    const leading = Either.getOrThrow(Conversation.appendSystem(Conversation.make(options), "Be brief."))
    const failure = Either.flip(Conversation.appendAssistant(leading, { content: "Hi" }))
    assert.deepStrictEqual(
      failure,
      Either.right(
        error({ rule: "FirstTurnNotUser", turn: 1, message: "messages[1]: the first turn must be from the user" })
      )
    )
    assert.deepStrictEqual(failure, linted([system("Be brief."), Message.assistant("Hi")]))
    assert.strictEqual(Either.getOrThrow(Conversation.appendUser(leading, "Hi")).length, 2)
  })

  it("user turns on both sides of a system message are one turn to the API: accepted under merge, refused under reject", () => {
    const split = [Message.user("One"), system("Be brief."), Message.user("Two")]
    const merged = Either.getOrThrow(Conversation.fromMessages(split, options))
    assert.deepStrictEqual(Conversation.messages(merged), split)
    assert.isTrue(Either.isRight(Validation.validateMessages([...split, Message.assistant("Ok")], options)))

    const rejected = Either.flip(Conversation.fromMessages(split, { ...options, consecutiveUsers: "reject" }))
    assert.deepStrictEqual(
      rejected,
      Either.right(
        error({
          rule: "ConsecutiveUserTurns",
          turn: 2,
          message:
            "messages[2]: a user turn follows the user turn messages[0]; merge them or add an assistant turn between them"
        })
      )
    )
    assert.deepStrictEqual(rejected, linted(split, "reject"))
  })

  it("the blocks of a turn continued after a system message are checked as part of that turn", () => {
    const history: ReadonlyArray<Message.MessageParam> = [
      ...asked.slice(0, 2),
      Message.user([Content.toolResult("toolu_a", "-3C"), Content.text("Thanks")]),
      system("Answer in Celsius.")
    ]
    const conversation = Either.getOrThrow(Conversation.fromMessages(history, options))
    const late = [Content.toolResult("toolu_a", "again")]
    const failure = Either.flip(Conversation.appendToolResults(conversation, late))
    assert.deepStrictEqual(
      failure,
      Either.right(
        error({
          rule: "ToolResultNotFirst",
          turn: 4,
          block: 0,
          message: "messages[4].content[0]: tool_result blocks must come before any other content"
        })
      )
    )
    assert.deepStrictEqual(failure, linted([...history, Message.user(late)]))
    const more = Either.getOrThrow(Conversation.appendUser(conversation, "And tomorrow?"))
    assert.deepStrictEqual(Conversation.messages(more), [...history, Message.user("And tomorrow?")])
  })
})
