/** Test helpers: a raw HTTP client on node:http that reports partial bodies, and an SSE splitter. */
import * as Http from "node:http"
import * as Effect from "effect/Effect"

export interface RawResponse {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
  /** Whether the body ended normally (false: the connection was cut or the request timed out). */
  readonly complete: boolean
  /** Milliseconds from sending the request to the headers, and to the end (or cut) of the body. */
  readonly headersAfter: number
  readonly endedAfter: number
}

export interface RawOptions {
  readonly method?: string
  readonly headers?: Record<string, string | undefined>
  readonly body?: unknown
  /** Give up after this many milliseconds without a complete response. */
  readonly timeout?: number
}

export const apiHeaders = {
  "content-type": "application/json",
  "x-api-key": "sk-test-secret-key",
  "anthropic-version": "2023-06-01"
}

export const messagesBody = (overrides: Record<string, unknown> = {}) => ({
  model: "claude-test",
  max_tokens: 256,
  messages: [{ role: "user", content: "Hello" }],
  ...overrides
})

/** Sends one request and collects whatever comes back; never fails (a cut or a timeout gives `complete: false`). */
export const send = (url: string, path: string, options: RawOptions = {}) =>
  Effect.async<RawResponse | { readonly status: 0; readonly error: string; readonly endedAfter: number }>((resume) => {
    const started = Date.now()
    const headers: Record<string, string> = {}
    for (const [key, value] of Object.entries({ ...apiHeaders, ...options.headers })) {
      if (value !== undefined) headers[key] = value
    }
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body)
    let settled = false
    const settle = (value: Parameters<typeof resume>[0]) => {
      if (!settled) {
        settled = true
        resume(value)
      }
    }
    const req = Http.request(`${url}${path}`, { method: options.method ?? "POST", headers, agent: false }, (res) => {
      const headersAfter = Date.now() - started
      const chunks: Array<Buffer> = []
      const finish = (complete: boolean) =>
        settle(
          Effect.succeed({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            complete,
            headersAfter,
            endedAfter: Date.now() - started
          })
        )
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => finish(true))
      res.on("error", () => finish(false))
      res.on("close", () => finish(false))
    })
    req.on("error", (error) =>
      settle(Effect.succeed({ status: 0, error: error.message, endedAfter: Date.now() - started }))
    )
    if (options.timeout !== undefined) req.setTimeout(options.timeout, () => req.destroy(new Error("client timeout")))
    req.end(body)
    return Effect.sync(() => req.destroy())
  })

/** The same as {@link send}, failing the test when no response (even partial) arrived. */
export const request = (url: string, path: string, options: RawOptions = {}) =>
  Effect.flatMap(send(url, path, options), (response) =>
    "error" in response ? Effect.dieMessage(`no response: ${response.error}`) : Effect.succeed(response)
  )

export interface SseFrame {
  readonly event: string
  readonly data: string
}

/** Splits an SSE body into frames (`event:` and `data:` lines), keeping data as text. */
export const frames = (body: string): ReadonlyArray<SseFrame> =>
  body
    .split("\n\n")
    .filter((frame) => frame !== "")
    .map((frame) => {
      const lines = frame.split("\n")
      const field = (name: string) =>
        lines
          .filter((line) => line.startsWith(`${name}: `))
          .map((line) => line.slice(name.length + 2))
          .join("\n")
      return { event: field("event"), data: field("data") }
    })
