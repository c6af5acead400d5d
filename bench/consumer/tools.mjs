// The README agent's two tools for the consumers that are not Parley (fetch.mjs, sdk.mjs): their JSON Schemas
// written by hand, and their handlers, the same functions as the README's.
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
