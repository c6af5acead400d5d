import { assert, describe, it } from "@effect/vitest"
import type * as Content from "@parley/core/Content"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as Effect from "effect/Effect"

const call = (name: string, input: unknown, id = "toolu_1"): Content.ToolUseBlock => ({
  type: "tool_use",
  id,
  name,
  input
})

const weatherSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    city: { type: "string", minLength: 1, description: "The city" },
    days: { type: "integer", minimum: 1, maximum: 7 }
  },
  required: ["city"],
  additionalProperties: false
}

interface WeatherInput {
  readonly city: string
  readonly days?: number
}

describe("Tool.fromJsonSchema", () => {
  const weather = Tool.fromJsonSchema<"weather", WeatherInput>("weather", {
    description: "The forecast",
    inputSchema: weatherSchema
  })

  it("sends the schema as given, without $schema", () => {
    assert.deepStrictEqual(weather.definition as unknown, {
      name: "weather",
      description: "The forecast",
      input_schema: {
        type: "object",
        properties: {
          city: { type: "string", minLength: 1, description: "The city" },
          days: { type: "integer", minimum: 1, maximum: 7 }
        },
        required: ["city"],
        additionalProperties: false
      }
    })
  })

  it.effect("validates the input before the handler runs; invalid input never reaches it", () =>
    Effect.gen(function* () {
      const seen: Array<WeatherInput> = []
      const handled = Toolkit.make(weather).handle({
        weather: (input) =>
          Effect.sync(() => {
            seen.push(input)
            return `${input.city}: sunny for ${input.days ?? 1} day(s)`
          })
      })
      const ok = yield* handled.execute(call("weather", { city: "Oslo", days: 3 }))
      assert.strictEqual(ok.outcome, "ok")
      assert.deepStrictEqual(ok.result, {
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: "Oslo: sunny for 3 day(s)"
      })

      const bad = yield* handled.execute(call("weather", { city: 42, days: 9, extra: true }, "toolu_2"))
      assert.strictEqual(bad.outcome, "invalid-input")
      assert.strictEqual(bad.result.is_error, true)
      const text = bad.result.content as string
      assert.isTrue(
        text.startsWith('Error: invalid input for tool "weather". Fix these problems and call the tool again:')
      )
      assert.include(text, "input must NOT have additional properties")
      assert.include(text, "input/city must be string")
      assert.include(text, "input/days must be <= 7")
      assert.deepStrictEqual(seen, [{ city: "Oslo", days: 3 }])
    })
  )

  it("refuses a schema that is not an object, or not valid JSON Schema", () => {
    assert.throws(
      () => Tool.fromJsonSchema("t", { description: "d", inputSchema: { type: "string" } }),
      /the input schema must describe an object/
    )
    assert.throws(
      () =>
        Tool.fromJsonSchema("t", {
          description: "d",
          inputSchema: { type: "object", properties: { a: { type: 12 } } }
        }),
      /the input schema is not valid JSON Schema/
    )
    assert.throws(
      () => Tool.fromJsonSchema("bad name", { description: "d", inputSchema: { type: "object" } }),
      'Tool name "bad name" must match ^[a-zA-Z0-9_-]{1,128}$ (letters, digits, _ and -, 1 to 128 characters): " " ' +
        "(at index 3) is not allowed"
    )
  })
})

describe("Toolkit.merge", () => {
  const echo = Tool.fromJsonSchema<"echo", { readonly text: string }>("echo", {
    description: "Echoes",
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] }
  })
  const ping = Tool.fromJsonSchema("ping", { description: "Pings", inputSchema: { type: "object" } })
  const mine = Toolkit.make(echo).handle({ echo: ({ text }) => Effect.succeed(text) })
  const theirs = Toolkit.make(ping).handle({ ping: () => Effect.succeed("pong") })

  it.effect("answers each call with the toolkit that has the tool; an unknown name lists them all", () =>
    Effect.gen(function* () {
      const merged = Toolkit.merge(mine, theirs)
      assert.deepStrictEqual(
        merged.definitions.map((definition) => definition.name),
        ["echo", "ping"]
      )
      assert.deepStrictEqual([...merged.names], ["echo", "ping"])
      assert.strictEqual((yield* merged.run(call("echo", { text: "hi" }))).content, "hi")
      assert.strictEqual((yield* merged.run(call("ping", {}))).content, "pong")
      const unknown = yield* merged.execute(call("pong", {}))
      assert.strictEqual(unknown.outcome, "unknown-tool")
      assert.strictEqual(
        unknown.result.content,
        'Error: there is no tool named "pong". Available tools: "echo", "ping".'
      )
    })
  )

  it("refuses two toolkits with a tool of the same name", () => {
    const again = Toolkit.make(echo).handle({ echo: () => Effect.succeed("again") })
    assert.throws(() => Toolkit.merge(mine, theirs, again), /Two toolkits have a tool named "echo"/)
  })
})
