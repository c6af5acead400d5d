import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Content from "../src/Content.js"
import type * as Message from "../src/Message.js"
import type * as Request from "../src/Request.js"
import * as Validation from "../src/Validation.js"

const request = (messages: ReadonlyArray<Message.MessageParam>, extra?: Partial<Request.MessagesRequest>) => ({
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
