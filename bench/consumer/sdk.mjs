// The README's agent written on the official SDK (`@anthropic-ai/sdk`), as a plain-JavaScript consumer would: the
// same two tools (JSON Schemas by hand), the same prompt, and the tool loop by hand (call, run the requested tools,
// send their results, until the model stops asking). The stand-in runs in another process (`--url <base>`).
import Anthropic from "@anthropic-ai/sdk"
import { answered, imported, standinUrl } from "./measure.mjs"
import { handlers, prompt, tools } from "./tools.mjs"

imported()

const client = new Anthropic({ apiKey: "offline", baseURL: standinUrl })
const messages = [{ role: "user", content: prompt }]
let turns = 0
for (;;) {
  const message = await client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 4096, tools, messages })
  turns++
  messages.push({ role: "assistant", content: message.content })
  const calls = message.content.filter((block) => block.type === "tool_use")
  if (message.stop_reason !== "tool_use" || calls.length === 0) {
    const text = message.content
      .filter((block) => block.type === "text")
      .map((block) => block.text)
      .join("")
    console.log(text)
    answered("sdk", text, turns)
    break
  }
  messages.push({
    role: "user",
    content: calls.map((call) => {
      const output = handlers[call.name](call.input)
      return {
        type: "tool_result",
        tool_use_id: call.id,
        content: typeof output === "string" ? output : JSON.stringify(output)
      }
    })
  })
}
