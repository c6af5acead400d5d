/**
 * Structured output from an Effect Schema: the request's `output_config.format` (a JSON Schema derived from the
 * Schema), the reply's text decoded into the Schema's type, and a generation over core's `Model` port that returns
 * the decoded value, with an optional repair turn when the reply does not fit.
 *
 * @example
 * ```ts
 * import { Model, StructuredOutput } from "@parley/core"
 * import { Effect, Schema } from "effect"
 *
 * const Contact = Schema.Struct({ name: Schema.String, email: Schema.String })
 *
 * const extract = (text: string) =>
 *   Effect.flatMap(Model.Model, (model) =>
 *     StructuredOutput.generate(model, Contact, {
 *       model: "claude-sonnet-4-5",
 *       max_tokens: 512,
 *       messages: [{ role: "user", content: `Extract the contact: ${text}` }]
 *     }, { repairs: 1 })
 *   )
 * ```
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as JSONSchema from "effect/JSONSchema"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Message from "./Message.js"
import type * as Model from "./Model.js"
import type { ModelError } from "./ModelError.js"
import type * as Request from "./Request.js"
import * as Wire from "./Wire.js"

/**
 * Why a reply is not the structured output asked for: `refusal` (the model refused), `max-tokens` (cut before the
 * end), `no-text` (no text block), `not-json` (the text is not JSON, or JSON that is unsafe to decode), `schema`
 * (JSON that does not fit the Schema).
 *
 * @since 0.2.0
 * @category errors
 */
export class StructuredOutputError extends Schema.TaggedError<StructuredOutputError>(
  "@parley/core/StructuredOutput/StructuredOutputError"
)("StructuredOutputError", {
  reason: Schema.Literal("refusal", "max-tokens", "no-text", "not-json", "schema"),
  /** The reply's text, as it came. */
  text: Schema.String,
  /** The repair turns that were tried before giving up. */
  repairs: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 }),
  message: Schema.String
}) {}

/** A JSON Schema as the API takes it: no `$schema` key (the API's dialect is fixed). */
const forTheApi = (schema: JSONSchema.JsonSchema7Root): Record<string, unknown> => {
  const { $schema: _, ...rest } = schema as JSONSchema.JsonSchema7Root & { readonly $schema?: string }
  return rest as Record<string, unknown>
}

/**
 * The structured output format of a Schema: `{ type: "json_schema", schema }`, its JSON Schema derived by
 * `effect/JSONSchema` (objects closed with `additionalProperties: false`, as the API requires).
 *
 * @since 0.2.0
 * @category constructors
 */
export const format = <A, I>(schema: Schema.Schema<A, I>): Request.OutputFormat => ({
  type: "json_schema",
  schema: forTheApi(JSONSchema.make(schema))
})

/**
 * The request with the Schema's format in `output_config` (its other output settings kept).
 *
 * @since 0.2.0
 * @category combinators
 */
export const withFormat = <R extends { readonly output_config?: Request.OutputConfig | null | undefined }, A, I>(
  request: R,
  schema: Schema.Schema<A, I>
): R => ({ ...request, output_config: { ...request.output_config, format: format(schema) } })

const textOf = (message: Message.Message): string | undefined => {
  let text: string | undefined
  for (const block of message.content) {
    if (block.type === "text") text = (text ?? "") + (block as { readonly text: string }).text
  }
  return text
}

/**
 * Decodes a reply into the Schema's type, or says why it cannot be.
 *
 * @since 0.2.0
 * @category decoding
 */
export const parse = <A, I>(
  schema: Schema.Schema<A, I>,
  message: Message.Message
): Either.Either<A, StructuredOutputError> => {
  const text = textOf(message) ?? ""
  const failure = (reason: StructuredOutputError["reason"], why: string) =>
    Either.left(new StructuredOutputError({ reason, text, message: why }))
  if (message.stop_reason === "refusal") return failure("refusal", "The model refused to answer.")
  if (textOf(message) === undefined) return failure("no-text", "The reply has no text block to decode.")
  if (message.stop_reason === "max_tokens") {
    return failure("max-tokens", "The reply was cut at max_tokens before its JSON ended; raise max_tokens.")
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return failure("not-json", "The reply's text is not JSON.")
  }
  const unsafe = Wire.unsafeJson(value, { checkToolInputs: true })
  if (unsafe !== undefined) return failure("not-json", `The reply's JSON cannot be decoded safely: ${unsafe}.`)
  const decoded = Schema.decodeUnknownEither(schema)(value, { errors: "all" })
  return Either.mapLeft(
    decoded,
    (error) =>
      new StructuredOutputError({
        reason: "schema",
        text,
        message: `The reply's JSON does not fit the schema: ${ParseResult.TreeFormatter.formatErrorSync(error)}`
      })
  )
}

/**
 * Options of {@link generate}.
 *
 * @since 0.2.0
 * @category models
 */
export interface GenerateOptions {
  /**
   * How many repair turns to try when the reply does not fit: the reply and the problem go back to the model,
   * which answers again. Default 0. A refusal is never repaired.
   */
  readonly repairs?: number | undefined
}

/**
 * Asks the model for the Schema's type: the request is sent with the Schema's format, the reply decoded; a reply
 * that does not fit is repaired up to `repairs` times, then fails with `StructuredOutputError` (carrying the raw
 * text). Model failures are the model's `ModelError`s.
 *
 * @since 0.2.0
 * @category generation
 */
export const generate = <A, I>(
  model: Model.Service,
  schema: Schema.Schema<A, I>,
  request: Model.ModelRequest,
  options: GenerateOptions = {}
): Effect.Effect<A, StructuredOutputError | ModelError> => {
  const repairs = Math.max(0, options.repairs ?? 0)
  const attempt = (current: Model.ModelRequest, tried: number): Effect.Effect<A, StructuredOutputError | ModelError> =>
    Effect.flatMap(model.create(withFormat(current, schema)), (reply) => {
      const parsed = parse(schema, reply)
      if (Either.isRight(parsed)) return Effect.succeed(parsed.right)
      const error = parsed.left
      if (tried >= repairs || error.reason === "refusal") {
        return Effect.fail(
          new StructuredOutputError({ reason: error.reason, text: error.text, message: error.message, repairs: tried })
        )
      }
      const next: Model.ModelRequest = {
        ...current,
        messages: [
          ...current.messages,
          { role: "assistant", content: error.text === "" ? "(no answer)" : error.text },
          {
            role: "user",
            content: `${error.message} Answer again with only JSON that fits the schema you were given.`
          }
        ]
      }
      return attempt(next, tried + 1)
    })
  return attempt(request, 0)
}
