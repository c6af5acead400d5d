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

  it("throws InvalidToolDefinition for a name the API rejects", () => {
    for (const name of ["has space", "", "x".repeat(65), "dot.ted"]) {
      try {
        Tool.make(name, { description: "", input: Schema.Struct({}) })
        assert.fail(`expected a throw for ${JSON.stringify(name)}`)
      } catch (error) {
        assert.instanceOf(error, Tool.InvalidToolDefinition)
        assert.strictEqual(error.message, `Tool name "${name}" must match ^[a-zA-Z0-9_-]{1,64}$`)
      }
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
