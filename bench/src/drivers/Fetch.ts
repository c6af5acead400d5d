/**
 * Driver: raw `fetch` doing the minimum — POST the JSON body, read `response.json()`, or for a stream decode the
 * body, split lines and `JSON.parse` each `data:` line (`RawSse`). The baseline every ratio is computed against.
 */
import { type Client, main, runTransport } from "../Harness.js"
import * as Payloads from "../Payloads.js"
import * as RawSse from "../RawSse.js"

const headers = {
  "content-type": "application/json",
  "x-api-key": Payloads.apiKey,
  "anthropic-version": "2023-06-01"
}

const post = async (url: string, stream: boolean, request?: object): Promise<Response> => {
  const response = await fetch(`${url}/v1/messages`, {
    method: "POST",
    headers,
    body: JSON.stringify(request ?? Payloads.requestBody(stream))
  })
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`)
  return response
}

const client: Client = {
  create: async (url, request) => (await post(url, false, request)).json(),
  stream: async (url) => {
    const response = await post(url, true)
    const sse = RawSse.make()
    const decoder = new TextDecoder()
    const reader = response.body!.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      sse.push(decoder.decode(value, { stream: true }))
    }
    sse.push(decoder.decode())
    return sse.finish()
  }
}

main("fetch", (options) => runTransport(client, options))
