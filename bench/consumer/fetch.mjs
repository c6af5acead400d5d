// The README's agent on raw `fetch`, the floor of a plain-JavaScript consumer: the same two tools, prompt and tool
// loop as `sdk.mjs`, each call a `POST <base>/v1/messages` whose JSON answer is parsed and nothing more. The
// stand-in runs in another process (`--url <base>`).
import { answered, imported, standinUrl } from "./measure.mjs"

imported()

const tools = [
  {
    name: "convert",
    description: "Converts a distance between kilometres and miles",
    input_schema: {
      type: "object",
      properties: { value: { type: "number" }, from: { enum: ["km", "mi"] }, to: { enum: ["km", "mi"] } },
      required: ["value", "from", "to"]
    }
  },
  {
    name: "current_time",
    description: "The current time in an IANA time zone, e.g. Asia/Tokyo",
    input_schema: { type: "object", properties: { timezone: { type: "string" } }, required: ["timezone"] }
  }
]
const handlers = {
  convert: ({ value, from, to }) =>
    Math.round((from === to ? value : from === "km" ? value / 1.609344 : value * 1.609344) * 100) / 100,
  current_time: ({ timezone }) => new Date().toLocaleTimeString("en-GB", { timeZone: timezone })
}

const create = async (body) => {
  const response = await fetch(`${standinUrl}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "offline", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body)
  })
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`)
  return response.json()
}

const messages = [{ role: "user", content: "Convert 42 km to miles, and what time is it in Tokyo?" }]
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
