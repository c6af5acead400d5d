/**
 * A `MessagesClient` built from a function `(request) => Effect<Message>`, with no HTTP at all: for tests that need
 * tight control of each response and for benchmarks of the loop itself. Streaming calls replay the message as the
 * stream events the API would send. Not meant for production use: it skips the wire entirely.
 *
 * @example
 * ```ts
 * import { AgentLoop, ScriptedClient } from "@parley/loop"
 * import { Effect } from "effect"
 *
 * const client = ScriptedClient.layer((request) =>
 *   Effect.succeed({ id: "msg_1", type: "message", role: "assistant", content: [{ type: "text", text: "Hi" }],
 *     stop_reason: "end_turn" }))
 * AgentLoop.run({ model: "m", prompt: "Hello" }).pipe(Effect.provide(client))
 * ```
 *
 * @since 0.1.0
 */
import type * as Message from "@parley/core/Message"
import type * as Request from "@parley/core/Request"
import * as StreamEvent from "@parley/core/StreamEvent"
import * as Tokens from "@parley/core/Tokens"
import { MessagesClient, type Service } from "@parley/transport/MessagesClient"
import type { MessagesError } from "@parley/transport/MessagesError"
import type * as ResponseMeta from "@parley/transport/ResponseMeta"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

/**
 * What answers each call: the request in, the assistant message (or a transport error) out.
 *
 * @since 0.1.0
 * @category models
 */
export type Respond = (request: Request.MessagesRequest) => Effect.Effect<Message.Message, MessagesError>

/**
 * The stream events the API would send for `message`: `message_start` (empty content, input usage), start / delta /
 * stop per block (text, tool input and thinking in one delta each; other blocks whole in their start event),
 * `message_delta` (stop reason, output usage) and `message_stop`: core's `StreamEvent.fromMessage` with one delta per
 * block.
 *
 * @since 0.1.0
 * @category conversions
 */
export const events = (message: Message.Message): ReadonlyArray<StreamEvent.StreamEvent> =>
  StreamEvent.fromMessage(message, whole)

/** One delta per block. */
const whole = { textChunkSize: Infinity, jsonChunkSize: Infinity, thinkingChunkSize: Infinity }

/** What the `…WithMeta` variants report: a 200 with no request id and no rate-limit headers. */
const meta: ResponseMeta.ResponseMeta = { status: 200, rateLimit: { raw: {} } }

const withMeta = <A>(value: A): ResponseMeta.WithMeta<A> => ({ value, meta })

/**
 * A `MessagesClient` service answering every call with `respond`. `countTokens` returns core's estimate; the
 * `…WithMeta` variants report a 200 without headers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (respond: Respond): Service => {
  const stream = (request: Request.MessagesRequest) =>
    Effect.map(respond(request), (message) => Stream.fromChunk(Chunk.unsafeFromArray(events(message))))
  const countTokens = (request: Request.CountTokensRequest) => Effect.sync(() => Tokens.estimateRequest(request))
  return MessagesClient.of({
    create: respond,
    createWithMeta: (request) => Effect.map(respond(request), withMeta),
    stream: (request) => Stream.unwrap(stream(request)),
    streamWithMeta: (request) => Effect.map(stream(request), withMeta),
    createStreaming: respond,
    createStreamingWithMeta: (request) => Effect.map(respond(request), withMeta),
    countTokens,
    countTokensWithMeta: (request) => Effect.map(countTokens(request), withMeta)
  })
}

/**
 * A layer providing {@link make}`(respond)` as the `MessagesClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (respond: Respond): Layer.Layer<MessagesClient> => Layer.succeed(MessagesClient, make(respond))
