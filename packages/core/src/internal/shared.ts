/**
 * Wire parts shared by content blocks and tool definitions. They live here, below both, so that `Content` (whose
 * beta `tool_addition` blocks hold tool definitions) and the tool definitions (which carry `cache_control`) need
 * not import each other. `Content` re-exports them.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { open, openLiteral } from "../Wire.js"

const cacheControlFields = {
  type: openLiteral("ephemeral"),
  ttl: Schema.optional(openLiteral("5m", "1h"))
}

/**
 * The schema type of {@link CacheControl}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CacheControlSchema extends Schema.Struct<typeof cacheControlFields> {}

/**
 * Prompt-caching breakpoint on a block, tool or system text: `{ type: "ephemeral", ttl?: "5m" | "1h" }`. Both the
 * type and the TTL accept future values, kept as they came.
 *
 * @since 0.1.0
 */
export const CacheControl: CacheControlSchema = open(cacheControlFields).annotations({ identifier: "CacheControl" })
/** @since 0.1.0 */
export type CacheControl = typeof CacheControl.Type

const citationsConfigFields = { enabled: Schema.optional(Schema.Boolean) }

/**
 * The schema type of {@link CitationsConfig}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CitationsConfigSchema extends Schema.Struct<typeof citationsConfigFields> {}

/**
 * Citation settings of a document, search result or web fetch tool: `{ enabled: boolean }`.
 *
 * @since 0.1.0
 */
export const CitationsConfig: CitationsConfigSchema = open(citationsConfigFields).annotations({
  identifier: "CitationsConfig"
})
/** @since 0.1.0 */
export type CitationsConfig = typeof CitationsConfig.Type
