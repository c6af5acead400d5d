import { assert, describe, it } from "@effect/vitest"
import * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import * as Model from "@parley/core/Model"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import type * as LoopEvent from "@parley/loop/LoopEvent"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { reply } from "./utils/replies.js"

const add = Tool.make("add", {
  description: "Adds two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const toolkit = Toolkit.make(add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })

/** An event as a short line: its tag, turn, block index and piece of content. */
const line = (event: LoopEvent.LoopEvent): string => {
  switch (event._tag) {
    case "TextDelta":
      return `TextDelta ${event.turn} ${event.index} ${JSON.stringify(event.text)}`
    case "ThinkingDelta":
      return `ThinkingDelta ${event.turn} ${event.index} ${JSON.stringify(event.thinking)}`
    case "ToolInputDelta":
      return `ToolInputDelta ${event.turn} ${event.index} ${event.partialJson}`
    case "TurnUsage":
      return `TurnUsage ${event.turn} ${event.usage?.input_tokens}/${event.usage?.output_tokens} total ${event.totals.total}`
    case "ToolCalled":
      return `ToolCalled ${event.turn} ${event.call.id}`
    case "ToolResult":
      return `ToolResult ${event.turn} ${event.call.id} ${event.outcome} ${JSON.stringify(event.result.content)}`
    case "Finished":
      return `Finished ${event.result.stopReason._tag}`
    default:
      return `${event._tag} ${event.turn}`
  }
}

/** A model that streams `message` as the API's events, one event per chunk, counting the events pulled from it. */
const oneEventPerChunk = (message: Message.Message, chunks: Parameters<typeof ScriptedModel.events>[1]) => {
  const counter = { pulled: 0 }
  const service: Model.Service = {
    create: () => Effect.succeed(message),
    stream: () =>
      Stream.fromIterable(ScriptedModel.events(message, chunks)).pipe(
        Stream.rechunk(1),
        Stream.tap(() => Effect.sync(() => counter.pulled++))
      )
  }
  return { counter, layer: Layer.succeed(Model.Model, service) }
}

describe("LoopEvent for UIs", () => {
  it.effect("streaming calls: thinking, text and tool input deltas, in order, with outcomes and usage", () => {
    const model = ScriptedModel.fromMessages(
      [
        reply(
          [
            { type: "thinking", thinking: "Add them up.", signature: "sig" },
            { type: "text", text: "Adding now." },
            { type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }
          ],
          "tool_use",
          { input_tokens: 20, output_tokens: 7 }
        ),
        reply([{ type: "text", text: "It is 3." }], "end_turn", { input_tokens: 30, output_tokens: 3 })
      ],
      { chunks: { thinkingChunkSize: 5, textChunkSize: 6, jsonChunkSize: 7 } }
    )
    return Effect.gen(function* () {
      const events = yield* AgentLoop.stream({ model: "m", prompt: "1 + 2?", toolkit, streaming: true }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
      assert.deepStrictEqual(events.map(line), [
        "TurnStarted 1",
        'ThinkingDelta 1 0 "Add t"',
        'ThinkingDelta 1 0 "hem u"',
        'ThinkingDelta 1 0 "p."',
        'TextDelta 1 1 "Adding"',
        'TextDelta 1 1 " now."',
        'ToolInputDelta 1 2 {"a":1,',
        'ToolInputDelta 1 2 "b":2}',
        "TurnFinished 1",
        "TurnUsage 1 20/7 total 27",
        "ToolCalled 1 toolu_1",
        'ToolResult 1 toolu_1 ok "3"',
        "TurnStarted 2",
        'TextDelta 2 0 "It is "',
        'TextDelta 2 0 "3."',
        "TurnFinished 2",
        "TurnUsage 2 30/3 total 60",
        "Finished EndTurn"
      ])
      const finished = events.at(-1)
      assert.strictEqual(finished?._tag, "Finished")
      if (finished?._tag !== "Finished") return
      assert.deepStrictEqual(
        finished.result.tools.map((report) => [report.call.id, report.outcome]),
        [["toolu_1", "ok"]]
      )
      assert.strictEqual(model.requests().length, 2)
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.effect("without streaming calls, no delta events; the same turns, usage and outcomes", () => {
    const model = ScriptedModel.fromMessages([
      reply(
        [
          { type: "thinking", thinking: "Add them up.", signature: "sig" },
          { type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }
        ],
        "tool_use"
      ),
      reply([{ type: "text", text: "It is 3." }], "end_turn")
    ])
    return Effect.gen(function* () {
      const events = yield* AgentLoop.stream({ model: "m", prompt: "1 + 2?", toolkit }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
      assert.deepStrictEqual(events.map(line), [
        "TurnStarted 1",
        "TurnFinished 1",
        "TurnUsage 1 10/5 total 15",
        "ToolCalled 1 toolu_1",
        'ToolResult 1 toolu_1 ok "3"',
        "TurnStarted 2",
        "TurnFinished 2",
        "TurnUsage 2 10/5 total 30",
        "Finished EndTurn"
      ])
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.scoped(
    "bounded buffer: a streamed reply waits for a slow consumer, never more than eventBuffer events ahead",
    () => {
      // 10 text deltas, one stream event per chunk, a buffer of 3 events.
      const { counter, layer } = oneEventPerChunk(reply([{ type: "text", text: "abcdefghij" }], "end_turn"), {
        textChunkSize: 1
      })
      return Effect.gen(function* () {
        const pull = yield* Stream.toPull(
          AgentLoop.stream({ model: "m", prompt: "hi", streaming: true, eventBuffer: 3 })
        )
        const takes: Array<{ readonly events: ReadonlyArray<string>; readonly pulled: number }> = []
        while (true) {
          const chunk = yield* Effect.option(pull)
          if (Option.isNone(chunk)) break
          // What the model stream had given when the consumer took this chunk: the loop stopped reading it.
          takes.push({ events: Chunk.toReadonlyArray(chunk.value).map(line), pulled: counter.pulled })
          // A slow consumer: other fibers run until they wait (the loop must wait, not run ahead).
          for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
        }
        // message_start, content_block_start and ping carry no delta: the first take has TurnStarted and two deltas,
        // and the loop had read those 5 stream events only.
        assert.deepStrictEqual(takes, [
          { events: ["TurnStarted 1", 'TextDelta 1 0 "a"', 'TextDelta 1 0 "b"'], pulled: 5 },
          { events: ['TextDelta 1 0 "c"', 'TextDelta 1 0 "d"', 'TextDelta 1 0 "e"'], pulled: 8 },
          { events: ['TextDelta 1 0 "f"', 'TextDelta 1 0 "g"', 'TextDelta 1 0 "h"'], pulled: 11 },
          {
            events: [
              'TextDelta 1 0 "i"',
              'TextDelta 1 0 "j"',
              "TurnFinished 1",
              "TurnUsage 1 10/5 total 15",
              "Finished EndTurn"
            ],
            // content_block_stop, message_delta and message_stop after the last delta: 3 + 10 + 3 events.
            pulled: 16
          }
        ])
      }).pipe(Effect.provide(layer))
    }
  )

  it.scoped("a slow consumer holds the next turn too: continuations without tools wait for it", () => {
    const model = ScriptedModel.fromMessages([
      reply([{ type: "text", text: "one" }], "pause_turn"),
      reply([{ type: "text", text: "two" }], "pause_turn"),
      reply([{ type: "text", text: "three" }], "end_turn")
    ])
    return Effect.gen(function* () {
      const pull = yield* Stream.toPull(AgentLoop.stream({ model: "m", prompt: "hi", eventBuffer: 2 }))
      const takes: Array<{ readonly events: ReadonlyArray<string>; readonly calls: number }> = []
      while (true) {
        const chunk = yield* Effect.option(pull)
        if (Option.isNone(chunk)) break
        takes.push({ events: Chunk.toReadonlyArray(chunk.value).map(line), calls: model.requests().length })
        for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
      }
      assert.deepStrictEqual(takes, [
        { events: ["TurnStarted 1", "TurnFinished 1", "TurnUsage 1 10/5 total 15"], calls: 1 },
        { events: ["TurnStarted 2", "TurnFinished 2", "TurnUsage 2 10/5 total 30"], calls: 2 },
        { events: ["TurnStarted 3", "TurnFinished 3", "TurnUsage 3 10/5 total 45", "Finished EndTurn"], calls: 3 }
      ])
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.live(
    "a loop waiting for a slow consumer does not poll: it costs no CPU while the consumer is away (real time)",
    () => {
      const { layer } = oneEventPerChunk(reply([{ type: "text", text: "abcdefghij" }], "end_turn"), {
        textChunkSize: 1
      })
      return Effect.gen(function* () {
        const pull = yield* Stream.toPull(
          AgentLoop.stream({ model: "m", prompt: "hi", streaming: true, eventBuffer: 3 })
        )
        yield* pull
        // The consumer is away for 300 ms of real time; the loop waits with a full buffer. A loop that polled the
        // buffer (yielding to the scheduler until it drained) spent most of that time on the CPU.
        const before = process.cpuUsage()
        yield* Effect.sleep("300 millis")
        const used = process.cpuUsage(before)
        const millis = (used.user + used.system) / 1000
        assert.isBelow(millis, 60, `${millis} ms of CPU while waiting`)
        let rest = 0
        while (true) {
          const chunk = yield* Effect.option(pull)
          if (Option.isNone(chunk)) break
          rest += Chunk.size(chunk.value)
        }
        assert.strictEqual(rest, 8 + 3)
      }).pipe(Effect.provide(layer), Effect.scoped)
    }
  )

  it.effect("a consumer that stops while the loop waits for it interrupts the loop and the model call", () => {
    const { counter, layer } = oneEventPerChunk(reply([{ type: "text", text: "abcdefghij" }], "end_turn"), {
      textChunkSize: 1
    })
    return Effect.gen(function* () {
      const transcript = yield* Ref.make(Conversation.make())
      const taken = yield* AgentLoop.stream({
        model: "m",
        prompt: "hi",
        streaming: true,
        eventBuffer: 3,
        transcript
      }).pipe(Stream.take(2), Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      assert.deepStrictEqual(taken.map(line), ["TurnStarted 1", 'TextDelta 1 0 "a"'])
      // The consumer's one take (3 events) let the loop fill the buffer once more (3 deltas, 8 stream events read);
      // then it waited, and was interrupted there: the stream was read no further, and no turn was appended.
      yield* Effect.yieldNow()
      assert.strictEqual(counter.pulled, 8)
      assert.deepStrictEqual(Conversation.messages(yield* Ref.get(transcript)), [{ role: "user", content: "hi" }])
    }).pipe(Effect.provide(layer))
  })

  it.effect("AgentLoop.step hands its events to onEvent as they happen, one step's worth each", () => {
    const model = ScriptedModel.fromMessages(
      [
        reply([{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }], "tool_use"),
        reply([{ type: "text", text: "It is 3." }], "end_turn")
      ],
      { chunks: { textChunkSize: 5, jsonChunkSize: 100 } }
    )
    return Effect.gen(function* () {
      const options = { model: "m", toolkit, streaming: true }
      const seen: Array<string> = []
      const onEvent = (event: LoopEvent.LoopEvent) => {
        seen.push(line(event))
      }
      const first = yield* AgentLoop.step(options, yield* AgentLoop.init({ ...options, prompt: "1 + 2?" }), onEvent)
      assert.strictEqual(first._tag, "Continue")
      assert.deepStrictEqual(seen, [
        "TurnStarted 1",
        'ToolInputDelta 1 0 {"a":1,"b":2}',
        "TurnFinished 1",
        "TurnUsage 1 10/5 total 15",
        "ToolCalled 1 toolu_1",
        'ToolResult 1 toolu_1 ok "3"'
      ])
      seen.length = 0
      const second = yield* AgentLoop.step(options, first.state, onEvent)
      assert.strictEqual(second._tag, "Finished")
      assert.deepStrictEqual(seen, [
        "TurnStarted 2",
        'TextDelta 2 0 "It is"',
        'TextDelta 2 0 " 3."',
        "TurnFinished 2",
        "TurnUsage 2 10/5 total 30",
        "Finished EndTurn"
      ])
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.effect("a failed model call ends the stream with the LoopError after the events so far, no Finished", () => {
    const model = ScriptedModel.fromMessages([
      reply([{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }], "tool_use")
    ])
    return Effect.gen(function* () {
      const seen: Array<string> = []
      const error = yield* AgentLoop.stream({ model: "m", prompt: "go", toolkit, streaming: true }).pipe(
        Stream.runForEach((event) => Effect.sync(() => seen.push(line(event)))),
        Effect.flip
      )
      assert.deepStrictEqual(seen, [
        "TurnStarted 1",
        'ToolInputDelta 1 0 {"a":1,"b":2}',
        "TurnFinished 1",
        "TurnUsage 1 10/5 total 15",
        "ToolCalled 1 toolu_1",
        'ToolResult 1 toolu_1 ok "3"',
        "TurnStarted 2"
      ])
      assert.strictEqual(error.reason, "ModelCall")
      assert.strictEqual(error.turn, 2)
      assert.strictEqual(error.modelError?.message, "The script has no reply for call 2 (it has 1).")
      assert.strictEqual(error.state?.toolCalls, 1)
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })

  it.effect("an eventBuffer below 1, or not a number, is 1: the stream still ends", () =>
    Effect.gen(function* () {
      for (const eventBuffer of [0, -5, Number.NaN, 0.5]) {
        const { layer } = oneEventPerChunk(reply([{ type: "text", text: "abc" }], "end_turn"), { textChunkSize: 1 })
        const events = yield* AgentLoop.stream({ model: "m", prompt: "hi", streaming: true, eventBuffer }).pipe(
          Stream.runCollect,
          Effect.map(Chunk.toReadonlyArray),
          Effect.provide(layer)
        )
        assert.deepStrictEqual(events.map(line), [
          "TurnStarted 1",
          'TextDelta 1 0 "a"',
          'TextDelta 1 0 "b"',
          'TextDelta 1 0 "c"',
          "TurnFinished 1",
          "TurnUsage 1 10/5 total 15",
          "Finished EndTurn"
        ])
      }
    })
  )

  it.scoped("before a tool runs, the loop waits until the consumer has taken every event of the turn", () => {
    const ran: Array<number> = []
    const counting = Toolkit.make(add).handle({
      add: ({ a, b }) =>
        Effect.sync(() => {
          ran.push(a)
          return a + b
        })
    })
    const model = ScriptedModel.fromMessages([
      reply([{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }], "tool_use"),
      reply([{ type: "text", text: "3" }], "end_turn")
    ])
    return Effect.gen(function* () {
      const pull = yield* Stream.toPull(AgentLoop.stream({ model: "m", prompt: "go", toolkit: counting }))
      const first = yield* pull
      assert.deepStrictEqual(Chunk.toReadonlyArray(first).map(line), [
        "TurnStarted 1",
        "TurnFinished 1",
        "TurnUsage 1 10/5 total 15",
        "ToolCalled 1 toolu_1"
      ])
      // Taken, but the consumer has not asked for more yet: the handler runs once this fiber lets the loop go on.
      assert.deepStrictEqual(ran, [])
      const second = yield* pull
      assert.deepStrictEqual(ran, [1])
      assert.strictEqual(line(Chunk.unsafeHead(second)), 'ToolResult 1 toolu_1 ok "3"')
    }).pipe(Effect.provide(ScriptedModel.layer(model)))
  })
})
