/**
 * Driver: raw `node:http` doing the minimum (keep-alive agent, POST, collect the body or split SSE lines and
 * `JSON.parse` each `data:` line). On Node 20 it is several times faster than `fetch`: the practical floor.
 */
import * as Http from "node:http"
import { type Client, main, runTransport } from "../Harness.js"
import * as Payloads from "../Payloads.js"
import * as RawSse from "../RawSse.js"

const agent = new Http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })

const post = (url: string, stream: boolean, onText: (text: string) => void, payload?: object): Promise<void> =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify(payload ?? Payloads.requestBody(stream))
    const request = Http.request(
      `${url}/v1/messages`,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-api-key": Payloads.apiKey,
          "anthropic-version": "2023-06-01"
        }
      },
      (response) => {
        response.setEncoding("utf8")
        if (response.statusCode !== 200) {
          let text = ""
          response.on("data", (chunk: string) => (text += chunk))
          response.on("end", () => reject(new Error(`HTTP ${response.statusCode}: ${text}`)))
          return
        }
        response.on("data", (chunk: string) => {
          try {
            onText(chunk)
          } catch (error) {
            response.destroy()
            reject(error)
          }
        })
        response.on("end", resolve)
        response.on("error", reject)
      }
    )
    request.on("error", reject)
    request.end(body)
  })

const client: Client = {
  create: async (url, request) => {
    const chunks: Array<string> = []
    await post(url, false, (text) => chunks.push(text), request)
    return JSON.parse(chunks.join(""))
  },
  stream: async (url) => {
    const sse = RawSse.make()
    await post(url, true, sse.push)
    return sse.finish()
  }
}

main("node-http", (options) => runTransport(client, options))
