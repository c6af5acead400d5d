// The plain-JavaScript agent of the root README's "Install" section, as a consumer runs it (`node parley.mjs`): the
// same imports, tools and AgentLoop, except that the stand-in model runs in another process (`--url <base>`), so its
// start is not in the measured figure. After the answer it prints one JSON line for the bench runner.
import { Tool, Toolkit } from "@parley/core"
import { AgentLoop } from "@parley/loop"
import { MessagesClient } from "@parley/transport"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import { Effect, Layer, Redacted, Schema } from "effect"
import { answered, imported, standinUrl } from "./measure.mjs"

imported()

// A tool is a name, a description and an input Schema (the model sees the JSON Schema derived from it).
const Unit = Schema.Literal("km", "mi")
const convert = Tool.make("convert", {
  description: "Converts a distance between kilometres and miles",
  input: Schema.Struct({ value: Schema.Number, from: Unit, to: Unit }),
  output: Schema.Number
})
const clock = Tool.make("current_time", {
  description: "The current time in an IANA time zone, e.g. Asia/Tokyo",
  input: Schema.Struct({ timezone: Schema.String }),
  output: Schema.String
})
const toolkit = Toolkit.make(convert, clock).handle({
  convert: ({ value, from, to }) =>
    Effect.succeed(Math.round((from === to ? value : from === "km" ? value / 1.609344 : value * 1.609344) * 100) / 100),
  current_time: ({ timezone }) => Effect.sync(() => new Date().toLocaleTimeString("en-GB", { timeZone: timezone }))
})

const main = Effect.gen(function* () {
  const client = MessagesClient.layer({ apiKey: Redacted.make("offline"), baseUrl: standinUrl })

  const result = yield* AgentLoop.run({
    model: "claude-sonnet-4-5",
    prompt: "Convert 42 km to miles, and what time is it in Tokyo?",
    toolkit
  }).pipe(Effect.provide(client.pipe(Layer.provide(NodeHttpClient.layer))))
  console.log(result.text)
  answered("parley", result.text, result.turns)
})

Effect.runPromise(Effect.scoped(main))
