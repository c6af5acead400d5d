import { betaTool } from "@anthropic-ai/sdk/helpers/beta/json-schema"

/** The official SDK's `add` tool of the stand-in's SDK tests; `onRun` sees each input it runs with. */
export const addTool = (onRun: (input: { a: number; b: number }) => void = () => {}) =>
  betaTool({
    name: "add",
    description: "Adds two numbers",
    inputSchema: {
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"]
    },
    run: (input) => {
      onRun(input)
      return String(input.a + input.b)
    }
  })
