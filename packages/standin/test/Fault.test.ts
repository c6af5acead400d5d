import { assert, describe, it } from "@effect/vitest"
import * as Fault from "../src/Fault.js"

describe("Fault", () => {
  it("derives the error type and message of a status from the API's table", () => {
    assert.deepStrictEqual(Fault.status(529), {
      _tag: "Status",
      status: 529,
      errorType: "overloaded_error",
      message: "Overloaded",
      headers: {}
    })
    assert.strictEqual(Fault.status(401).errorType, "authentication_error")
    assert.strictEqual(Fault.status(502).errorType, "api_error")
    assert.strictEqual(Fault.status(418).errorType, "invalid_request_error")
    assert.deepStrictEqual(Fault.error("rate_limit_error", "slow down"), {
      _tag: "Status",
      status: 429,
      errorType: "rate_limit_error",
      message: "slow down",
      headers: {}
    })
    assert.strictEqual(Fault.error("future_error").status, 500)
  })

  it("builds rate-limit and retry headers", () => {
    assert.deepStrictEqual(Fault.rateLimited({ retryAfterSeconds: 2 }).headers, { "retry-after": "2" })
    assert.deepStrictEqual(Fault.shouldRetry(true), { _tag: "Headers", headers: { "x-should-retry": "true" } })
    assert.deepStrictEqual(
      Fault.rateLimitHeaders({ outputTokens: { limit: 10, remaining: 0, reset: new Date(Date.UTC(2030, 0, 1)) } }),
      {
        _tag: "Headers",
        headers: {
          "anthropic-ratelimit-output-tokens-limit": "10",
          "anthropic-ratelimit-output-tokens-remaining": "0",
          "anthropic-ratelimit-output-tokens-reset": "2030-01-01T00:00:00Z"
        }
      }
    )
  })

  it("describes stream faults", () => {
    assert.deepStrictEqual(Fault.midStreamError(3), {
      _tag: "MidStreamError",
      afterEvents: 3,
      errorType: "overloaded_error",
      message: "Overloaded"
    })
    assert.deepStrictEqual(Fault.truncate({ afterBytes: 5 }), { _tag: "Truncate", afterBytes: 5 })
    assert.deepStrictEqual(Fault.truncate({ afterEvents: 2 }), { _tag: "Truncate", afterEvents: 2 })
    assert.deepStrictEqual(Fault.stall("2 seconds", { afterEvents: 1 }), {
      _tag: "Stall",
      millis: 2000,
      afterEvents: 1
    })
    assert.deepStrictEqual(Fault.stall("forever"), { _tag: "Stall", millis: undefined, afterEvents: undefined })
  })

  it("plans faults for the first calls only, or for every call", () => {
    const policy = Fault.firstCalls(2, Fault.overloaded())
    const at = (attempt: number) => policy({ attempt, path: "/v1/messages", body: {} })
    assert.deepStrictEqual([at(0), at(1), at(2)], [[Fault.overloaded()], [Fault.overloaded()], undefined])
    assert.deepStrictEqual(Fault.always(Fault.malformedJson())({ attempt: 9, path: "/", body: null }), [
      { _tag: "MalformedJson" }
    ])
  })

  it("rateLimit counts requests and input tokens per one-minute window and refuses calls over a limit", () => {
    let now = Date.parse("2026-01-01T00:00:00Z")
    const policy = Fault.rateLimit({ requestsPerMinute: 2, inputTokensPerMinute: 100, enforce: true, now: () => now })
    const call = (attempt: number, text: string) =>
      policy({
        attempt,
        path: "/v1/messages",
        body: { model: "m", max_tokens: 1, messages: [{ role: "user", content: text }] }
      }) as ReadonlyArray<Fault.Fault>
    const headersOf = (faults: ReadonlyArray<Fault.Fault>) =>
      faults.find((fault): fault is Fault.Headers => fault._tag === "Headers")?.headers ?? {}
    const statusOf = (faults: ReadonlyArray<Fault.Fault>) =>
      faults.find((fault): fault is Fault.Status => fault._tag === "Status")
    const first = call(0, "hi")
    assert.strictEqual(statusOf(first), undefined)
    assert.strictEqual(headersOf(first)["anthropic-ratelimit-requests-remaining"], "1")
    assert.strictEqual(headersOf(first)["anthropic-ratelimit-input-tokens-limit"], "100")
    assert.strictEqual(headersOf(first)["anthropic-ratelimit-requests-reset"], "2026-01-01T00:01:00Z")
    const tooBig = call(1, "word ".repeat(200))
    assert.strictEqual(statusOf(tooBig)?.status, 429)
    assert.strictEqual(
      statusOf(tooBig)?.message,
      "This request would exceed your organization's rate limit of 100 input tokens per minute."
    )
    assert.strictEqual(statusOf(tooBig)?.headers["retry-after"], "60")
    now += 30_000
    assert.strictEqual(statusOf(call(2, "hi")), undefined)
    const third = call(3, "hi")
    assert.strictEqual(
      statusOf(third)?.message,
      "Number of requests has exceeded your per-minute rate limit (2 requests per minute)."
    )
    assert.strictEqual(statusOf(third)?.headers["retry-after"], "30")
    now += 30_000
    assert.strictEqual(statusOf(call(4, "hi")), undefined)
  })
})
