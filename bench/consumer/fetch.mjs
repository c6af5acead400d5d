// The README's agent on raw `fetch`, the floor of a plain-JavaScript consumer: the same two tools, prompt and tool
// loop as `sdk.mjs`, each call a `POST <base>/v1/messages` whose JSON answer is parsed and nothing more. The
// stand-in runs in another process (`--url <base>`).
import { imported, standinUrl } from "./measure.mjs"
import { runAgent } from "./tools.mjs"

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

await runAgent("fetch", create)
