import { assert, describe, it } from "@effect/vitest"
import * as StructuredOutput from "@parley/core/StructuredOutput"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as L from "./utils/Loopback.js"

const Contact = Schema.Struct({
  name: Schema.String,
  email: Schema.String,
  tags: Schema.Array(Schema.String)
})

/** A server answering each request with the next text (and stop reason) of the script. */
const scripted = (replies: ReadonlyArray<readonly [string, string]>) =>
  L.start((_, res, index) => {
    const [text, stop] = replies[index] ?? ["", "end_turn"]
    L.json(res, 200, L.message(text, { stop_reason: stop }))
  })

const request = { ...L.request, messages: [{ role: "user" as const, content: "Ada, ada@example.com, math" }] }

describe("StructuredOutput over the client", () => {
  it.scoped("sends the Schema's JSON Schema as output_config.format and returns the decoded value", () =>
    Effect.gen(function* () {
      const server = yield* scripted([['{"name":"Ada","email":"ada@example.com","tags":["math"]}', "end_turn"]])
      const client = yield* L.client(server.url)
      const contact = yield* StructuredOutput.generate(client, Contact, {
        ...request,
        output_config: { effort: "low" }
      })
      assert.deepStrictEqual(contact, { name: "Ada", email: "ada@example.com", tags: ["math"] })
      const sent = JSON.parse(server.received[0]?.body ?? "")
      assert.deepStrictEqual(sent.output_config, {
        effort: "low",
        format: {
          type: "json_schema",
          schema: {
            type: "object",
            required: ["name", "email", "tags"],
            properties: {
              name: { type: "string" },
              email: { type: "string" },
              tags: { type: "array", items: { type: "string" } }
            },
            additionalProperties: false
          }
        }
      })
    })
  )

  it.scoped("a reply that does not fit is repaired once: the reply and the problem go back, the second fits", () =>
    Effect.gen(function* () {
      const server = yield* scripted([
        ['{"name":"Ada","tags":["math"]}', "end_turn"],
        ['{"name":"Ada","email":"ada@example.com","tags":[]}', "end_turn"]
      ])
      const client = yield* L.client(server.url)
      const contact = yield* StructuredOutput.generate(client, Contact, request, { repairs: 1 })
      assert.deepStrictEqual(contact, { name: "Ada", email: "ada@example.com", tags: [] })
      assert.strictEqual(server.received.length, 2)
      const second = JSON.parse(server.received[1]?.body ?? "")
      assert.deepStrictEqual(
        second.messages.map((m: { role: string }) => m.role),
        ["user", "assistant", "user"]
      )
      assert.strictEqual(second.messages[1].content, '{"name":"Ada","tags":["math"]}')
      assert.include(second.messages[2].content, "is missing")
    })
  )

  it.scoped(
    "failures carry the raw text and say why: schema, not JSON, cut at max_tokens, refusal (never repaired)",
    () =>
      Effect.gen(function* () {
        const cases: ReadonlyArray<readonly [string, string, string, number]> = [
          ['{"name":1}', "end_turn", "schema", 2],
          ["Sure! Here it is: {", "end_turn", "not-json", 2],
          ['{"name":"Ada","em', "max_tokens", "max-tokens", 2],
          ["I can't help with that.", "refusal", "refusal", 1]
        ]
        for (const [text, stop, reason, sent] of cases) {
          const server = yield* scripted([
            [text, stop],
            [text, stop]
          ])
          const client = yield* L.client(server.url)
          const error = yield* Effect.flip(StructuredOutput.generate(client, Contact, request, { repairs: 1 }))
          assert.strictEqual(error._tag, "StructuredOutputError")
          if (!(error instanceof StructuredOutput.StructuredOutputError)) continue
          assert.strictEqual(error.reason, reason)
          assert.strictEqual(error.text, text)
          assert.strictEqual(error.repairs, sent - 1)
          assert.strictEqual(server.received.length, sent)
        }
      })
  )

  it.scoped("a model failure is the model's error, not a structured-output one", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.apiError(res, 400, "invalid_request_error", "Bad schema"))
      const client = yield* L.client(server.url)
      const error = yield* Effect.flip(StructuredOutput.generate(client, Contact, request))
      assert.strictEqual(error._tag, "InvalidRequestError")
    })
  )
})
