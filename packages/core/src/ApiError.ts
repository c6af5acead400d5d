/**
 * The API's error body, `{ type: "error", error: { type, message } }`, with every documented error type and any
 * future one.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { open, openLiteral } from "./Wire.js"

/**
 * The documented error types.
 *
 * @since 0.1.0
 */
export const knownErrorTypes = [
  "invalid_request_error",
  "authentication_error",
  "billing_error",
  "permission_error",
  "not_found_error",
  "request_too_large",
  "rate_limit_error",
  "api_error",
  "timeout_error",
  "overloaded_error"
] as const

/**
 * A documented error type.
 *
 * @since 0.1.0
 */
export type KnownErrorType = (typeof knownErrorTypes)[number]

/**
 * An error type: documented, or any future string.
 *
 * @since 0.1.0
 */
export const ErrorType = openLiteral(...knownErrorTypes)
/** @since 0.1.0 */
export type ErrorType = typeof ErrorType.Type

const errorDetailFields = { type: ErrorType, message: Schema.String }

/**
 * The schema type of {@link ErrorDetail}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ErrorDetailSchema extends Schema.Struct<typeof errorDetailFields> {}

/**
 * The `error` object: its type and the API's message.
 *
 * @since 0.1.0
 */
export const ErrorDetail: ErrorDetailSchema = open(errorDetailFields).annotations({
  identifier: "ErrorDetail"
})
/** @since 0.1.0 */
export type ErrorDetail = typeof ErrorDetail.Type

const errorBodyFields = {
  type: Schema.Literal("error"),
  error: ErrorDetail,
  request_id: Schema.optional(Schema.NullOr(Schema.String))
}

/**
 * The schema type of {@link ErrorBody}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ErrorBodySchema extends Schema.Struct<typeof errorBodyFields> {}

/**
 * The body of every error response, and of an SSE `error` event.
 *
 * @since 0.1.0
 */
export const ErrorBody: ErrorBodySchema = open(errorBodyFields).annotations({ identifier: "ErrorBody" })
/** @since 0.1.0 */
export type ErrorBody = typeof ErrorBody.Type

/**
 * The HTTP status the API uses for each documented error type.
 *
 * @since 0.1.0
 */
export const statusOf: Record<KnownErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529
}

/**
 * An error body.
 *
 * @since 0.1.0
 */
export const make = (type: ErrorType, message: string): ErrorBody => ({ type: "error", error: { type, message } })
