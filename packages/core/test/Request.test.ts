import { assert, describe, it } from "@effect/vitest"
import * as Request from "../src/Request.js"
import * as SdkTypes from "./utils/sdkTypes.js"

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
      fallbacks: "default",
      fallback_credit_token: "tok",
      thread: { id: "thr_1" },
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

  it("keeps every body parameter of the SDK's MessageCountTokensParams and drops every other one of its MessageCreateParams, GA and beta", () => {
    const sdk = SdkTypes.load()
    for (const module of ["Messages", "Beta"] as const) {
      const create = sdk.bodyProperties(sdk.type(module, "MessageCreateParamsBase"))
      const count = new Set(sdk.bodyProperties(sdk.type(module, "MessageCountTokensParams")))
      // a request with every body parameter of MessageCreateParams set
      const request = Object.fromEntries(create.map((key) => [key, `value of ${key}`]))
      const sent = Request.toCountTokens(request as unknown as Request.MessagesRequest)
      assert.deepStrictEqual(Object.keys(sent).sort(), create.filter((key) => count.has(key)).sort(), module)
      // and count_tokens takes nothing a messages request cannot hold
      assert.deepStrictEqual(
        [...count].filter((key) => !create.includes(key)),
        [],
        module
      )
    }
    // the header parameters are not body parameters (the SDK sends them as anthropic-* headers)
    assert.deepStrictEqual(
      sdk
        .type("Beta", "MessageCreateParamsBase")
        .getProperties()
        .map((p) => p.name)
        .filter((name) => !sdk.bodyProperties(sdk.type("Beta", "MessageCreateParamsBase")).includes(name))
        .sort(),
      ["betas", "user_profile_id", "workspace_id"]
    )
  }, 60_000)
})
