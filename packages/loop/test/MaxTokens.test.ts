import { assert, describe, it } from "@effect/vitest"
import * as Conversation from "@parley/core/Conversation"
import * as RunState from "@parley/core/RunState"
import * as AgentLoop from "@parley/loop/AgentLoop"
import type { LoopOptions } from "@parley/loop/LoopOptions"
import * as StopReason from "@parley/loop/StopReason"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { reply } from "./utils/replies.js"

const text = (t: string, stop: string) => reply([{ type: "text", text: t }], stop)

describe('onMaxTokens: "continue"', () => {
  it.effect("result.text is the whole answer, every piece of it, also when the run is stepped through JSON", () => {
    const pieces = () =>
      ScriptedModel.fromMessages([
        text("The answer", "max_tokens"),
        text(" is", "max_tokens"),
        text(" 42.", "end_turn")
      ])
    const options: LoopOptions = { model: "m", onMaxTokens: "continue" }
    const whole = [
      { type: "text", text: "The answer" },
      { type: "text", text: " is" },
      { type: "text", text: " 42." }
    ]
    return Effect.gen(function* () {
      const run = yield* AgentLoop.run({ ...options, prompt: "answer" }).pipe(
        Effect.provide(ScriptedModel.layer(pieces()))
      )
      assert.deepStrictEqual(run.stopReason, StopReason.EndTurn())
      assert.strictEqual(run.text, "The answer is 42.")
      assert.strictEqual(run.turns, 3)
      assert.deepStrictEqual(Conversation.lastTurn(run.conversation), { role: "assistant", content: whole })

      const model = pieces()
      let state = yield* AgentLoop.init({ ...options, prompt: "answer" })
      for (let i = 0; i < 2; i++) {
        const step = yield* AgentLoop.step(options, state).pipe(Effect.provide(ScriptedModel.layer(model)))
        assert.strictEqual(step._tag, "Continue")
        state = Schema.decodeUnknownSync(RunState.Json)(Schema.encodeSync(RunState.Json)(step.state))
      }
      assert.strictEqual(state.text, "The answer is")
      const last = yield* AgentLoop.step(options, state).pipe(Effect.provide(ScriptedModel.layer(model)))
      assert.strictEqual(last._tag, "Finished")
      if (last._tag === "Finished") assert.strictEqual(last.result.text, "The answer is 42.")
    }).pipe(Effect.orDie)
  })

  it.effect("the text of the next answer (to a new prompt) starts afresh", () => {
    const model = ScriptedModel.fromMessages([text("First", "max_tokens"), text(" answer.", "end_turn")])
    return Effect.gen(function* () {
      const first = yield* AgentLoop.run({ model: "m", onMaxTokens: "continue", prompt: "one" })
      assert.strictEqual(first.text, "First answer.")
      const second = yield* AgentLoop.run({
        model: "m",
        onMaxTokens: "continue",
        conversation: first.conversation,
        prompt: "two"
      }).pipe(Effect.provide(ScriptedModel.layer(ScriptedModel.fromMessages([text("Second.", "end_turn")]))))
      assert.strictEqual(second.text, "Second.")
    }).pipe(Effect.provide(ScriptedModel.layer(model)), Effect.orDie)
  })

  it.effect("streamed: every piece's text deltas in order, and the whole text in the result", () => {
    const model = ScriptedModel.fromMessages([text("The answer", "max_tokens"), text(" is 42.", "end_turn")], {
      chunks: { textChunkSize: 4 }
    })
    return Effect.gen(function* () {
      const events = yield* AgentLoop.stream({
        model: "m",
        onMaxTokens: "continue",
        streaming: true,
        prompt: "q"
      }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      assert.deepStrictEqual(
        events.map((event) => (event._tag === "TextDelta" ? `${event.turn}:${event.text}` : event._tag)),
        [
          "TurnStarted",
          "1:The ",
          "1:answ",
          "1:er",
          "TurnFinished",
          "TurnUsage",
          "TurnStarted",
          "2: is ",
          "2:42.",
          "TurnFinished",
          "TurnUsage",
          "Finished"
        ]
      )
      const finished = events.at(-1)
      assert.strictEqual(finished?._tag === "Finished" ? finished.result.text : undefined, "The answer is 42.")
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })
})
