import { assert, describe, it } from "@effect/vitest"
import * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import type * as Model from "@parley/core/Model"
import * as ModelError from "@parley/core/ModelError"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as Approval from "@parley/loop/Approval"
import type * as LoopEvent from "@parley/loop/LoopEvent"
import * as StopReason from "@parley/loop/StopReason"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Reply from "@parley/standin/Reply"
import type * as Responder from "@parley/standin/Responder"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

// =============================================================================
// Fixtures
// =============================================================================

class Refused extends Schema.TaggedError<Refused>()("Refused", { message: Schema.String }) {}

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const failing = Tool.make("failing", {
  description: "Always fails",
  input: Schema.Struct({}),
  failure: Refused
})
const dying = Tool.make("dying", { description: "Always dies", input: Schema.Struct({}) })
const hanging = Tool.make("hanging", { description: "Never returns", input: Schema.Struct({}) })
const wait = Tool.make("wait", {
  description: "Waits, then answers with its label",
  input: Schema.Struct({ label: Schema.String, millis: Schema.Number })
})

/** A toolkit whose handlers count their calls and record interruptions. */
const makeTools = () => {
  const calls: Record<string, number> = {}
  const interrupted: Array<string> = []
  const stopped = Effect.runSync(Deferred.make<void>())
  const started = Effect.runSync(Deferred.make<void>())
  const count = (name: string) => Effect.sync(() => (calls[name] = (calls[name] ?? 0) + 1))
  const handled = Toolkit.make(add, failing, dying, hanging, wait).handle({
    add: ({ a, b }) => Effect.as(count("add"), a + b),
    failing: () => Effect.zipRight(count("failing"), Effect.fail(new Refused({ message: "not today" }))),
    dying: () => Effect.zipRight(count("dying"), Effect.die(new Error("boom"))),
    hanging: () =>
      count("hanging").pipe(
        Effect.zipRight(Deferred.succeed(started, undefined)),
        Effect.zipRight(Effect.never),
        Effect.onInterrupt(() =>
          Effect.zipRight(
            Effect.sync(() => interrupted.push("hanging")),
            Deferred.succeed(stopped, undefined)
          )
        )
      ),
    wait: ({ label, millis }) =>
      count("wait").pipe(Effect.zipRight(Effect.sleep(Duration.millis(millis))), Effect.as(label))
  })
  return { handled, calls, interrupted, started, stopped }
}

const call = (name: string, input: unknown, id: string) => ({ name, input, id })

/** The usage a scripted reply reports when its script gives none. */
const scriptedUsage = { input_tokens: 10, output_tokens: 5 }

/** A failed call of the script: what the API's 400 would be, as the port reports it. */
const badRequest = new ModelError.ModelFailure({
  reason: "invalid-request",
  errorType: "invalid_request_error",
  message: "messages: something is off",
  status: 400
})

type Entry = Responder.Reply | ModelError.ModelFailure | ((request: Model.ModelRequest) => Responder.Reply)

/**
 * Runs `f` with a scripted model answering call `i` with `replies[i]` (the stand-in's reply builders; a
 * `ModelFailure` fails the call); a call beyond the script fails loudly.
 */
const withScript = <A, E, R>(
  replies: ReadonlyArray<Entry>,
  f: (model: ScriptedModel.ScriptedModel) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, Exclude<R, Model.Model>> => {
  const model = ScriptedModel.make((request, index) => {
    const entry = replies[index]
    if (entry === undefined) return Effect.die(new Error(`The script has no reply for call ${index + 1}.`))
    if (entry instanceof ModelError.ModelFailure) return Effect.fail(entry)
    const reply = typeof entry === "function" ? entry(request) : entry
    if (reply._tag === "Fault") return Effect.die(new Error("faults are the transport's concern"))
    return Effect.succeed({ usage: scriptedUsage, ...reply.message })
  })
  return Effect.provide(f(model), ScriptedModel.layer(model))
}

/** The requests the scripted model received. */
const bodies = (model: ScriptedModel.ScriptedModel) => model.requests()

/** The conversation as `role: block types` lines, for compact transcript assertions. */
const outline = (conversation: Conversation.Conversation) =>
  Conversation.messages(conversation).map(
    (message) =>
      `${message.role}: ${
        typeof message.content === "string" ? "string" : message.content.map((block) => block.type).join(",")
      }`
  )

/** The tool results of the last turn, as `[id, is_error, content]`. */
const lastResults = (conversation: Conversation.Conversation) => {
  const last = Conversation.lastTurn(conversation)
  assert.strictEqual(last?.role, "user")
  const content = last?.content
  assert.isTrue(Array.isArray(content))
  return (content as ReadonlyArray<{ type: string; tool_use_id?: string; is_error?: boolean; content?: unknown }>).map(
    (block) => [block.tool_use_id, block.is_error === true, block.content]
  )
}

const message = (
  content: Message.Message["content"],
  stop_reason: string,
  usage?: { input_tokens: number; output_tokens: number }
): Message.Message => ({
  id: "msg_scripted",
  type: "message",
  role: "assistant",
  content,
  stop_reason,
  stop_sequence: null,
  ...(usage !== undefined ? { usage } : {})
})

/** A scripted client answering call i with `script[i]`. */
const scripted = (script: ReadonlyArray<Message.Message>) => {
  let index = 0
  return ScriptedModel.layer(() => Effect.sync(() => script[Math.min(index++, script.length - 1)]!))
}

// =============================================================================
// Tests
// =============================================================================

describe("AgentLoop (scripted model)", () => {
  it.scopedLive("runs a tool, sends one user turn of results, and ends on end_turn", () =>
    withScript([Reply.toolUse([call("add", { a: 17, b: 23 }, "toolu_1")]), Reply.text("17 + 23 = 40")], (model) =>
      Effect.gen(function* () {
        const tools = makeTools()
        const result = yield* AgentLoop.run({ model: "m", prompt: "What is 17 + 23?", toolkit: tools.handled })
        assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
        assert.strictEqual(result.text, "17 + 23 = 40")
        assert.strictEqual(result.turns, 2)
        assert.strictEqual(result.toolCalls, 1)
        assert.deepStrictEqual(outline(result.conversation), [
          "user: string",
          "assistant: tool_use",
          "user: tool_result",
          "assistant: text"
        ])
        const sent = bodies(model)
        assert.strictEqual(sent.length, 2)
        assert.deepStrictEqual(
          sent[0]!.tools?.map((tool) => ("name" in tool ? tool.name : undefined)),
          ["add", "failing", "dying", "hanging", "wait"]
        )
        assert.deepStrictEqual(sent[1]!.messages[2], {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "40" }]
        })
        assert.deepStrictEqual(tools.calls, { add: 1 })
        assert.isTrue(result.usage.total > 0)
      })
    )
  )

  it.scopedLive("streams: text deltas, then the same transcript as without streaming", () =>
    withScript(
      [Reply.toolUse([call("add", { a: 1, b: 2 }, "toolu_1")], { text: "Adding." }), Reply.text("It is 3")],
      () =>
        Effect.gen(function* () {
          const tools = makeTools()
          const events = yield* AgentLoop.stream({
            model: "m",
            prompt: "1 + 2?",
            toolkit: tools.handled,
            streaming: true
          }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
          const text = events
            .filter((event): event is Extract<LoopEvent.LoopEvent, { _tag: "TextDelta" }> => event._tag === "TextDelta")
            .map((event) => event.text)
            .join("")
          assert.strictEqual(text, "Adding.It is 3")
          const tags = events
            .filter((event) => event._tag !== "TextDelta" && event._tag !== "ToolInputDelta")
            .map((event) => event._tag)
          assert.deepStrictEqual(
            events.flatMap((event) => (event._tag === "ToolInputDelta" ? [event.partialJson] : [])),
            ['{"a":1,"b":2}']
          )
          assert.deepStrictEqual(tags, [
            "TurnStarted",
            "TurnFinished",
            "TurnUsage",
            "ToolCalled",
            "ToolResult",
            "TurnStarted",
            "TurnFinished",
            "TurnUsage",
            "Finished"
          ])
          const finished = events.at(-1)
          assert.strictEqual(finished?._tag, "Finished")
          if (finished?._tag === "Finished") {
            assert.strictEqual(finished.result.text, "It is 3")
            assert.deepStrictEqual(outline(finished.result.conversation), [
              "user: string",
              "assistant: text,tool_use",
              "user: tool_result",
              "assistant: text"
            ])
          }
        })
    )
  )

  it.scopedLive("answers parallel calls in one user turn, in the order of the calls, running them concurrently", () =>
    withScript(
      [
        Reply.toolUse([
          call("wait", { label: "slow", millis: 120 }, "toolu_slow"),
          call("wait", { label: "fast", millis: 1 }, "toolu_fast"),
          call("add", { a: 2, b: 2 }, "toolu_add")
        ]),
        Reply.text("done")
      ],
      () =>
        Effect.gen(function* () {
          const tools = makeTools()
          const events = yield* AgentLoop.stream({ model: "m", prompt: "go", toolkit: tools.handled }).pipe(
            Stream.runCollect,
            Effect.map(Chunk.toReadonlyArray)
          )
          const finishedOrder = events.flatMap((event) => (event._tag === "ToolResult" ? [event.call.id] : []))
          assert.strictEqual(finishedOrder.at(-1), "toolu_slow")
          const finished = events.at(-1)
          assert.strictEqual(finished?._tag, "Finished")
          if (finished?._tag !== "Finished") return
          const turns = Conversation.messages(finished.result.conversation)
          assert.strictEqual(turns.length, 4)
          assert.deepStrictEqual(turns[2], {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "toolu_slow", content: "slow" },
              { type: "tool_result", tool_use_id: "toolu_fast", content: "fast" },
              { type: "tool_result", tool_use_id: "toolu_add", content: "4" }
            ]
          })
          assert.strictEqual(finished.result.toolCalls, 3)
        })
    )
  )

  it.scopedLive("turns a failing tool, a dying tool, a hanging tool, bad input and an unknown tool into is_error", () =>
    withScript(
      [
        Reply.toolUse([
          call("failing", {}, "toolu_fail"),
          call("dying", {}, "toolu_die"),
          call("hanging", {}, "toolu_hang"),
          call("add", { a: "seventeen" }, "toolu_bad"),
          call("subtract", { a: 1 }, "toolu_unknown")
        ]),
        Reply.text("sorry")
      ],
      (model) =>
        Effect.gen(function* () {
          const tools = makeTools()
          const result = yield* AgentLoop.run({
            model: "m",
            prompt: "try everything",
            toolkit: tools.handled,
            toolTimeouts: { hanging: "50 millis" }
          })
          assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
          assert.deepStrictEqual(Object.fromEntries(result.tools.map((report) => [report.call.id, report.outcome])), {
            toolu_fail: "error",
            toolu_die: "error",
            toolu_hang: "timeout",
            toolu_bad: "invalid-input",
            toolu_unknown: "unknown-tool"
          })
          const results = bodies(model)[1]!.messages[2]!.content as ReadonlyArray<{
            tool_use_id: string
            is_error?: boolean
            content: string
          }>
          assert.deepStrictEqual(
            results.map((block) => [block.tool_use_id, block.is_error]),
            [
              ["toolu_fail", true],
              ["toolu_die", true],
              ["toolu_hang", true],
              ["toolu_bad", true],
              ["toolu_unknown", true]
            ]
          )
          assert.deepStrictEqual(JSON.parse(results[0]!.content), { _tag: "Refused", message: "not today" })
          assert.strictEqual(
            results[1]!.content,
            'Error: tool "dying" failed unexpectedly. The failure was logged; try another way.'
          )
          assert.strictEqual(
            results[2]!.content,
            'Error: tool "hanging" did not finish within 50ms and was abandoned. It may still complete: do not assume it had no effect.'
          )
          assert.match(results[3]!.content, /^Error: invalid input for tool "add"/)
          assert.match(results[4]!.content, /^Error: there is no tool named "subtract"/)
          // The hanging handler was abandoned at its timeout, and interrupted (without waiting) when the run ended.
          yield* Deferred.await(tools.stopped)
          assert.deepStrictEqual(tools.interrupted, ["hanging"])
          assert.deepStrictEqual(tools.calls, { failing: 1, dying: 1, hanging: 1 })
        })
    )
  )

  it.scopedLive("a denied call is answered with the reason and never runs", () =>
    withScript(
      [
        Reply.toolUse([call("add", { a: 1, b: 1 }, "toolu_ok"), call("add", { a: 666, b: 1 }, "toolu_no")]),
        Reply.text("ok")
      ],
      (model) =>
        Effect.gen(function* () {
          const tools = makeTools()
          yield* AgentLoop.run({
            model: "m",
            prompt: "add",
            toolkit: tools.handled,
            approve: (toolUse) =>
              Effect.succeed(
                (toolUse.input as { a: number }).a === 666 ? Approval.deny("666 is not allowed") : Approval.allow
              )
          })
          assert.deepStrictEqual(bodies(model)[1]!.messages[2]!.content, [
            { type: "tool_result", tool_use_id: "toolu_ok", content: "2" },
            { type: "tool_result", tool_use_id: "toolu_no", content: "Denied: 666 is not allowed", is_error: true }
          ])
          assert.deepStrictEqual(tools.calls, { add: 1 })
        })
    )
  )

  it.scopedLive("stops at max turns without running the last turn's calls", () =>
    withScript(
      [
        Reply.toolUse([call("add", { a: 1, b: 1 }, "toolu_1")]),
        Reply.toolUse([call("add", { a: 2, b: 2 }, "toolu_2")]),
        Reply.toolUse([call("add", { a: 3, b: 3 }, "toolu_3")])
      ],
      (model) =>
        Effect.gen(function* () {
          const tools = makeTools()
          const result = yield* AgentLoop.run({
            model: "m",
            prompt: "loop",
            toolkit: tools.handled,
            limits: { maxTurns: 2 }
          })
          assert.deepStrictEqual(result.stopReason, StopReason.MaxTurns({ limit: 2 }))
          assert.strictEqual(result.turns, 2)
          assert.strictEqual(result.toolCalls, 2)
          assert.strictEqual(bodies(model).length, 2)
          assert.deepStrictEqual(tools.calls, { add: 1 })
          assert.deepStrictEqual(lastResults(result.conversation), [
            ["toolu_2", true, "Not run: the loop reached its limit of 2 turns."]
          ])
        })
    )
  )

  it.scopedLive("the repeated-call guard ends the loop on the third identical call", () =>
    withScript(
      [
        Reply.toolUse([call("add", { a: 1, b: 2 }, "toolu_1")]),
        Reply.toolUse([call("add", { b: 2, a: 1 }, "toolu_2")]),
        Reply.toolUse([call("add", { a: 1, b: 2 }, "toolu_3")]),
        Reply.text("unreachable")
      ],
      (model) =>
        Effect.gen(function* () {
          const tools = makeTools()
          const result = yield* AgentLoop.run({ model: "m", prompt: "again", toolkit: tools.handled })
          assert.deepStrictEqual(result.stopReason, StopReason.RepeatedCall({ tool: "add", count: 3 }))
          assert.strictEqual(bodies(model).length, 3)
          assert.deepStrictEqual(tools.calls, { add: 2 })
          assert.deepStrictEqual(lastResults(result.conversation), [
            ["toolu_3", true, "Not run: the model called add with the same input 3 times in a row."]
          ])
        })
    )
  )

  it.scopedLive("max_tokens stops by default, and continues the assistant turn with onMaxTokens: continue", () =>
    Effect.gen(function* () {
      const stopped = yield* withScript([Reply.text("The answer is", { stopReason: "max_tokens" })], () =>
        AgentLoop.run({ model: "m", prompt: "answer" })
      )
      assert.deepStrictEqual(stopped.stopReason, StopReason.MaxTokens())
      assert.strictEqual(stopped.turns, 1)

      yield* withScript([Reply.text("The answer is", { stopReason: "max_tokens" }), Reply.text(" 42.")], (model) =>
        Effect.gen(function* () {
          const result = yield* AgentLoop.run({ model: "m", prompt: "answer", onMaxTokens: "continue" })
          assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
          assert.strictEqual(result.turns, 2)
          assert.strictEqual(result.text, "The answer is 42.")
          assert.deepStrictEqual(bodies(model)[1]!.messages, [
            { role: "user", content: "answer" },
            { role: "assistant", content: [{ type: "text", text: "The answer is" }] }
          ])
          assert.deepStrictEqual(Conversation.messages(result.conversation), [
            { role: "user", content: "answer" },
            {
              role: "assistant",
              content: [
                { type: "text", text: "The answer is" },
                { type: "text", text: " 42." }
              ]
            }
          ])
        })
      )
    })
  )

  it.scopedLive("pause_turn sends the paused turn back and continues it", () =>
    withScript([Reply.text("Searching...", { stopReason: "pause_turn" }), Reply.text("Found it.")], (model) =>
      Effect.gen(function* () {
        const result = yield* AgentLoop.run({ model: "m", prompt: "search" })
        assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
        assert.strictEqual(result.turns, 2)
        assert.strictEqual(result.text, "Searching...Found it.")
        assert.deepStrictEqual(bodies(model)[1]!.messages.at(-1), {
          role: "assistant",
          content: [{ type: "text", text: "Searching..." }]
        })
        assert.deepStrictEqual(outline(result.conversation), ["user: string", "assistant: text,text"])
      })
    )
  )

  it.scopedLive("ends with typed reasons for refusal, stop_sequence and an unknown stop reason", () =>
    Effect.gen(function* () {
      const run = (reply: Responder.Reply) =>
        withScript([reply], () => AgentLoop.run({ model: "m", prompt: "hi" })).pipe(Effect.map((r) => r.stopReason))
      assert.deepStrictEqual(yield* run(Reply.text("No.", { stopReason: "refusal" })), StopReason.Refusal())
      assert.deepStrictEqual(
        yield* run(Reply.text("1, 2", { stopReason: "stop_sequence", stopSequence: ", 3" })),
        StopReason.StopSequence({ sequence: ", 3" })
      )
      assert.deepStrictEqual(
        yield* run(Reply.text("?", { stopReason: "brand_new_reason" })),
        StopReason.Other({ stopReason: "brand_new_reason" })
      )
    })
  )

  it.scopedLive("a failed model call fails with LoopError carrying the consistent conversation", () =>
    withScript([Reply.toolUse([call("add", { a: 1, b: 1 }, "toolu_1")]), badRequest], () =>
      Effect.gen(function* () {
        const tools = makeTools()
        const error = yield* Effect.flip(AgentLoop.run({ model: "m", prompt: "add", toolkit: tools.handled }))
        assert.strictEqual(error._tag, "LoopError")
        assert.strictEqual(error.reason, "ModelCall")
        assert.strictEqual(error.turn, 2)
        assert.strictEqual(error.cause, badRequest)
        assert.strictEqual(error.modelError?.reason, "invalid-request")
        assert.strictEqual(error.modelError?.status, 400)
        assert.strictEqual(error.toolCalls, 1)
        assert.deepStrictEqual(outline(error.conversation), [
          "user: string",
          "assistant: tool_use",
          "user: tool_result"
        ])
        assert.match(error.message, /^The model call of turn 2 failed: /)
      })
    )
  )

  it.scopedLive("the stop signal interrupts a running tool and returns a consistent conversation", () =>
    withScript([Reply.toolUse([call("hanging", {}, "toolu_h"), call("add", { a: 1, b: 1 }, "toolu_a")])], () =>
      Effect.gen(function* () {
        const tools = makeTools()
        const stop = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(
          AgentLoop.run({ model: "m", prompt: "hang", toolkit: tools.handled, stop: Deferred.await(stop) })
        )
        yield* Deferred.await(tools.started)
        yield* Deferred.succeed(stop, undefined)
        const result = yield* Fiber.join(fiber)
        assert.deepStrictEqual(result.stopReason, StopReason.Stopped())
        assert.deepStrictEqual(tools.interrupted, ["hanging"])
        assert.deepStrictEqual(lastResults(result.conversation), [
          ["toolu_h", true, "Interrupted: the loop was stopped while this call was running."],
          ["toolu_a", false, "2"]
        ])
        assert.strictEqual(result.toolCalls, 2)
      })
    )
  )

  it.scopedLive("interrupting the run interrupts the handler and leaves the conversation in the transcript", () =>
    withScript([Reply.toolUse([call("hanging", {}, "toolu_h")])], () =>
      Effect.gen(function* () {
        const tools = makeTools()
        const transcript = yield* Ref.make(Conversation.make())
        const fiber = yield* Effect.fork(
          AgentLoop.run({ model: "m", prompt: "hang", toolkit: tools.handled, transcript })
        )
        yield* Deferred.await(tools.started)
        yield* Fiber.interrupt(fiber)
        assert.deepStrictEqual(tools.interrupted, ["hanging"])
        const conversation = yield* Ref.get(transcript)
        assert.deepStrictEqual(outline(conversation), ["user: string", "assistant: tool_use", "user: tool_result"])
        assert.deepStrictEqual(lastResults(conversation), [
          ["toolu_h", true, "Interrupted: the loop was stopped while this call was running."]
        ])
      })
    )
  )
})

describe("AgentLoop with a scripted client", () => {
  it.effect("stopping the event stream early interrupts the running tool", () =>
    Effect.gen(function* () {
      const tools = makeTools()
      const events = yield* AgentLoop.stream({ model: "m", prompt: "hang", toolkit: tools.handled }).pipe(
        Stream.tap((event) => (event._tag === "ToolCalled" ? Deferred.await(tools.started) : Effect.void)),
        Stream.takeUntil((event) => event._tag === "ToolCalled"),
        Stream.runCollect,
        Effect.map((chunk) => Chunk.toReadonlyArray(chunk).map((event) => event._tag)),
        Effect.provide(
          scripted([message([{ type: "tool_use", id: "toolu_h", name: "hanging", input: {} }], "tool_use")])
        )
      )
      assert.deepStrictEqual(events, ["TurnStarted", "TurnFinished", "TurnUsage", "ToolCalled"])
      assert.deepStrictEqual(tools.calls, { hanging: 1 })
      assert.deepStrictEqual(tools.interrupted, ["hanging"])
    })
  )

  it.effect("the deadline interrupts a slow tool (TestClock)", () =>
    Effect.gen(function* () {
      const tools = makeTools()
      const fiber = yield* Effect.fork(
        AgentLoop.run({
          model: "m",
          prompt: "wait",
          toolkit: tools.handled,
          toolTimeout: "1 hour",
          limits: { deadline: "5 minutes" }
        }).pipe(
          Effect.provide(
            scripted([
              message(
                [{ type: "tool_use", id: "toolu_w", name: "wait", input: { label: "x", millis: 6e5 } }],
                "tool_use"
              )
            ])
          )
        )
      )
      yield* TestClock.adjust("5 minutes")
      const result = yield* Fiber.join(fiber)
      assert.deepStrictEqual(result.stopReason, StopReason.Deadline({ limit: Duration.minutes(5) }))
      assert.deepStrictEqual(lastResults(result.conversation), [
        ["toolu_w", true, "Interrupted: the loop reached its deadline of 5m while this call was running."]
      ])
    })
  )

  it.effect("the token budget counts input, output and cache tokens across turns", () =>
    Effect.gen(function* () {
      const tools = makeTools()
      const toolTurn = (id: string, a: number) =>
        message([{ type: "tool_use", id, name: "add", input: { a, b: 1 } }], "tool_use", {
          input_tokens: 300,
          output_tokens: 100
        })
      const result = yield* AgentLoop.run({
        model: "m",
        prompt: "spend",
        toolkit: tools.handled,
        limits: { tokenBudget: 1000 }
      }).pipe(Effect.provide(scripted([toolTurn("toolu_1", 1), toolTurn("toolu_2", 2), toolTurn("toolu_3", 3)])))
      assert.deepStrictEqual(result.stopReason, StopReason.TokenBudget({ limit: 1000, used: 1200 }))
      assert.strictEqual(result.turns, 3)
      assert.deepStrictEqual(tools.calls, { add: 2 })
      assert.deepStrictEqual(result.usage, {
        inputTokens: 900,
        outputTokens: 300,
        cacheCreationInputTokens: 0,
        cacheReadInputTokens: 0,
        total: 1200
      })
      assert.deepStrictEqual(lastResults(result.conversation), [
        ["toolu_3", true, "Not run: the loop used 1200 tokens, reaching its budget of 1000."]
      ])
    })
  )

  it.effect("the deprecated option stream: true still makes streaming calls", () =>
    Effect.gen(function* () {
      const events = yield* AgentLoop.stream({ model: "m", prompt: "hi", stream: true }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        Effect.provide(scripted([message([{ type: "text", text: "Hello there" }], "end_turn")]))
      )
      assert.deepStrictEqual(
        events.map((event) => event._tag),
        ["TurnStarted", "TextDelta", "TurnFinished", "TurnUsage", "Finished"]
      )
    })
  )

  it.effect("a prompt after a turn of tool results joins that turn", () =>
    Effect.gen(function* () {
      const tools = makeTools()
      const first = yield* AgentLoop.run({
        model: "m",
        prompt: "one",
        toolkit: tools.handled,
        limits: { maxTurns: 1 }
      }).pipe(
        Effect.provide(
          scripted([message([{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 1 } }], "tool_use")])
        )
      )
      const second = yield* AgentLoop.run({
        model: "m",
        prompt: "two",
        conversation: first.conversation
      }).pipe(Effect.provide(scripted([message([{ type: "text", text: "ok" }], "end_turn")])))
      assert.deepStrictEqual(outline(second.conversation), [
        "user: string",
        "assistant: tool_use",
        "user: tool_result,text",
        "assistant: text"
      ])
    })
  )

  it.effect("1,000 turns of scripted tool use", () =>
    Effect.gen(function* () {
      const tools = makeTools()
      let index = 0
      const client = ScriptedModel.layer(() =>
        Effect.sync(() => {
          index++
          return index <= 1000
            ? message([{ type: "tool_use", id: `toolu_${index}`, name: "add", input: { a: index, b: 1 } }], "tool_use")
            : message([{ type: "text", text: "done" }], "end_turn")
        })
      )
      const result = yield* AgentLoop.run({
        model: "m",
        prompt: "count",
        toolkit: tools.handled,
        limits: { maxTurns: 1001 }
      }).pipe(Effect.provide(client))
      assert.deepStrictEqual(result.stopReason, StopReason.EndTurn())
      assert.strictEqual(result.turns, 1001)
      assert.strictEqual(result.toolCalls, 1000)
      assert.strictEqual(Conversation.messages(result.conversation).length, 2002)
      assert.deepStrictEqual(tools.calls, { add: 1000 })
    })
  )

  it.effect("each request holds the conversation's own messages array: the loop keeps no mirror of the turns", () =>
    Effect.gen(function* () {
      const tools = makeTools()
      let index = 0
      const client = ScriptedModel.make(() =>
        Effect.sync(() => {
          index++
          return index <= 200
            ? message([{ type: "tool_use", id: `toolu_${index}`, name: "add", input: { a: index, b: 1 } }], "tool_use")
            : message([{ type: "text", text: "done" }], "end_turn")
        })
      )
      const seen: Array<ReadonlyArray<unknown>> = []
      const result = yield* AgentLoop.run({
        model: "m",
        prompt: "count",
        toolkit: tools.handled,
        limits: { maxTurns: 201 },
        beforeModelCall: ({ request, conversation }) =>
          Effect.sync(() => {
            // The very array the conversation value holds, not a copy the loop made.
            assert.strictEqual(request.messages, Conversation.messages(conversation))
            seen.push(request.messages)
            return undefined
          })
      }).pipe(Effect.provide(ScriptedModel.layer(client)))
      assert.strictEqual(result.turns, 201)
      const sent = client.requests()
      assert.strictEqual(sent.length, 201)
      sent.forEach((request, i) => {
        assert.strictEqual(request.messages, seen[i])
        assert.strictEqual(request.messages.length, 1 + 2 * i)
      })
      // Earlier requests are not changed by later appends (a client may keep them).
      assert.deepStrictEqual(sent[0]!.messages, [{ role: "user", content: "count" }])
    })
  )
})
