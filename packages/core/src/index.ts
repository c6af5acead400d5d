/**
 * @parley/core: the Messages API as Effect schemas, the Conversation value, and tools defined from a Schema.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Accumulator from "./Accumulator.js"
/** @since 0.1.0 */
export * as ApiError from "./ApiError.js"
/** @since 0.2.0 */
export * as ApiVersion from "./ApiVersion.js"
/** @since 0.1.0 */
export * as Content from "./Content.js"
/** @since 0.2.0 */
export * as ContextWindow from "./ContextWindow.js"
/** @since 0.1.0 */
export * as Conversation from "./Conversation.js"
/** @since 0.1.0 */
export * as Message from "./Message.js"
/** @since 0.2.0 */
export * as Model from "./Model.js"
/** @since 0.2.0 */
export * as ModelError from "./ModelError.js"
/** @since 0.2.0 */
export * as PromptCaching from "./PromptCaching.js"
/** @since 0.1.0 */
export * as Request from "./Request.js"
/** @since 0.2.0 */
export * as RunState from "./RunState.js"
/** @since 0.1.0 */
export * as StreamEvent from "./StreamEvent.js"
/** @since 0.2.0 */
export * as StructuredOutput from "./StructuredOutput.js"
/** @since 0.2.0 */
export * as Telemetry from "./Telemetry.js"
/** @since 0.1.0 */
export * as Tokens from "./Tokens.js"
/** @since 0.1.0 */
export * as Tool from "./Tool.js"
/** @since 0.1.0 */
export * as Toolkit from "./Toolkit.js"
/** @since 0.2.0 */
export * as ToolOutcome from "./ToolOutcome.js"
/** @since 0.2.0 */
export * as Usage from "./Usage.js"
/** @since 0.1.0 */
export * as Validation from "./Validation.js"
/** @since 0.1.0 */
export * as Wire from "./Wire.js"
