/**
 * @parley/transport: the client of the Messages endpoint, and the retry, rate-limit and timeout policies that
 * backend services compose with it.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ClientConfig from "./ClientConfig.js"
/** @since 0.1.0 */
export * as MessagesClient from "./MessagesClient.js"
/** @since 0.1.0 */
export * as MessagesError from "./MessagesError.js"
/** @since 0.1.0 */
export * as RateLimit from "./RateLimit.js"
/** @since 0.2.0 */
export * as RateLimitStore from "./RateLimitStore.js"
/** @since 0.1.0 */
export * as ResponseMeta from "./ResponseMeta.js"
/** @since 0.1.0 */
export * as Retry from "./Retry.js"
/** @since 0.1.0 */
export * as Timeout from "./Timeout.js"
