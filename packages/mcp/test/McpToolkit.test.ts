import * as Http from "node:http"
import type * as Net from "node:net"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import type * as Content from "@parley/core/Content"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as AgentLoop from "@parley/loop/AgentLoop"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as McpToolkit from "../src/McpToolkit.js"
import { makeServer } from "./utils/tools.js"

/** The test tools served over Streamable HTTP on a loopback port (stateless: a server per request). */
const httpServer = Effect.acquireRelease(
  Effect.async<Http.Server & { readonly url: string; readonly headers: Array<Http.IncomingHttpHeaders> }>((resume) => {
    const headers: Array<Http.IncomingHttpHeaders> = []
    const server = Http.createServer(async (req, res) => {
      headers.push(req.headers)
      const transport = new StreamableHTTPServerTransport({})
      res.on("close", () => void transport.close())
      await makeServer().connect(transport)
      await transport.handleRequest(req, res)
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as Net.AddressInfo
      resume(Effect.succeed(Object.assign(server, { url: `http://127.0.0.1:${port}/mcp`, headers })))
    })
  }),
  (server) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

/** The test server, a real MCP server in a subprocess over stdio. */
const server = McpToolkit.connectStdio({
  command: process.execPath,
  args: ["--import", "tsx", path.join(import.meta.dirname, "utils", "server.ts")]
})

const call = (name: string, input: unknown, id = "toolu_1"): Content.ToolUseBlock => ({
  type: "tool_use",
  id,
  name,
  input
})

describe("McpToolkit", () => {
  it.live("lists the server's tools as definitions with their JSON Schemas and API-safe names", () =>
    Effect.gen(function* () {
      const tools = yield* McpToolkit.toolkit(yield* server, { prefix: "t_" })
      assert.deepStrictEqual(
        tools.definitions.map((definition) => definition.name),
        ["t_add", "t_fail", "t_slow", "t_dotted_name", "t_calls"]
      )
      assert.deepStrictEqual(tools.definitions[0], {
        name: "t_add",
        description: "Adds two numbers",
        input_schema: {
          type: "object",
          properties: { a: { type: "number" }, b: { type: "number" } },
          required: ["a", "b"]
        }
      })
      const only = yield* McpToolkit.toolkit(yield* server, { include: (name) => name === "add" })
      assert.deepStrictEqual([...only.names], ["add"])
    }).pipe(Effect.scoped)
  )

  it.live("calls go to the server; its errors, invalid input and timeouts are is_error results with outcomes", () =>
    Effect.gen(function* () {
      const tools = yield* McpToolkit.toolkit(yield* server, { timeout: "500 millis" })
      const ok = yield* tools.execute(call("add", { a: 2, b: 3 }))
      assert.strictEqual(ok.outcome, "ok")
      assert.deepStrictEqual(ok.result.content, "5")
      const dotted = yield* tools.execute(call("dotted_name", {}))
      assert.strictEqual(dotted.result.content, "dotted ok")
      const failed = yield* tools.execute(call("fail", {}))
      assert.strictEqual(failed.outcome, "error")
      assert.isTrue(failed.result.is_error)
      assert.include(JSON.stringify(failed.result.content), "no such file: /etc/nothing")
      // invalid input never reaches the server
      const invalid = yield* tools.execute(call("add", { a: "two", b: 3 }))
      assert.strictEqual(invalid.outcome, "invalid-input")
      assert.isTrue(invalid.result.is_error)
      const slow = yield* tools.execute(call("slow", {}))
      assert.strictEqual(slow.outcome, "error")
      assert.include(JSON.stringify(slow.result.content), "did not answer")
      const counted = yield* tools.execute(call("calls", {}))
      // add, dotted.name, fail, slow: the invalid call was never sent
      assert.strictEqual(counted.result.content, "4")
    }).pipe(Effect.scoped)
  )

  it.live("an agent run uses the server's tools beside its own", () =>
    Effect.gen(function* () {
      const mcp = yield* McpToolkit.toolkit(yield* server, { prefix: "calc_", include: (name) => name === "add" })
      const Echo = Tool.make("echo", { description: "Echoes", input: Schema.Struct({ text: Schema.String }) })
      const own = Toolkit.make(Echo).handle({ echo: ({ text }) => Effect.succeed(text) })
      const model = ScriptedModel.fromMessages([
        {
          id: "msg_1",
          type: "message",
          role: "assistant",
          content: [
            { type: "tool_use", id: "toolu_a", name: "calc_add", input: { a: 20, b: 22 } },
            { type: "tool_use", id: "toolu_e", name: "echo", input: { text: "hi" } }
          ],
          stop_reason: "tool_use"
        },
        {
          id: "msg_2",
          type: "message",
          role: "assistant",
          content: [{ type: "text", text: "42" }],
          stop_reason: "end_turn"
        }
      ])
      const result = yield* AgentLoop.run({
        model: "claude-test",
        prompt: "What is 20 + 22?",
        toolkit: [own, mcp]
      }).pipe(Effect.provide(ScriptedModel.layer(model)))
      assert.strictEqual(result.text, "42")
      const sent = model.requests()[1]!
      const results = (sent.messages[2]!.content as ReadonlyArray<Content.ToolResultBlock>).map((block) => [
        block.tool_use_id,
        block.content
      ])
      assert.deepStrictEqual(results, [
        ["toolu_a", "42"],
        ["toolu_e", "hi"]
      ])
      assert.deepStrictEqual(
        model.requests()[0]!.tools?.map((tool) => (tool as { readonly name: string }).name),
        ["echo", "calc_add"]
      )
    }).pipe(Effect.scoped)
  )

  it.live("over Streamable HTTP: the same tools, the client's headers sent", () =>
    Effect.gen(function* () {
      const http = yield* httpServer
      const client = yield* McpToolkit.connectHttp(http.url, { headers: { "x-tenant": "t1" } })
      const tools = yield* McpToolkit.toolkit(client)
      assert.deepStrictEqual([...tools.names], ["add", "fail", "slow", "dotted_name", "calls"])
      const ok = yield* tools.execute(call("add", { a: 1, b: 2 }))
      assert.strictEqual(ok.result.content, "3")
      assert.isTrue(http.headers.length >= 2)
      assert.isTrue(http.headers.every((headers) => headers["x-tenant"] === "t1"))
    }).pipe(Effect.scoped)
  )

  it.live("a server that cannot be reached is an McpError, not a hang", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(McpToolkit.connectHttp("http://127.0.0.1:1/mcp"))
      assert.strictEqual(error._tag, "McpError")
      assert.strictEqual(error.operation, "connect")
    }).pipe(Effect.scoped)
  )
})
