import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as ApiError from "../src/ApiError.js"
import * as Content from "../src/Content.js"
import * as Message from "../src/Message.js"
import * as Request from "../src/Request.js"
import { classify, extractJsonObjects, type Kind, seedFiles, seedsDir } from "./utils/seeds.js"

const schemas: Record<Exclude<Kind, "Other">, Schema.Schema<unknown, unknown>> = {
  MessagesRequest: Request.MessagesRequest as unknown as Schema.Schema<unknown, unknown>,
  Message: Message.Message as unknown as Schema.Schema<unknown, unknown>,
  ErrorBody: ApiError.ErrorBody as unknown as Schema.Schema<unknown, unknown>,
  ToolDefinition: Request.ToolDefinition as unknown as Schema.Schema<unknown, unknown>,
  MessageParam: Message.MessageParam as unknown as Schema.Schema<unknown, unknown>,
  ContentBlock: Content.ContentBlock as unknown as Schema.Schema<unknown, unknown>
}

/** The fewest examples of each kind each seed holds: the test cannot pass by extracting nothing. */
const minimum: Record<string, Partial<Record<Kind, number>>> = {
  "000_350967b06d5564eb.txt": { MessagesRequest: 1, MessageParam: 7 },
  "001_79bfdc08c3d1dddf.txt": { MessagesRequest: 1, MessageParam: 7 },
  "002_dc9e265df0dc021a.txt": { Message: 4, MessageParam: 5, ContentBlock: 2 },
  "003_0dbdf4ede4d297e8.txt": { Message: 4, MessagesRequest: 1, MessageParam: 6 },
  "004_d4ae2cf5eb4f3bd7.txt": { Message: 1, MessagesRequest: 1, ErrorBody: 1, ToolDefinition: 1, MessageParam: 2 }
}

describe("seeds", () => {
  it("finds every seed document", () => {
    assert.deepStrictEqual(seedFiles(), Object.keys(minimum))
  })

  for (const file of Object.keys(minimum)) {
    it(`${file}: every JSON request and response decodes and re-encodes to equal JSON`, () => {
      const examples = extractJsonObjects(fs.readFileSync(path.join(seedsDir, file), "utf8"))
      const counts: Partial<Record<Kind, number>> = {}
      for (const json of examples) {
        const kind = classify(json)
        counts[kind] = (counts[kind] ?? 0) + 1
        if (kind === "Other") continue
        const schema = schemas[kind]
        const decoded = Schema.decodeUnknownSync(schema)(json)
        assert.deepStrictEqual(Schema.encodeSync(schema)(decoded), json, kind)
      }
      for (const [kind, fewest] of Object.entries(minimum[file]!)) {
        assert.isAtLeast(counts[kind as Kind] ?? 0, fewest, `${file}: ${kind}`)
      }
    })
  }
})

describe("extractJsonObjects", () => {
  it("skips braces in strings, non-JSON literals and comments, and looks inside what is not JSON", () => {
    const text = [
      `prose { not json } and "a { quote"`,
      `curl -d '{"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "}{"}]}'`,
      `message = dict(x={"role": "user", "content": "hi"}, y=variable)`,
      `tools = {"name": "t", "input_schema": {  # a Python comment`,
      `  "type": "object"}}`
    ].join("\n")
    assert.deepStrictEqual(extractJsonObjects(text), [
      { model: "m", max_tokens: 1, messages: [{ role: "user", content: "}{" }] },
      { role: "user", content: "hi" },
      { name: "t", input_schema: { type: "object" } }
    ])
  })
})
