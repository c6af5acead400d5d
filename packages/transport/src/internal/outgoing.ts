import { Readable } from "node:stream"
import type { ReadableStream as WebReadableStream } from "node:stream/web"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

/**
 * What a Node client sends for a request: its headers and its body as nothing, bytes, or a stream to pipe. Shared by
 * Parley's `NodeHttpClient` and `UndiciHttpClient`; an effect only when the body must be prepared (a `Stream`) or
 * cannot be sent.
 */
export interface Outgoing {
  readonly headers: Readonly<Record<string, string>>
  readonly body: undefined | string | Uint8Array | Readable
}

/** The headers and body to send for `request`. */
export const of = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Outgoing, HttpClientError.RequestError> | Outgoing => {
  const { body, headers } = request
  switch (body._tag) {
    case "Empty":
      return { headers, body: undefined }
    case "Uint8Array":
      return { headers, body: body.body }
    case "Raw": {
      const raw = body.body
      if (typeof raw === "string" || raw instanceof Uint8Array || raw instanceof Readable) return { headers, body: raw }
      return Effect.fail(
        new HttpClientError.RequestError({
          request,
          reason: "Encode",
          cause: new TypeError("A raw body must be a string, a Uint8Array or a Readable")
        })
      )
    }
    case "FormData": {
      // encoded by the platform's own multipart encoder, which chooses the boundary: its content type replaces ours
      const encoded = new Response(body.formData)
      const { "content-length": _, ...rest } = headers
      return {
        headers: { ...rest, "content-type": encoded.headers.get("content-type") ?? "multipart/form-data" },
        body: encoded.body === null ? undefined : Readable.fromWeb(encoded.body as WebReadableStream)
      }
    }
    case "Stream":
      // the stream runs on the caller's runtime as Node pulls it; a failure destroys the readable with its error
      return Effect.map(Effect.runtime<never>(), (runtime) => ({
        headers,
        body: Readable.from(Stream.toAsyncIterableRuntime(body.stream as Stream.Stream<Uint8Array, unknown>, runtime), {
          objectMode: false
        })
      }))
  }
}
