/**
 * Driver: the Parley-only scenarios that need no server. (e) the agent loop: `AgentLoop.run` for `--turns` turns of
 * scripted tool use against an in-process responder (`ScriptedModel`, no HTTP). (f) a `--turns`-turn conversation
 * built with `Conversation`, checked with `Validation.validateRequest` and encoded as `MessagesClient` sends it.
 */
import * as Conversation from "@parley/core/Conversation"
import * as Message from "@parley/core/Message"
import * as Request from "@parley/core/Request"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as Validation from "@parley/core/Validation"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { measured } from "../Cpu.js"
import { jsonEqual, main } from "../Harness.js"
import * as Payloads from "../Payloads.js"
import * as Stats from "../Stats.js"

// =============================================================================
// (e) the loop
// =============================================================================

const Lookup = Tool.make("lookup", {
  description: "Looks a key up.",
  input: Schema.Struct({ key: Schema.String, n: Schema.Number })
})

const toolkit = Toolkit.make(Lookup).handle({
  lookup: (input) => Effect.succeed(`value of ${input.key} #${input.n}`)
})

const reply = (i: number, last: boolean): Message.Message => ({
  id: `msg_loop_${i}`,
  type: "message",
  role: "assistant",
  content: last
    ? [{ type: "text", text: "Done." }]
    : [
        { type: "text", text: `Step ${i}.` },
        { type: "tool_use", id: `toolu_loop_${i}`, name: "lookup", input: { key: "k", n: i } }
      ],
  stop_reason: last ? "end_turn" : "tool_use",
  usage: { input_tokens: 10, output_tokens: 5 }
})

/**
 * A stored conversation of `length` messages (even, at least 2) to continue: turns of tool use (a question, a
 * `tool_use`, its `tool_result`, an answer), then plain question / answer pairs up to the length; it ends with an
 * assistant turn, so the run's prompt is the next user turn.
 */
const history = (length: number): Conversation.Conversation => {
  const messages: Array<Message.MessageParam> = []
  for (let k = 0; messages.length + 4 <= length - 2; k++) {
    const id = `toolu_hist_${k}`
    messages.push(
      { role: "user", content: `Question ${k}: look key ${k} up.` },
      {
        role: "assistant",
        content: [
          { type: "text", text: `Looking up key ${k}.` },
          { type: "tool_use", id, name: "lookup", input: { key: `key-${k}`, n: k } }
        ]
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: `value #${k}` }] },
      { role: "assistant", content: [{ type: "text", text: `Key ${k} is value #${k}.` }] }
    )
  }
  while (messages.length < length) {
    messages.push(
      { role: "user", content: "And then?" },
      { role: "assistant", content: [{ type: "text", text: "Then nothing." }] }
    )
  }
  return Either.getOrThrow(Conversation.fromMessages(messages))
}

/**
 * `AgentLoop.run` for `turns` turns of scripted tool use, from a new conversation or continuing `from` (its messages
 * before the prompt); `stamps` gets the time of every model call.
 */
const runLoop = (turns: number, stamps: Array<number>, from?: Conversation.Conversation) => {
  const before = from === undefined ? 0 : Conversation.messages(from).length
  return AgentLoop.run({
    model: Payloads.model,
    prompt: "Start.",
    toolkit,
    limits: { maxTurns: turns },
    ...(from === undefined ? {} : { conversation: from })
  }).pipe(
    Effect.provide(
      ScriptedModel.layer((req) =>
        Effect.sync(() => {
          const i = (req.messages.length - before - 1) / 2
          stamps.push(performance.now())
          return reply(i, i === turns - 1)
        })
      )
    ),
    Effect.tap((result) =>
      Effect.sync(() => {
        const conversation = Conversation.messages(result.conversation)
        if (result.turns !== turns || result.toolCalls !== turns - 1 || result.text !== "Done.") {
          throw new Error(`loop ended after ${result.turns} turns, ${result.toolCalls} tool calls: ${result.text}`)
        }
        if (conversation.length !== before + 2 * turns) throw new Error(`conversation has ${conversation.length} turns`)
      })
    )
  )
}

/**
 * The history lengths a run continues from in the loop scenario, to show whether the cost per turn grows with the
 * history (10 and 2,000: the issue's; 10,000: well past it).
 */
const histories = [10, 2000, 10_000] as const

/** Turns of each run continuing a stored history. */
const continuedTurns = 100

/**
 * Wall and CPU time per turn of `turns` turns continuing a conversation of `length` messages (after one warm-up
 * run); the CPU time is the process's (GC threads included), less sensitive than the wall time to a busy machine.
 */
const perTurnFrom = (length: number, turns: number) =>
  Effect.gen(function* () {
    const from = history(length)
    yield* runLoop(turns, [], from)
    const cpu = process.cpuUsage()
    const start = performance.now()
    yield* runLoop(turns, [], from)
    const wallMs = (performance.now() - start) / turns
    const used = process.cpuUsage(cpu)
    return { wallMs, cpuMs: (used.user + used.system) / 1000 / turns }
  })

const loop = (turns: number) =>
  Effect.gen(function* () {
    yield* runLoop(Math.min(turns, 200), [])
    const stamps: Array<number> = []
    const fresh = yield* measured(
      Effect.gen(function* () {
        const start = performance.now()
        yield* runLoop(turns, stamps)
        const total = performance.now() - start
        const tenth = Math.max(1, Math.floor(turns / 10))
        const span = (from: number, to: number) => ((stamps[to] ?? 0) - (stamps[from] ?? 0)) / (to - from)
        return {
          primaryMs: total / turns,
          overheadPerTurnMs: total / turns,
          totalMs: total,
          firstTurnsPerTurnMs: span(0, tenth),
          lastTurnsPerTurnMs: span(turns - 1 - tenth, turns - 1)
        }
      })
    )
    const continued: Record<string, number> = {}
    for (const length of histories) {
      const { cpuMs, wallMs } = yield* perTurnFrom(length, continuedTurns)
      continued[`from${length}PerTurnMs`] = wallMs
      continued[`from${length}CpuPerTurnMs`] = cpuMs
    }
    return { ...fresh, ...continued }
  })

// =============================================================================
// (f) a long conversation
// =============================================================================

const build = (turns: number): Conversation.Conversation => {
  const pairs = turns / 2
  let conversation = Conversation.make({ system: "You are a catalog assistant." })
  const ok = (next: Either.Either<Conversation.Conversation, Validation.ValidationError>) => {
    conversation = Either.getOrThrow(next)
  }
  for (let k = 0; k < pairs; k++) {
    if (k === 0) ok(Conversation.appendUser(conversation, "Look up every key, one at a time."))
    else {
      ok(
        Conversation.appendToolResults(conversation, [
          { type: "tool_result", tool_use_id: `toolu_${k - 1}`, content: `value #${k - 1}` }
        ])
      )
    }
    ok(
      Conversation.appendAssistant(conversation, {
        content:
          k === pairs - 1
            ? [{ type: "text", text: "Final answer." }]
            : [
                { type: "text", text: `Looking up key ${k}.` },
                { type: "tool_use", id: `toolu_${k}`, name: "lookup", input: { key: `key-${k}`, n: k } }
              ]
      })
    )
  }
  return conversation
}

const encodeRequest = Schema.encodeSync(Request.MessagesRequest)
const storeConversation = Schema.encodeSync(Schema.parseJson(Conversation.Json))
const restoreConversation = Schema.decodeUnknownSync(Conversation.Json)

const conversation = (turns: number) =>
  Effect.gen(function* () {
    if (turns % 2 !== 0) return yield* Effect.die(new Error("--turns must be even"))
    const once = Effect.gen(function* () {
      let t = performance.now()
      const built = build(turns)
      const buildMs = performance.now() - t
      const request = Conversation.toRequest(built, {
        model: Payloads.model,
        max_tokens: 1024,
        tools: [Lookup.definition]
      })
      t = performance.now()
      yield* Validation.validateRequest(request)
      const checkMs = performance.now() - t
      // The body exactly as MessagesClient sends it: the request is already in wire form, so it is stringified
      // without a Schema encode.
      t = performance.now()
      const body = JSON.stringify(request)
      const encodeMs = performance.now() - t
      t = performance.now()
      const schemaBody = JSON.stringify(encodeRequest(request))
      const schemaEncodeMs = performance.now() - t
      t = performance.now()
      const stored = storeConversation(built)
      const storeMs = performance.now() - t
      // consecutive user turns, which the conversation merges into one turn as the API does
      const separate = Array.from({ length: turns }, (_, i) => Message.user(`note ${i}`))
      t = performance.now()
      const merged = Either.getOrThrow(Conversation.fromMessages(separate, { consecutiveUsers: "merge" }))
      const mergeMs = performance.now() - t
      t = performance.now()
      const restored = restoreConversation({ messages: separate, consecutiveUsers: "merge" })
      const restoreMergedMs = performance.now() - t
      if (Conversation.messages(merged).length !== 1 || Conversation.messages(restored).length !== 1) {
        throw new Error("consecutive user turns did not merge into one")
      }
      const sent = JSON.parse(body) as { messages: Array<unknown> }
      const same = jsonEqual(JSON.parse(schemaBody), sent)
      if (sent.messages.length !== turns || !same || stored.length < body.length / 2) {
        throw new Error(`encoded ${sent.messages.length} turns; Schema encode gives the same JSON: ${same}`)
      }
      return {
        buildMs,
        checkMs,
        encodeMs,
        schemaEncodeMs,
        storeMs,
        mergeMs,
        restoreMergedMs,
        bodyMb: body.length / 1e6
      }
    })
    yield* once
    return yield* measured(
      Effect.gen(function* () {
        const samples: Array<Effect.Effect.Success<typeof once>> = []
        for (let i = 0; i < 5; i++) samples.push(yield* once)
        const med = (name: keyof (typeof samples)[number]) => Stats.median(samples.map((s) => s[name]))
        return {
          primaryMs: med("buildMs") + med("checkMs") + med("encodeMs"),
          buildMs: med("buildMs"),
          checkMs: med("checkMs"),
          encodeMs: med("encodeMs"),
          schemaEncodeMs: med("schemaEncodeMs"),
          storeMs: med("storeMs"),
          mergeMs: med("mergeMs"),
          restoreMergedMs: med("restoreMergedMs"),
          bodyMb: med("bodyMb")
        }
      })
    )
  })

main("parley", (options) => {
  switch (options.scenario) {
    case "loop":
      return Effect.runPromise(loop(options.turns))
    case "conversation":
      return Effect.runPromise(conversation(options.turns))
    default:
      return Promise.reject(new Error(`this driver runs loop and conversation, not ${options.scenario}`))
  }
})
