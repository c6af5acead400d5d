// The README agent for the consumers that are not Parley (fetch.mjs, sdk.mjs): its two tools (JSON Schemas written
// by hand, and the README's handlers), its prompt, and the tool loop by hand.
import { answered } from "./measure.mjs"

export const tools = [
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
export const handlers = {
  convert: ({ value, from, to }) =>
    Math.round((from === to ? value : from === "km" ? value / 1.609344 : value * 1.609344) * 100) / 100,
  current_time: ({ timezone }) => new Date().toLocaleTimeString("en-GB", { timeZone: timezone })
}

export const prompt = "Convert 42 km to miles, and what time is it in Tokyo?"

/**
 * The tool loop by hand, as a plain-JavaScript consumer writes it: `create(body)` makes one model call; each
 * `tool_use` is answered by its handler, until the model stops asking. Prints the answer and reports it as `driver`.
 */
export const runAgent = async (driver, create) => {
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
      answered(driver, text, turns)
      return
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
}
