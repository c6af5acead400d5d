import { assert, describe, it } from "@effect/vitest"
import * as Request from "../src/Request.js"

describe("Request.toCountTokens", () => {
  it("sends exactly what count_tokens counts, and fields added to the API later", () => {
    const request = {
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      messages: [{ role: "user" as const, content: "Hi" }],
      system: "Be brief.",
      tools: [{ name: "t", input_schema: { type: "object" as const } }],
      tool_choice: { type: "auto" as const },
      thinking: { type: "enabled" as const, budget_tokens: 2048 },
      stream: true,
      stop_sequences: ["END"],
      temperature: 1,
      top_p: 0.9,
      top_k: 5,
      metadata: { user_id: "u" },
      service_tier: "auto",
      container: "c",
      inference_geo: "us",
      diagnostics: { enabled: true },
      future_parameter: { a: 1 }
    } as unknown as Request.MessagesRequest
    assert.deepStrictEqual(Request.toCountTokens(request), {
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "Hi" }],
      system: "Be brief.",
      tools: [{ name: "t", input_schema: { type: "object" } }],
      tool_choice: { type: "auto" },
      thinking: { type: "enabled", budget_tokens: 2048 },
      future_parameter: { a: 1 }
    } as unknown as Request.CountTokensRequest)
  })
})
