/**
 * The model port: the small service an agent loop needs from a model, `create` (one whole message) and `stream`
 * (the Messages API's stream events), over core's request and event schemas. The transport's `MessagesClient`
 * implements it over HTTP; anything else that answers a Messages request (another provider's adapter, a remote
 * model, a test double) can implement it too, and then drives the loop unchanged.
 *
 * @example
 * ```ts
 * import { Model } from "@parley/core"
 * import { Effect } from "effect"
 *
 * const hello = Effect.gen(function* () {
 *   const model = yield* Model.Model
 *   return yield* model.create({ model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] })
 * })
 * ```
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type * as Message from "./Message.js"
import type { ModelError } from "./ModelError.js"
import type * as Request from "./Request.js"
import type * as StreamEvent from "./StreamEvent.js"

/**
 * A request as the port takes it: `model` may be left out when the model has a default (the transport's client
 * takes `defaultModel`); a model without one fails the call with reason `invalid-request`.
 *
 * @since 0.2.0
 * @category models
 */
export type ModelRequest = Omit<Request.MessagesRequest, "model" | "stream"> & {
  readonly model?: string | undefined
}

/**
 * What a model does.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** One whole assistant message. */
  readonly create: (request: ModelRequest) => Effect.Effect<Message.Message, ModelError>
  /**
   * The message as the API streams it: the events up to and including `message_stop`. A failure after some events
   * reached the caller has `delivered > 0` and is not retryable.
   */
  readonly stream: (request: ModelRequest) => Stream.Stream<StreamEvent.StreamEvent, ModelError>
}

/**
 * The model port's tag.
 *
 * @since 0.2.0
 * @category tags
 */
export class Model extends Context.Tag("@parley/core/Model")<Model, Service>() {}
