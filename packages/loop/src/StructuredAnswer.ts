/**
 * An agent run whose final answer is typed by a Schema: every call asks for the Schema's structured output format
 * (tool calls still work as usual), and the last message is decoded into the Schema's type. A final answer that does
 * not fit is repaired with further turns of the same run (up to `repairs`), then fails with core's
 * `StructuredOutputError`, carrying the raw text.
 *
 * @example
 * ```ts
 * import { StructuredAnswer } from "@parley/loop"
 * import { Schema } from "effect"
 *
 * const Weather = Schema.Struct({ city: Schema.String, celsius: Schema.Number })
 * const answer = StructuredAnswer.run({ model: "claude-sonnet-4-5", prompt: "Weather in Oslo?", toolkit }, Weather)
 * // Effect<{ value: { city, celsius }, result: LoopResult }, LoopError | StructuredOutputError, Model | ...>
 * ```
 *
 * @since 0.2.0
 */
import type * as Model from "@parley/core/Model"
import * as StructuredOutput from "@parley/core/StructuredOutput"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Schema from "effect/Schema"
import * as AgentLoop from "./AgentLoop.js"
import type { LoopError } from "./LoopError.js"
import type { LoopOptions } from "./LoopOptions.js"
import type { LoopResult } from "./LoopResult.js"

/**
 * A typed final answer and the run that gave it.
 *
 * @since 0.2.0
 * @category models
 */
export interface Answer<A> {
  readonly value: A
  readonly result: LoopResult
}

/**
 * Runs the loop for a final answer of the Schema's type. A run that ends for another reason than a final answer
 * (a limit, a stop of a hook, a refusal) fails with `StructuredOutputError` too, its `reason` saying why.
 *
 * @since 0.2.0
 * @category running
 */
export const run = <A, I, R = never>(
  options: LoopOptions<R>,
  schema: Schema.Schema<A, I>,
  extra: { readonly repairs?: number | undefined } = {}
): Effect.Effect<Answer<A>, LoopError | StructuredOutput.StructuredOutputError, Model.Model | R> => {
  const repairs = Math.max(0, extra.repairs ?? 0)
  const withFormat: LoopOptions<R> = {
    ...options,
    request: StructuredOutput.withFormat(options.request ?? {}, schema)
  }
  const attempt = (
    current: LoopOptions<R>,
    tried: number
  ): Effect.Effect<Answer<A>, LoopError | StructuredOutput.StructuredOutputError, Model.Model | R> =>
    Effect.flatMap(AgentLoop.run(current), (result) => {
      const message = result.message
      const parsed =
        message === undefined
          ? Either.left(
              new StructuredOutput.StructuredOutputError({
                reason: "no-text",
                text: result.text,
                message: "The run ended without a final message."
              })
            )
          : StructuredOutput.parse(schema, message)
      if (Either.isRight(parsed)) return Effect.succeed({ value: parsed.right, result })
      const error = parsed.left
      if (tried >= repairs || error.reason === "refusal") {
        return Effect.fail(
          new StructuredOutput.StructuredOutputError({
            reason: error.reason,
            text: error.text,
            message: error.message,
            repairs: tried
          })
        )
      }
      return attempt(
        {
          ...withFormat,
          state: result.state,
          prompt: `${error.message} Answer again with only JSON that fits the schema you were given.`
        },
        tried + 1
      )
    })
  return attempt(withFormat, 0)
}
