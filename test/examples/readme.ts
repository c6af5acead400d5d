import { Content, Conversation, Message, Tool, Toolkit } from "@parley/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

// A tool is a name, a description and an input Schema; the API's input_schema is derived from it.
const Add = Tool.make("add", {
  description: "Add two numbers",
  input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
  output: Schema.Number
})
const tools = Toolkit.make(Add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })

const program = Effect.gen(function* () {
  let chat = yield* Conversation.appendUser(Conversation.make(), "What is 2 + 40?")
  // A reply as the API returns it (here by hand; @parley/transport fetches it, @parley/loop drives the turns).
  const reply = Schema.decodeUnknownSync(Message.Message)({
    id: "msg_1",
    type: "message",
    role: "assistant",
    content: [{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 2, b: 40 } }],
    stop_reason: "tool_use",
    usage: { input_tokens: 20, output_tokens: 10 }
  })
  chat = yield* Conversation.appendAssistant(chat, reply)
  const results = yield* Effect.forEach(Conversation.pendingToolUses(chat), tools.run)
  chat = yield* Conversation.appendToolResults(chat, results)
  console.log(JSON.stringify(tools.definitions[0]?.input_schema))
  console.log(JSON.stringify(Conversation.messages(chat).at(-1)))
  // What the API would reject is a typed error before anything is sent:
  const error = yield* Effect.flip(Conversation.appendUser(Conversation.make(), [Content.toolResult("toolu_9", "?")]))
  console.log(`${error._tag}: ${error.message}`)
})

Effect.runSync(program)
