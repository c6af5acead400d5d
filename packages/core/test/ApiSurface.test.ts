import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import ts from "typescript"
import * as ApiError from "../src/ApiError.js"
import * as Content from "../src/Content.js"
import * as Message from "../src/Message.js"
import * as Request from "../src/Request.js"
import * as StreamEvent from "../src/StreamEvent.js"
import * as Validation from "../src/Validation.js"
import * as Wire from "../src/Wire.js"
import * as SdkTypes from "./utils/sdkTypes.js"

const testDir = path.dirname(fileURLToPath(import.meta.url))
const fixturesDir = path.join(testDir, "fixtures", "api")

const schemas = {
  ContentBlock: Content.ContentBlock,
  ToolDefinition: Request.ToolDefinition,
  ToolChoice: Request.ToolChoice,
  ThinkingConfig: Request.ThinkingConfig,
  MessageParam: Message.MessageParam,
  RequestMessage: Message.RequestMessage,
  Message: Message.Message,
  MessagesRequest: Request.MessagesRequest,
  CountTokensRequest: Request.CountTokensRequest,
  CountTokensResponse: Request.CountTokensResponse,
  StreamEvent: StreamEvent.StreamEvent,
  ErrorBody: ApiError.ErrorBody
} as const
type SchemaName = keyof typeof schemas

interface Fixture {
  readonly file: string
  readonly sdk: string
  readonly schema: SchemaName
  readonly json: unknown
}

/** The rows of the fixtures' README table: `| file | SDK type | Parley schema |`. */
const fixtures: ReadonlyArray<Fixture> = fs
  .readFileSync(path.join(fixturesDir, "README.md"), "utf8")
  .split("\n")
  .flatMap((line) => {
    const match = /^\| (\S+\.json) \| `([\w.]+)` \| `(\w+)` \|$/.exec(line)
    if (match === null) return []
    const [, file, sdk, schema] = match as unknown as [string, string, string, string]
    if (!(schema in schemas)) throw new Error(`${file}: no schema named ${schema}`)
    const json: unknown = JSON.parse(fs.readFileSync(path.join(fixturesDir, file), "utf8"))
    return [{ file, sdk, schema: schema as SchemaName, json }]
  })

const decode = (name: SchemaName, json: unknown) =>
  Wire.decodeUnknownEither(schemas[name] as unknown as Schema.Schema<unknown, unknown>)(json)
const encode = (name: SchemaName, value: unknown) =>
  Schema.encodeUnknownSync(schemas[name] as unknown as Schema.Schema<unknown, unknown>)(value)
const roundTrip = (name: SchemaName, json: unknown) => encode(name, Either.getOrThrow(decode(name, json)))
const fails = (name: SchemaName, json: unknown) => Either.isLeft(decode(name, json))

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {}

describe("API surface fixtures (@anthropic-ai/sdk 1.16.0 types)", () => {
  it("every fixture file has a row in the README, and every row a file", () => {
    const files = fs
      .readdirSync(fixturesDir)
      .filter((file) => file.endsWith(".json"))
      .sort()
    assert.deepStrictEqual(fixtures.map((fixture) => fixture.file).sort(), files)
    assert.isAtLeast(files.length, 150)
  })

  for (const fixture of fixtures) {
    it(`${fixture.file}: ${fixture.schema} decodes it and encodes it back to equal JSON`, () => {
      const decoded = decode(fixture.schema, fixture.json)
      if (Either.isLeft(decoded)) assert.fail(decoded.left.message)
      assert.deepStrictEqual(encode(fixture.schema, decoded.right), fixture.json)
    })
  }

  it("every fixture is a value of the SDK type its row names (checked by the TypeScript compiler)", () => {
    const file = path.join(testDir, "__api_fixtures__.ts")
    const text = [
      'import type * as Messages from "@anthropic-ai/sdk/resources/messages/messages"',
      'import type * as Beta from "@anthropic-ai/sdk/resources/beta/messages/messages"',
      'import type * as Shared from "@anthropic-ai/sdk/resources/shared"',
      ...fixtures.map(
        (fixture, i) => `// ${fixture.file}\nexport const f${i}: ${fixture.sdk} = ${JSON.stringify(fixture.json)}`
      )
    ].join("\n")
    const program = SdkTypes.compileSource(file, text)
    const lines = text.split("\n")
    const problems = ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((diagnostic) => {
      const line = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line ?? 0
      const where = lines
        .slice(0, line + 1)
        .reverse()
        .find((text) => text.startsWith("// "))
      return `${where ?? "?"}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")}`
    })
    assert.deepStrictEqual(problems, [])
  }, 60_000)

  it("every known member of every union has a fixture", () => {
    const covered = (schema: SchemaName, pick: (json: Record<string, unknown>) => unknown) =>
      new Set(fixtures.filter((fixture) => fixture.schema === schema).map((fixture) => pick(record(fixture.json))))
    const missing = (known: ReadonlyArray<string>, seen: ReadonlySet<unknown>) =>
      known.filter((type) => !seen.has(type))
    assert.deepStrictEqual(
      missing(
        Content.knownBlockTypes,
        covered("ContentBlock", (json) => json["type"])
      ),
      []
    )
    assert.deepStrictEqual(
      missing(
        Request.knownToolTypes,
        covered("ToolDefinition", (json) => json["type"] ?? "custom")
      ),
      []
    )
    assert.deepStrictEqual(
      missing(
        Wire.typesOf(Request.ToolChoice),
        covered("ToolChoice", (json) => json["type"])
      ),
      []
    )
    assert.deepStrictEqual(
      missing(
        Wire.typesOf(Request.ThinkingConfig),
        covered("ThinkingConfig", (json) => json["type"])
      ),
      []
    )
    assert.deepStrictEqual(
      missing(
        Message.Role.literals,
        covered("MessageParam", (json) => json["role"])
      ),
      []
    )
    // the one member of a request's messages that is not a MessageParam: a system message without content
    assert.deepStrictEqual(
      [...covered("RequestMessage", (json) => `${String(json["role"])}${"content" in json ? "" : " without content"}`)],
      ["system without content"]
    )
    // ping and error are not SDK types (the SDK's stream handles them itself); StreamEvent.test.ts covers them
    assert.deepStrictEqual(
      missing(
        StreamEvent.knownEventTypes.filter((type) => type !== "ping" && type !== "error"),
        covered("StreamEvent", (json) => json["type"])
      ),
      []
    )
    assert.deepStrictEqual(
      missing(
        StreamEvent.knownDeltaTypes,
        covered("StreamEvent", (json) => record(json["delta"])["type"])
      ),
      []
    )
  })
})

describe("every valid fixture passes the linter (no false positive)", () => {
  const base = { model: "claude-sonnet-4-5", max_tokens: 4096 }
  const hi = { role: "user", content: "Hi" }
  /** Blocks the API accepts only in assistant turns (a server tool's result follows its call in the same turn). */
  const assistantSide = (type: string) =>
    ["tool_use", "server_tool_use", "mcp_tool_use", "thinking", "redacted_thinking", "compaction", "fallback"].includes(
      type
    ) ||
    type === "mcp_tool_listing" ||
    (type.endsWith("_tool_result") && type !== "tool_result")
  /** The request a fixture is sent in: as it is, or in the smallest conversation where it belongs. */
  const requestOf = (fixture: Fixture): unknown => {
    const json = record(fixture.json)
    switch (fixture.schema) {
      case "MessagesRequest":
        return json
      case "CountTokensRequest":
        return { ...json, max_tokens: base.max_tokens }
      case "MessageParam":
      case "RequestMessage":
        return {
          ...base,
          messages: json.role === "user" ? [json] : json.role === "assistant" ? [hi, json] : [json, hi]
        }
      case "ToolDefinition":
        return { ...base, messages: [hi], tools: [json] }
      case "ToolChoice":
        return {
          ...base,
          messages: [hi],
          tools: [{ name: "get_weather", input_schema: { type: "object" } }],
          tool_choice: json
        }
      case "ThinkingConfig":
        return { ...base, max_tokens: 20_000, messages: [hi], thinking: json }
      case "ContentBlock": {
        const type = String(json.type)
        const id = json.tool_use_id
        if (type === "tool_result") {
          const call = { type: "tool_use", id, name: "n", input: {} }
          return { ...base, messages: [hi, { role: "assistant", content: [call] }, { role: "user", content: [json] }] }
        }
        if (!assistantSide(type)) return { ...base, messages: [{ role: "user", content: [json] }] }
        const mcp = type === "mcp_tool_result"
        const call = mcp
          ? { type: "mcp_tool_use", id, name: "n", server_name: "s", input: {} }
          : { type: "server_tool_use", id, name: "web_search", input: {} }
        const after =
          type === "tool_use" ? { role: "user", content: [{ type: "tool_result", tool_use_id: json.id }] } : hi
        return {
          ...base,
          messages: [hi, { role: "assistant", content: [...(id === undefined ? [] : [call]), json] }, after]
        }
      }
      default:
        return undefined
    }
  }

  it("each request, message, tool, tool choice, thinking config and request-side block, where it belongs", () => {
    const sent = fixtures.filter((fixture) => fixture.schema !== "ContentBlock" || fixture.file.startsWith("param."))
    const problems = sent.flatMap((fixture) => {
      const request = requestOf(fixture)
      if (request === undefined) return []
      const decoded = Wire.decodeUnknownEither(Request.MessagesRequest)(request)
      if (Either.isLeft(decoded)) return [`${fixture.file}: ${decoded.left.message}`]
      const linted = Effect.runSync(Effect.either(Validation.validateRequest(decoded.right)))
      return Either.isLeft(linted) ? [`${fixture.file}: ${linted.left.message}`] : []
    })
    assert.deepStrictEqual(problems, [])
    // what is not sent is what the API sends: responses, events, errors and response-side blocks
    const notSent = fixtures.filter((fixture) => !sent.includes(fixture) || requestOf(fixture) === undefined)
    assert.deepStrictEqual(
      [
        ...new Set(
          notSent.map((fixture) => (fixture.schema === "ContentBlock" ? fixture.file.split(".")[0] : fixture.schema))
        )
      ].sort(),
      ["CountTokensResponse", "ErrorBody", "Message", "StreamEvent", "block"]
    )
  })
})

describe("known members are exact", () => {
  it("a versioned server tool with a wrong name or a mistyped field fails", () => {
    assert.isTrue(fails("ToolDefinition", { type: "web_search_20250305", name: "oops", max_uses: "five" }))
    assert.isTrue(fails("ToolDefinition", { type: "web_search_20250305", name: "oops" }))
    assert.isTrue(fails("ToolDefinition", { type: "web_search_20250305", name: "web_search", max_uses: "five" }))
    assert.isTrue(fails("ToolDefinition", { type: "web_fetch_20250910", name: "web_search" }))
    assert.isTrue(fails("ToolDefinition", { type: "code_execution_20250825", name: "code_execution", strict: "yes" }))
    assert.isTrue(fails("ToolDefinition", { type: "computer_20251124", name: "computer", display_width_px: 1024 }))
    assert.isTrue(fails("ToolDefinition", { type: "advisor_20260301", name: "advisor" }))
    assert.isTrue(fails("ToolDefinition", { type: "mcp_toolset" }))
    assert.isTrue(
      fails("ToolDefinition", { type: "browser_toolset_20260801", configs: { navigate: { enabled: "yes" } } })
    )
    assert.isTrue(
      fails("ToolDefinition", {
        type: "web_fetch_20250910",
        name: "web_fetch",
        url_sources: { client_tool_results: { type: "only" } }
      })
    )
  })

  it("a tool_use, server_tool_use or mcp_tool_use block without its input fails (found by the fuzz suite)", () => {
    for (const block of [
      { type: "tool_use", id: "toolu_1", name: "get_weather" },
      { type: "server_tool_use", id: "srvtoolu_1", name: "web_search" },
      { type: "mcp_tool_use", id: "mcptoolu_1", name: "search", server_name: "github" }
    ]) {
      assert.isTrue(fails("ContentBlock", block))
      assert.isTrue(fails("StreamEvent", { type: "content_block_start", index: 0, content_block: block }))
      // an input of any JSON value, null included, is the model's own
      assert.deepStrictEqual(roundTrip("ContentBlock", { ...block, input: null }), { ...block, input: null })
    }
  })

  it("a custom tool needs a name and an object input_schema; without a type it is not an unknown tool", () => {
    assert.isTrue(fails("ToolDefinition", { input_schema: { type: "object" } }))
    assert.isTrue(fails("ToolDefinition", { name: "t", input_schema: { type: "array" } }))
    assert.isTrue(fails("ToolDefinition", { name: "t" }))
    assert.isTrue(
      fails("ToolDefinition", { type: "custom", name: "t", input_schema: { type: "object", required: "a" } })
    )
  })

  it("blocks, tool choices, thinking and messages with a known type and an invalid body fail", () => {
    assert.isTrue(
      fails("ContentBlock", { type: "tool_result", tool_use_id: "t", content: [{ type: "tool_reference" }] })
    )
    assert.isTrue(
      fails("ContentBlock", { type: "tool_result", tool_use_id: "t", content: [{ type: "browser_state", tabs: "x" }] })
    )
    assert.isTrue(fails("ContentBlock", { type: "image", source: { type: "base64", media_type: "image/png" } }))
    assert.isTrue(fails("ContentBlock", { type: "document", source: { type: "url" } }))
    assert.isTrue(
      fails("ContentBlock", { type: "search_result", source: "s", title: "t", content: [{ type: "text" }] })
    )
    assert.isTrue(
      fails("ContentBlock", {
        type: "web_search_tool_result",
        tool_use_id: "t",
        content: { type: "web_search_tool_result_error" }
      })
    )
    assert.isTrue(
      fails("ContentBlock", {
        type: "code_execution_tool_result",
        tool_use_id: "t",
        content: { type: "code_execution_result", stdout: "", stderr: "", return_code: "0", content: [] }
      })
    )
    assert.isTrue(
      fails("ContentBlock", {
        type: "tool_use",
        id: "t",
        name: "n",
        input: {},
        caller: { type: "direct", x: 1 },
        toolset_name: 3
      })
    )
    assert.isTrue(fails("ContentBlock", { type: "text", text: "x", cache_control: { type: "ephemeral", ttl: 5 } }))
    assert.isTrue(fails("ContentBlock", { type: "fallback", from: {}, to: { model: "m" } }))
    assert.isTrue(
      fails("ContentBlock", {
        type: "tool_addition",
        tool: { type: "tool_definition", definition: { type: "web_search_20250305" } }
      })
    )
    assert.isTrue(fails("ToolChoice", { type: "tool" }))
    assert.isTrue(fails("ThinkingConfig", { type: "enabled" }))
    assert.isTrue(
      fails("MessageParam", { role: "system", content: [{ type: "image", source: { type: "url", url: "u" } }] })
    )
    assert.isTrue(
      fails("MessageParam", { role: "system", content: [{ type: "tool_use", id: "t", name: "n", input: {} }] })
    )
    assert.isTrue(fails("MessageParam", { role: "tool", content: "hi" }))
    // only a system message may come without content, and only in a request's messages
    assert.isTrue(fails("MessageParam", { role: "system", output_config: { effort: "low" } }))
    assert.isTrue(fails("RequestMessage", { role: "user" }))
    assert.isTrue(fails("RequestMessage", { role: "assistant", output_config: { effort: "low" } }))
    assert.isTrue(fails("RequestMessage", { role: "system", output_config: { effort: 3 } }))
    // a system message with invalid content is not taken for one without content
    assert.isTrue(
      fails("RequestMessage", { role: "system", content: [{ type: "image", source: { type: "url", url: "u" } }] })
    )
    assert.isTrue(fails("RequestMessage", { role: "system", content: null, output_config: { effort: "low" } }))
    assert.isTrue(fails("MessagesRequest", { model: "m", max_tokens: 1, messages: [], output_config: { effort: 3 } }))
    assert.isTrue(
      fails("Message", { id: "m", type: "message", role: "assistant", content: [], container: { id: "c" } })
    )
  })
})

describe("unknown members are kept as they came", () => {
  const kept: ReadonlyArray<readonly [SchemaName, unknown]> = [
    ["ToolDefinition", { type: "web_search_20270101", name: "web_search", max_uses: "five", new_option: { a: 1 } }],
    ["ToolDefinition", { type: "spreadsheet_toolset_20270101", configs: { sum: { enabled: true } } }],
    ["ToolChoice", { type: "auto_with_budget", budget: 3 }],
    ["ThinkingConfig", { type: "interleaved_deep", depth: 3 }],
    ["ContentBlock", { type: "text", text: "x", cache_control: { type: "ephemeral", ttl: "24h" } }],
    ["ContentBlock", { type: "text", text: "x", cache_control: { type: "persistent", scope: "org" } }],
    ["ContentBlock", { type: "image", source: { type: "base64", media_type: "image/avif", data: "AAAA" } }],
    ["ContentBlock", { type: "image", source: { type: "s3", bucket: "b", key: "k" } }],
    ["ContentBlock", { type: "document", source: { type: "base64", media_type: "application/msword", data: "AAAA" } }],
    ["ContentBlock", { type: "document", source: { type: "git", repo: "r" } }],
    ["ContentBlock", { type: "document", source: { type: "content", content: [{ type: "audio", data: "AAAA" }] } }],
    ["ContentBlock", { type: "search_result", source: "s", title: "t", content: [{ type: "table", rows: [[1]] }] }],
    [
      "ContentBlock",
      {
        type: "tool_result",
        tool_use_id: "t",
        content: [
          { type: "video", frames: 3 },
          { type: "text", text: "ok" }
        ]
      }
    ],
    [
      "ContentBlock",
      { type: "tool_use", id: "t", name: "n", input: {}, caller: { type: "code_execution_20270101", tool_id: "x" } }
    ],
    ["ContentBlock", { type: "server_tool_use", id: "s", name: "image_generation", input: {} }],
    [
      "ContentBlock",
      {
        type: "web_search_tool_result",
        tool_use_id: "t",
        content: { type: "web_search_tool_result_error", error_code: "new_code" }
      }
    ],
    [
      "ContentBlock",
      { type: "web_fetch_tool_result", tool_use_id: "t", content: { type: "web_fetch_partial", url: "u" } }
    ],
    ["ContentBlock", { type: "hologram", frames: [1, 2] }],
    [
      "MessageParam",
      {
        role: "system",
        content: [
          { type: "text", text: "x" },
          { type: "persona", name: "p" }
        ]
      }
    ],
    [
      "Message",
      {
        id: "m",
        type: "message",
        role: "assistant",
        content: [],
        stop_reason: "new_reason",
        stop_details: { type: "budget_exhausted", budget: 1 },
        usage: {
          input_tokens: 1,
          output_tokens: 1,
          service_tier: "flex",
          iterations: [{ type: "tool_sampling", n: 1 }]
        }
      }
    ],
    ["StreamEvent", { type: "content_block_delta", index: 0, delta: { type: "audio_delta", samples: "AAAA" } }],
    ["StreamEvent", { type: "message_annotation", annotation: {} }],
    [
      "MessagesRequest",
      {
        model: "m",
        max_tokens: 1,
        messages: [{ role: "user", content: "hi" }],
        output_config: { effort: "ultra", format: { type: "grammar", grammar: "g" } },
        thinking: { type: "between_tools" },
        mcp_servers: [{ type: "stdio", command: "x" }]
      }
    ]
  ]
  for (const [schema, json] of kept) {
    it(`${schema}: ${JSON.stringify(json).slice(0, 100)}`, () => {
      assert.deepStrictEqual(roundTrip(schema, json), json)
    })
  }

  it("at every place of every fixture that holds a typed member, an unknown member is kept, except where the API's set is closed", () => {
    const closed = new Set<string>()
    for (const fixture of fixtures) {
      const places: Array<ReadonlyArray<string>> = []
      const walk = (node: unknown, at: ReadonlyArray<string>) => {
        if (typeof node !== "object" || node === null) return
        if (!Array.isArray(node) && typeof (node as Record<string, unknown>).type === "string" && at.length > 0) {
          places.push(at)
        }
        for (const key of Object.keys(node)) walk((node as Record<string, unknown>)[key], [...at, key])
      }
      walk(fixture.json, [])
      for (const at of places) {
        const json = JSON.parse(JSON.stringify(fixture.json)) as Record<string, unknown>
        let parent = json
        for (const key of at.slice(0, -1)) parent = parent[key] as Record<string, unknown>
        const was = (parent[at[at.length - 1]!] as { type: string }).type
        parent[at[at.length - 1]!] = { type: "zz_future_member", zz_field: [1, { a: null }] }
        const decoded = decode(fixture.schema, json)
        const place = `${fixture.schema}.${at.map((key) => (/^\d+$/.test(key) ? "[]" : key)).join(".")} (${was})`
        if (Either.isLeft(decoded)) closed.add(place)
        else assert.deepStrictEqual(encode(fixture.schema, decoded.right), json, place)
      }
    }
    assert.deepStrictEqual(
      [...closed].sort(),
      [
        // a required field holds the whole value: the replacement lacks the fields every member has
        "ErrorBody.error (overloaded_error)",
        "MessagesRequest.container.skills.[] (anthropic)",
        "MessagesRequest.container.skills.[] (custom)",
        "Message.container.skills.[] (anthropic)",
        "StreamEvent.message (message)",
        // closed by the API: one kind only
        "ContentBlock.content.content (document)", // a web fetch result's document
        "ContentBlock.tool.definition.input_schema (object)", // input_schema is a JSON Schema of an object
        "ContentBlock.tool_changes.[].tool.definition.input_schema (object)",
        "MessagesRequest.system.[] (text)", // system blocks are text blocks
        "MessagesRequest.tools.[].input_schema (object)",
        "ToolDefinition.input_schema (object)"
      ].sort()
    )
  })

  it("an unknown tool, block and source are recognised as unknown", () => {
    const tool = Either.getOrThrow(decode("ToolDefinition", { type: "web_search_20270101", name: "x" }))
    assert.isFalse(Schema.is(Request.KnownTool)(tool))
    assert.isFalse(Schema.is(Request.CustomTool)(tool))
    const block = Either.getOrThrow(Wire.decodeUnknownEither(Content.ContentBlock)({ type: "hologram" }))
    assert.isTrue(Content.isUnknown(block))
    const known = Either.getOrThrow(
      Wire.decodeUnknownEither(Content.ContentBlock)({ type: "compaction", content: null })
    )
    assert.isFalse(Content.isUnknown(known))
  })
})

describe("every member and field of the SDK's types is declared by Parley's schemas", () => {
  /**
   * The shape of a type as paths: `.tools[]{web_search_20250305}.user_location` is the `user_location` field of a
   * `tools` item whose `type` is `web_search_20250305`. For each path of an object, the names of its fields; for each
   * path of a string literal union (`...=`), its literals. A member is keyed by all the literals of its `type`.
   */
  type Shape = Map<string, Set<string>>
  const note = (shape: Shape, at: string, name?: string) => {
    if (!shape.has(at)) shape.set(at, new Set())
    if (name !== undefined) shape.get(at)!.add(name)
  }
  const memberKey = (types: ReadonlyArray<string>) => (types.length === 0 ? "" : `{${[...types].sort().join("|")}}`)

  const sdkShape = (root: ts.Type): Shape => {
    const { checker } = SdkTypes.load()
    const shape: Shape = new Map()
    const walk = (type0: ts.Type, at: string, seen: ReadonlyArray<ts.Type>) => {
      const type = checker.getNonNullableType(type0)
      if (seen.includes(type)) return
      const inner = [...seen, type]
      if (type.isUnion()) {
        if (type.types.every((member) => member.isStringLiteral())) {
          for (const member of type.types) note(shape, `${at}=`, (member as ts.StringLiteralType).value)
          return
        }
        for (const member of type.types) if (!(member.flags & ts.TypeFlags.Literal)) walk(member, at, inner)
        return
      }
      if (type.isStringLiteral()) return note(shape, `${at}=`, type.value)
      if (checker.isArrayType(type) || checker.isTupleType(type)) {
        for (const item of checker.getTypeArguments(type as ts.TypeReference)) walk(item, `${at}[]`, inner)
        return
      }
      if (!(type.flags & ts.TypeFlags.Object) || type.getProperties().length === 0) return
      const typeField = type.getProperty("type")
      const literal = typeField && checker.getNonNullableType(checker.getTypeOfSymbol(typeField))
      const literals = literal
        ? (literal.isUnion() ? literal.types : [literal])
            .filter((t) => t.isStringLiteral())
            .map((t) => (t as ts.StringLiteralType).value)
        : []
      const key = `${at}${memberKey(literals)}`
      note(shape, key)
      for (const property of type.getProperties()) {
        const docs = ts.displayPartsToString(property.getDocumentationComment(checker))
        if (docs.startsWith("Header param:")) continue
        note(shape, key, property.name)
        walk(checker.getTypeOfSymbol(property), `${key}.${property.name}`, inner)
      }
    }
    walk(root, "", [])
    return shape
  }

  const parleyShape = (schema: Schema.Schema.Any): Shape => {
    const shape: Shape = new Map()
    const literalsOf = (ast: AST.AST, out: Array<string>) => {
      if (AST.isLiteral(ast) && typeof ast.literal === "string") out.push(ast.literal)
      else if (AST.isUnion(ast)) for (const member of ast.types) literalsOf(member, out)
      else if (AST.isRefinement(ast) || AST.isTransformation(ast)) literalsOf(ast.from, out)
    }
    const walk = (ast: AST.AST, at: string, seen: ReadonlyArray<AST.AST>) => {
      if (seen.includes(ast)) return
      const inner = [...seen, ast]
      if (AST.isTransformation(ast) || AST.isRefinement(ast)) return walk(ast.from, at, inner)
      if (AST.isSuspend(ast)) return walk(ast.f(), at, inner)
      if (AST.isUnion(ast)) {
        for (const member of ast.types) walk(member, at, inner)
        return
      }
      if (AST.isLiteral(ast)) {
        if (typeof ast.literal === "string") note(shape, `${at}=`, ast.literal)
        return
      }
      if (AST.isTupleType(ast)) {
        for (const item of [...ast.elements, ...ast.rest]) walk(item.type, `${at}[]`, inner)
        return
      }
      if (!AST.isTypeLiteral(ast)) return
      const literals: Array<string> = []
      const typeField = ast.propertySignatures.find((property) => property.name === "type")
      if (typeField !== undefined) literalsOf(typeField.type, literals)
      const key = `${at}${memberKey([...new Set(literals)])}`
      note(shape, key)
      for (const property of ast.propertySignatures) {
        note(shape, key, String(property.name))
        walk(property.type, `${key}.${String(property.name)}`, inner)
      }
    }
    walk(Schema.encodedSchema(schema).ast, "", [])
    return shape
  }

  /** The SDK's paths and fields that the schema does not declare (a path under a missing one is not listed again). */
  const undeclared = (sdk: Shape, parley: Shape): ReadonlyArray<string> => {
    const missing: Array<string> = []
    for (const [at, names] of sdk) {
      if (missing.some((path) => at.startsWith(path))) continue
      const declared = parley.get(at)
      if (declared === undefined) {
        missing.push(at)
        continue
      }
      for (const name of names) if (!declared.has(name)) missing.push(`${at}${at.endsWith("=") ? "" : "."}${name}`)
    }
    return missing
  }

  const roots: ReadonlyArray<readonly ["Messages" | "Beta", string, Schema.Schema.Any]> = [
    ["Messages", "MessageCreateParamsNonStreaming", Request.MessagesRequest],
    ["Beta", "MessageCreateParamsNonStreaming", Request.MessagesRequest],
    ["Messages", "MessageCountTokensParams", Request.CountTokensRequest],
    ["Beta", "MessageCountTokensParams", Request.CountTokensRequest],
    ["Messages", "Message", Message.Message],
    ["Beta", "BetaMessage", Message.Message],
    ["Messages", "MessageTokensCount", Request.CountTokensResponse],
    ["Beta", "BetaMessageTokensCount", Request.CountTokensResponse],
    ["Messages", "RawMessageStreamEvent", StreamEvent.StreamEvent],
    ["Beta", "BetaRawMessageStreamEvent", StreamEvent.StreamEvent]
  ]

  it("requests, count_tokens, messages and stream events, GA and beta: every member, field and literal, at every depth", () => {
    const sdk = SdkTypes.load()
    const report = roots.map(([module, name, schema]) => {
      const shape = sdkShape(sdk.type(module, name))
      return { root: `${module}.${name}`, paths: shape.size, undeclared: undeclared(shape, parleyShape(schema)) }
    })
    assert.deepStrictEqual(
      report.map(({ root, undeclared }) => ({ root, undeclared })),
      roots.map(([module, name]) => ({ root: `${module}.${name}`, undeclared: [] }))
    )
    // the walk reaches the whole surface: hundreds of paths on each side of the request, the beta's the most
    assert.isAbove(report.find((row) => row.root === "Beta.MessageCreateParamsNonStreaming")!.paths, 700)
    assert.isAbove(report.find((row) => row.root === "Messages.MessageCreateParamsNonStreaming")!.paths, 350)
  }, 60_000)

  it("every member of every union, inner ones included (sources, citations, results, callers), has a fixture", () => {
    const sdk = SdkTypes.load()
    const members = new Set<string>()
    for (const [module, name] of roots) {
      for (const at of sdkShape(sdk.type(module, name)).keys()) {
        const last = /\{([^{}]+)\}$/.exec(at)
        if (last !== null) for (const type of last[1]!.split("|")) members.add(type)
      }
    }
    const seen = new Set<string>()
    const todo: Array<unknown> = fixtures.map((fixture) => fixture.json)
    while (todo.length > 0) {
      const next = todo.pop()
      if (typeof next !== "object" || next === null) continue
      const type = (next as Record<string, unknown>).type
      if (typeof type === "string") seen.add(type)
      todo.push(...Object.values(next))
    }
    assert.isAbove(members.size, 140)
    // every type literal of every member the walk met (a versioned tool's alias included) is in some fixture
    assert.deepStrictEqual([...members].filter((type) => !seen.has(type)).sort(), [])
  }, 60_000)

  it("the comparison sees a field, a member or a literal that a schema lacks", () => {
    const sdk = SdkTypes.load()
    const shape = sdkShape(sdk.type("Messages", "MessageCreateParamsNonStreaming"))
    const parley = parleyShape(Request.MessagesRequest)
    const without = (at: string, name: string): Shape =>
      new Map(
        [...parley].map(([path, names]) => [path, path === at ? new Set([...names].filter((n) => n !== name)) : names])
      )
    const withoutPath = (at: string): Shape => new Map([...parley].filter(([path]) => path !== at))
    assert.deepStrictEqual(undeclared(shape, without("", "inference_geo")), [".inference_geo"])
    assert.deepStrictEqual(undeclared(shape, withoutPath(".tools[]{web_search_20250305}")), [
      ".tools[]{web_search_20250305}"
    ])
    const mediaTypes = ".messages[].content[]{image}.source{base64}.media_type="
    assert.isTrue(parley.has(mediaTypes))
    assert.deepStrictEqual(undeclared(shape, without(mediaTypes, "image/webp")), [`${mediaTypes}image/webp`])
  }, 60_000)
})
