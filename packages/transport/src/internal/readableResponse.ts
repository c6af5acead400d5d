import type { Readable } from "node:stream"
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as IncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as BodyReader from "./bodyReader.js"

/** Response headers as Node clients give them: `set-cookie` (and any repeated header) as an array. */
export type RawHeaders = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/**
 * An `HttpClientResponse` over a Node `Readable` body, shared by Parley's `NodeHttpClient` (the body is the
 * `IncomingMessage`) and `UndiciHttpClient` (undici's body stream). The body is read as text, JSON or bytes in one
 * promise, cached so that it can be read twice in the same form; streamed; or handed to
 * `MessagesClient` one network read at a time (`BodyReader`).
 */
export class ReadableResponse
  extends Inspectable.Class
  implements HttpClientResponse.HttpClientResponse, BodyReader.HasBodyReader
{
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [IncomingMessage.TypeId]: IncomingMessage.TypeId = IncomingMessage.TypeId
  readonly request: HttpClientRequest.HttpClientRequest
  readonly status: number
  readonly remoteAddress: Option.Option<string>
  private readonly rawHeaders: RawHeaders
  private readonly body: Readable
  private cachedHeaders: Headers.Headers | undefined
  private cachedCookies: Cookies.Cookies | undefined
  private read: Promise<Buffer> | undefined

  constructor(
    request: HttpClientRequest.HttpClientRequest,
    status: number,
    headers: RawHeaders,
    body: Readable,
    remoteAddress: string | undefined
  ) {
    super()
    this.request = request
    this.status = status
    this.rawHeaders = headers
    this.body = body
    this.remoteAddress = Option.fromNullable(remoteAddress)
    // an error after the caller stopped reading (e.g. an abort) must not become an unhandled 'error' event
    body.on("error", ignore)
  }

  get headers(): Headers.Headers {
    this.cachedHeaders ??= Headers.fromInput(this.rawHeaders as Headers.Input)
    return this.cachedHeaders
  }

  get cookies(): Cookies.Cookies {
    if (this.cachedCookies === undefined) {
      const header = this.rawHeaders["set-cookie"]
      this.cachedCookies =
        header === undefined ? Cookies.empty : Cookies.fromSetCookie(typeof header === "string" ? [header] : header)
    }
    return this.cachedCookies
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  /** The whole body, read once; `as` turns it into the form asked for. */
  private whole<A>(as: (bytes: Buffer) => A): Effect.Effect<A, HttpClientError.ResponseError> {
    return Effect.async<A, HttpClientError.ResponseError>((resume) => {
      this.read ??= readAll(this.body)
      this.read.then(
        (bytes) => {
          let value: A
          try {
            value = as(bytes)
          } catch (cause) {
            return resume(Effect.fail(this.decodeError(cause)))
          }
          resume(Effect.succeed(value))
        },
        (cause) => resume(Effect.fail(this.decodeError(cause)))
      )
    })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return this.whole((bytes) => bytes.toString("utf8"))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return this.whole((bytes) => (bytes.length === 0 ? null : JSON.parse(bytes.toString("utf8"))))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.whole(
      (bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    )
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.arrayBuffer, (bytes) =>
      Effect.tryPromise({
        try: () => new Response(bytes, { headers: this.headers as Record<string, string> }).formData(),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return this.whole((bytes) => UrlParams.fromInput(new URLSearchParams(bytes.toString("utf8"))))
  }

  /**
   * The body one network read at a time: the reads that arrived since the last call, or the next one to arrive. The
   * body flows into a queue of at most {@link queueLimit} bytes (it pauses there, and resumes when the queue is taken).
   *
   * Why flowing and not `'readable'` + `read()`: a paused body keeps its reads in its own buffer, and `read()` copies
   * them into one new `Buffer`. Measured on the bench's 256 concurrent streams (the compiled `parley` driver, 6
   * alternating pairs of processes): peak RSS 179–195 MB paused, 150–167 MB flowing, no slower; in one process the
   * array buffers at the peak went from 10–21 MB to 2–6 MB.
   */
  [BodyReader.TypeId](): Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<HttpClientError.ResponseError>> {
    const body = this.body
    let queue: Array<Uint8Array> = []
    let queued = 0
    let ended = false
    let closed = false
    let failure: unknown
    let waiter: (() => void) | undefined
    const wake = () => {
      const resume = waiter
      waiter = undefined
      resume?.()
    }
    body.on("data", (chunk: Uint8Array) => {
      queue.push(chunk)
      queued += chunk.length
      if (queued >= queueLimit) body.pause()
      wake()
    })
    body.on("end", () => {
      ended = true
      wake()
    })
    body.on("close", () => {
      closed = true
      wake()
    })
    body.on("error", (cause) => {
      failure = cause
      wake()
    })
    return Effect.async<Chunk.Chunk<Uint8Array>, Option.Option<HttpClientError.ResponseError>>((resume) => {
      const attempt = () => {
        if (queue.length > 0) {
          const chunks = queue
          queue = []
          queued = 0
          if (body.isPaused()) body.resume()
          return resume(Effect.succeed(Chunk.unsafeFromArray(chunks)))
        }
        if (failure !== undefined) return resume(Effect.fail(Option.some(this.decodeError(failure))))
        if (ended) return resume(Effect.fail(Option.none()))
        if (closed) return resume(Effect.fail(Option.some(this.decodeError(prematureClose()))))
        waiter = attempt
      }
      attempt()
      return Effect.sync(() => {
        waiter = undefined
      })
    })
  }

  /** The body as a `Stream` of its network reads, through the body reader; a body not read to its end is destroyed. */
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.suspend(() => Stream.repeatEffectChunkOption(this[BodyReader.TypeId]())).pipe(
      Stream.ensuring(
        Effect.sync(() => {
          if (!this.body.readableEnded) this.body.destroy()
        })
      )
    )
  }

  toJSON(): unknown {
    return IncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}

/** The bytes a body reader queues before it pauses the body. */
const queueLimit = 64 * 1024

const ignore = () => {}

const prematureClose = () => new Error("The body closed before its end")

/** All of a body's bytes; fails if it errors or closes before its end. */
const readAll = (body: Readable): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    body.on("data", (chunk: Buffer) => chunks.push(chunk))
    body.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)))
    body.on("error", reject)
    body.on("close", () => {
      if (!body.readableEnded) reject(prematureClose())
    })
  })
