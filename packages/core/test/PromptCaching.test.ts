import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Content from "../src/Content.js"
import * as PromptCaching from "../src/PromptCaching.js"
import type * as Request from "../src/Request.js"
import * as Validation from "../src/Validation.js"

const tool = (name: string) => ({ name, input_schema: { type: "object" as const } })

/** An agent loop's request after `turns` tool round trips. */
const loopRequest = (turns: number): Request.MessagesRequest => {
  const messages: Array<Request.MessagesRequest["messages"][number]> = [{ role: "user", content: "Start" }]
  for (let i = 0; i < turns; i++) {
    messages.push({ role: "assistant", content: [{ type: "tool_use", id: `t${i}`, name: "look", input: { i } }] })
    messages.push({ role: "user", content: [Content.toolResult(`t${i}`, `result ${i}`)] })
  }
  return {
    model: "claude-sonnet-4-5",
    max_tokens: 100,
    system: "Be brief.",
    tools: [tool("look"), tool("write")],
    messages
  }
}

const valid = (request: Request.MessagesRequest) =>
  Effect.runSync(Effect.either(Validation.validateRequest(request, { apiVersion: "2026-10-21" })))._tag

describe("PromptCaching", () => {
  it("top-level: the request's own cache_control, once", () => {
    const request = loopRequest(2)
    const cached = PromptCaching.apply(request)
    assert.deepStrictEqual(cached.cache_control, { type: "ephemeral" })
    assert.deepStrictEqual(cached.messages, request.messages)
    assert.strictEqual(PromptCaching.breakpoints(cached), 1)
    assert.strictEqual(PromptCaching.apply(cached), cached)
    assert.deepStrictEqual(PromptCaching.apply(request, { ttl: "1h" }).cache_control, { type: "ephemeral", ttl: "1h" })
  })

  it("breakpoints: the last two user turns, then system, then the last tool; never a fifth", () => {
    const request = loopRequest(3)
    const cached = PromptCaching.apply(request, { mode: "breakpoints" })
    assert.strictEqual(PromptCaching.breakpoints(cached), 4)
    const last = cached.messages[6]!.content as ReadonlyArray<Content.ContentBlock>
    const previous = cached.messages[4]!.content as ReadonlyArray<Content.ContentBlock>
    assert.deepStrictEqual((last[0] as { cache_control?: unknown }).cache_control, { type: "ephemeral" })
    assert.deepStrictEqual((previous[0] as { cache_control?: unknown }).cache_control, { type: "ephemeral" })
    assert.deepStrictEqual(cached.system, [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }])
    assert.deepStrictEqual(cached.tools?.[1], { ...tool("write"), cache_control: { type: "ephemeral" } })
    assert.deepStrictEqual(cached.tools?.[0], tool("look"))
    // the first user turn and the assistant turns are untouched
    assert.deepStrictEqual(
      cached.messages.slice(0, 4).filter((_, i) => i !== 2),
      [request.messages[0], request.messages[1], request.messages[3]]
    )
    assert.strictEqual(valid(cached), "Right")
    // applied again (the next turn's request built from this one): still at most four
    assert.strictEqual(PromptCaching.breakpoints(PromptCaching.apply(cached, { mode: "breakpoints" })), 4)
  })

  it("breakpoints: system messages without content (beta) are passed over, neither counted nor marked", () => {
    const request = loopRequest(2)
    const settings = { role: "system" as const, output_config: { effort: "low" } }
    const [first, ...rest] = request.messages
    const withSettings: Request.MessagesRequest = {
      ...request,
      messages: [settings, first!, ...rest.slice(0, -1), settings, rest[rest.length - 1]!, settings]
    }
    assert.strictEqual(PromptCaching.breakpoints(withSettings), 0)
    const cached = PromptCaching.apply(withSettings, { mode: "breakpoints" })
    assert.strictEqual(PromptCaching.breakpoints(cached), 4)
    // the last two user turns (now at 5 and 3) are marked; the settings messages are as they were
    const marks = cached.messages.map((message) =>
      typeof message.content === "object"
        ? message.content.map((block) => (block as { cache_control?: unknown }).cache_control ?? null)
        : (message.content ?? "no content")
    )
    assert.deepStrictEqual(marks, [
      "no content",
      "Start",
      [null],
      [{ type: "ephemeral" }],
      [null],
      "no content",
      [{ type: "ephemeral" }],
      "no content"
    ])
    assert.strictEqual(valid(cached), "Right")
  })

  it("counts what is already there, the top-level one included, and adds only what fits", () => {
    for (let existing = 0; existing <= 5; existing++) {
      const request = loopRequest(4)
      const marked: Request.MessagesRequest = {
        ...request,
        ...(existing >= 1 ? { cache_control: { type: "ephemeral" as const } } : {}),
        messages: request.messages.map((message, i) =>
          i > 0 && i <= existing - 1 && typeof message.content === "object"
            ? ({
                ...message,
                content: message.content.map((block) => ({ ...block, cache_control: { type: "ephemeral" } }))
              } as typeof message)
            : message
        )
      }
      const before = PromptCaching.breakpoints(marked)
      const after = PromptCaching.breakpoints(PromptCaching.apply(marked, { mode: "breakpoints" }))
      assert.strictEqual(after, Math.max(before, 4), `with ${existing} already`)
    }
  })

  it("a string user turn becomes one cached text block with the ttl asked for", () => {
    const request: Request.MessagesRequest = {
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hello there" }]
    }
    const cached = PromptCaching.apply(request, { mode: "breakpoints", ttl: "1h" })
    assert.deepStrictEqual(cached.messages, [
      {
        role: "user",
        content: [{ type: "text", text: "Hello there", cache_control: { type: "ephemeral", ttl: "1h" } }]
      }
    ])
  })
})
