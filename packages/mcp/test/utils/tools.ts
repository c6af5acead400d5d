// The tests' MCP server: `add`, `fail` (answers isError), `slow` (answers after 5 s), `dotted.name` and `calls` (how
// many tools/call requests it has answered). server.ts runs it on stdio; McpToolkit.test.ts also serves it over HTTP.
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js"

/** A new server with the test tools. */
export const makeServer = (): Server => {
  const server = new Server({ name: "parley-test", version: "1.0.0" }, { capabilities: { tools: {} } })
  const object = (properties: Record<string, unknown>, required: Array<string> = []) => ({
    type: "object" as const,
    properties,
    required
  })
  let calls = 0

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      {
        name: "add",
        description: "Adds two numbers",
        inputSchema: object({ a: { type: "number" }, b: { type: "number" } }, ["a", "b"])
      },
      { name: "fail", description: "Always fails", inputSchema: object({}) },
      { name: "slow", description: "Answers after 5 seconds", inputSchema: object({}) },
      { name: "dotted.name", description: "A name the API does not accept as is", inputSchema: object({}) },
      { name: "calls", description: "How many calls this server answered", inputSchema: object({}) }
    ]
  }))

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    calls++
    const args = (request.params.arguments ?? {}) as Record<string, number>
    switch (request.params.name) {
      case "add":
        return { content: [{ type: "text", text: String(args.a! + args.b!) }] }
      case "fail":
        return { content: [{ type: "text", text: "no such file: /etc/nothing" }], isError: true }
      case "slow":
        await new Promise((resolve) => setTimeout(resolve, 5_000))
        return { content: [{ type: "text", text: "late" }] }
      case "dotted.name":
        return { content: [{ type: "text", text: "dotted ok" }] }
      case "calls":
        return { content: [{ type: "text", text: String(calls - 1) }] }
      default:
        return { content: [{ type: "text", text: `unknown tool ${request.params.name}` }], isError: true }
    }
  })

  return server
}
