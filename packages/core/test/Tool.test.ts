import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as Request from "../src/Request.js"
import * as Tool from "../src/Tool.js"

class Address extends Schema.Class<Address>("Address")({
  city: Schema.String.annotations({ description: "City name" }),
  zip: Schema.optional(Schema.String)
}) {}

interface Category {
  readonly name: string
  readonly children: ReadonlyArray<Category>
}
const Category = Schema.Struct({
  name: Schema.String,
  children: Schema.Array(Schema.suspend((): Schema.Schema<Category> => Category))
}).annotations({ identifier: "Category" })

describe("Tool", () => {
  it("derives an input_schema the API accepts: object at the top, $refs inlined, annotations kept", () => {
    const tool = Tool.make("ship", {
      description: "Ships a parcel",
      input: Schema.Struct({
        to: Address,
        from: Schema.optional(Address).annotations({ description: "Sender" }),
        speed: Schema.Literal("standard", "express"),
        items: Schema.Array(Schema.String).annotations({ description: "What is in the parcel" }),
        weight: Schema.Number.pipe(Schema.positive())
      }).annotations({ description: "A parcel to ship" })
    })
    const address = {
      type: "object",
      required: ["city"],
      properties: { city: { type: "string", description: "City name" }, zip: { type: "string" } },
      additionalProperties: false
    }
    assert.deepStrictEqual<unknown>(tool.definition, {
      name: "ship",
      description: "Ships a parcel",
      input_schema: {
        type: "object",
        required: ["to", "speed", "items", "weight"],
        properties: {
          to: address,
          from: { ...address, description: "Sender" },
          speed: { type: "string", enum: ["standard", "express"] },
          items: { type: "array", items: { type: "string" }, description: "What is in the parcel" },
          weight: { type: "number", description: "a positive number", title: "positive", exclusiveMinimum: 0 }
        },
        additionalProperties: false,
        description: "A parcel to ship"
      }
    })
    assert.isFalse(JSON.stringify(tool.definition).includes("$ref"))
    assert.isTrue(Schema.is(Request.CustomTool)(tool.definition))
  })

  it("accepts a Schema.Class as the input and resolves its top-level $ref", () => {
    const tool = Tool.make("locate", { description: "Locates an address", input: Address })
    assert.deepStrictEqual<unknown>(tool.definition.input_schema, {
      type: "object",
      required: ["city"],
      properties: { city: { type: "string", description: "City name" }, zip: { type: "string" } },
      additionalProperties: false
    })
  })

  it("keeps a recursive definition in $defs at the root of input_schema", () => {
    const tool = Tool.make("categorize", { description: "Files a tree", input: Schema.Struct({ root: Category }) })
    assert.deepStrictEqual<unknown>(tool.definition.input_schema, {
      type: "object",
      required: ["root"],
      properties: {
        root: {
          type: "object",
          required: ["name", "children"],
          properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Category" } } },
          additionalProperties: false
        }
      },
      additionalProperties: false,
      $defs: {
        Category: {
          type: "object",
          required: ["name", "children"],
          properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Category" } } },
          additionalProperties: false
        }
      }
    })
  })

  it("escapes the name of a kept recursive definition as a JSON Pointer", () => {
    interface Node {
      readonly next?: Node | undefined
    }
    const Node = Schema.Struct({
      next: Schema.optional(Schema.suspend((): Schema.Schema<Node> => Node))
    }).annotations({ identifier: "@app/Node" })
    const tool = Tool.make("walk", { description: "Walks a list", input: Schema.Struct({ head: Node }) })
    const schema = tool.definition.input_schema as { readonly $defs?: Record<string, unknown> }
    assert.deepStrictEqual(Object.keys(schema.$defs ?? {}), ["@app/Node"])
    assert.include(JSON.stringify(schema), `"$ref":"#/$defs/@app~1Node"`)
    assert.notInclude(JSON.stringify(schema), `"$ref":"#/$defs/@app/Node"`)
  })

  it("removes $schema and $id", () => {
    const tool = Tool.make("store", { description: "Stores anything", input: Schema.Struct({ value: Schema.Unknown }) })
    assert.deepStrictEqual<unknown>(tool.definition.input_schema, {
      type: "object",
      required: ["value"],
      properties: { value: { title: "unknown" } },
      additionalProperties: false
    })
  })

  it("throws InvalidToolDefinition at make time for an input that is not an object", () => {
    try {
      Tool.make("echo", { description: "Echoes", input: Schema.String })
      assert.fail("expected a throw")
    } catch (error) {
      assert.instanceOf(error, Tool.InvalidToolDefinition)
      assert.strictEqual(error.tool, "echo")
      assert.strictEqual(
        error.message,
        `Tool "echo": the input Schema must describe an object (e.g. Schema.Struct or Schema.Class), got {"type":"string"}`
      )
    }
  })

  it("throws InvalidToolDefinition for a name the API rejects, saying what is wrong with it", () => {
    const rule = "must match ^[a-zA-Z0-9_-]{1,128}$ (letters, digits, _ and -, 1 to 128 characters)"
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["has space", `Tool name "has space" ${rule}: " " (at index 3) is not allowed`],
      ["", `Tool name "" ${rule}: it is empty`],
      ["dot.ted", `Tool name "dot.ted" ${rule}: "." (at index 3) is not allowed`],
      ["naïve", `Tool name "naïve" ${rule}: "ï" (at index 2) is not allowed`],
      ["x".repeat(129), `Tool name "${"x".repeat(128)}..." ${rule}: it is 129 characters long`]
    ]
    for (const [name, message] of cases) {
      for (const define of [
        () => Tool.make(name, { description: "", input: Schema.Struct({}) }),
        () => Tool.fromJsonSchema(name, { description: "", inputSchema: { type: "object" } })
      ]) {
        try {
          define()
          assert.fail(`expected a throw for ${JSON.stringify(name)}`)
        } catch (error) {
          assert.instanceOf(error, Tool.InvalidToolDefinition)
          assert.strictEqual(error._tag, "InvalidToolDefinition")
          assert.strictEqual(error.tool, name)
          assert.strictEqual(error.message, message)
        }
      }
    }
  })

  it("accepts every name the API accepts: up to Request.maxToolNameLength (128) characters", () => {
    assert.strictEqual(Request.maxToolNameLength, 128)
    assert.strictEqual(Request.toolNamePattern.source, "^[a-zA-Z0-9_-]{1,128}$")
    for (const name of ["a", "get_weather-2", "x".repeat(64), "x".repeat(65), "Z9".repeat(64)]) {
      assert.strictEqual(Tool.make(name, { description: "", input: Schema.Struct({}) }).definition.name, name)
      assert.strictEqual(Tool.fromJsonSchema(name, { description: "", inputSchema: { type: "object" } }).name, name)
    }
  })

  it("defaults the output to Schema.String and the failure to Schema.Never", () => {
    const tool = Tool.make("ping", { description: "Pings", input: Schema.Struct({}) })
    assert.strictEqual(tool.name, "ping")
    assert.isTrue(Schema.is(tool.output)("pong"))
    assert.isFalse(Schema.is(tool.failure)("anything"))
    assert.deepStrictEqual<unknown>(tool.definition.input_schema, { type: "object", properties: {} })
    assert.isTrue(Tool.isTool(tool))
    assert.isFalse(Tool.isTool({ name: "ping" }))
  })
})

describe("Tool.fromJsonSchema on a schema from outside (an MCP server's)", () => {
  const define = (inputSchema: { readonly [key: string]: unknown }) => {
    try {
      return Tool.fromJsonSchema("t", { description: "d", inputSchema })
    } catch (error) {
      return error
    }
  }
  const nested = (depth: number) =>
    JSON.parse(`{"type":"object","properties":{"a":${'{"items":'.repeat(depth)}{}${"}".repeat(depth)}}}`)

  it("a schema nested 300 or 100,000 deep is an InvalidToolDefinition saying so", () => {
    for (const depth of [300, 100_000]) {
      const error = define(nested(depth))
      assert.instanceOf(error, Tool.InvalidToolDefinition)
      assert.strictEqual(
        (error as Tool.InvalidToolDefinition).message,
        'Tool "t": the input schema cannot be used: the JSON is nested deeper than 256 levels'
      )
    }
    assert.isTrue(Tool.isTool(define(nested(250))))
  })

  it("a property named __proto__ is an InvalidToolDefinition, not a prototype of the definition's properties", () => {
    const error = define(JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}'))
    assert.instanceOf(error, Tool.InvalidToolDefinition)
    assert.strictEqual(
      (error as Tool.InvalidToolDefinition).message,
      `Tool "t": the input schema cannot be used: an object has a "__proto__" key, which decoding would make its prototype`
    )
  })

  it("properties named toString, valueOf or toJSON are kept: they are ordinary names in a JSON Schema", () => {
    const tool = define({
      type: "object",
      properties: { toString: { type: "string" }, valueOf: { type: "number" }, toJSON: { type: "boolean" } }
    }) as Tool.Any
    assert.deepStrictEqual(tool.definition.input_schema, {
      type: "object",
      properties: { toString: { type: "string" }, valueOf: { type: "number" }, toJSON: { type: "boolean" } }
    })
  })
})
