/**
 * @parley/durable: agent runs that survive crashes — every model call and tool call journaled on
 * `@effect/workflow`, exactly-once tools with idempotency keys, approvals that wait across restarts; embedded on
 * one SQLite file, or many runner processes on PostgreSQL (`@parley/durable/PgEngine`).
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as DurableAgent from "./DurableAgent.js"
/** @since 0.1.0 */
export * as DurableEngine from "./DurableEngine.js"
/** @since 0.1.0 */
export * as ToolCall from "./ToolCall.js"
