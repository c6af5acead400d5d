/**
 * The stand-in Messages API server: `POST /v1/messages` (JSON, or SSE in the API's exact event format when the
 * request streams) and `POST /v1/messages/count_tokens`, on plain `node:http` for exact control of bytes, chunks,
 * stalls and truncation. Requests are checked as the API checks them (credentials, `anthropic-version`, the body
 * against the core schemas and core's request validation), and a bad request gets the API's error body.
 *
 * The server runs in a `Scope`: it listens when started and, when the scope closes, destroys open sockets,
 * interrupts pending replies (stalls included) and stops listening. Stalls and `eventDelay` sleep on the Effect
 * `Clock` of the scope that started the server, so under `TestClock` they wait for `TestClock.adjust`.
 *
 * @example
 * ```ts
 * import { Fault, Reply, Responder, StandinServer } from "@parley/standin"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const standin = yield* StandinServer.start({
 *     responder: Responder.script([Reply.text("Hello!")]),
 *     faults: Fault.firstCalls(1, Fault.rateLimited({ retryAfterSeconds: 1 }))
 *   })
 *   // point a client at standin.url
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import type * as Message from "@parley/core/Message"
import * as Request from "@parley/core/Request"
import * as Tokens from "@parley/core/Tokens"
import * as Validation from "@parley/core/Validation"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberId from "effect/FiberId"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as EventStream from "./EventStream.js"
import * as Fault from "./Fault.js"
import * as Delivery from "./internal/delivery.js"
import * as Ids from "./internal/ids.js"
import * as Models from "./internal/models.js"
import * as PromptCache from "./internal/promptCache.js"
import * as Recording from "./internal/recording.js"
import * as Shape from "./internal/shape.js"
import * as Threads from "./internal/threads.js"
import * as Validate from "./internal/validate.js"
import * as Reply from "./Reply.js"
import type * as Responder from "./Responder.js"

// =============================================================================
// Models
// =============================================================================

/**
 * One request as the server received it: the request target, lower-cased headers (the values of `x-api-key` and
 * `authorization` replaced by `<redacted>`), and the body parsed as JSON (the raw text when it is not JSON).
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: unknown
}

/**
 * A running stand-in server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Standin {
  /** The base URL to give a client, e.g. `http://127.0.0.1:53012` (no trailing slash). */
  readonly url: string
  readonly port: number
  /**
   * The latest requests received, in arrival order, whatever their outcome (at most `maxRecordedRequests` of them,
   * holding at most `maxRecordedBytes` of body text).
   */
  readonly requests: () => ReadonlyArray<RecordedRequest>
  /** Sockets currently open (keep-alive connections included). */
  readonly openConnections: () => number
}

/**
 * Options of {@link start}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Decides the reply to each valid `POST /v1/messages`. */
  readonly responder: Responder.Responder
  /** Port to listen on. Default `0`: a free port chosen by the system (read it from `Standin.port`). */
  readonly port?: number | undefined
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string | undefined
  /**
   * Whether a request without `x-api-key` or `Authorization: Bearer` gets a 401 `authentication_error`, as with the
   * API. Default `true`. Any key is accepted unless {@link Options.apiKey} is set.
   */
  readonly requireAuth?: boolean | undefined
  /** The only key accepted (`invalid x-api-key` otherwise). Implies `requireAuth`. */
  readonly apiKey?: Redacted.Redacted | undefined
  /** Server-wide faults, decided per call before the responder runs (e.g. `Fault.firstCalls(2, Fault.overloaded())`). */
  readonly faults?: Fault.Policy | undefined
  /** How finely streamed content is cut into deltas. */
  readonly chunks?: EventStream.ChunkOptions | undefined
  /** Pause between SSE events, to make streaming visible in demos. Default: none. */
  readonly eventDelay?: Duration.DurationInput | undefined
  /** Sent as `anthropic-organization-id` on every reply when set. */
  readonly organizationId?: string | undefined
  /** Larger bodies get a 413 `request_too_large`. Default 32 MiB, the API's limit. */
  readonly maxBodyBytes?: number | undefined
  /**
   * How many of the latest requests {@link Standin.requests} keeps (older ones are dropped, so memory stays bounded
   * under any load). Default 100; `0` keeps none.
   */
  readonly maxRecordedRequests?: number | undefined
  /**
   * The most body text, in bytes, the kept requests may hold together; the oldest are dropped beyond it (the latest
   * request is always kept). Default 16 MiB.
   */
  readonly maxRecordedBytes?: number | undefined
  /**
   * Server-held threads (`thread: { type: "create" }`, then `{ type: "continue", previous_message_id }`): how many
   * thread states are kept (least recently used dropped first), for how long after their last use, and how much
   * request body, in bytes, they may hold together. A `continue` naming a dropped state gets the API's 404
   * `thread_not_found`, after which clients replay the whole conversation. Defaults: 100 states, 1 hour, 64 MiB.
   */
  readonly threads?:
    | {
        readonly maxThreads?: number | undefined
        readonly ttl?: Duration.DurationInput | undefined
        readonly maxBytes?: number | undefined
      }
    | undefined
  /**
   * CORS for browser clients: `true` allows any origin (`access-control-allow-origin: *`), a string allows that
   * origin only. Preflight `OPTIONS` requests then get a 204 with the allowed methods and headers. Default off.
   */
  readonly cors?: boolean | string | undefined
}

/**
 * The running server as a service, for apps that wire it as a layer.
 *
 * @since 0.1.0
 * @category tags
 */
export class StandinServer extends Context.Tag("@parley/standin/StandinServer")<StandinServer, Standin>() {}

// =============================================================================
// Request handling
// =============================================================================

const messagesPath = "/v1/messages"
const countTokensPath = "/v1/messages/count_tokens"
const modelsPath = "/v1/models"

const messagesFields = Object.keys(Request.MessagesRequest.fields)
const countTokensFields = Object.keys(Request.CountTokensRequest.fields)

const notAllowed = (method: string, pathname: string, allowed: string): Fault.Status =>
  Fault.status(405, {
    type: "invalid_request_error",
    message: `Method ${method} is not allowed on ${pathname}; use ${allowed}.`,
    headers: { allow: allowed }
  })

const preflightHeaders = {
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers":
    "content-type, x-api-key, authorization, anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access, x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout, x-stainless-helper-method, x-stainless-helper",
  "access-control-max-age": "86400"
}

const corsHeaders = (cors: boolean | string | undefined): Record<string, string> | undefined =>
  cors === undefined || cors === false
    ? undefined
    : {
        "access-control-allow-origin": cors === true ? "*" : cors,
        "access-control-expose-headers":
          "request-id, retry-after, retry-after-ms, x-should-retry, anthropic-organization-id, anthropic-ratelimit-requests-limit, anthropic-ratelimit-requests-remaining, anthropic-ratelimit-requests-reset, anthropic-ratelimit-tokens-limit, anthropic-ratelimit-tokens-remaining, anthropic-ratelimit-tokens-reset, anthropic-ratelimit-input-tokens-limit, anthropic-ratelimit-input-tokens-remaining, anthropic-ratelimit-input-tokens-reset, anthropic-ratelimit-output-tokens-limit, anthropic-ratelimit-output-tokens-remaining, anthropic-ratelimit-output-tokens-reset",
        ...(cors === true ? {} : { vary: "Origin" })
      }

/**
 * The request a responder sees: on a `continue`, the thread's `system`, `tools` and history followed by the new
 * turn; otherwise the request itself. A `continue` naming no held thread is the API's 404 `thread_not_found`; one
 * repeating `system` or `tools` (which the thread keeps) is a 400.
 */
const resolveThread = (
  request: Request.MessagesRequest,
  threads: Threads.Store,
  now: number
):
  | { readonly _tag: "Left"; readonly left: Fault.Status }
  | { readonly _tag: "Right"; readonly right: Request.MessagesRequest; readonly bytes?: number } => {
  const { thread, ...rest } = request
  if (thread == null || thread.type !== "continue") return { _tag: "Right", right: rest }
  const previous = (thread as { readonly previous_message_id: string }).previous_message_id
  for (const field of ["system", "tools"] as const) {
    if (request[field] !== undefined) {
      return {
        _tag: "Left",
        left: Fault.status(400, {
          message: `${field}: cannot be set when continuing a thread; the thread keeps the ${field} it was created with`
        })
      }
    }
  }
  const snapshot = threads.get(previous, now)
  if (snapshot === undefined) return { _tag: "Left", left: Fault.threadNotFound(previous) }
  return {
    _tag: "Right",
    right: {
      ...rest,
      ...(snapshot.system !== undefined ? { system: snapshot.system } : {}),
      ...(snapshot.tools !== undefined ? { tools: snapshot.tools } : {}),
      messages: [...snapshot.messages, ...request.messages]
    },
    bytes: snapshot.bytes
  }
}

const redact = (headers: Http.IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const text = Array.isArray(value) ? value.join(", ") : value
    out[key] =
      key === "x-api-key"
        ? "<redacted>"
        : key === "authorization"
          ? text.replace(/^(\S+\s+)?[\s\S]*$/, (_, scheme: string | undefined) => `${scheme ?? ""}<redacted>`)
          : text
  }
  return out
}

const readBody = (req: Http.IncomingMessage, limit: number): Effect.Effect<string | Fault.Status> =>
  Effect.async<string | Fault.Status>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    const finish = (result: string | Fault.Status) => {
      if (done) return
      done = true
      chunks.length = 0
      resume(Effect.succeed(result))
    }
    req.on("data", (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > limit) {
        finish(Fault.status(413, { message: `Request exceeds the maximum allowed number of bytes (${limit}).` }))
      } else {
        chunks.push(chunk)
      }
    })
    req.on("end", () => finish(Buffer.concat(chunks).toString("utf8")))
    req.on("error", (error) =>
      finish(Fault.status(400, { message: `Could not read the request body: ${error.message}` }))
    )
  })

const faultsOf = (decided: Fault.Fault | ReadonlyArray<Fault.Fault> | undefined): ReadonlyArray<Fault.Fault> =>
  decided === undefined ? [] : Array.isArray(decided) ? decided : [decided as Fault.Fault]

const faultMessage = Reply.text("The stand-in server is streaming this reply to demonstrate a fault.").message

/** The message as the API would send it: the request's model, `stop_sequence: null`, usage estimated if absent. */
const completeMessage = (
  message: Message.Message,
  request: Request.MessagesRequest,
  cached?: PromptCache.CacheUsage | undefined
): Message.Message => {
  const { id, type, role, model, content, stop_reason, stop_sequence, usage, ...rest } = message
  return {
    id,
    type,
    role,
    model: model ?? request.model,
    content,
    stop_reason: stop_reason ?? "end_turn",
    stop_sequence: stop_sequence ?? null,
    usage: usage ?? {
      input_tokens: cached?.input_tokens ?? Tokens.estimateRequest(request),
      cache_creation_input_tokens: cached?.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: cached?.cache_read_input_tokens ?? 0,
      output_tokens: Math.max(
        1,
        content.reduce((sum, block) => sum + Tokens.estimateBlock(block), 0)
      ),
      service_tier: "standard"
    },
    ...rest
  }
}

const isApiVersion = Schema.is(Validation.ApiVersion)

const describeCause = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

// =============================================================================
// Constructors
// =============================================================================

/**
 * Starts a server on `host:port` (default `127.0.0.1`, a free port) that lives as long as the scope.
 * If the port cannot be bound the effect dies with the reason.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (options: Options): Effect.Effect<Standin, never, Scope.Scope> =>
  Effect.gen(function* () {
    const host = options.host ?? "127.0.0.1"
    const auth = { requireAuth: options.requireAuth ?? true, apiKey: options.apiKey }
    const limit = options.maxBodyBytes ?? 32 * 1024 * 1024
    const delayMillis = options.eventDelay === undefined ? 0 : Duration.toMillis(Duration.decode(options.eventDelay))
    const recorder = Recording.make<RecordedRequest>({
      maxRequests: options.maxRecordedRequests ?? 100,
      maxBytes: options.maxRecordedBytes ?? 16 * 1024 * 1024
    })
    const threads = Threads.make({
      maxThreads: options.threads?.maxThreads ?? 100,
      ttlMillis:
        options.threads?.ttl === undefined ? 3_600_000 : Duration.toMillis(Duration.decode(options.threads.ttl)),
      maxBytes: options.threads?.maxBytes ?? 64 * 1024 * 1024
    })
    const promptCache = PromptCache.make({ maxEntries: 1000, ttlMillis: 5 * 60_000 })
    const cors = corsHeaders(options.cors)
    const sockets = new Set<Socket>()
    let attempts = 0
    let calls = 0

    const serve = (req: Http.IncomingMessage, res: Http.ServerResponse): Effect.Effect<void> => {
      const requestId = Ids.random("req")
      return Effect.gen(function* () {
        const context = { requestId, organizationId: options.organizationId, delayMillis, headers: cors }
        const respond = (payload: Delivery.Payload, faults: ReadonlyArray<Fault.Fault>) =>
          Delivery.execute(res, Delivery.plan(payload, faults, context))
        const reject = (status: Fault.Status) => respond({ kind: "json", body: "" }, [status])

        const path = req.url ?? "/"
        const method = req.method ?? "GET"
        const raw = yield* readBody(req, limit)
        const parsed = typeof raw === "string" ? Validate.parseJson(raw) : undefined
        recorder.add(
          {
            method,
            path,
            headers: redact(req.headers),
            body:
              parsed !== undefined && Either.isRight(parsed) ? parsed.right : typeof raw === "string" ? raw : undefined
          },
          typeof raw === "string" ? Buffer.byteLength(raw) : 0
        )

        const [pathname = "/", search = ""] = path.split("?")
        if (method === "OPTIONS" && cors !== undefined) {
          return yield* Effect.sync(() => {
            res.writeHead(204, { ...cors, ...preflightHeaders, "request-id": requestId, "content-length": "0" })
            res.end()
          })
        }
        if (pathname === modelsPath || pathname.startsWith(`${modelsPath}/`)) {
          if (method !== "GET") return yield* reject(notAllowed(method, pathname, "GET"))
          const headerFault = Validate.checkHeaders(req.headers, auth)
          if (headerFault !== undefined) return yield* reject(headerFault)
          if (pathname === modelsPath) {
            const body = JSON.stringify(Models.list(new URLSearchParams(search), Models.catalogue))
            return yield* respond({ kind: "json", body }, [])
          }
          const id = decodeURIComponent(pathname.slice(modelsPath.length + 1))
          const model = Models.catalogue.find((entry) => entry.id === id)
          return yield* model === undefined
            ? reject(Fault.status(404, { type: "not_found_error", message: `model: ${id}` }))
            : respond({ kind: "json", body: JSON.stringify(model) }, [])
        }
        if (pathname !== messagesPath && pathname !== countTokensPath) {
          return yield* reject(Fault.status(404, { type: "not_found_error", message: "Not Found" }))
        }
        if (method !== "POST") return yield* reject(notAllowed(method, pathname, "POST"))
        if (typeof raw !== "string") return yield* reject(raw)
        const headerFault = Validate.checkHeaders(req.headers, auth) ?? Validate.checkContentType(req.headers)
        if (headerFault !== undefined) return yield* reject(headerFault)
        if (parsed === undefined || Either.isLeft(parsed)) {
          return yield* reject(parsed?.left ?? Fault.status(400, { message: "The request body is missing." }))
        }
        if (Validate.tooDeep(parsed.right)) return yield* reject(Validate.tooDeepFault())
        const version = req.headers["anthropic-version"]
        const validation = { apiVersion: isApiVersion(version) ? version : undefined }

        if (pathname === countTokensPath) {
          const extra = Validate.checkFields(parsed.right, countTokensFields)
          if (extra !== undefined) return yield* reject(extra)
          const decoded = Validate.decode(Request.CountTokensRequest, parsed.right)
          if (Either.isLeft(decoded)) return yield* reject(decoded.left)
          const checked = Validation.validateMessages(decoded.right.messages, validation)
          if (Either.isLeft(checked)) return yield* reject(Fault.status(400, { message: checked.left.message }))
          const faults = faultsOf(options.faults?.({ attempt: attempts++, path: pathname, body: decoded.right }))
          const body = JSON.stringify({ input_tokens: Tokens.estimateRequest(decoded.right) })
          return yield* respond({ kind: "json", body }, faults)
        }

        const extra = Validate.checkFields(parsed.right, messagesFields)
        if (extra !== undefined) return yield* reject(extra)
        const decoded = Validate.decode(Request.MessagesRequest, parsed.right)
        if (Either.isLeft(decoded)) return yield* reject(decoded.left)
        const badMaxTokens = Validate.checkMaxTokens(decoded.right.max_tokens) ?? Validate.checkRanges(decoded.right)
        if (badMaxTokens !== undefined) return yield* reject(badMaxTokens)
        const threaded = resolveThread(decoded.right, threads, Date.now())
        if (threaded._tag === "Left") return yield* reject(threaded.left)
        const request = threaded.right
        const checked = yield* Effect.either(Validation.validateRequest(request, validation))
        if (Either.isLeft(checked)) return yield* reject(Fault.status(400, { message: checked.left.message }))
        const serverFaults = faultsOf(options.faults?.({ attempt: attempts++, path: pathname, body: request }))
        if (serverFaults.some((fault) => fault._tag === "Status")) {
          return yield* respond({ kind: "json", body: "" }, serverFaults)
        }
        const reply = yield* options.responder(request, { callIndex: calls++ }).pipe(
          Effect.catchAllCause((cause) =>
            Effect.succeed(
              Reply.fault(
                Fault.status(500, {
                  type: "api_error",
                  message: `The stand-in responder failed: ${describeCause(cause)}`
                })
              )
            )
          )
        )
        const faults =
          reply._tag === "Message" ? [...serverFaults, ...(reply.faults ?? [])] : [...serverFaults, reply.fault]
        const shaped = reply._tag === "Message" ? Shape.honour(reply.message, request) : faultMessage
        const message = completeMessage(
          shaped,
          request,
          shaped.usage === undefined ? promptCache(request, Date.now()) : undefined
        )
        const delivered = faults.every((fault) => fault._tag === "Headers" || fault._tag === "Stall")
        if (reply._tag === "Message" && delivered && decoded.right.thread != null) {
          threads.put(message.id, {
            system: request.system,
            tools: request.tools,
            messages: [...request.messages, { role: "assistant", content: message.content }],
            storedAt: Date.now(),
            bytes: Buffer.byteLength(raw) + (threaded.bytes ?? 0)
          })
        }
        return yield* respond(
          request.stream === true
            ? { kind: "sse", frames: EventStream.events(message, options.chunks).map(EventStream.frame) }
            : { kind: "json", body: JSON.stringify(message) },
          faults
        )
      }).pipe(
        Effect.catchAllCause((cause) =>
          Effect.sync(() => {
            if (res.headersSent) {
              res.destroy()
              return
            }
            const body = JSON.stringify({
              type: "error",
              error: { type: "api_error", message: `The stand-in server failed: ${describeCause(cause)}` },
              request_id: requestId
            })
            res.writeHead(500, {
              ...cors,
              "request-id": requestId,
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body)
            })
            res.end(body)
          })
        )
      )
    }

    const run = yield* FiberSet.makeRuntime<never>()
    const server = Http.createServer((req, res) => {
      const fiber = run(serve(req, res))
      res.on("close", () => {
        if (!res.writableFinished) fiber.unsafeInterruptAsFork(FiberId.none)
      })
    })
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })

    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        const onError = (error: Error) =>
          resume(
            Effect.die(
              new Error(`The stand-in server could not listen on ${host}:${options.port ?? 0}: ${error.message}`)
            )
          )
        server.once("error", onError)
        server.listen(options.port ?? 0, host, () => {
          server.off("error", onError)
          server.on("error", () => {})
          resume(Effect.void)
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          let pending = sockets.size + 1
          const settle = () => {
            pending -= 1
            if (pending === 0) resume(Effect.void)
          }
          for (const socket of sockets) {
            socket.once("close", settle)
            socket.destroy()
          }
          server.close(settle)
        })
    )

    const port = (server.address() as AddressInfo).port
    const urlHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host
    return {
      url: `http://${urlHost}:${port}`,
      port,
      requests: recorder.snapshot,
      openConnections: () => sockets.size
    }
  })

/**
 * The server as a layer: started when the layer is built, stopped when it is released.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<StandinServer> => Layer.scoped(StandinServer, start(options))
