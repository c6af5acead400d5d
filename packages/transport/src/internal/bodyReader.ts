import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Chunk from "effect/Chunk"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"

/**
 * An optional capability of a response: its body handed over as the network reads arrive, as `Stream.toPull` of
 * `response.stream` would (a chunk of the reads since the last pull; `None` at the end, `Some(error)` on failure),
 * without the `Stream` and channel around it. `MessagesClient` reads a stream through it when the response has one
 * (Parley's `NodeHttpClient` and `UndiciHttpClient` responses do) and through `response.stream` otherwise.
 *
 * Why: measured in one process, 256 concurrent `createStreaming` calls of 500 deltas each, alternating the two paths
 * over 10 rounds: 6–12% less wall time and 8–18% less CPU through the reader than through `Stream.toPull` of the
 * platform's `NodeStream` (single long streams: no difference).
 */
export const TypeId: unique symbol = Symbol.for("@parley/transport/BodyReader") as never

/** A response with a body reader. */
export interface HasBodyReader {
  /** Starts reading the body; call once. */
  readonly [TypeId]: () => Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<HttpClientError.ResponseError>>
}

/** The body reader of a response, when it has one. */
export const of = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<HttpClientError.ResponseError>> | undefined => {
  const start = (response as Partial<HasBodyReader>)[TypeId]
  return typeof start === "function" ? start.call(response) : undefined
}
