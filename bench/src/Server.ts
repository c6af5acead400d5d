/**
 * The benchmark's stand-in endpoint: a bare `node:http` server in its own process that answers
 * `POST /<payload-id>/v1/messages` with precomputed bytes (JSON, or SSE written in one large write), so that it is
 * never the bottleneck. It reports its own CPU time at `GET /__stats`, which lets the runner show, per measured run,
 * how busy the server was.
 *
 * `limited-*` payloads sit behind a limiter shaped like the Messages API's: a token bucket (`--rate` requests per
 * second, capacity `--burst`, continuously refilled) plus at most `--concurrency` requests in flight. Each accepted
 * request is answered after `--latency` ms; a request over either limit gets a 429 `rate_limit_error` with
 * `retry-after` (whole seconds, as the API sends it) and the `anthropic-ratelimit-requests-*` headers.
 * `POST /__reset` clears the limiter and its counters.
 *
 * Usage: `node server.mjs [--port 0] [--payloads json-1000,text-50000,...] [--rate 5] [--burst 5] [--concurrency 2]
 * [--latency 250]` (defaults: `Payloads.limited`). Prints `{"port":<n>}` on stdout once listening; exits when stdin closes.
 */
import * as Http from "node:http"
import { parseArgs } from "node:util"
import * as Payloads from "./Payloads.js"

const { values: options } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    payloads: { type: "string", default: "" },
    rate: { type: "string", default: String(Payloads.limited.rate) },
    burst: { type: "string", default: String(Payloads.limited.burst) },
    concurrency: { type: "string", default: String(Payloads.limited.concurrency) },
    latency: { type: "string", default: String(Payloads.limited.latencyMs) }
  }
})

interface Prepared {
  readonly json: Buffer
  readonly sse: Buffer
}

const prepared = new Map<string, Prepared>()

const prepare = (id: string): Prepared | undefined => {
  const cached = prepared.get(id)
  if (cached !== undefined) return cached
  const parsed = Payloads.parseId(id)
  if (parsed === undefined) return undefined
  const entry = {
    json: Buffer.from(JSON.stringify(Payloads.message(parsed))),
    sse: Buffer.from(Payloads.sse(parsed))
  }
  prepared.set(id, entry)
  return entry
}

for (const id of options.payloads.split(",").filter((s) => s.length > 0)) {
  if (prepare(id) === undefined) throw new Error(`unknown payload id: ${id}`)
}

const limit = {
  rate: Number(options.rate),
  burst: Number(options.burst),
  concurrency: Number(options.concurrency),
  latency: Number(options.latency)
}

/** The counters of a measured run, all zero. */
const freshStats = () => ({
  requests: 0,
  accepted: 0,
  rejectedRate: 0,
  rejectedConcurrency: 0,
  maxInFlight: 0,
  firstAcceptMs: 0,
  lastAcceptMs: 0
})
/** The rate-limited endpoint's token bucket, full. */
const freshBucket = () => ({ tokens: limit.burst, at: performance.now(), inFlight: 0 })

const stats = freshStats()
const bucket = freshBucket()

const reset = () => {
  Object.assign(stats, freshStats())
  Object.assign(bucket, freshBucket())
}

const refill = (now: number) => {
  bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) * limit.rate) / 1000)
  bucket.at = now
}

const rateHeaders = (): Record<string, string> => {
  refill(performance.now())
  return {
    "anthropic-ratelimit-requests-limit": String(limit.rate),
    "anthropic-ratelimit-requests-remaining": String(Math.floor(bucket.tokens)),
    "anthropic-ratelimit-requests-reset": new Date(
      Date.now() + ((limit.burst - bucket.tokens) / limit.rate) * 1000
    ).toISOString()
  }
}

const errorBody = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message } })

const sendError = (res: Http.ServerResponse, status: number, type: string, message: string, extra = {}) => {
  const body = errorBody(type, message)
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "request-id": "req_bench_error",
    ...extra
  })
  res.end(body)
}

const jsonHeaders = (length: number) => ({
  "content-type": "application/json",
  "content-length": length,
  "request-id": "req_bench_01"
})
const sseHeaders = { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": "req_bench_01" }

const route = /^\/([^/]+)\/v1\/messages$/

const server = Http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const url = req.url ?? "/"
  if (req.method === "GET" && url === "/__stats") {
    const cpu = process.cpuUsage()
    const body = JSON.stringify({ ...stats, cpuMs: (cpu.user + cpu.system) / 1000 })
    res.writeHead(200, jsonHeaders(Buffer.byteLength(body)))
    res.end(body)
    return
  }
  if (req.method === "POST" && url === "/__reset") {
    reset()
    req.resume()
    res.writeHead(204)
    res.end()
    return
  }
  const match = route.exec(url)
  const payload = match === null || req.method !== "POST" ? undefined : prepare(match[1] ?? "")
  if (payload === undefined) {
    req.resume()
    return sendError(res, 404, "not_found_error", `no payload at ${req.method} ${url}`)
  }
  stats.requests++
  if (req.headers["x-api-key"] === undefined && req.headers.authorization === undefined) {
    req.resume()
    return sendError(res, 401, "authentication_error", "missing x-api-key")
  }
  const limited = match?.[1]?.startsWith("limited-") === true
  if (limited) {
    const now = performance.now()
    refill(now)
    if (bucket.inFlight >= limit.concurrency || bucket.tokens < 1) {
      if (bucket.inFlight >= limit.concurrency) stats.rejectedConcurrency++
      else stats.rejectedRate++
      req.resume()
      return sendError(res, 429, "rate_limit_error", "Number of requests has exceeded your rate limit", {
        "retry-after": "1",
        ...rateHeaders()
      })
    }
    bucket.tokens -= 1
    bucket.inFlight++
    stats.maxInFlight = Math.max(stats.maxInFlight, bucket.inFlight)
    stats.accepted++
    if (stats.firstAcceptMs === 0) stats.firstAcceptMs = now
    stats.lastAcceptMs = now
  }
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
    const stream = body.indexOf('"stream":true') !== -1
    const respond = () => {
      if (stream) {
        res.writeHead(200, limited ? { ...sseHeaders, ...rateHeaders() } : sseHeaders)
        res.end(payload.sse)
      } else {
        const headers = jsonHeaders(payload.json.length)
        res.writeHead(200, limited ? { ...headers, ...rateHeaders() } : headers)
        res.end(payload.json)
      }
    }
    if (!limited) return respond()
    setTimeout(() => {
      bucket.inFlight--
      respond()
    }, limit.latency)
  })
})

server.listen(Number(options.port), options.host, () => {
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  process.stdout.write(`${JSON.stringify({ port })}\n`)
})

process.stdin.on("end", () => process.exit(0))
process.stdin.resume()
process.on("SIGTERM", () => process.exit(0))
