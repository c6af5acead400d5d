/**
 * Driver: the official `@anthropic-ai/sdk` with `maxRetries: 0`: `messages.create` for JSON, and
 * `messages.stream(...).finalMessage()` (its documented way to get the accumulated message) for streams. In the
 * rate-limiter scenario it runs with its default retries (2, honouring `retry-after`): the SDK has no client-side
 * limiter, so that is what an application gets.
 */
import Anthropic from "@anthropic-ai/sdk"
import { type Client, main, runRateLimit, runTransport } from "../Harness.js"
import * as Payloads from "../Payloads.js"

const clients = new Map<string, Anthropic>()
const clientFor = (url: string): Anthropic => {
  let client = clients.get(url)
  if (client === undefined) {
    client = new Anthropic({ apiKey: Payloads.apiKey, baseURL: url, maxRetries: 0 })
    clients.set(url, client)
  }
  return client
}

const client: Client = {
  create: (url, request) =>
    clientFor(url).messages.create(
      (request ?? Payloads.requestBody(false)) as Anthropic.MessageCreateParamsNonStreaming
    ),
  stream: (url) => clientFor(url).messages.stream(Payloads.requestBody(false)).finalMessage()
}

const retrying = new Map<string, Anthropic>()
const retryingFor = (url: string): Anthropic => {
  let client = retrying.get(url)
  if (client === undefined) {
    client = new Anthropic({ apiKey: Payloads.apiKey, baseURL: url })
    retrying.set(url, client)
  }
  return client
}

main("sdk", (options) =>
  options.scenario === "ratelimit"
    ? runRateLimit((url) => retryingFor(url).messages.create(Payloads.requestBody(false)), options)
    : runTransport(client, options)
)
