/**
 * @parley/loop: the agent loop as a library — call the model, run its tool calls through a Toolkit, send the
 * results, repeat — with typed stop reasons, limits on by default, hooks, and an event stream.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as AgentLoop from "./AgentLoop.js"
/** @since 0.1.0 */
export * as Approval from "./Approval.js"
/** @since 0.2.0 */
export * as Hooks from "./Hooks.js"
/** @since 0.1.0 */
export * as LoopError from "./LoopError.js"
/** @since 0.1.0 */
export * as LoopEvent from "./LoopEvent.js"
/** @since 0.1.0 */
export * as LoopOptions from "./LoopOptions.js"
/** @since 0.1.0 */
export * as LoopResult from "./LoopResult.js"
/** @since 0.1.0 */
export * as RepeatedCallGuard from "./RepeatedCallGuard.js"
/** @since 0.2.0 */
export * as Step from "./Step.js"
/** @since 0.1.0 */
export * as StopReason from "./StopReason.js"
/** @since 0.2.0 */
export * as StructuredAnswer from "./StructuredAnswer.js"
