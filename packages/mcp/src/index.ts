/**
 * @parley/mcp: the tools of Model Context Protocol servers as Parley toolkits.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as McpToolkit from "./McpToolkit.js"
