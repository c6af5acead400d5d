// The README's agent written on the official SDK (`@anthropic-ai/sdk`), as a plain-JavaScript consumer would: the
// same two tools (JSON Schemas by hand), the same prompt, and the tool loop by hand (call, run the requested tools,
// send their results, until the model stops asking). The stand-in runs in another process (`--url <base>`).
import Anthropic from "@anthropic-ai/sdk"
import { imported, standinUrl } from "./measure.mjs"
import { runAgent } from "./tools.mjs"

imported()

const client = new Anthropic({ apiKey: "offline", baseURL: standinUrl })
await runAgent("sdk", (body) => client.messages.create(body))
