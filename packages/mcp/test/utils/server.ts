// The tests' MCP server on stdio, as a subprocess (McpToolkit.test.ts starts it).
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import { makeServer } from "./tools.js"

await makeServer().connect(new StdioServerTransport())
