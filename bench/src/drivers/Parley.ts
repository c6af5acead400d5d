/**
 * Driver: Parley. The transport scenarios go through `MessagesClient` (`create`, and `stream` accumulated with
 * core's `Accumulator.collect`) on the HttpClient chosen by `--variant` (`undici`: `NodeHttpClient.layerUndici`,
 * `node`: `NodeHttpClient.layer`, `fetch`: `FetchHttpClient.layer`), written as an Effect application would: the
 * fan-out is `Effect.forEach` with `concurrency`, one runtime for the whole process. Also the Parley-only
 * scenarios: the agent loop (e), a 10,000-turn conversation (f) and the rate limiter (h).
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Accumulator from "@parley/core/Accumulator"
import * as Conversation from "@parley/core/Conversation"
import type * as Message from "@parley/core/Message"
import * as Request from "@parley/core/Request"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as Validation from "@parley/core/Validation"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as ScriptedClient from "@parley/loop/ScriptedClient"
import * as MessagesClient from "@parley/transport/MessagesClient"
import * as RateLimit from "@parley/transport/RateLimit"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { type DriverOptions, expected, jsonEqual, main, payloadIds, payloadUrl, rateMetrics, verify } from "../Harness.js"
import * as Payloads from "../Payloads.js"
import type { Metrics } from "../Scenario.js"
import * as Stats from "../Stats.js"

const httpLayer = (variant: string): Layer.Layer<HttpClient.HttpClient> => {
  switch (variant) {
    case "":
    case "undici":
      return NodeHttpClient.layerUndici
    case "node":
      return NodeHttpClient.layer
    case "fetch":
      return FetchHttpClient.layer
    default:
      throw new Error(`unknown --variant ${variant} (undici | node | fetch)`)
  }
}

const request: Request.MessagesRequest = Payloads.requestBody(false)

/** A client for one payload's base URL. */
const clientFor = (url: string): Effect.Effect<MessagesClient.Service, never, HttpClient.HttpClient | Scope.Scope> =>
  MessagesClient.make({ apiKey: Redacted.make(Payloads.apiKey), baseUrl: url })

const cpu = <A extends Metrics, E, R>(body: Effect.Effect<A, E, R>): Effect.Effect<Metrics, E, R> =>
  Effect.suspend(() => {
    const before = process.cpuUsage()
    return Effect.map(body, (metrics) => {
      const used = process.cpuUsage(before)
      return { ...metrics, cpuMs: (used.user + used.system) / 1000 }
    })
  })

/** Runs `n` copies of `call`, `concurrency` at a time; succeeds with each call's latency in ms. */
const fanOut = <E, R>(n: number, concurrency: number, call: Effect.Effect<void, E, R>) =>
  Effect.forEach(
    Array.from({ length: n }, (_, i) => i),
    () =>
      Effect.suspend(() => {
        const start = performance.now()
        return Effect.as(call, undefined).pipe(Effect.map(() => performance.now() - start))
      }),
    { concurrency }
  )

const verified = (want: Message.Message) => (message: Message.Message) => Effect.sync(() => verify(message, want))

const transport = (options: DriverOptions) =>
  Effect.gen(function* () {
    const ids = payloadIds(options)
    switch (options.scenario) {
      case "create": {
        const client = yield* clientFor(payloadUrl(options, ids.create))
        const once = Effect.flatMap(client.create(request), verified(expected(ids.create)))
        yield* fanOut(Math.min(500, options.requests), options.concurrency, once)
        return yield* cpu(
          Effect.gen(function* () {
            const start = performance.now()
            const latencies = yield* fanOut(options.requests, options.concurrency, once)
            const wall = performance.now() - start
            return { primaryMs: wall, reqPerSec: (options.requests * 1000) / wall, ...Stats.latencies(latencies) }
          })
        )
      }
      case "stream":
      case "tool":
      case "streams": {
        const id = options.scenario === "tool" ? ids.tool : ids.stream
        const client = yield* clientFor(payloadUrl(options, id))
        const once = Effect.flatMap(Accumulator.collect(client.stream(request)), verified(expected(id)))
        const parsed = Payloads.parseId(id)
        const bytes = parsed === undefined ? 0 : Buffer.byteLength(Payloads.sse(parsed))
        if (options.scenario === "streams") {
          yield* fanOut(options.streams, options.streams, once)
          return yield* cpu(
            Effect.gen(function* () {
              const start = performance.now()
              const latencies = yield* fanOut(options.streams, options.streams, once)
              const wall = performance.now() - start
              const events = options.streams * options.deltas
              return { primaryMs: wall, eventsPerSec: (events * 1000) / wall, ...Stats.latencies(latencies) }
            })
          )
        }
        yield* fanOut(options.scenario === "stream" ? 1 : 3, 1, once)
        return yield* cpu(
          Effect.gen(function* () {
            const latencies = yield* fanOut(options.times, 1, once)
            const ms = Stats.median(latencies)
            const events = options.scenario === "stream" ? options.deltas : options.pieces
            return {
              primaryMs: ms,
              eventsPerSec: (events * 1000) / ms,
              mbPerSec: bytes / 1e6 / (ms / 1000),
              ...Stats.latencies(latencies)
            }
          })
        )
      }
      case "cold": {
        const importedMs = performance.now()
        const client = yield* clientFor(payloadUrl(options, ids.cold))
        yield* Effect.flatMap(client.create(request), verified(expected(ids.cold)))
        return { importedMs, responseMs: performance.now() }
      }
      case "ratelimit": {
        const client = yield* clientFor(payloadUrl(options, ids.ratelimit))
        const want = expected(ids.ratelimit)
        const start = performance.now()
        const outcomes = yield* Effect.forEach(
          Array.from({ length: options.requests }, (_, i) => i),
          () => Effect.either(Effect.flatMap(client.create(request), verified(want))),
          { concurrency: options.concurrency }
        )
        const failed = outcomes.filter(Either.isLeft).length
        return rateMetrics(options.requests - failed, failed, performance.now() - start)
      }
      default:
        return yield* Effect.die(new Error(`not a transport scenario: ${options.scenario}`))
    }
  }).pipe(
    Effect.scoped,
    Effect.provide(
      options.scenario === "ratelimit"
        ? Layer.merge(
            httpLayer(options.variant),
            RateLimit.layer({ limits: { requestsPerMinute: 60 * 5, maxConcurrent: 2 } })
          )
        : httpLayer(options.variant)
    )
  )

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

const runLoop = (turns: number, stamps: Array<number>) =>
  AgentLoop.run({
    model: Payloads.model,
    prompt: "Start.",
    toolkit,
    limits: { maxTurns: turns }
  }).pipe(
    Effect.provide(
      ScriptedClient.layer((req) =>
        Effect.sync(() => {
          const i = (req.messages.length - 1) / 2
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
        if (conversation.length !== 2 * turns) throw new Error(`conversation has ${conversation.length} turns`)
      })
    )
  )

const loop = (turns: number) =>
  Effect.gen(function* () {
    yield* runLoop(Math.min(turns, 200), [])
    const stamps: Array<number> = []
    return yield* cpu(
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
      const sent = JSON.parse(body) as { messages: Array<unknown> }
      const same = jsonEqual(JSON.parse(schemaBody), sent)
      if (sent.messages.length !== turns || !same || stored.length < body.length / 2) {
        throw new Error(`encoded ${sent.messages.length} turns; Schema encode gives the same JSON: ${same}`)
      }
      return { buildMs, checkMs, encodeMs, schemaEncodeMs, storeMs, bodyMb: body.length / 1e6 }
    })
    yield* once
    return yield* cpu(
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
          bodyMb: med("bodyMb")
        }
      })
    )
  })

main("parley", (options) => {
  const program: Effect.Effect<Metrics, unknown> =
    options.scenario === "loop"
      ? loop(options.turns)
      : options.scenario === "conversation"
        ? conversation(options.turns)
        : transport(options)
  return Effect.runPromise(program)
})
