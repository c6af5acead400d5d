/**
 * Deterministic payloads shared by the benchmark server (which serves them) and the drivers (which verify what they
 * received against them). A payload is named by an id that also sits in the base URL the driver is given
 * (`http://127.0.0.1:<port>/<id>`), so every client, official SDK included, sends an ordinary
 * `POST <base>/v1/messages`:
 *
 * - `json-<chars>`: a message with a text block of about `<chars>` characters and a `tool_use` block
 * - `text-<deltas>`: one text block that streams as `<deltas>` `text_delta` events
 * - `tool-<pieces>`: a short text block, then a `tool_use` block whose input streams as `<pieces>` `input_json_delta`s
 * - `limited-<chars>`: `json-<chars>` behind the server's rate limiter (see `Server.ts`)
 *
 * Each payload exists as a JSON body (served when the request has no `"stream": true`) and as an SSE byte buffer.
 * This module must not import `effect`: the raw drivers import it and their cold start is measured.
 */
import type * as Message from "@parley/core/Message"

/** The model name every payload reports. */
export const model = "claude-bench-1"

/** The name and id of the tool every `tool_use` block calls. */
export const tool = { name: "search_catalog", id: "toolu_bench_01" } as const

/** The kinds of payload the server knows, parsed from an id. */
export type PayloadKind = "json" | "text" | "tool" | "limited"

/** A parsed payload id. */
export interface PayloadId {
  readonly kind: PayloadKind
  readonly size: number
}

/** Parses `<kind>-<size>`; `undefined` when the id names no payload. */
export const parseId = (id: string): PayloadId | undefined => {
  const match = /^(json|text|tool|limited)-(\d+)$/.exec(id)
  if (match === null) return undefined
  const size = Number(match[2])
  return size > 0 && size <= 1_000_000 ? { kind: match[1] as PayloadKind, size } : undefined
}

// Fragments chosen to exercise what a client must get right: multi-byte UTF-8 (split across reads), astral
// characters (surrogate pairs), and JSON escapes (quotes, backslashes, newlines, tabs).
const fragments = [
  "The quick ",
  "brown fox ",
  "jumps over ",
  "the lazy dog. ",
  "Ünïcödé → ",
  '"quoted" ',
  "back\\slash ",
  "tab\there ",
  "new\nline ",
  "日本語のテキスト ",
  "emoji 🙂🚀 ",
  "numbers 12345 ",
  "<tag attr='x'> ",
  "ÆØÅ æøå ",
  "€ £ ¥ ",
  "done; "
] as const

/** The text of the `i`th `text_delta` of a stream (13 to 22 characters). */
export const deltaText = (i: number): string =>
  `${fragments[i % fragments.length]}${fragments[(i * 7 + 3) % fragments.length]}`.slice(0, 13 + (i % 10))

/** The whole text a `text-<deltas>` stream accumulates to. */
export const streamedText = (deltas: number): string => {
  const parts = new Array<string>(deltas)
  for (let i = 0; i < deltas; i++) parts[i] = deltaText(i)
  return parts.join("")
}

/** The text block of a `json-<chars>` message: `chars` characters, deterministic. */
export const messageText = (chars: number): string => {
  let text = ""
  for (let i = 0; text.length < chars; i++) text += deltaText(i)
  return text.slice(0, chars)
}

/** The input of the tool call of a `tool-<pieces>` stream (and of every `json-<chars>` message: `pieces` = 20). */
export const toolInput = (pieces: number): Record<string, unknown> => {
  const filters: Array<Record<string, unknown>> = []
  for (let i = 0; filters.length * 4 < pieces; i++) {
    filters.push({ field: `attribute_${i}`, op: i % 3 === 0 ? "eq" : "in", value: [`v${i} "ü"`, i, i % 2 === 0] })
  }
  return { query: 'red shoes, size 42 — "waterproof"\n(priority)', filters, limit: 50, cursor: null }
}

/** The JSON text of {@link toolInput}, cut into `pieces` consecutive `partial_json` strings. */
export const toolInputPieces = (pieces: number): ReadonlyArray<string> => {
  const json = JSON.stringify(toolInput(pieces))
  const out: Array<string> = []
  for (let i = 0; i < pieces; i++) {
    out.push(json.slice(Math.floor((i * json.length) / pieces), Math.floor(((i + 1) * json.length) / pieces)))
  }
  return out
}

/** The text block that precedes the tool call in a `tool-<pieces>` stream. */
export const toolPreamble = "Let me search the catalog."

const usage = { input_tokens: 1200, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }

/** The final message of a payload: what a client must have after a non-streaming call or an accumulated stream. */
export const message = (id: PayloadId): Message.Message => {
  const base = {
    id: `msg_bench_${id.kind}_${id.size}`,
    type: "message",
    role: "assistant",
    model,
    stop_sequence: null
  } as const
  switch (id.kind) {
    case "text":
      return {
        ...base,
        content: [{ type: "text", text: streamedText(id.size) }],
        stop_reason: "end_turn",
        usage: { ...usage, output_tokens: id.size }
      }
    case "tool":
      return {
        ...base,
        content: [
          { type: "text", text: toolPreamble },
          { type: "tool_use", id: tool.id, name: tool.name, input: toolInput(id.size) }
        ],
        stop_reason: "tool_use",
        usage: { ...usage, output_tokens: id.size }
      }
    case "json":
    case "limited":
      return {
        ...base,
        content: [
          { type: "text", text: messageText(id.size) },
          { type: "tool_use", id: tool.id, name: tool.name, input: toolInput(20) }
        ],
        stop_reason: "tool_use",
        usage: { ...usage, output_tokens: Math.ceil(id.size / 4) }
      }
  }
}

const event = (type: string, data: unknown): string => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`

/** The SSE body of a payload, event by event as the Messages API sends them. */
export const sse = (id: PayloadId): string => {
  const final = message(id)
  const out: Array<string> = [
    event("message_start", {
      type: "message_start",
      message: { ...final, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } }
    })
  ]
  const textBlock = (index: number, deltas: ReadonlyArray<string>) => {
    out.push(
      event("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } })
    )
    if (index === 0) out.push(event("ping", { type: "ping" }))
    for (const text of deltas) {
      out.push(
        event("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text } })
      )
    }
    out.push(event("content_block_stop", { type: "content_block_stop", index }))
  }
  const toolBlock = (index: number, pieces: ReadonlyArray<string>) => {
    out.push(
      event("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: tool.id, name: tool.name, input: {} }
      })
    )
    for (const partial_json of pieces) {
      out.push(
        event("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json }
        })
      )
    }
    out.push(event("content_block_stop", { type: "content_block_stop", index }))
  }
  switch (id.kind) {
    case "text": {
      const deltas: Array<string> = []
      for (let i = 0; i < id.size; i++) deltas.push(deltaText(i))
      textBlock(0, deltas)
      break
    }
    case "tool":
      textBlock(0, [toolPreamble.slice(0, 10), toolPreamble.slice(10)])
      toolBlock(1, toolInputPieces(id.size))
      break
    case "json":
    case "limited": {
      const text = messageText(id.size)
      const deltas: Array<string> = []
      for (let i = 0; i < text.length; i += 20) deltas.push(text.slice(i, i + 20))
      textBlock(0, deltas)
      toolBlock(1, toolInputPieces(20))
      break
    }
  }
  out.push(
    event("message_delta", {
      type: "message_delta",
      delta: { stop_reason: final.stop_reason, stop_sequence: null },
      usage: { output_tokens: final.usage?.output_tokens ?? 0 }
    })
  )
  out.push(event("message_stop", { type: "message_stop" }))
  return out.join("")
}

/** The request body every driver sends (the server only checks `stream`; the body stays realistic). */
export const requestBody = (stream: boolean) => ({
  model,
  max_tokens: 4096,
  messages: [{ role: "user" as const, content: "Find red waterproof shoes in size 42 and summarise the results." }],
  tools: [
    {
      name: tool.name,
      description: "Search the product catalog.",
      input_schema: { type: "object" as const, properties: { query: { type: "string" } }, required: ["query"] }
    }
  ],
  ...(stream ? { stream: true } : {})
})

/** A request whose `messages` hold a history (see {@link historyRequest}). */
export interface HistoryRequest {
  readonly model: string
  readonly max_tokens: number
  readonly messages: ReadonlyArray<unknown>
  readonly tools: ReturnType<typeof requestBody>["tools"]
}

const histories = new Map<number, HistoryRequest>()

/**
 * The request of the `history` scenario: {@link requestBody}'s, after `messages` earlier entries of an agent's
 * conversation (user questions, assistant text with a `tool_use`, the `tool_result`, an assistant answer; text of
 * 90 to 400 characters from the mixed fragments, so multi-byte UTF-8, astral characters and escapes are in the
 * body), then the question. About 400 bytes of JSON per message (780 KB at 2,000). Built once per process: every call of a driver
 * sends this same object, as a loop's request holds the same history turn after turn.
 */
export const historyRequest = (messages: number): HistoryRequest => {
  let request = histories.get(messages)
  if (request === undefined) {
    const history: Array<unknown> = []
    const text = (i: number) => messageText(90 + ((i * 37) % 310)).replace(/\s+$/, ".")
    for (let i = 0; history.length < messages; i++) {
      const id = `toolu_hist_${String(i).padStart(6, "0")}`
      history.push({ role: "user", content: text(i) })
      history.push({
        role: "assistant",
        content: [
          { type: "text", text: text(i + 1) },
          { type: "tool_use", id, name: tool.name, input: { query: text(i + 2).slice(0, 60), page: i % 5 } }
        ]
      })
      history.push({ role: "user", content: [{ type: "tool_result", tool_use_id: id, content: text(i + 3) }] })
      history.push({ role: "assistant", content: [{ type: "text", text: text(i + 4) }] })
    }
    const base = requestBody(false)
    history.length = messages - (messages % 2 === 0 ? 0 : 1)
    const built: HistoryRequest = { ...base, messages: [...history, ...base.messages] }
    histories.set(messages, built)
    request = built
  }
  return request
}

/**
 * The limits the server enforces on `limited-*` payloads: a token bucket of `burst` requests refilled at `rate` per
 * second, at most `concurrency` requests in flight, each answered after `latencyMs`.
 */
export const limited = { rate: 5, burst: 5, concurrency: 2, latencyMs: 250 } as const

/**
 * The shortest time in which a perfect client completes `calls` calls under {@link limited}: the bucket's burst,
 * then one call per `1 / rate` s, or `concurrency` calls per `latencyMs` if that is slower, plus the last answer.
 */
export const idealLimitedMs = (calls: number): number =>
  Math.max(
    (Math.max(0, calls - limited.burst) * 1000) / limited.rate,
    (Math.ceil(calls / limited.concurrency) - 1) * limited.latencyMs
  ) + limited.latencyMs

/** The API key every driver sends: a fixed, fake value (the server checks that one is present). */
export const apiKey = "sk-bench-not-a-real-key"
