/**
 * Content blocks of the Messages API, request and response side, as Effect schemas whose `type` values are the
 * wire's own. Every block keeps fields this library does not know, and a block whose `type` is not known decodes as
 * an {@link UnknownBlock} that encodes back unchanged.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { open, optionalNullable, unknownMember } from "./Wire.js"

// =============================================================================
// Shared parts
// =============================================================================

/**
 * Prompt-caching breakpoint on a block, tool or system text: `{ type: "ephemeral", ttl?: "5m" | "1h" }`.
 *
 * @since 0.1.0
 */
export const CacheControl = open({
  type: Schema.Literal("ephemeral"),
  ttl: Schema.optional(Schema.Literal("5m", "1h"))
}).annotations({ identifier: "CacheControl" })
/** @since 0.1.0 */
export type CacheControl = typeof CacheControl.Type

const cacheControl = optionalNullable(CacheControl)

// =============================================================================
// Citations
// =============================================================================

/**
 * A citation of a character range of a plain-text document.
 *
 * @since 0.1.0
 */
export const CharLocation = open({
  type: Schema.Literal("char_location"),
  cited_text: Schema.String,
  document_index: Schema.Number,
  document_title: optionalNullable(Schema.String),
  start_char_index: Schema.Number,
  end_char_index: Schema.Number,
  file_id: optionalNullable(Schema.String)
}).annotations({ identifier: "CharLocation" })

/**
 * A citation of a page range of a PDF document.
 *
 * @since 0.1.0
 */
export const PageLocation = open({
  type: Schema.Literal("page_location"),
  cited_text: Schema.String,
  document_index: Schema.Number,
  document_title: optionalNullable(Schema.String),
  start_page_number: Schema.Number,
  end_page_number: Schema.Number,
  file_id: optionalNullable(Schema.String)
}).annotations({ identifier: "PageLocation" })

/**
 * A citation of a range of blocks of a custom-content document.
 *
 * @since 0.1.0
 */
export const ContentBlockLocation = open({
  type: Schema.Literal("content_block_location"),
  cited_text: Schema.String,
  document_index: Schema.Number,
  document_title: optionalNullable(Schema.String),
  start_block_index: Schema.Number,
  end_block_index: Schema.Number,
  file_id: optionalNullable(Schema.String)
}).annotations({ identifier: "ContentBlockLocation" })

/**
 * A citation of a web search result.
 *
 * @since 0.1.0
 */
export const WebSearchResultLocation = open({
  type: Schema.Literal("web_search_result_location"),
  cited_text: Schema.String,
  encrypted_index: Schema.String,
  title: optionalNullable(Schema.String),
  url: Schema.String
}).annotations({ identifier: "WebSearchResultLocation" })

/**
 * A citation of a `search_result` block.
 *
 * @since 0.1.0
 */
export const SearchResultLocation = open({
  type: Schema.Literal("search_result_location"),
  cited_text: Schema.String,
  search_result_index: Schema.Number,
  source: Schema.String,
  title: optionalNullable(Schema.String),
  start_block_index: Schema.Number,
  end_block_index: Schema.Number
}).annotations({ identifier: "SearchResultLocation" })

const citationTypes = [
  "char_location",
  "page_location",
  "content_block_location",
  "web_search_result_location",
  "search_result_location"
] as const

/**
 * Any citation: every documented location kind, plus future kinds kept as they came.
 *
 * @since 0.1.0
 */
export const Citation = Schema.Union(
  CharLocation,
  PageLocation,
  ContentBlockLocation,
  WebSearchResultLocation,
  SearchResultLocation,
  unknownMember(citationTypes, "citation", "UnknownCitation")
).annotations({ identifier: "Citation" })
/** @since 0.1.0 */
export type Citation = typeof Citation.Type

/**
 * Citation settings of a document or search result: `{ enabled: boolean }`.
 *
 * @since 0.1.0
 */
export const CitationsConfig = open({ enabled: Schema.optional(Schema.Boolean) }).annotations({
  identifier: "CitationsConfig"
})

// =============================================================================
// Text, image, document, search result
// =============================================================================

/**
 * A text block; `citations` appear on response text that cites documents.
 *
 * @since 0.1.0
 */
export const TextBlock = open({
  type: Schema.Literal("text"),
  text: Schema.String,
  citations: optionalNullable(Schema.Array(Citation)),
  cache_control: cacheControl
}).annotations({ identifier: "TextBlock" })
/** @since 0.1.0 */
export type TextBlock = typeof TextBlock.Type

/**
 * The media types accepted for base64 images.
 *
 * @since 0.1.0
 */
export const ImageMediaType = Schema.Literal("image/jpeg", "image/png", "image/gif", "image/webp")
/** @since 0.1.0 */
export type ImageMediaType = typeof ImageMediaType.Type

/**
 * Image bytes inline, base64-encoded.
 *
 * @since 0.1.0
 */
export const Base64ImageSource = open({
  type: Schema.Literal("base64"),
  media_type: ImageMediaType,
  data: Schema.String
}).annotations({ identifier: "Base64ImageSource" })

/**
 * An image fetched by the API from a URL.
 *
 * @since 0.1.0
 */
export const UrlSource = open({ type: Schema.Literal("url"), url: Schema.String }).annotations({
  identifier: "UrlSource"
})

/**
 * A file uploaded through the Files API.
 *
 * @since 0.1.0
 */
export const FileSource = open({ type: Schema.Literal("file"), file_id: Schema.String }).annotations({
  identifier: "FileSource"
})

/**
 * An image block: base64, URL or file source.
 *
 * @since 0.1.0
 */
export const ImageBlock = open({
  type: Schema.Literal("image"),
  source: Schema.Union(Base64ImageSource, UrlSource, FileSource),
  cache_control: cacheControl
}).annotations({ identifier: "ImageBlock" })
/** @since 0.1.0 */
export type ImageBlock = typeof ImageBlock.Type

/**
 * A PDF inline, base64-encoded.
 *
 * @since 0.1.0
 */
export const Base64PdfSource = open({
  type: Schema.Literal("base64"),
  media_type: Schema.Literal("application/pdf"),
  data: Schema.String
}).annotations({ identifier: "Base64PdfSource" })

/**
 * A plain-text document.
 *
 * @since 0.1.0
 */
export const PlainTextSource = open({
  type: Schema.Literal("text"),
  media_type: Schema.Literal("text/plain"),
  data: Schema.String
}).annotations({ identifier: "PlainTextSource" })

/**
 * A document made of content blocks (text and images), cited by block index.
 *
 * @since 0.1.0
 */
export const ContentSource = open({
  type: Schema.Literal("content"),
  content: Schema.Union(Schema.String, Schema.Array(Schema.Union(TextBlock, ImageBlock)))
}).annotations({ identifier: "ContentSource" })

/**
 * A document block: PDF, plain text, custom content, URL or file; optionally citable.
 *
 * @since 0.1.0
 */
export const DocumentBlock = open({
  type: Schema.Literal("document"),
  source: Schema.Union(Base64PdfSource, PlainTextSource, ContentSource, UrlSource, FileSource),
  title: optionalNullable(Schema.String),
  context: optionalNullable(Schema.String),
  citations: optionalNullable(CitationsConfig),
  cache_control: cacheControl
}).annotations({ identifier: "DocumentBlock" })
/** @since 0.1.0 */
export type DocumentBlock = typeof DocumentBlock.Type

/**
 * A search result supplied by the caller (e.g. from its own retrieval), citable like a document.
 *
 * @since 0.1.0
 */
export const SearchResultBlock = open({
  type: Schema.Literal("search_result"),
  source: Schema.String,
  title: Schema.String,
  content: Schema.Array(TextBlock),
  citations: optionalNullable(CitationsConfig),
  cache_control: cacheControl
}).annotations({ identifier: "SearchResultBlock" })
/** @since 0.1.0 */
export type SearchResultBlock = typeof SearchResultBlock.Type

// =============================================================================
// Tools
// =============================================================================

/**
 * The model asks the caller to run a local tool; `input` is the JSON object the model produced.
 *
 * @since 0.1.0
 */
export const ToolUseBlock = open({
  type: Schema.Literal("tool_use"),
  id: Schema.String,
  name: Schema.String,
  input: Schema.Unknown,
  cache_control: cacheControl
}).annotations({ identifier: "ToolUseBlock" })
/** @since 0.1.0 */
export type ToolUseBlock = typeof ToolUseBlock.Type

/**
 * What a tool result may contain besides a plain string.
 *
 * @since 0.1.0
 */
export const ToolResultContent = Schema.Union(TextBlock, ImageBlock, DocumentBlock, SearchResultBlock)
/** @since 0.1.0 */
export type ToolResultContent = typeof ToolResultContent.Type

/**
 * The caller's answer to a `tool_use` block; `is_error: true` tells the model the call failed.
 *
 * @since 0.1.0
 */
export const ToolResultBlock = open({
  type: Schema.Literal("tool_result"),
  tool_use_id: Schema.String,
  content: Schema.optional(Schema.Union(Schema.String, Schema.Array(ToolResultContent))),
  is_error: Schema.optional(Schema.Boolean),
  cache_control: cacheControl
}).annotations({ identifier: "ToolResultBlock" })
/** @since 0.1.0 */
export type ToolResultBlock = typeof ToolResultBlock.Type

// =============================================================================
// Thinking
// =============================================================================

/**
 * Extended thinking; the `signature` must be sent back unchanged with the block.
 *
 * @since 0.1.0
 */
export const ThinkingBlock = open({
  type: Schema.Literal("thinking"),
  thinking: Schema.String,
  signature: Schema.String
}).annotations({ identifier: "ThinkingBlock" })
/** @since 0.1.0 */
export type ThinkingBlock = typeof ThinkingBlock.Type

/**
 * Thinking the API encrypted; sent back unchanged.
 *
 * @since 0.1.0
 */
export const RedactedThinkingBlock = open({
  type: Schema.Literal("redacted_thinking"),
  data: Schema.String
}).annotations({ identifier: "RedactedThinkingBlock" })
/** @since 0.1.0 */
export type RedactedThinkingBlock = typeof RedactedThinkingBlock.Type

// =============================================================================
// Server tools
// =============================================================================

/**
 * A tool the API runs itself (web search, web fetch, code execution, ...).
 *
 * @since 0.1.0
 */
export const ServerToolUseBlock = open({
  type: Schema.Literal("server_tool_use"),
  id: Schema.String,
  name: Schema.String,
  input: Schema.Unknown,
  cache_control: cacheControl
}).annotations({ identifier: "ServerToolUseBlock" })
/** @since 0.1.0 */
export type ServerToolUseBlock = typeof ServerToolUseBlock.Type

/**
 * One page found by the web search tool.
 *
 * @since 0.1.0
 */
export const WebSearchResult = open({
  type: Schema.Literal("web_search_result"),
  encrypted_content: Schema.String,
  page_age: optionalNullable(Schema.String),
  title: Schema.String,
  url: Schema.String
}).annotations({ identifier: "WebSearchResult" })

/**
 * The web search tool's failure, e.g. `max_uses_exceeded`.
 *
 * @since 0.1.0
 */
export const WebSearchToolResultError = open({
  type: Schema.Literal("web_search_tool_result_error"),
  error_code: Schema.String
}).annotations({ identifier: "WebSearchToolResultError" })

/**
 * The result of a `web_search` server tool call.
 *
 * @since 0.1.0
 */
export const WebSearchToolResultBlock = open({
  type: Schema.Literal("web_search_tool_result"),
  tool_use_id: Schema.String,
  content: Schema.Union(Schema.Array(WebSearchResult), WebSearchToolResultError),
  cache_control: cacheControl
}).annotations({ identifier: "WebSearchToolResultBlock" })
/** @since 0.1.0 */
export type WebSearchToolResultBlock = typeof WebSearchToolResultBlock.Type

/**
 * The other server-tool result blocks, whose `content` shapes vary by tool version; they are kept verbatim.
 *
 * @since 0.1.0
 */
export const serverToolResultTypes = [
  "web_fetch_tool_result",
  "code_execution_tool_result",
  "bash_code_execution_tool_result",
  "text_editor_code_execution_tool_result",
  "tool_search_tool_result",
  "mcp_tool_result"
] as const

/**
 * A server-tool result other than web search: `{ type, tool_use_id, content }` with `content` kept as it came.
 *
 * @since 0.1.0
 */
export const ServerToolResultBlock = open({
  type: Schema.Literal(...serverToolResultTypes),
  tool_use_id: Schema.String,
  content: Schema.Unknown,
  is_error: Schema.optional(Schema.Boolean),
  cache_control: cacheControl
}).annotations({ identifier: "ServerToolResultBlock" })
/** @since 0.1.0 */
export type ServerToolResultBlock = typeof ServerToolResultBlock.Type

/**
 * An MCP connector tool call made by the API.
 *
 * @since 0.1.0
 */
export const McpToolUseBlock = open({
  type: Schema.Literal("mcp_tool_use"),
  id: Schema.String,
  name: Schema.String,
  server_name: Schema.String,
  input: Schema.Unknown,
  cache_control: cacheControl
}).annotations({ identifier: "McpToolUseBlock" })
/** @since 0.1.0 */
export type McpToolUseBlock = typeof McpToolUseBlock.Type

/**
 * A file made available to the code-execution container.
 *
 * @since 0.1.0
 */
export const ContainerUploadBlock = open({
  type: Schema.Literal("container_upload"),
  file_id: Schema.String,
  cache_control: cacheControl
}).annotations({ identifier: "ContainerUploadBlock" })
/** @since 0.1.0 */
export type ContainerUploadBlock = typeof ContainerUploadBlock.Type

// =============================================================================
// Any block
// =============================================================================

/**
 * Every block `type` this library knows.
 *
 * @since 0.1.0
 */
export const knownBlockTypes = [
  "text",
  "image",
  "document",
  "search_result",
  "tool_use",
  "tool_result",
  "thinking",
  "redacted_thinking",
  "server_tool_use",
  "web_search_tool_result",
  ...serverToolResultTypes,
  "mcp_tool_use",
  "container_upload"
] as const

/**
 * A block of a type added to the API after this library was written: its `type` is checked to be unknown and
 * every field is kept, so it survives decode -> encode and is resent as it came.
 *
 * @since 0.1.0
 */
export const UnknownBlock = unknownMember(knownBlockTypes, "content block", "UnknownBlock")
/** @since 0.1.0 */
export type UnknownBlock = typeof UnknownBlock.Type

/**
 * Every known content block, without the unknown fallback.
 *
 * @since 0.1.0
 */
export const KnownBlock = Schema.Union(
  TextBlock,
  ImageBlock,
  DocumentBlock,
  SearchResultBlock,
  ToolUseBlock,
  ToolResultBlock,
  ThinkingBlock,
  RedactedThinkingBlock,
  ServerToolUseBlock,
  WebSearchToolResultBlock,
  ServerToolResultBlock,
  McpToolUseBlock,
  ContainerUploadBlock
)
/** @since 0.1.0 */
export type KnownBlock = typeof KnownBlock.Type

/**
 * Any content block, request or response side, including future ones ({@link UnknownBlock}).
 * Narrow with {@link is}: TypeScript cannot narrow a union on `type` when one member's `type` is `string`.
 *
 * @since 0.1.0
 */
export const ContentBlock = Schema.Union(KnownBlock, UnknownBlock).annotations({ identifier: "ContentBlock" })
/** @since 0.1.0 */
export type ContentBlock = typeof ContentBlock.Type

/**
 * The `type` values of known blocks.
 *
 * @since 0.1.0
 */
export type KnownType = KnownBlock["type"]

/**
 * Narrows a block to the known block of the given `type`: `blocks.filter(Content.is("tool_use"))`.
 *
 * @since 0.1.0
 */
export const is =
  <T extends KnownType>(type: T) =>
  (block: ContentBlock): block is Extract<KnownBlock, { readonly type: T }> =>
    block.type === type

/**
 * Whether a block is of a type this library does not know.
 *
 * @since 0.1.0
 */
export const isUnknown = (block: ContentBlock): block is UnknownBlock =>
  !(knownBlockTypes as ReadonlyArray<string>).includes(block.type)

// =============================================================================
// Constructors
// =============================================================================

/**
 * A text block.
 *
 * @since 0.1.0
 */
export const text = (text: string): TextBlock => ({ type: "text", text })

/**
 * A base64 image block.
 *
 * @since 0.1.0
 */
export const imageBase64 = (mediaType: ImageMediaType, data: string): ImageBlock => ({
  type: "image",
  source: { type: "base64", media_type: mediaType, data }
})

/**
 * An image block fetched from a URL.
 *
 * @since 0.1.0
 */
export const imageUrl = (url: string): ImageBlock => ({ type: "image", source: { type: "url", url } })

/**
 * A plain-text document block, optionally titled and citable.
 *
 * @since 0.1.0
 */
export const textDocument = (
  data: string,
  options?: { readonly title?: string | undefined; readonly citations?: boolean | undefined }
): DocumentBlock => ({
  type: "document",
  source: { type: "text", media_type: "text/plain", data },
  ...(options?.title !== undefined ? { title: options.title } : {}),
  ...(options?.citations !== undefined ? { citations: { enabled: options.citations } } : {})
})

/**
 * A base64 PDF document block.
 *
 * @since 0.1.0
 */
export const pdfDocument = (data: string, options?: { readonly title?: string | undefined }): DocumentBlock => ({
  type: "document",
  source: { type: "base64", media_type: "application/pdf", data },
  ...(options?.title !== undefined ? { title: options.title } : {})
})

/**
 * A tool result answering the `tool_use` block with the given id.
 *
 * @since 0.1.0
 */
export const toolResult = (
  toolUseId: string,
  content: string | ReadonlyArray<ToolResultContent>,
  options?: { readonly isError?: boolean | undefined }
): ToolResultBlock => ({
  type: "tool_result",
  tool_use_id: toolUseId,
  content,
  ...(options?.isError ? { is_error: true } : {})
})
