/**
 * The `anthropic-version` values Parley speaks, and what differs between them, in one table: the client, the
 * linter and the stand-in read their rules from here.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/**
 * An API version.
 *
 * @since 0.2.0
 * @category models
 */
export const ApiVersion = Schema.Literal("2023-06-01", "2026-10-21")

/**
 * @since 0.2.0
 * @category models
 */
export type ApiVersion = typeof ApiVersion.Type

/**
 * What a version changes.
 *
 * - `checkBeforeSending`: the client checks a request with `Validation.validateRequest` before sending it (under
 *   `2023-06-01` it does not, as before: the check costs CPU on every call and the version's own API answers 400).
 * - `documentsInAssistantTurns`, `citationsOnUserText`: whether those blocks are accepted.
 * - `removedParameters`: request parameters the version rejects.
 *
 * @since 0.2.0
 * @category models
 */
export interface Rules {
  readonly checkBeforeSending: boolean
  readonly documentsInAssistantTurns: boolean
  readonly citationsOnUserText: boolean
  readonly removedParameters: ReadonlyArray<string>
}

/**
 * The rules of each version.
 *
 * @since 0.2.0
 * @category constants
 */
export const rules: { readonly [V in ApiVersion]: Rules } = {
  "2023-06-01": {
    checkBeforeSending: false,
    documentsInAssistantTurns: true,
    citationsOnUserText: true,
    removedParameters: []
  },
  "2026-10-21": {
    checkBeforeSending: true,
    documentsInAssistantTurns: false,
    citationsOnUserText: false,
    removedParameters: ["temperature", "top_p", "top_k"]
  }
}

/**
 * The version a client sends when none is set.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultVersion: ApiVersion = "2023-06-01"

/**
 * Whether a string is a version Parley knows.
 *
 * @since 0.2.0
 * @category guards
 */
export const isApiVersion: (u: unknown) => u is ApiVersion = Schema.is(ApiVersion)
