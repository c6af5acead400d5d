import { StructuredOutput } from "@parley/core"
import { MessagesClient } from "@parley/transport"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import { Effect, Schema } from "effect"

// What to extract, as a Schema: the request's JSON Schema comes from it, and the reply is decoded into it.
const Extraction = Schema.Struct({
  names: Schema.Array(Schema.String),
  dates: Schema.Array(Schema.String),
  locations: Schema.Array(Schema.String),
  keyFacts: Schema.Array(Schema.String)
})

const text =
  "On 12 March 2026 Ada Lovelace and Charles Babbage met in London to review the Analytical Engine's first program."

const program = Effect.gen(function* () {
  const client = yield* MessagesClient.MessagesClient
  const extracted = yield* StructuredOutput.generate(
    client,
    Extraction,
    {
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      messages: [{ role: "user", content: `Extract the names, dates, locations and key facts of this text:\n${text}` }]
    },
    { repairs: 1 }
  )
  // typed: extracted.names is a ReadonlyArray<string>, and so on
  console.log(
    Object.entries(extracted)
      .map(([field, values]) => `${field}: ${values.length}`)
      .join(", ")
  )
}).pipe(
  Effect.catchTag("StructuredOutputError", (error) => Effect.sync(() => console.log(`${error.reason}: ${error.text}`)))
)

await Effect.runPromise(
  program.pipe(Effect.provide(MessagesClient.layerConfig()), Effect.provide(NodeHttpClient.layer))
)
