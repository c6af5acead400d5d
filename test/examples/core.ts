import { Content, Conversation, type Message, Tokens, Tool, Toolkit, Validation } from "@parley/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

const GetWeather = Tool.make("get_weather", {
  description: "The current weather in a city",
  input: Schema.Struct({ city: Schema.String.annotations({ description: "City name, e.g. Oslo" }) }),
  output: Schema.Struct({ city: Schema.String, celsius: Schema.Number })
})

const tools = Toolkit.make(GetWeather).handle({
  get_weather: ({ city }) => Effect.succeed({ city, celsius: -3 })
})

const program = Effect.gen(function* () {
  // Appends return Either<Conversation, ValidationError>; an Either can be yield*ed.
  let conversation = yield* Conversation.appendUser(
    Conversation.make({ system: "Answer in one sentence." }),
    "What is the weather in Oslo?"
  )

  const reply: Message.Message = {
    id: "msg_01",
    type: "message",
    role: "assistant",
    content: [
      Content.text("Let me check."),
      { type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Oslo" } }
    ],
    stop_reason: "tool_use"
  }
  conversation = yield* Conversation.appendAssistant(conversation, reply)

  // Run every pending tool call; each becomes a tool_result (is_error: true if anything went wrong).
  const results = yield* Effect.forEach(Conversation.pendingToolUses(conversation), tools.run)
  conversation = yield* Conversation.appendToolResults(conversation, results)

  // A user turn that skipped the tool results would have failed with a typed error instead:
  const skipped = yield* Effect.flip(Conversation.appendUser(Conversation.make(), [Content.toolResult("toolu_x", "?")]))
  console.log(skipped.rule, "-", skipped.message)

  const request = Conversation.toRequest(conversation, {
    model: "claude-sonnet-4-5",
    max_tokens: 256,
    tools: tools.definitions
  })
  yield* Validation.validateRequest(request, { apiVersion: "2023-06-01" })
  const estimated = yield* Tokens.checkContextWindow(request)

  console.log(JSON.stringify(request.messages[2]))
  console.log(`about ${estimated} input tokens (an estimate)`)

  // Store and restore without loss.
  const stored = JSON.stringify(Schema.encodeSync(Conversation.Json)(conversation))
  const restored = Schema.decodeUnknownSync(Conversation.Json)(JSON.parse(stored))
  console.log(restored.length, "turns restored")
})

Effect.runSync(program)
