import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Content from "../src/Content.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"

class Forecast extends Schema.Class<Forecast>("Forecast")({ city: Schema.String, celsius: Schema.Number }) {}

class CityNotFound extends Schema.TaggedError<CityNotFound>()("CityNotFound", { city: Schema.String }) {}

class Weather extends Context.Tag("test/Weather")<Weather, { readonly celsius: (city: string) => number }>() {}

const GetWeather = Tool.make("get_weather", {
  description: "Current weather for a city",
  input: Schema.Struct({ city: Schema.String, days: Schema.optional(Schema.Int) }),
  output: Forecast,
  failure: CityNotFound
})

const Echo = Tool.make("echo", { description: "Echoes the text", input: Schema.Struct({ text: Schema.String }) })

const Clock = Tool.make("clock", {
  description: "Milliseconds since the epoch, as a Date",
  input: Schema.Struct({}),
  output: Schema.Date
})

const toolkit = Toolkit.make(GetWeather, Echo, Clock)

const call = (name: string, input: unknown, id = "toolu_1"): Content.ToolUseBlock => ({
  type: "tool_use",
  id,
  name,
  input
})

describe("Toolkit", () => {
  it("produces the tools array in order", () => {
    assert.deepStrictEqual(
      toolkit.definitions.map((definition) => definition.name),
      ["get_weather", "echo", "clock"]
    )
    assert.deepStrictEqual(toolkit.definitions[1], Echo.definition)
  })

  it.effect("runs the handler with decoded input and encodes its output", () =>
    Effect.gen(function* () {
      const handled = toolkit.handle({
        get_weather: ({ city }) =>
          Effect.map(Weather, (weather) => new Forecast({ city, celsius: weather.celsius(city) })),
        echo: ({ text }) => Effect.succeed(text),
        clock: () => Effect.succeed(new Date(0))
      })
      assert.deepStrictEqual([...handled.names], ["get_weather", "echo", "clock"])
      const weather = yield* handled.run(call("get_weather", { city: "Oslo" }))
      assert.deepStrictEqual(weather, {
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: `{"city":"Oslo","celsius":-3}`
      })
      const echo = yield* handled.run(call("echo", { text: 'a "quoted" {text}' }, "toolu_2"))
      assert.deepStrictEqual(echo, { type: "tool_result", tool_use_id: "toolu_2", content: 'a "quoted" {text}' })
      const clock = yield* handled.run(call("clock", {}, "toolu_3"))
      assert.deepStrictEqual(clock, {
        type: "tool_result",
        tool_use_id: "toolu_3",
        content: "1970-01-01T00:00:00.000Z"
      })
    }).pipe(Effect.provideService(Weather, { celsius: () => -3 }))
  )

  it.effect("answers an unknown tool with is_error and the available names", () =>
    Effect.gen(function* () {
      const handled = toolkit.handle({
        get_weather: () => Effect.die("not called"),
        echo: () => Effect.die("not called"),
        clock: () => Effect.die("not called")
      })
      const result = yield* handled.run(call("get_wether", { city: "Oslo" }))
      assert.deepStrictEqual(result, {
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: `Error: there is no tool named "get_wether". Available tools: "get_weather", "echo", "clock".`,
        is_error: true
      })
    })
  )

  it.effect("answers invalid input with is_error and the Schema's errors, never calling the handler", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const handled = Toolkit.make(GetWeather).handle({
        get_weather: ({ city }) =>
          Effect.as(
            Ref.update(calls, (n) => n + 1),
            new Forecast({ city, celsius: 1 })
          )
      })
      const result = yield* handled.run(call("get_weather", { city: 42, days: 1.5 }))
      assert.deepStrictEqual(result, {
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: [
          `Error: invalid input for tool "get_weather". Fix these problems and call the tool again:`,
          `{ readonly city: string; readonly days?: Int | undefined }`,
          `├─ ["city"]`,
          `│  └─ Expected string, actual 42`,
          `└─ ["days"]`,
          `   └─ Int | undefined`,
          `      ├─ Int`,
          `      │  └─ Predicate refinement failure`,
          `      │     └─ Expected an integer, actual 1.5`,
          `      └─ Expected undefined, actual 1.5`
        ].join("\n"),
        is_error: true
      })
      const missing = yield* handled.run(call("get_weather", "Oslo"))
      assert.deepStrictEqual(missing.is_error, true)
      assert.strictEqual(
        missing.content,
        `Error: invalid input for tool "get_weather". Fix these problems and call the tool again:\n` +
          `Expected { readonly city: string; readonly days?: Int | undefined }, actual "Oslo"`
      )
      assert.strictEqual(yield* Ref.get(calls), 0)
    })
  )

  it.effect("encodes a handler failure with the failure Schema into an is_error result", () =>
    Effect.gen(function* () {
      const handled = Toolkit.make(GetWeather).handle({
        get_weather: ({ city }) => Effect.fail(new CityNotFound({ city }))
      })
      const result = yield* handled.run(call("get_weather", { city: "Atlantis" }))
      assert.deepStrictEqual(result, {
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: `{"city":"Atlantis","_tag":"CityNotFound"}`,
        is_error: true
      })
    })
  )

  it.effect("turns a defect, a thrown exception and an interruption into is_error results", () =>
    Effect.gen(function* () {
      const run = (handler: () => Effect.Effect<string>) => Toolkit.make(Echo).handle({ echo: handler }).run
      const died = yield* run(() => Effect.die(new RangeError("disk full")))(call("echo", { text: "x" }))
      assert.deepStrictEqual(died, {
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: `Error: tool "echo" failed unexpectedly. The failure was logged; try another way.`,
        is_error: true
      })
      const threw = yield* run(() => {
        throw new Error("thrown, not returned")
      })(call("echo", { text: "x" }))
      assert.strictEqual(
        threw.content,
        `Error: tool "echo" failed unexpectedly. The failure was logged; try another way.`
      )
      assert.strictEqual(threw.is_error, true)
      const interrupted = yield* run(() => Effect.interrupt)(call("echo", { text: "x" }))
      assert.strictEqual(interrupted.content, `Error: tool "echo" was interrupted before it finished.`)
      assert.strictEqual(interrupted.is_error, true)
    })
  )

  it.effect("reports an output that its Schema cannot encode as is_error", () =>
    Effect.gen(function* () {
      const Count = Tool.make("count", {
        description: "Counts",
        input: Schema.Struct({}),
        output: Schema.Struct({ n: Schema.BigIntFromSelf })
      })
      const handled = Toolkit.make(Count).handle({ count: () => Effect.succeed({ n: 1n }) })
      const result = yield* handled.run(call("count", {}))
      assert.deepStrictEqual(result, {
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: `Error: tool "count" produced a result that could not be encoded.`,
        is_error: true
      })
    })
  )

  it("types each handler from its tool's Schemas (checked by tsc)", () => {
    const handlers = {
      get_weather: ({ city }: { readonly city: string }) => Effect.succeed(new Forecast({ city, celsius: 0 })),
      echo: ({ text }: { readonly text: string }) => Effect.succeed(text),
      clock: () => Effect.succeed(new Date(0))
    }
    // @ts-expect-error a handler is missing
    toolkit.handle({ echo: handlers.echo, clock: handlers.clock })
    // @ts-expect-error echo must succeed with a string
    toolkit.handle({ ...handlers, echo: () => Effect.succeed(42) })
    // @ts-expect-error get_weather may only fail with CityNotFound
    toolkit.handle({ ...handlers, get_weather: () => Effect.fail("nope") })
    assert.deepStrictEqual([...toolkit.handle(handlers).names], ["get_weather", "echo", "clock"])
  })

  it("throws DuplicateToolName when two tools share a name", () => {
    try {
      Toolkit.make(Echo, Tool.make("echo", { description: "Another", input: Schema.Struct({}) }))
      assert.fail("expected a throw")
    } catch (error) {
      assert.instanceOf(error, Toolkit.DuplicateToolName)
      assert.strictEqual(error.message, `Two tools of a toolkit are named "echo"`)
    }
  })
})
