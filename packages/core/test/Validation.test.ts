import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Content from "../src/Content.js"
import type * as Message from "../src/Message.js"
import * as Request from "../src/Request.js"
import * as Tool from "../src/Tool.js"
import * as Validation from "../src/Validation.js"

const request = (messages: ReadonlyArray<Message.RequestMessage>, extra?: Partial<Request.MessagesRequest>) => ({
  model: "claude-sonnet-4-5",
  max_tokens: 100,
  messages,
  ...extra
})

const toolUse = (id: string): Content.ToolUseBlock => ({ type: "tool_use", id, name: "lookup", input: {} })

const error = (fields: { rule: Validation.Rule; turn?: number; block?: number; message: string }) =>
  new Validation.ValidationError(fields)

describe("Validation", () => {
  it.effect("succeeds with the request unchanged when the API would accept it", () =>
    Effect.gen(function* () {
      const valid = request([
        { role: "user", content: "Look it up" },
        { role: "assistant", content: [Content.text("Looking."), toolUse("t1")] },
        { role: "user", content: [Content.toolResult("t1", "found"), Content.text("Thanks")] },
        { role: "assistant", content: "The answer is" }
      ])
      assert.strictEqual(yield* Validation.validateRequest(valid), valid)
      assert.strictEqual(yield* Validation.validateRequest(valid, { apiVersion: "2026-10-21" }), valid)
    })
  )

  it.effect("rejects empty messages", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(
        yield* Effect.flip(Validation.validateRequest(request([]))),
        error({ rule: "EmptyMessages", message: "messages must not be empty" })
      )
    })
  )

  it.effect("checks consecutive turns of one role as the single turn the API makes of them", () =>
    Effect.gen(function* () {
      const split = request([
        { role: "user", content: "Look it up" },
        { role: "assistant", content: [toolUse("t1")] },
        { role: "assistant", content: [toolUse("t2")] },
        { role: "user", content: [Content.toolResult("t1", "found")] },
        { role: "user", content: [Content.toolResult("t2", "found")] }
      ])
      assert.strictEqual(yield* Validation.validateRequest(split), split)
      const late = request([
        { role: "user", content: "Look it up" },
        { role: "assistant", content: [toolUse("t1")] },
        { role: "user", content: [Content.toolResult("t1", "found")] },
        { role: "user", content: "Also" },
        { role: "user", content: [Content.toolResult("t1", "again")] }
      ])
      assert.deepStrictEqual(
        yield* Effect.flip(Validation.validateRequest(late)),
        error({
          rule: "ToolResultNotFirst",
          turn: 4,
          block: 0,
          message: "messages[4].content[0]: tool_result blocks must come before any other content"
        })
      )
      const unanswered = request([
        { role: "user", content: "Look it up" },
        { role: "assistant", content: [toolUse("t1")] },
        { role: "assistant", content: [Content.text("and"), toolUse("t2")] },
        { role: "user", content: [Content.toolResult("t1", "found")] }
      ])
      assert.deepStrictEqual(
        yield* Effect.flip(Validation.validateRequest(unanswered)),
        error({
          rule: "UnansweredToolUse",
          turn: 2,
          block: 1,
          message: `messages[2].content[1]: tool_use "t2" has no tool_result in the next turn messages[3]`
        })
      )
    })
  )

  it.effect("rejects consecutive user turns when asked to", () =>
    Effect.gen(function* () {
      const twice = request([
        { role: "user", content: "One" },
        { role: "user", content: "Two" }
      ])
      assert.strictEqual(yield* Validation.validateRequest(twice), twice)
      assert.deepStrictEqual(
        yield* Effect.flip(Validation.validateRequest(twice, { consecutiveUsers: "reject" })),
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

  it.effect("rejects a tool_result in an assistant turn", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(
        yield* Effect.flip(
          Validation.validateRequest(
            request([
              { role: "user", content: "Hi" },
              { role: "assistant", content: [Content.toolResult("t1", "x")] }
            ])
          )
        ),
        error({
          rule: "ToolResultWithoutToolUse",
          turn: 1,
          block: 0,
          message: "messages[1].content[0]: tool_result blocks belong in user turns"
        })
      )
    })
  )

  it.effect("rejects a prefill ending with whitespace, and prefills on models that reject them", () =>
    Effect.gen(function* () {
      const prefilled = (content: Message.MessageParam["content"]) =>
        request([
          { role: "user", content: "Haiku?" },
          { role: "assistant", content }
        ])
      assert.deepStrictEqual(
        yield* Effect.flip(Validation.validateRequest(prefilled([Content.text("Sure"), Content.text("Here: ")]))),
        error({
          rule: "PrefillTrailingWhitespace",
          turn: 1,
          block: 1,
          message: "messages[1].content[1]: the final assistant turn cannot end with whitespace"
        })
      )
      assert.deepStrictEqual(
        yield* Effect.flip(Validation.validateRequest({ ...prefilled("Here:"), model: "claude-opus-4-6" })),
        error({
          rule: "PrefillNotSupported",
          turn: 1,
          message:
            "messages[1]: claude-opus-4-6 does not accept a prefilled assistant turn; use structured outputs " +
            "or system instructions"
        })
      )
      const paused = { ...prefilled([Content.text("Searching"), toolUse("srv")]), model: "claude-opus-4-6" }
      assert.isTrue(Either.isRight(Validation.validateMessages(paused.messages)))
    })
  )

  it.effect("rejects an empty assistant turn that is not the last", () =>
    Effect.gen(function* () {
      const messages: ReadonlyArray<Message.MessageParam> = [
        { role: "user", content: "Hi" },
        { role: "assistant", content: [] }
      ]
      assert.isTrue(Either.isRight(Validation.validateMessages(messages)))
      assert.deepStrictEqual(
        yield* Effect.flip(Validation.validateRequest(request([...messages, { role: "user", content: "Hello?" }]))),
        error({ rule: "EmptyContent", turn: 1, message: "messages[1]: an assistant turn must have non-blank content" })
      )
    })
  )

  describe("API version rules", () => {
    const cited: Content.TextBlock = {
      type: "text",
      text: "Ants",
      citations: [
        { type: "char_location", cited_text: "Ants", document_index: 0, start_char_index: 0, end_char_index: 4 }
      ]
    }
    const withDocument = request([
      { role: "user", content: "Hi" },
      { role: "assistant", content: [Content.textDocument("Ants")] }
    ])
    const withCitations = request([{ role: "user", content: [cited] }])

    it.effect("2026-10-21 rejects temperature, top_p and top_k", () =>
      Effect.gen(function* () {
        for (const parameter of ["temperature", "top_p", "top_k"] as const) {
          const sampled = request([{ role: "user", content: "Hi" }], { [parameter]: 0.5 })
          assert.deepStrictEqual(
            yield* Effect.flip(Validation.validateRequest(sampled, { apiVersion: "2026-10-21" })),
            error({
              rule: "UnsupportedParameter",
              message: `anthropic-version 2026-10-21 does not accept ${parameter}`
            })
          )
          assert.strictEqual(yield* Validation.validateRequest(sampled, { apiVersion: "2023-06-01" }), sampled)
          assert.strictEqual(yield* Validation.validateRequest(sampled), sampled)
        }
      })
    )

    it.effect("2026-10-21 rejects documents in assistant turns and citations on user text", () =>
      Effect.gen(function* () {
        assert.deepStrictEqual(
          yield* Effect.flip(Validation.validateRequest(withDocument, { apiVersion: "2026-10-21" })),
          error({
            rule: "DocumentInAssistantTurn",
            turn: 1,
            block: 0,
            message:
              "messages[1].content[0]: anthropic-version 2026-10-21 does not accept document blocks in " +
              "assistant turns"
          })
        )
        assert.deepStrictEqual(
          yield* Effect.flip(Validation.validateRequest(withCitations, { apiVersion: "2026-10-21" })),
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

    it.effect("2023-06-01 allows them", () =>
      Effect.gen(function* () {
        assert.strictEqual(yield* Validation.validateRequest(withDocument, { apiVersion: "2023-06-01" }), withDocument)
        assert.strictEqual(
          yield* Validation.validateRequest(withCitations, { apiVersion: "2023-06-01" }),
          withCitations
        )
      })
    )
  })

  it("checkTurn checks one turn against the previous one only", () => {
    const previous: Message.MessageParam = { role: "assistant", content: [toolUse("t1")] }
    assert.isUndefined(Validation.checkTurn({ role: "user", content: [Content.toolResult("t1", "ok")] }, 7, previous))
    assert.deepStrictEqual(
      Validation.checkTurn({ role: "user", content: "skip" }, 7, previous),
      error({
        rule: "UnansweredToolUse",
        turn: 6,
        block: 0,
        message: `messages[6].content[0]: tool_use "t1" has no tool_result in the next turn messages[7]`
      })
    )
  })
})

// =============================================================================
// The rules added from the API's own errors. Each test quotes the 400 the API answers (from the SDK's docs, the
// API docs, or the error as users report it) and checks that the linter fails the same request at the same place.
// =============================================================================

/** The error the linter fails a request with (the requests below each break one rule). */
const failure = (candidate: Request.MessagesRequest, options?: Validation.Options) =>
  Effect.runSync(Effect.flip(Validation.validateRequest(candidate, options)))

const passes = (candidate: Request.MessagesRequest, options?: Validation.Options) =>
  assert.strictEqual(Effect.runSync(Validation.validateRequest(candidate, options)), candidate)

/** The API's path of a block, `messages.1.content.0`, from the error's turn and block. */
const apiPath = (e: Validation.ValidationError) =>
  e.block === undefined ? `messages.${e.turn}` : `messages.${e.turn}.content.${e.block}`

const user = (content: Message.MessageParam["content"]): Message.MessageParam => ({ role: "user", content })
const assistant = (content: Message.MessageParam["content"]): Message.MessageParam => ({ role: "assistant", content })
const thinking = (text = "Let me think."): Content.ThinkingBlock => ({
  type: "thinking",
  thinking: text,
  signature: "sig"
})
const system = (content: string): Message.MessageParam =>
  ({ role: "system", content }) as unknown as Message.MessageParam
/** A system message without content (beta): it only sets the effort from here on. */
const settings = (effort: string | null = "high"): Message.SystemSettingsParam => ({
  role: "system",
  output_config: { effort }
})

describe("messages rules", () => {
  it("AssistantBlockInUserTurn: tool_use, thinking and redacted_thinking only in assistant turns", () => {
    // API: "messages.0: `tool_use` blocks can only be in `assistant` messages"
    const blocks: ReadonlyArray<Content.ContentBlock> = [
      toolUse("t1"),
      thinking(),
      { type: "redacted_thinking", data: "xyz" }
    ]
    for (const block of blocks) {
      const e = failure(request([user([Content.text("Hi"), block])]))
      assert.deepStrictEqual(
        e,
        error({
          rule: "AssistantBlockInUserTurn",
          turn: 0,
          block: 1,
          message: `messages[0].content[1]: ${block.type} blocks can only be in assistant turns`
        })
      )
      // the same rule on append: a merged user turn and a checked turn agree
      assert.deepStrictEqual(
        Validation.checkAppend({ role: "user", index: 0, count: 1, lastBlock: Content.text("Hi") }, [block], undefined),
        e
      )
    }
    passes(request([user("Hi"), assistant([thinking(), toolUse("t1")]), user([Content.toolResult("t1", "ok")])]))
  })

  it("DuplicateToolUseId: tool_use ids are unique in the whole request", () => {
    // API: "messages.1.content.1: `tool_use` ids must be unique"
    const sameTurn = failure(request([user("Hi"), assistant([toolUse("t1"), toolUse("t1")])]))
    assert.strictEqual(apiPath(sameTurn), "messages.1.content.1")
    assert.deepStrictEqual(
      sameTurn,
      error({
        rule: "DuplicateToolUseId",
        turn: 1,
        block: 1,
        message: `messages[1].content[1]: tool_use ids must be unique: "t1" is also the id of messages[1].content[0]`
      })
    )
    const laterTurn = failure(
      request([
        user("Hi"),
        assistant([toolUse("t1")]),
        user([Content.toolResult("t1", "ok")]),
        assistant([Content.text("Again"), toolUse("t1")]),
        user([Content.toolResult("t1", "ok")])
      ])
    )
    assert.deepStrictEqual(
      laterTurn,
      error({
        rule: "DuplicateToolUseId",
        turn: 3,
        block: 1,
        message: `messages[3].content[1]: tool_use ids must be unique: "t1" is also the id of messages[1].content[0]`
      })
    )
    passes(
      request([
        user("Hi"),
        assistant([toolUse("t1"), toolUse("t2")]),
        user([Content.toolResult("t1", "ok"), Content.toolResult("t2", "ok")])
      ])
    )
  })

  it("ServerToolResultWithoutServerToolUse: a server tool result answers a server_tool_use of its turn", () => {
    const search: Content.ContentBlock = { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} }
    const result: Content.ContentBlock = { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] }
    assert.deepStrictEqual(
      failure(request([user("Search"), assistant([Content.text("Searching"), result])])),
      error({
        rule: "ServerToolResultWithoutServerToolUse",
        turn: 1,
        block: 1,
        message:
          'messages[1].content[1]: web_search_tool_result for "srvtoolu_1" answers no server_tool_use of its ' +
          "assistant turn; send the server_tool_use block back with its result"
      })
    )
    passes(request([user("Search"), assistant([search, result, Content.text("Found")])]))
    // a pause_turn reply continues the turn: the result in the next assistant message answers the use before it
    passes(request([user("Search"), assistant([search]), assistant([result, Content.text("Found")])]))
  })

  it("TooManyMessages: at most 100,000 messages", () => {
    // SDK (messages param): "There is a limit of 100,000 messages in a single request."
    const messages = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? user(`q${i}`) : assistant("a")))
    passes(request(messages(100_000)))
    assert.deepStrictEqual(
      failure(request(messages(100_001))),
      error({
        rule: "TooManyMessages",
        message: "messages: a request may hold at most 100000 messages; this one has 100001"
      })
    )
  })

  it("EmptyContent: blank text inside tool_result content (a string content may be empty)", () => {
    // API: "messages: text content blocks must contain non-whitespace text"
    const answered = (content: Content.ToolResultBlock["content"]) =>
      request([user("Hi"), assistant([toolUse("t1")]), user([{ type: "tool_result", tool_use_id: "t1", content }])])
    for (const text of ["", " \n"]) {
      assert.deepStrictEqual(
        failure(answered([Content.text("ok"), Content.text(text)])),
        error({
          rule: "EmptyContent",
          turn: 2,
          block: 0,
          message: "messages[2].content[0].content[1]: text blocks must contain non-whitespace text"
        })
      )
    }
    passes(answered(""))
    passes(answered([]))
    passes(answered([Content.text("ok")]))
  })

  it("system messages (2026-10-21) are not turns: a leading one is no FirstTurnNotUser", () => {
    const leading = request([system("Be brief."), user("Hi"), assistant("Hello")])
    passes(leading)
    passes(leading, { apiVersion: "2026-10-21" })
    assert.isUndefined(Validation.checkTurn(system("Be brief."), 0, undefined))
    assert.isUndefined(Validation.checkTurn(user("Hi"), 1, system("Be brief.")))
    assert.deepStrictEqual(
      failure(request([system("Be brief.")])),
      error({ rule: "EmptyMessages", message: "messages must hold a user turn; system messages are not turns" })
    )
    assert.deepStrictEqual(
      failure(request([system("Be brief."), assistant("Hello")])),
      error({ rule: "FirstTurnNotUser", turn: 1, message: "messages[1]: the first turn must be from the user" })
    )
    assert.deepStrictEqual(
      Validation.checkTurn(user([Content.toolResult("t1", "ok")]), 1, system("Be brief.")),
      error({
        rule: "ToolResultWithoutToolUse",
        turn: 1,
        block: 0,
        message: 'messages[1].content[0]: tool_result for "t1" has no tool_use before it'
      })
    )
    // after a later system message the turn before it is not known to checkTurn: nothing that needs it is flagged
    assert.isUndefined(Validation.checkTurn(user([Content.toolResult("t1", "ok")]), 3, system("Now be verbose.")))
    passes(
      request([
        user("Hi"),
        assistant([toolUse("t1")]),
        system("Mind the units."),
        user([Content.toolResult("t1", "ok")])
      ])
    )
  })

  it("a system message without content (beta) is no turn either, and must set output_config", () => {
    // first, between the turns of one tool call, between merged user turns, and last
    const valid = request([
      settings("low"),
      user("Hi"),
      assistant([toolUse("t1")]),
      settings("max"),
      user([Content.toolResult("t1", "ok")]),
      settings(),
      user("And then?"),
      settings(null)
    ])
    passes(valid)
    passes(valid, { apiVersion: "2026-10-21" })
    passes(
      request(
        [
          settings(),
          user("Hi"),
          assistant([thinking(), toolUse("t1")]),
          settings(),
          user([Content.toolResult("t1", "ok")])
        ],
        {
          thinking: { type: "enabled", budget_tokens: 1024 },
          max_tokens: 2048
        }
      )
    )
    assert.isUndefined(Validation.checkTurn(settings(), 0, undefined))
    assert.isUndefined(Validation.checkTurn(user("Hi"), 1, settings()))
    assert.deepStrictEqual(
      failure(request([settings()])),
      error({ rule: "EmptyMessages", message: "messages must hold a user turn; system messages are not turns" })
    )
    assert.deepStrictEqual(
      failure(request([settings(), assistant("Hello")])),
      error({ rule: "FirstTurnNotUser", turn: 1, message: "messages[1]: the first turn must be from the user" })
    )
    // "a message with neither content nor output_config fields is rejected" (BetaSystemMessageParam)
    const empty = (turn: number) =>
      error({
        rule: "EmptyContent",
        turn,
        message:
          `messages[${turn}]: a system message without content must set output_config (e.g. its effort); add ` +
          "content or remove the message"
      })
    const bare: ReadonlyArray<Message.SystemSettingsParam> = [
      { role: "system" },
      { role: "system", output_config: null },
      { role: "system", output_config: {} },
      { role: "system", clear_at: "never" }
    ]
    for (const message of bare) {
      assert.deepStrictEqual(failure(request([message, user("Hi")])), empty(0))
      assert.deepStrictEqual(failure(request([user("Hi"), assistant("Hello"), message, user("Go on")])), empty(2))
      assert.deepStrictEqual(failure(request([user("Hi"), message, user("Go on")])), empty(1))
      assert.deepStrictEqual(Validation.checkTurn(message, 3, user("Hi")), empty(3))
    }
  })
})

describe("the prefill model table", () => {
  const prefilled = (model: string) => ({ ...request([user("Haiku?"), assistant("Here:")]), model })

  it("lists the models Anthropic documents as rejecting prefills, by exact id", () => {
    assert.deepStrictEqual(Validation.prefillUnsupportedModels, [
      "claude-mythos-preview",
      "claude-opus-4-7",
      "claude-opus-4-6",
      "claude-sonnet-4-6"
    ])
    for (const model of Validation.prefillUnsupportedModels) {
      assert.strictEqual(failure(prefilled(model)).rule, "PrefillNotSupported")
    }
  })

  it("does not flag models it has no evidence about", () => {
    for (const model of ["claude-sonnet-4-5", "claude-opus-4-5", "claude-mythos-5", "claude-opus-4-6-fast", "x"]) {
      passes(prefilled(model))
    }
  })
})

describe("thinking rules", () => {
  const enabled = (budget_tokens = 2048): Partial<Request.MessagesRequest> => ({
    max_tokens: 4096,
    thinking: { type: "enabled", budget_tokens }
  })
  const adaptive: Partial<Request.MessagesRequest> = { thinking: { type: "adaptive" } }
  const hi = [user("Hi")]

  it("InvalidThinkingBudget: at least 1024, and less than max_tokens", () => {
    // API: "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
    assert.deepStrictEqual(
      failure(request(hi, enabled(1023))),
      error({ rule: "InvalidThinkingBudget", message: "thinking.budget_tokens: must be at least 1024; it is 1023" })
    )
    passes(request(hi, enabled(1024)))
    // API: "`max_tokens` must be greater than `thinking.budget_tokens`"
    const equal = request(hi, { max_tokens: 2048, thinking: { type: "enabled", budget_tokens: 2048 } })
    assert.deepStrictEqual(
      failure(equal),
      error({
        rule: "InvalidThinkingBudget",
        message:
          "thinking.budget_tokens: max_tokens (2048) must be greater than thinking.budget_tokens (2048); thinking " +
          "tokens count toward max_tokens"
      })
    )
    // with interleaved thinking the budget spans the whole turn and may exceed max_tokens
    passes(equal, { betas: ["interleaved-thinking-2025-05-14"] })
    passes(request(hi, adaptive))
    passes(request(hi, { thinking: { type: "disabled" } }))
  })

  it("SamplingWithThinking: temperature 1 only, no top_k, top_p from 0.95", () => {
    // API: "`temperature` may only be set to 1 when thinking is enabled or in adaptive mode"
    assert.deepStrictEqual(
      failure(request(hi, { ...enabled(), temperature: 0.5 })),
      error({
        rule: "SamplingWithThinking",
        message: "temperature: may only be set to 1 when thinking is enabled; it is 0.5"
      })
    )
    assert.deepStrictEqual(
      failure(request(hi, { ...adaptive, temperature: 0 })),
      error({
        rule: "SamplingWithThinking",
        message: "temperature: may only be set to 1 when thinking is adaptive; it is 0"
      })
    )
    passes(request(hi, { ...enabled(), temperature: 1 }))
    // API: "`top_k` must be unset when thinking is enabled"
    assert.deepStrictEqual(
      failure(request(hi, { ...enabled(), top_k: 5 })),
      error({ rule: "SamplingWithThinking", message: "top_k: must be unset when thinking is enabled" })
    )
    // docs: "When thinking is enabled, you can set top_p to values between 1 and 0.95"
    assert.deepStrictEqual(
      failure(request(hi, { ...enabled(), top_p: 0.9 })),
      error({
        rule: "SamplingWithThinking",
        message: "top_p: must be between 0.95 and 1 when thinking is enabled; it is 0.9"
      })
    )
    passes(request(hi, { ...enabled(), top_p: 0.95 }))
    passes(request(hi, { temperature: 0, top_k: 5, top_p: 0.5 }))
  })

  it("ForcedToolUseWithThinking: tool_choice any or tool with manual thinking", () => {
    // API: "Thinking may not be enabled when tool_choice forces tool use."
    const tools = [{ name: "lookup", input_schema: { type: "object" as const } }]
    assert.deepStrictEqual(
      failure(request(hi, { ...enabled(), tools, tool_choice: { type: "any" } })),
      error({
        rule: "ForcedToolUseWithThinking",
        message:
          'tool_choice: "any" forces tool use, which thinking of type "enabled" does not allow; use "auto" or ' +
          '"none", or adaptive thinking'
      })
    )
    assert.strictEqual(
      failure(request(hi, { ...enabled(), tools, tool_choice: { type: "tool", name: "lookup" } })).rule,
      "ForcedToolUseWithThinking"
    )
    // docs: "adaptive thinking supports forced tool use"
    passes(request(hi, { ...adaptive, tools, tool_choice: { type: "any" } }))
    passes(request(hi, { ...enabled(), tools, tool_choice: { type: "auto" } }))
  })

  describe("MissingThinking: with thinking enabled, the final assistant turn starts with thinking", () => {
    // API: "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`. When `thinking`
    // is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of
    // `tool_use` and `tool_result` blocks)."
    const loop = (first: ReadonlyArray<Content.ContentBlock>) => [
      user("Weather in Oslo?"),
      assistant(first),
      user([Content.toolResult("t1", "-3C")])
    ]

    it("flags the turn tool results continue when it has no thinking block first", () => {
      const e = failure(request(loop([Content.text("Checking."), toolUse("t1")]), enabled()))
      assert.strictEqual(apiPath(e), "messages.1.content.0")
      assert.deepStrictEqual(
        e,
        error({
          rule: "MissingThinking",
          turn: 1,
          block: 0,
          message:
            "messages[1].content[0]: with thinking enabled, the final assistant turn must start with a thinking or " +
            "redacted_thinking block, not text; send the turn's thinking blocks back as the API returned them, or " +
            "disable thinking"
        })
      )
      assert.strictEqual(apiPath(failure(request(loop([toolUse("t1")]), enabled()))), "messages.1.content.0")
    })

    it("flags a prefill", () => {
      const e = failure(request([user("Haiku?"), assistant("Here is one:")], enabled()))
      assert.deepStrictEqual([e.rule, e.turn, e.block], ["MissingThinking", 1, undefined])
      passes(request([user("Haiku?"), assistant([thinking(), Content.text("Here is one:")])], enabled()))
    })

    it("accepts what the API returns in a tool-use loop, and completed turns without thinking", () => {
      passes(request(loop([thinking(), toolUse("t1")]), enabled()))
      passes(request(loop([{ type: "redacted_thinking", data: "xyz" }, toolUse("t1")]), enabled()))
      // after a tool result the model continues the same turn without a new thinking block (no interleaving)
      passes(
        request(
          [
            ...loop([thinking(), toolUse("t1")]),
            assistant([Content.text("And Bergen:"), toolUse("t2")]),
            user([Content.toolResult("t2", "4C")])
          ],
          enabled()
        )
      )
      // an earlier turn, closed by a user message that is not only tool results, needs no thinking block
      passes(request([user("Hi"), assistant("Hello"), user("Weather?")], enabled()))
      passes(
        request([...loop([Content.text("Checking."), toolUse("t1")]), assistant("-3C."), user("Thanks")], enabled())
      )
      // only manual thinking requires it
      passes(request(loop([Content.text("Checking."), toolUse("t1")]), { thinking: { type: "adaptive" } }))
      passes(request(loop([Content.text("Checking."), toolUse("t1")])))
    })
  })
})

describe("tool rules", () => {
  const custom = (name: string) => ({ name, input_schema: { type: "object" as const } })
  const hi = [user("Hi")]

  it("InvalidToolName: custom tool names match ^[a-zA-Z0-9_-]{1,128}$", () => {
    // API: "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"
    const rule = "must match ^[a-zA-Z0-9_-]{1,128}$ (letters, digits, _ and -, 1 to 128 characters)"
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["get weather", `"get weather" ${rule}: " " (at index 3) is not allowed`],
      ["a.b", `"a.b" ${rule}: "." (at index 1) is not allowed`],
      ["", `"" ${rule}: it is empty`],
      ["x".repeat(129), `"${"x".repeat(128)}..." ${rule}: it is 129 characters long`]
    ]
    for (const [name, why] of cases) {
      assert.deepStrictEqual(
        failure(request(hi, { tools: [custom("ok"), custom(name)] })),
        error({ rule: "InvalidToolName", message: `tools[1].name: ${why}` })
      )
      // the same words as Tool.make's, from the one rule in Request
      assert.strictEqual(Request.toolNameProblem(name), why)
    }
    passes(request(hi, { tools: [custom("get_weather-2"), custom("x".repeat(128))] }))
  })

  it("InvalidToolName and Tool.make agree at every length around the limit", () => {
    for (const length of [0, 1, 63, 64, 65, 127, 128, 129, 300]) {
      const name = "n".repeat(length)
      let defined = true
      try {
        Tool.make(name, { description: "", input: Schema.Struct({}) })
      } catch {
        defined = false
      }
      const linted = Effect.runSync(Effect.either(Validation.validateRequest(request(hi, { tools: [custom(name)] }))))
      assert.deepStrictEqual(
        [length, defined, Either.isRight(linted)],
        [length, length >= 1 && length <= 128, length >= 1 && length <= 128]
      )
    }
  })

  it("DuplicateToolName: tool names are unique, across custom and server tools", () => {
    // API: "Tool names must be unique."
    assert.deepStrictEqual(
      failure(request(hi, { tools: [custom("lookup"), custom("lookup")] })),
      error({ rule: "DuplicateToolName", message: 'tools[1]: tool names must be unique: "lookup" is also tools[0]' })
    )
    assert.strictEqual(
      failure(request(hi, { tools: [custom("web_search"), { type: "web_search_20250305", name: "web_search" }] })).rule,
      "DuplicateToolName"
    )
    passes(request(hi, { tools: [custom("lookup"), { type: "web_search_20250305", name: "web_search" }] }))
  })

  it("UndefinedToolChoice: tool_choice names a defined tool", () => {
    assert.deepStrictEqual(
      failure(request(hi, { tools: [custom("lookup")], tool_choice: { type: "tool", name: "search" } })),
      error({
        rule: "UndefinedToolChoice",
        message:
          'tool_choice.name: names the tool "search", which tools does not define; add it to tools or name a ' +
          "defined tool"
      })
    )
    assert.strictEqual(
      failure(request(hi, { tool_choice: { type: "tool", name: "search" } })).rule,
      "UndefinedToolChoice"
    )
    passes(request(hi, { tools: [custom("lookup")], tool_choice: { type: "tool", name: "lookup" } }))
    // a toolset defines tools whose names the request does not spell out: nothing is flagged
    const toolset = { type: "browser_toolset_20260801" } as unknown as Request.ToolDefinition
    passes(request(hi, { tools: [toolset], tool_choice: { type: "tool", name: "navigate" } }))
  })
})

describe("request-wide rules", () => {
  const hi = () => [user("Hi")]
  const cache = (ttl?: "5m" | "1h") => ({ type: "ephemeral" as const, ...(ttl === undefined ? {} : { ttl }) })
  const cachedText = (text: string, ttl?: "5m" | "1h"): Content.TextBlock => ({
    ...Content.text(text),
    cache_control: cache(ttl)
  })
  const tool = (name: string, ttl?: "5m" | "1h") => ({
    name,
    input_schema: { type: "object" as const },
    cache_control: cache(ttl)
  })

  it("TooManyCacheBreakpoints: at most 4, counted over tools, system and messages", () => {
    // API: "A maximum of 4 blocks with cache_control may be provided. Found 5."
    const five = request([user([cachedText("a"), cachedText("b")])], {
      tools: [tool("one"), tool("two")],
      system: [cachedText("Be brief.")]
    })
    assert.deepStrictEqual(
      failure(five),
      error({
        rule: "TooManyCacheBreakpoints",
        turn: 0,
        block: 1,
        message:
          "messages[0].content[1]: a request may have at most 4 blocks with cache_control; this is breakpoint 5 " +
          "(the top-level cache_control, then tools, system and messages count, in that order)"
      })
    )
    const four = request([user([cachedText("a"), Content.text("b")])], {
      tools: [tool("one"), tool("two")],
      system: [cachedText("Be brief.")]
    })
    passes(four)
    // the request's own cache_control is the fifth
    assert.strictEqual(failure({ ...four, cache_control: cache() }).rule, "TooManyCacheBreakpoints")
  })

  it("CacheTtlOrder: no 1h breakpoint after a 5m one, in the order tools, system, messages", () => {
    // API: "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block" (tools, system,
    // messages processed in that order)
    assert.deepStrictEqual(
      failure(request([user([cachedText("a", "1h")])], { tools: [tool("one", "1h")], system: [cachedText("s")] })),
      error({
        rule: "CacheTtlOrder",
        turn: 0,
        block: 0,
        message:
          'messages[0].content[0]: a cache_control with ttl "1h" must not come after one with ttl "5m" (system[0]); ' +
          "tools, system and messages are processed in that order"
      })
    )
    assert.strictEqual(
      failure(request(hi(), { tools: [tool("one", "5m")], system: [cachedText("s", "1h")] })).message.slice(0, 10),
      "system[0]:"
    )
    passes(request([user([cachedText("a", "5m")])], { tools: [tool("one", "1h")], system: [cachedText("s", "1h")] }))
  })

  it("EmptyContent: blank text blocks in system (a string system prompt is not checked)", () => {
    // API: "system: text content blocks must contain non-whitespace text"
    assert.deepStrictEqual(
      failure(request(hi(), { system: [Content.text("Be brief."), Content.text(" ")] })),
      error({ rule: "EmptyContent", message: "system[1]: text blocks must contain non-whitespace text" })
    )
    passes(request(hi(), { system: "Be brief." }))
  })

  it("MixedDocumentCitations: citations on all documents of a request or on none", () => {
    const cited = Content.textDocument("Ants are insects.", { citations: true })
    const plain = Content.textDocument("Bees are insects.")
    assert.deepStrictEqual(
      failure(request([user([cited, Content.text("?")]), assistant("Yes."), user([plain, Content.text("And?")])])),
      error({
        rule: "MixedDocumentCitations",
        turn: 2,
        block: 0,
        message:
          "messages[2].content[0]: citations must be enabled on all documents of a request or on none; " +
          "messages[0].content[0] has them enabled, this document disabled"
      })
    )
    passes(request([user([cited, cited, Content.text("?")])]))
    passes(request([user([plain, Content.textDocument("x", { citations: false }), Content.text("?")])]))
  })

  it("RequestTooLarge: a body over 32 MB (counted in UTF-8 bytes)", () => {
    const limit = Validation.limits.requestBytes
    const sized = (bytes: number) => {
      const empty = request([user("")])
      const overhead = new TextEncoder().encode(JSON.stringify(empty)).length
      const text = "é".repeat(Math.floor((bytes - overhead) / 2)) + "e".repeat((bytes - overhead) % 2)
      return request([user(text)])
    }
    const atLimit = sized(limit)
    assert.strictEqual(new TextEncoder().encode(JSON.stringify(atLimit)).length, limit)
    passes(atLimit)
    assert.deepStrictEqual(
      failure(sized(limit + 1)),
      error({
        rule: "RequestTooLarge",
        message:
          `the request body is ${limit + 1} bytes; the API accepts at most 32 MB (${limit} bytes): send large ` +
          "images and documents through the Files API, or fewer of them"
      })
    )
  })
})
