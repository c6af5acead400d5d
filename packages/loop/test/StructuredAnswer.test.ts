import { assert, describe, it } from "@effect/vitest"
import * as StructuredOutput from "@parley/core/StructuredOutput"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as StructuredAnswer from "@parley/loop/StructuredAnswer"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { reply } from "./utils/replies.js"

const text = (value: string, stop = "end_turn") => reply([{ type: "text", text: value }], stop)

const Weather = Schema.Struct({ city: Schema.String, celsius: Schema.Number })
const Lookup = Tool.make("lookup", {
  description: "Looks up the weather",
  input: Schema.Struct({ city: Schema.String }),
  output: Schema.Number
})
const toolkit = Toolkit.make(Lookup).handle({ lookup: () => Effect.succeed(7) })

describe("StructuredAnswer", () => {
  it.effect("tools run as usual, and the final answer comes back decoded; every call asks for the format", () =>
    Effect.gen(function* () {
      const model = ScriptedModel.fromMessages([
        reply([{ type: "tool_use", id: "toolu_1", name: "lookup", input: { city: "Oslo" } }], "tool_use"),
        text('{"city":"Oslo","celsius":7}')
      ])
      const answer = yield* StructuredAnswer.run(
        { model: "claude-test", prompt: "Weather in Oslo?", toolkit, request: { temperature: 0 } },
        Weather
      ).pipe(Effect.provide(ScriptedModel.layer(model)))
      assert.deepStrictEqual(answer.value, { city: "Oslo", celsius: 7 })
      assert.strictEqual(answer.result.turns, 2)
      for (const request of model.requests()) {
        assert.deepStrictEqual(request.output_config?.format, StructuredOutput.format(Weather))
        assert.strictEqual(request.temperature, 0)
      }
    })
  )

  it.effect("an answer that does not fit is repaired in the same run; without repairs it fails with the raw text", () =>
    Effect.gen(function* () {
      const repaired = ScriptedModel.fromMessages([text('{"city":"Oslo"}'), text('{"city":"Oslo","celsius":7}')])
      const answer = yield* StructuredAnswer.run({ model: "claude-test", prompt: "Weather?" }, Weather, {
        repairs: 1
      }).pipe(Effect.provide(ScriptedModel.layer(repaired)))
      assert.deepStrictEqual(answer.value, { city: "Oslo", celsius: 7 })
      const second = repaired.requests()[1]!
      assert.deepStrictEqual(
        second.messages.map((message) => message.role),
        ["user", "assistant", "user"]
      )
      assert.include(JSON.stringify(second.messages[2]), "is missing")

      const strict = ScriptedModel.fromMessages([text("It is 7 degrees.")])
      const error = yield* Effect.flip(
        StructuredAnswer.run({ model: "claude-test", prompt: "Weather?" }, Weather).pipe(
          Effect.provide(ScriptedModel.layer(strict))
        )
      )
      assert.strictEqual(error._tag, "StructuredOutputError")
      if (error._tag !== "StructuredOutputError") return
      assert.strictEqual(error.reason, "not-json")
      assert.strictEqual(error.text, "It is 7 degrees.")
      assert.strictEqual(strict.requests().length, 1)
    })
  )
})
