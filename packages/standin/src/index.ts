/**
 * @parley/standin: a stand-in Messages API server speaking the real wire format (JSON and SSE), with scripted and
 * rule-based responders and fault injection, for tests, demos and benchmarks.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as EventStream from "./EventStream.js"
/** @since 0.1.0 */
export * as Fault from "./Fault.js"
/** @since 0.1.0 */
export * as Planner from "./Planner.js"
/** @since 0.1.0 */
export * as Reply from "./Reply.js"
/** @since 0.1.0 */
export * as Responder from "./Responder.js"
/** @since 0.1.0 */
export * as StandinServer from "./StandinServer.js"
