// The README's agent on raw `fetch`, the floor of a plain-JavaScript consumer: the same two tools, prompt and tool
// loop as `sdk.mjs`, each call a `POST <base>/v1/messages` whose JSON answer is parsed and nothing more. The
// stand-in runs in another process (`--url <base>`).
import { answered, imported, standinUrl } from "./measure.mjs"
import { handlers, prompt, tools } from "./tools.mjs"

imported()

const create = async (body) => {
  const response = await fetch(`${standinUrl}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "offline", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body)
  })
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`)
  return response.json()
}

const messages = [{ role: "user", content: prompt }]
let turns = 0
for (;;) {
  const message = await create({ model: "claude-sonnet-4-5", max_tokens: 4096, tools, messages })
  turns++
  messages.push({ role: "assistant", content: message.content })
  const calls = message.content.filter((block) => block.type === "tool_use")
  if (message.stop_reason !== "tool_use" || calls.length === 0) {
    const text = message.content
      .filter((block) => block.type === "text")
      .map((block) => block.text)
      .join("")
    console.log(text)
    answered("fetch", text, turns)
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
