/**
 * A test double of core's model port (`Model.Model`) built from a function `(request, index) => Effect<Message>`,
 * with no HTTP at all: for tests that need tight control of each response and for benchmarks of the loop itself.
 * Streaming calls replay the message as the stream events the API would send. It records every request it
 * answered (`requests()`), so a test can assert on exactly what the loop sent.
 *
 * It lives in a testing entry point (`@parley/loop/testing/ScriptedModel`), not in the package's barrel.
 *
 * @example
 * ```ts
 * import { AgentLoop } from "@parley/loop"
 * import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
 * import { Effect } from "effect"
 *
 * const model = ScriptedModel.make(() =>
 *   Effect.succeed({ id: "msg_1", type: "message", role: "assistant", content: [{ type: "text", text: "Hi" }],
 *     stop_reason: "end_turn" }))
 * AgentLoop.run({ model: "m", prompt: "Hello" }).pipe(Effect.provide(ScriptedModel.layer(model)))
 * ```
 *
 * @since 0.2.0
 */
import type * as Message from "@parley/core/Message"
import * as Model from "@parley/core/Model"
import * as ModelError from "@parley/core/ModelError"
import * as StreamEvent from "@parley/core/StreamEvent"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

/**
 * What answers each call: the request and the 0-based index of the call in, the assistant message (or a model
 * error) out.
 *
 * @since 0.2.0
 * @category models
 */
export type Respond = (
  request: Model.ModelRequest,
  index: number
) => Effect.Effect<Message.Message, ModelError.ModelError>

/**
 * A scripted model: the port's service, and the requests it answered so far, in order.
 *
 * @since 0.2.0
 * @category models
 */
export interface ScriptedModel {
  readonly service: Model.Service
  /** The requests of every call so far (`create` and `stream`), in the order they arrived. */
  readonly requests: () => ReadonlyArray<Model.ModelRequest>
}

/**
 * The stream events the API would send for `message`: core's `StreamEvent.fromMessage` with one delta per block
 * (or chunks of the sizes given).
 *
 * @since 0.2.0
 * @category conversions
 */
export const events = (
  message: Message.Message,
  chunks: StreamEvent.ChunkOptions = whole
): ReadonlyArray<StreamEvent.StreamEvent> => StreamEvent.fromMessage(message, chunks)

/** One delta per block. */
const whole = { textChunkSize: Infinity, jsonChunkSize: Infinity, thinkingChunkSize: Infinity }

/**
 * Options of {@link make}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Chunk sizes of the replayed stream events. Default: one delta per block. */
  readonly chunks?: StreamEvent.ChunkOptions | undefined
  /** Keep the requests for `requests()`. Default `true`; a benchmark of 100,000 turns turns it off. */
  readonly record?: boolean | undefined
}

/**
 * A scripted model answering every call with `respond`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (respond: Respond, options?: Options): ScriptedModel => {
  const requests: Array<Model.ModelRequest> = []
  const record = options?.record !== false
  const chunks = options?.chunks ?? whole
  let index = 0
  const answer = (request: Model.ModelRequest) =>
    Effect.suspend(() => {
      if (record) requests.push(request)
      return respond(request, index++)
    })
  const service: Model.Service = {
    create: answer,
    stream: (request) =>
      Stream.unwrap(
        Effect.map(answer(request), (message) => Stream.fromChunk(Chunk.unsafeFromArray(events(message, chunks))))
      )
  }
  return { service, requests: () => requests.slice() }
}

/**
 * A scripted model answering call `i` with `messages[i]`; a call beyond the script fails with a `ModelFailure`
 * (reason `other`) naming the call, so a test that makes too many calls fails loudly.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromMessages = (messages: ReadonlyArray<Message.Message>, options?: Options): ScriptedModel =>
  make((_, index) => {
    const message = messages[index]
    return message === undefined
      ? Effect.fail(
          new ModelError.ModelFailure({
            reason: "other",
            message: `The script has no reply for call ${index + 1} (it has ${messages.length}).`
          })
        )
      : Effect.succeed(message)
  }, options)

/**
 * A layer providing a scripted model (or a bare `respond` function) as core's `Model`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (model: ScriptedModel | Respond): Layer.Layer<Model.Model> =>
  Layer.succeed(Model.Model, typeof model === "function" ? make(model).service : model.service)
