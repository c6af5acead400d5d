/**
 * @parley/core: the Messages API as Effect schemas, the Conversation value, and tools defined from a Schema.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ApiError from "./ApiError.js"
/** @since 0.1.0 */
export * as Content from "./Content.js"
/** @since 0.1.0 */
export * as Message from "./Message.js"
/** @since 0.1.0 */
export * as Request from "./Request.js"
/** @since 0.1.0 */
export * as StreamEvent from "./StreamEvent.js"
/** @since 0.1.0 */
export * as Wire from "./Wire.js"
