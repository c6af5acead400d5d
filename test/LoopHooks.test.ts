// The loop's ready-made hooks end to end: prompt caching against the stand-in over HTTP (which reports cache writes
// and reads as the API does), and the context window on a long scripted run.
import { assert, describe, it } from "@effect/vitest"
import type * as ContextWindow from "@parley/core/ContextWindow"
import * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as Hooks from "@parley/loop/Hooks"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Responder from "@parley/standin/Responder"
import * as StandinServer from "@parley/standin/StandinServer"
import * as MessagesClient from "@parley/transport/MessagesClient"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

const Add = Tool.make("add", {
  description: "Adds two numbers a and b",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const toolkit = Toolkit.make(Add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })

/** A system prompt long enough to be cached (the API's minimum is 1,024 tokens). */
const system = Array.from({ length: 400 }, (_, i) => `Rule ${i}: answer arithmetic exactly and briefly.`).join("\n")

describe("loop hooks", () => {
  it.live("prompt caching: each turn reads what the turn before wrote (stand-in over HTTP)", () =>
    Effect.gen(function* () {
      const standin = yield* StandinServer.start({ responder: Responder.planner() })
      const client = MessagesClient.layer({ apiKey: Redacted.make("test"), baseUrl: standin.url }).pipe(
        Layer.provide(NodeHttpClient.layer)
      )
      const usages = yield* AgentLoop.stream({
        model: "claude-sonnet-4-5",
        system,
        prompt: "add 2 and 3, then add 4 and 5",
        toolkit,
        beforeModelCall: Hooks.promptCaching({ mode: "breakpoints" })
      }).pipe(
        Stream.filter((event) => event._tag === "TurnUsage"),
        Stream.map((event) => (event._tag === "TurnUsage" ? event.usage : undefined)),
        Stream.runCollect,
        Effect.provide(client)
      )
      const turns = [...usages].map((usage) => ({
        write: usage?.cache_creation_input_tokens ?? 0,
        read: usage?.cache_read_input_tokens ?? 0
      }))
      // reported per turn, as the issue asks: the first turn writes the prefix, every later turn reads it
      console.log(`cache per turn (write/read tokens): ${turns.map((t) => `${t.write}/${t.read}`).join(", ")}`)
      assert.isAtLeast(turns.length, 2)
      assert.isAbove(turns[0]!.write, 1024)
      assert.strictEqual(turns[0]!.read, 0)
      for (const turn of turns.slice(1)) assert.isAbove(turn.read, 1024)
      // every request the stand-in received had at most four breakpoints
      for (const request of standin.requests()) {
        const marks = JSON.stringify(request.body).split('"cache_control"').length - 1
        assert.isAtMost(marks, 4)
      }
    }).pipe(Effect.scoped)
  )

  it.effect("context window: past the threshold the oldest turns go, the run goes on, onWarn is told", () =>
    Effect.gen(function* () {
      const reply = (i: number): Message.Message => ({
        id: `msg_${i}`,
        type: "message",
        role: "assistant",
        content: [{ type: "tool_use", id: `toolu_${i}`, name: "add", input: { a: i, b: i } }],
        stop_reason: "tool_use",
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 5 }
      })
      const answers = [
        ...Array.from({ length: 30 }, (_, i) => reply(i)),
        {
          id: "msg_done",
          type: "message" as const,
          role: "assistant" as const,
          content: [{ type: "text" as const, text: "Done." }],
          stop_reason: "end_turn",
          stop_sequence: null,
          usage: { input_tokens: 10, output_tokens: 5 }
        }
      ]
      const model = ScriptedModel.fromMessages(answers)
      const warnings: Array<number> = []
      const budget: ContextWindow.Budget = { window: 2_000, warnAt: 1_000 }
      const result = yield* AgentLoop.run({
        model: "claude-test",
        prompt: `Add many numbers. ${"Context. ".repeat(100)}`,
        toolkit,
        limits: { maxTurns: 40 },
        beforeModelCall: Hooks.sequence(
          Hooks.contextWindow({
            budget,
            target: 600,
            onWarn: (measure) => Effect.sync(() => warnings.push(measure.tokens))
          }),
          Hooks.promptCaching()
        )
      }).pipe(Effect.provide(ScriptedModel.layer(model)))
      const sizes = model.requests().map((request) => request.messages.length)
      assert.strictEqual(result.text, "Done.")
      assert.isAbove(warnings.length, 0)
      for (const tokens of warnings) assert.isAbove(tokens, budget.warnAt)
      // the history was cut at least once, and every request after a cut starts with a user turn and stays valid
      assert.isTrue(sizes.some((size, i) => i > 0 && size < sizes[i - 1]!))
      const cut = model.requests().find((request, i) => i > 0 && request.messages.length < sizes[i - 1]!)!
      assert.deepStrictEqual(cut.messages[0], {
        role: "user",
        content: "(Earlier turns of this conversation were removed to fit the context window.)"
      })
      for (const request of model.requests()) {
        assert.strictEqual(request.messages[0]?.role, "user")
        assert.deepStrictEqual(request.cache_control, { type: "ephemeral" })
      }
    })
  )

  it.effect("summarize: past the threshold the older turns become a summary; ContextWarning events say so", () =>
    Effect.gen(function* () {
      const text = (value: string, i: number): Message.Message => ({
        id: `msg_${i}`,
        type: "message",
        role: "assistant",
        content: [{ type: "text", text: value }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 5 }
      })
      // an earlier conversation of 20 exchanges, each long enough to matter
      const earlier: Array<Message.MessageParam> = []
      for (let i = 0; i < 20; i++) {
        earlier.push({ role: "user", content: `Question ${i}: ${"detail ".repeat(60)}` })
        earlier.push({ role: "assistant", content: `Answer ${i}.` })
      }
      const conversation = Conversation.fromMessages(earlier).pipe(Either.getOrThrow)
      const model = ScriptedModel.fromMessages([text("They asked 20 detailed questions.", 0), text("Final.", 1)])
      const budget: ContextWindow.Budget = { window: 3_000, warnAt: 1_500 }
      const events = yield* AgentLoop.stream({
        model: "claude-test",
        conversation,
        prompt: "And now?",
        contextBudget: budget,
        beforeModelCall: Hooks.summarize({ budget, target: 800, model: "claude-small" })
      }).pipe(Stream.runCollect, Effect.provide(ScriptedModel.layer(model)))
      const [summaryCall, finalCall] = model.requests()
      assert.strictEqual(summaryCall?.model, "claude-small")
      assert.include(JSON.stringify(summaryCall?.messages), "Question 0:")
      const first = finalCall!.messages[0]!
      assert.strictEqual(first.role, "user")
      assert.include(
        JSON.stringify(first.content),
        "Summary of the earlier conversation: They asked 20 detailed questions."
      )
      assert.isBelow(finalCall!.messages.length, earlier.length)
      const warnings = [...events].filter((event) => event._tag === "ContextWarning")
      // the warning is about the request sent: after the summary it is under the threshold
      assert.deepStrictEqual(warnings, [])
      const result = [...events].find((event) => event._tag === "Finished")
      assert.strictEqual(result?._tag === "Finished" && result.result.text, "Final.")
    })
  )

  it.effect("ContextWarning: a request past the budget's threshold is announced before it is sent", () =>
    Effect.gen(function* () {
      const model = ScriptedModel.fromMessages([
        {
          id: "msg_1",
          type: "message",
          role: "assistant",
          content: [{ type: "text", text: "ok" }],
          stop_reason: "end_turn",
          stop_sequence: null,
          usage: { input_tokens: 10, output_tokens: 5 }
        }
      ])
      const events = yield* AgentLoop.stream({
        model: "claude-test",
        prompt: "word ".repeat(2_000),
        contextBudget: { window: 2_000, warnAt: 1_000 }
      }).pipe(Stream.runCollect, Effect.provide(ScriptedModel.layer(model)))
      const warnings = [...events].filter((event) => event._tag === "ContextWarning")
      assert.strictEqual(warnings.length, 1)
      const warning = warnings[0]!
      assert.isTrue(warning._tag === "ContextWarning" && warning.tokens > 1_000 && warning.window === 2_000)
      assert.deepStrictEqual([...events].map((event) => event._tag).slice(0, 2), ["TurnStarted", "ContextWarning"])
    })
  )
})
