/**
 * Content blocks of the Messages API, request and response side, as Effect schemas whose `type` values are the
 * wire's own. Every block keeps fields this library does not know, and a block whose `type` is not known decodes as
 * an {@link UnknownBlock} that encodes back unchanged.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import {
  CacheControl,
  type CacheControlSchema,
  CitationsConfig,
  type CitationsConfigSchema
} from "./internal/shared.js"
import { McpTool, ToolDefinition } from "./internal/tools.js"
import { open, openLiteral, openUnion, optionalNullable, typesOf, type UnknownMember, unknownMember } from "./Wire.js"

// =============================================================================
// Shared parts
// =============================================================================

export {
  /**
   * Prompt-caching breakpoint on a block, tool or system text: `{ type: "ephemeral", ttl?: "5m" | "1h" }`; future
   * types and TTLs are kept.
   *
   * @since 0.1.0
   */
  CacheControl,
  /** @since 0.1.0 */
  type CacheControlSchema,
  /**
   * Citation settings of a document or search result: `{ enabled: boolean }`.
   *
   * @since 0.1.0
   */
  CitationsConfig,
  /** @since 0.1.0 */
  type CitationsConfigSchema
}

const cacheControl = optionalNullable(CacheControl)

const directCaller = open({ type: Schema.Literal("direct") }).annotations({ identifier: "DirectCaller" })

const serverToolCaller = open({ type: Schema.Literal("code_execution_20250825"), tool_id: Schema.String }).annotations({
  identifier: "ServerToolCaller"
})

const serverToolCaller20260120 = open({
  type: Schema.Literal("code_execution_20260120"),
  tool_id: Schema.String
}).annotations({
  identifier: "ServerToolCaller20260120"
})

/**
 * The schema type of {@link Caller}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CallerSchema
  extends Schema.Union<
    [typeof directCaller, typeof serverToolCaller, typeof serverToolCaller20260120, UnknownMember]
  > {}

/**
 * Who made a tool call: the model (`direct`) or code run by a code-execution tool; future callers are kept.
 *
 * @since 0.1.0
 */
export const Caller: CallerSchema = openUnion(
  "caller",
  "UnknownCaller",
  directCaller,
  serverToolCaller,
  serverToolCaller20260120
).annotations({ identifier: "Caller" })
/** @since 0.1.0 */
export type Caller = typeof Caller.Type

const caller = Schema.optional(Caller)

// =============================================================================
// Citations
// =============================================================================

const charLocationFields = {
  type: Schema.Literal("char_location"),
  cited_text: Schema.String,
  document_index: Schema.Number,
  document_title: optionalNullable(Schema.String),
  start_char_index: Schema.Number,
  end_char_index: Schema.Number,
  file_id: optionalNullable(Schema.String)
}

/**
 * The schema type of {@link CharLocation}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CharLocationSchema extends Schema.Struct<typeof charLocationFields> {}

/**
 * A citation of a character range of a plain-text document.
 *
 * @since 0.1.0
 */
export const CharLocation: CharLocationSchema = open(charLocationFields).annotations({ identifier: "CharLocation" })
/** @since 0.1.0 */
export type CharLocation = typeof CharLocation.Type

const pageLocationFields = {
  type: Schema.Literal("page_location"),
  cited_text: Schema.String,
  document_index: Schema.Number,
  document_title: optionalNullable(Schema.String),
  start_page_number: Schema.Number,
  end_page_number: Schema.Number,
  file_id: optionalNullable(Schema.String)
}

/**
 * The schema type of {@link PageLocation}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface PageLocationSchema extends Schema.Struct<typeof pageLocationFields> {}

/**
 * A citation of a page range of a PDF document.
 *
 * @since 0.1.0
 */
export const PageLocation: PageLocationSchema = open(pageLocationFields).annotations({ identifier: "PageLocation" })
/** @since 0.1.0 */
export type PageLocation = typeof PageLocation.Type

const contentBlockLocationFields = {
  type: Schema.Literal("content_block_location"),
  cited_text: Schema.String,
  document_index: Schema.Number,
  document_title: optionalNullable(Schema.String),
  start_block_index: Schema.Number,
  end_block_index: Schema.Number,
  file_id: optionalNullable(Schema.String)
}

/**
 * The schema type of {@link ContentBlockLocation}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContentBlockLocationSchema extends Schema.Struct<typeof contentBlockLocationFields> {}

/**
 * A citation of a range of blocks of a custom-content document.
 *
 * @since 0.1.0
 */
export const ContentBlockLocation: ContentBlockLocationSchema = open(contentBlockLocationFields).annotations({
  identifier: "ContentBlockLocation"
})
/** @since 0.1.0 */
export type ContentBlockLocation = typeof ContentBlockLocation.Type

const webSearchResultLocationFields = {
  type: Schema.Literal("web_search_result_location"),
  cited_text: Schema.String,
  encrypted_index: Schema.String,
  title: optionalNullable(Schema.String),
  url: Schema.String
}

/**
 * The schema type of {@link WebSearchResultLocation}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface WebSearchResultLocationSchema extends Schema.Struct<typeof webSearchResultLocationFields> {}

/**
 * A citation of a web search result.
 *
 * @since 0.1.0
 */
export const WebSearchResultLocation: WebSearchResultLocationSchema = open(webSearchResultLocationFields).annotations({
  identifier: "WebSearchResultLocation"
})
/** @since 0.1.0 */
export type WebSearchResultLocation = typeof WebSearchResultLocation.Type

const searchResultLocationFields = {
  type: Schema.Literal("search_result_location"),
  cited_text: Schema.String,
  search_result_index: Schema.Number,
  source: Schema.String,
  title: optionalNullable(Schema.String),
  start_block_index: Schema.Number,
  end_block_index: Schema.Number
}

/**
 * The schema type of {@link SearchResultLocation}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface SearchResultLocationSchema extends Schema.Struct<typeof searchResultLocationFields> {}

/**
 * A citation of a `search_result` block.
 *
 * @since 0.1.0
 */
export const SearchResultLocation: SearchResultLocationSchema = open(searchResultLocationFields).annotations({
  identifier: "SearchResultLocation"
})
/** @since 0.1.0 */
export type SearchResultLocation = typeof SearchResultLocation.Type

/**
 * The schema type of {@link Citation}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CitationSchema
  extends Schema.Union<
    [
      typeof CharLocation,
      typeof PageLocation,
      typeof ContentBlockLocation,
      typeof WebSearchResultLocation,
      typeof SearchResultLocation,
      UnknownMember
    ]
  > {}

/**
 * Any citation: every documented location kind, plus future kinds kept as they came.
 *
 * @since 0.1.0
 */
export const Citation: CitationSchema = openUnion(
  "citation",
  "UnknownCitation",
  CharLocation,
  PageLocation,
  ContentBlockLocation,
  WebSearchResultLocation,
  SearchResultLocation
).annotations({ identifier: "Citation" })
/** @since 0.1.0 */
export type Citation = typeof Citation.Type

// =============================================================================
// Text, image, document, search result
// =============================================================================

const textBlockFields = {
  type: Schema.Literal("text"),
  text: Schema.String,
  citations: optionalNullable(Schema.Array(Citation)),
  cache_control: cacheControl
}

/**
 * The schema type of {@link TextBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface TextBlockSchema extends Schema.Struct<typeof textBlockFields> {}

/**
 * A text block; `citations` appear on response text that cites documents.
 *
 * @since 0.1.0
 */
export const TextBlock: TextBlockSchema = open(textBlockFields).annotations({ identifier: "TextBlock" })
/** @since 0.1.0 */
export type TextBlock = typeof TextBlock.Type

/**
 * The media types documented for base64 images. {@link ImageMediaType} accepts any future string too.
 *
 * @since 0.1.0
 */
export const knownImageMediaTypes = ["image/jpeg", "image/png", "image/gif", "image/webp"] as const

/**
 * The media type of a base64 image: a documented one or any future string.
 *
 * @since 0.1.0
 */
export const ImageMediaType = openLiteral(...knownImageMediaTypes)
/** @since 0.1.0 */
export type ImageMediaType = typeof ImageMediaType.Type

const base64ImageSourceFields = {
  type: Schema.Literal("base64"),
  media_type: ImageMediaType,
  data: Schema.String
}

/**
 * The schema type of {@link Base64ImageSource}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface Base64ImageSourceSchema extends Schema.Struct<typeof base64ImageSourceFields> {}

/**
 * Image bytes inline, base64-encoded.
 *
 * @since 0.1.0
 */
export const Base64ImageSource: Base64ImageSourceSchema = open(base64ImageSourceFields).annotations({
  identifier: "Base64ImageSource"
})
/** @since 0.1.0 */
export type Base64ImageSource = typeof Base64ImageSource.Type

const urlSourceFields = { type: Schema.Literal("url"), url: Schema.String }

/**
 * The schema type of {@link UrlSource}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface UrlSourceSchema extends Schema.Struct<typeof urlSourceFields> {}

/**
 * An image or PDF fetched by the API from a URL.
 *
 * @since 0.1.0
 */
export const UrlSource: UrlSourceSchema = open(urlSourceFields).annotations({
  identifier: "UrlSource"
})
/** @since 0.1.0 */
export type UrlSource = typeof UrlSource.Type

const fileSourceFields = { type: Schema.Literal("file"), file_id: Schema.String }

/**
 * The schema type of {@link FileSource}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface FileSourceSchema extends Schema.Struct<typeof fileSourceFields> {}

/**
 * A file uploaded through the Files API.
 *
 * @since 0.1.0
 */
export const FileSource: FileSourceSchema = open(fileSourceFields).annotations({
  identifier: "FileSource"
})
/** @since 0.1.0 */
export type FileSource = typeof FileSource.Type

/**
 * The schema type of {@link ImageSource}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ImageSourceSchema
  extends Schema.Union<[typeof Base64ImageSource, typeof UrlSource, typeof FileSource, UnknownMember]> {}

/**
 * Where an image comes from: base64, URL or file; future source types are kept.
 *
 * @since 0.1.0
 */
export const ImageSource: ImageSourceSchema = openUnion(
  "image source",
  "UnknownImageSource",
  Base64ImageSource,
  UrlSource,
  FileSource
)
/** @since 0.1.0 */
export type ImageSource = typeof ImageSource.Type

const imageTransformationsFields = {
  oversized_image: Schema.optional(openLiteral("downsize", "error"))
}

/**
 * The schema type of {@link ImageTransformations}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ImageTransformationsSchema extends Schema.Struct<typeof imageTransformationsFields> {}

/**
 * What the API does with an image too large for the model: `downsize` it or fail (`error`).
 *
 * @since 0.1.0
 */
export const ImageTransformations: ImageTransformationsSchema = open(imageTransformationsFields).annotations({
  identifier: "ImageTransformations"
})
/** @since 0.1.0 */
export type ImageTransformations = typeof ImageTransformations.Type

const imageBlockFields = {
  type: Schema.Literal("image"),
  source: ImageSource,
  cache_control: cacheControl,
  transformations: optionalNullable(ImageTransformations)
}

/**
 * The schema type of {@link ImageBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ImageBlockSchema extends Schema.Struct<typeof imageBlockFields> {}

/**
 * An image block.
 *
 * @since 0.1.0
 */
export const ImageBlock: ImageBlockSchema = open(imageBlockFields).annotations({ identifier: "ImageBlock" })
/** @since 0.1.0 */
export type ImageBlock = typeof ImageBlock.Type

const base64PdfSourceFields = {
  type: Schema.Literal("base64"),
  media_type: openLiteral("application/pdf"),
  data: Schema.String
}

/**
 * The schema type of {@link Base64PdfSource}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface Base64PdfSourceSchema extends Schema.Struct<typeof base64PdfSourceFields> {}

/**
 * A PDF inline, base64-encoded (`media_type` accepts future types).
 *
 * @since 0.1.0
 */
export const Base64PdfSource: Base64PdfSourceSchema = open(base64PdfSourceFields).annotations({
  identifier: "Base64PdfSource"
})
/** @since 0.1.0 */
export type Base64PdfSource = typeof Base64PdfSource.Type

const plainTextSourceFields = {
  type: Schema.Literal("text"),
  media_type: openLiteral("text/plain"),
  data: Schema.String
}

/**
 * The schema type of {@link PlainTextSource}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface PlainTextSourceSchema extends Schema.Struct<typeof plainTextSourceFields> {}

/**
 * A plain-text document (`media_type` accepts future types).
 *
 * @since 0.1.0
 */
export const PlainTextSource: PlainTextSourceSchema = open(plainTextSourceFields).annotations({
  identifier: "PlainTextSource"
})
/** @since 0.1.0 */
export type PlainTextSource = typeof PlainTextSource.Type

/**
 * The schema type of {@link ContentSourceBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContentSourceBlockSchema extends Schema.Union<[typeof TextBlock, typeof ImageBlock, UnknownMember]> {}

/**
 * A block of a custom-content document: text or image, future kinds kept.
 *
 * @since 0.1.0
 */
export const ContentSourceBlock: ContentSourceBlockSchema = openUnion(
  "document content block",
  "UnknownContentSourceBlock",
  TextBlock,
  ImageBlock
)
/** @since 0.1.0 */
export type ContentSourceBlock = typeof ContentSourceBlock.Type

const contentSourceFields = {
  type: Schema.Literal("content"),
  content: Schema.Union(Schema.String, Schema.Array(ContentSourceBlock))
}

/**
 * The schema type of {@link ContentSource}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContentSourceSchema extends Schema.Struct<typeof contentSourceFields> {}

/**
 * A document made of content blocks (text and images), cited by block index.
 *
 * @since 0.1.0
 */
export const ContentSource: ContentSourceSchema = open(contentSourceFields).annotations({ identifier: "ContentSource" })
/** @since 0.1.0 */
export type ContentSource = typeof ContentSource.Type

/**
 * The schema type of {@link DocumentSource}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface DocumentSourceSchema
  extends Schema.Union<
    [
      typeof Base64PdfSource,
      typeof PlainTextSource,
      typeof ContentSource,
      typeof UrlSource,
      typeof FileSource,
      UnknownMember
    ]
  > {}

/**
 * Where a document comes from: PDF, plain text, custom content, URL or file; future source types are kept.
 *
 * @since 0.1.0
 */
export const DocumentSource: DocumentSourceSchema = openUnion(
  "document source",
  "UnknownDocumentSource",
  Base64PdfSource,
  PlainTextSource,
  ContentSource,
  UrlSource,
  FileSource
)
/** @since 0.1.0 */
export type DocumentSource = typeof DocumentSource.Type

const documentBlockFields = {
  type: Schema.Literal("document"),
  source: DocumentSource,
  title: optionalNullable(Schema.String),
  context: optionalNullable(Schema.String),
  citations: optionalNullable(CitationsConfig),
  cache_control: cacheControl
}

/**
 * The schema type of {@link DocumentBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface DocumentBlockSchema extends Schema.Struct<typeof documentBlockFields> {}

/**
 * A document block; optionally citable.
 *
 * @since 0.1.0
 */
export const DocumentBlock: DocumentBlockSchema = open(documentBlockFields).annotations({ identifier: "DocumentBlock" })
/** @since 0.1.0 */
export type DocumentBlock = typeof DocumentBlock.Type

const searchResultBlockFields = {
  type: Schema.Literal("search_result"),
  source: Schema.String,
  title: Schema.String,
  content: Schema.Array(openUnion("search result content block", "UnknownSearchResultBlock", TextBlock)),
  citations: optionalNullable(CitationsConfig),
  cache_control: cacheControl
}

/**
 * The schema type of {@link SearchResultBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface SearchResultBlockSchema extends Schema.Struct<typeof searchResultBlockFields> {}

/**
 * A search result supplied by the caller (e.g. from its own retrieval), citable like a document. Its `content` is
 * text blocks; future block kinds are kept.
 *
 * @since 0.1.0
 */
export const SearchResultBlock: SearchResultBlockSchema = open(searchResultBlockFields).annotations({
  identifier: "SearchResultBlock"
})
/** @since 0.1.0 */
export type SearchResultBlock = typeof SearchResultBlock.Type

// =============================================================================
// Tools
// =============================================================================

const toolUseBlockFields = {
  type: Schema.Literal("tool_use"),
  id: Schema.String,
  name: Schema.String,
  input: Schema.Unknown,
  caller,
  toolset_name: optionalNullable(Schema.String),
  cache_control: cacheControl
}

/**
 * The schema type of {@link ToolUseBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolUseBlockSchema extends Schema.Struct<typeof toolUseBlockFields> {}

/**
 * The model asks the caller to run a local tool; `input` is the JSON the model produced. A member of a toolset
 * (`browser_toolset_20260801`, `computer_toolset_20260801`) names the toolset in `toolset_name`.
 *
 * @since 0.1.0
 */
export const ToolUseBlock: ToolUseBlockSchema = open(toolUseBlockFields).annotations({ identifier: "ToolUseBlock" })
/** @since 0.1.0 */
export type ToolUseBlock = typeof ToolUseBlock.Type

const toolReferenceBlockFields = {
  type: Schema.Literal("tool_reference"),
  tool_name: Schema.String,
  cache_control: cacheControl
}

/**
 * The schema type of {@link ToolReferenceBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolReferenceBlockSchema extends Schema.Struct<typeof toolReferenceBlockFields> {}

/**
 * A reference to a tool by name: in a tool result (a tool search tool run by the caller) or a tool search result,
 * it loads that deferred tool's definition.
 *
 * @since 0.1.0
 */
export const ToolReferenceBlock: ToolReferenceBlockSchema = open(toolReferenceBlockFields).annotations({
  identifier: "ToolReferenceBlock"
})
/** @since 0.1.0 */
export type ToolReferenceBlock = typeof ToolReferenceBlock.Type

const browserTabFields = {
  tab_id: Schema.String,
  title: Schema.String,
  url: Schema.String,
  active: Schema.optional(Schema.Boolean)
}

/**
 * The schema type of {@link BrowserTab}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface BrowserTabSchema extends Schema.Struct<typeof browserTabFields> {}

/**
 * A tab of the browser, as reported in a `browser_state` block.
 *
 * @since 0.1.0
 */
export const BrowserTab: BrowserTabSchema = open(browserTabFields).annotations({ identifier: "BrowserTab" })
/** @since 0.1.0 */
export type BrowserTab = typeof BrowserTab.Type

const tabOpened = open({ type: Schema.Literal("tab_opened"), tab_id: Schema.String })

const downloadStarted = open({
  type: Schema.Literal("download_started"),
  download_id: Schema.String,
  url: Schema.String
})

const downloadCompleted = open({
  type: Schema.Literal("download_completed"),
  download_id: Schema.String,
  url: Schema.String,
  path: optionalNullable(Schema.String),
  size_bytes: optionalNullable(Schema.Number)
})

const downloadFailed = open({
  type: Schema.Literal("download_failed"),
  download_id: Schema.String,
  url: Schema.String,
  error: optionalNullable(Schema.String)
})

/**
 * The schema type of {@link BrowserStateChange}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface BrowserStateChangeSchema
  extends Schema.Union<
    [typeof tabOpened, typeof downloadStarted, typeof downloadCompleted, typeof downloadFailed, UnknownMember]
  > {}

/**
 * A change of the browser since the last state: a tab opened, a download started, completed or failed; future kinds
 * are kept.
 *
 * @since 0.1.0
 */
export const BrowserStateChange: BrowserStateChangeSchema = openUnion(
  "browser state change",
  "UnknownBrowserStateChange",
  tabOpened,
  downloadStarted,
  downloadCompleted,
  downloadFailed
)
/** @since 0.1.0 */
export type BrowserStateChange = typeof BrowserStateChange.Type

const browserStateBlockFields = {
  type: Schema.Literal("browser_state"),
  tabs: Schema.Array(BrowserTab),
  state_changes: optionalNullable(Schema.Array(BrowserStateChange)),
  cache_control: cacheControl
}

/**
 * The schema type of {@link BrowserStateBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface BrowserStateBlockSchema extends Schema.Struct<typeof browserStateBlockFields> {}

/**
 * The browser's tabs and recent changes, sent by the caller in the tool result of a browser toolset member.
 *
 * @since 0.1.0
 */
export const BrowserStateBlock: BrowserStateBlockSchema = open(browserStateBlockFields).annotations({
  identifier: "BrowserStateBlock"
})
/** @since 0.1.0 */
export type BrowserStateBlock = typeof BrowserStateBlock.Type

/**
 * The schema type of {@link ToolResultContent}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolResultContentSchema
  extends Schema.Union<
    [
      typeof TextBlock,
      typeof ImageBlock,
      typeof DocumentBlock,
      typeof SearchResultBlock,
      typeof ToolReferenceBlock,
      typeof BrowserStateBlock,
      UnknownMember
    ]
  > {}

/**
 * What a tool result may contain besides a plain string: text, image, document, search result, tool reference,
 * browser state, and future block kinds, kept as they came.
 *
 * @since 0.1.0
 */
export const ToolResultContent: ToolResultContentSchema = openUnion(
  "tool result content block",
  "UnknownToolResultContent",
  TextBlock,
  ImageBlock,
  DocumentBlock,
  SearchResultBlock,
  ToolReferenceBlock,
  BrowserStateBlock
)
/** @since 0.1.0 */
export type ToolResultContent = typeof ToolResultContent.Type

const toolResultBlockFields = {
  type: Schema.Literal("tool_result"),
  tool_use_id: Schema.String,
  content: Schema.optional(Schema.Union(Schema.String, Schema.Array(ToolResultContent))),
  is_error: Schema.optional(Schema.Boolean),
  toolset_name: optionalNullable(Schema.String),
  cache_control: cacheControl
}

/**
 * The schema type of {@link ToolResultBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolResultBlockSchema extends Schema.Struct<typeof toolResultBlockFields> {}

/**
 * The caller's answer to a `tool_use` block; `is_error: true` tells the model the call failed.
 *
 * @since 0.1.0
 */
export const ToolResultBlock: ToolResultBlockSchema = open(toolResultBlockFields).annotations({
  identifier: "ToolResultBlock"
})
/** @since 0.1.0 */
export type ToolResultBlock = typeof ToolResultBlock.Type

// =============================================================================
// Thinking
// =============================================================================

const thinkingBlockFields = {
  type: Schema.Literal("thinking"),
  thinking: Schema.String,
  signature: Schema.String
}

/**
 * The schema type of {@link ThinkingBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ThinkingBlockSchema extends Schema.Struct<typeof thinkingBlockFields> {}

/**
 * Extended thinking; the `signature` must be sent back unchanged with the block.
 *
 * @since 0.1.0
 */
export const ThinkingBlock: ThinkingBlockSchema = open(thinkingBlockFields).annotations({ identifier: "ThinkingBlock" })
/** @since 0.1.0 */
export type ThinkingBlock = typeof ThinkingBlock.Type

const redactedThinkingBlockFields = {
  type: Schema.Literal("redacted_thinking"),
  data: Schema.String
}

/**
 * The schema type of {@link RedactedThinkingBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface RedactedThinkingBlockSchema extends Schema.Struct<typeof redactedThinkingBlockFields> {}

/**
 * Thinking the API encrypted; sent back unchanged.
 *
 * @since 0.1.0
 */
export const RedactedThinkingBlock: RedactedThinkingBlockSchema = open(redactedThinkingBlockFields).annotations({
  identifier: "RedactedThinkingBlock"
})
/** @since 0.1.0 */
export type RedactedThinkingBlock = typeof RedactedThinkingBlock.Type

// =============================================================================
// Server tools
// =============================================================================

/**
 * The names of the server tools the API runs itself. {@link ServerToolUseBlock} accepts future names too.
 *
 * @since 0.1.0
 */
export const knownServerToolNames = [
  "web_search",
  "web_fetch",
  "code_execution",
  "bash_code_execution",
  "text_editor_code_execution",
  "tool_search_tool_regex",
  "tool_search_tool_bm25",
  "advisor"
] as const

const serverToolUseBlockFields = {
  type: Schema.Literal("server_tool_use"),
  id: Schema.String,
  name: openLiteral(...knownServerToolNames),
  input: Schema.Unknown,
  caller,
  cache_control: cacheControl
}

/**
 * The schema type of {@link ServerToolUseBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ServerToolUseBlockSchema extends Schema.Struct<typeof serverToolUseBlockFields> {}

/**
 * A tool the API runs itself (web search, web fetch, code execution, ...).
 *
 * @since 0.1.0
 */
export const ServerToolUseBlock: ServerToolUseBlockSchema = open(serverToolUseBlockFields).annotations({
  identifier: "ServerToolUseBlock"
})
/** @since 0.1.0 */
export type ServerToolUseBlock = typeof ServerToolUseBlock.Type

const errorCode = <const Codes extends ReadonlyArray<string>>(...codes: Codes) => openLiteral(...codes)

const webSearchResultFields = {
  type: Schema.Literal("web_search_result"),
  encrypted_content: Schema.String,
  page_age: optionalNullable(Schema.String),
  title: Schema.String,
  url: Schema.String
}

/**
 * The schema type of {@link WebSearchResult}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface WebSearchResultSchema extends Schema.Struct<typeof webSearchResultFields> {}

/**
 * One page found by the web search tool.
 *
 * @since 0.1.0
 */
export const WebSearchResult: WebSearchResultSchema = open(webSearchResultFields).annotations({
  identifier: "WebSearchResult"
})
/** @since 0.1.0 */
export type WebSearchResult = typeof WebSearchResult.Type

const webSearchToolResultErrorFields = {
  type: Schema.Literal("web_search_tool_result_error"),
  error_code: errorCode(
    "invalid_tool_input",
    "unavailable",
    "max_uses_exceeded",
    "too_many_requests",
    "query_too_long",
    "request_too_large"
  )
}

/**
 * The schema type of {@link WebSearchToolResultError}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface WebSearchToolResultErrorSchema extends Schema.Struct<typeof webSearchToolResultErrorFields> {}

/**
 * The web search tool's failure, e.g. `max_uses_exceeded`; future error codes are kept.
 *
 * @since 0.1.0
 */
export const WebSearchToolResultError: WebSearchToolResultErrorSchema = open(
  webSearchToolResultErrorFields
).annotations({ identifier: "WebSearchToolResultError" })
/** @since 0.1.0 */
export type WebSearchToolResultError = typeof WebSearchToolResultError.Type

const webSearchToolResultBlockFields = {
  type: Schema.Literal("web_search_tool_result"),
  tool_use_id: Schema.String,
  content: Schema.Union(
    Schema.Array(openUnion("web search result", "UnknownWebSearchResult", WebSearchResult)),
    openUnion("web search tool result", "UnknownWebSearchToolResultContent", WebSearchToolResultError)
  ),
  caller,
  cache_control: cacheControl
}

/**
 * The schema type of {@link WebSearchToolResultBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface WebSearchToolResultBlockSchema extends Schema.Struct<typeof webSearchToolResultBlockFields> {}

/**
 * The result of a `web_search` server tool call: the pages found, or an error.
 *
 * @since 0.1.0
 */
export const WebSearchToolResultBlock: WebSearchToolResultBlockSchema = open(
  webSearchToolResultBlockFields
).annotations({ identifier: "WebSearchToolResultBlock" })
/** @since 0.1.0 */
export type WebSearchToolResultBlock = typeof WebSearchToolResultBlock.Type

const webFetchToolResultBlockFields = {
  type: Schema.Literal("web_fetch_tool_result"),
  tool_use_id: Schema.String,
  content: openUnion(
    "web fetch tool result",
    "UnknownWebFetchToolResultContent",
    open({
      type: Schema.Literal("web_fetch_tool_result_error"),
      error_code: errorCode(
        "invalid_tool_input",
        "url_too_long",
        "url_not_allowed",
        "url_not_in_prior_context",
        "url_not_accessible",
        "unsupported_content_type",
        "too_many_requests",
        "max_uses_exceeded",
        "unavailable",
        "content_too_large"
      )
    }).annotations({ identifier: "WebFetchToolResultError" }),
    open({
      type: Schema.Literal("web_fetch_result"),
      url: Schema.String,
      content: DocumentBlock,
      retrieved_at: optionalNullable(Schema.String)
    }).annotations({ identifier: "WebFetchResult" })
  ),
  caller,
  cache_control: cacheControl
}

/**
 * The schema type of {@link WebFetchToolResultBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface WebFetchToolResultBlockSchema extends Schema.Struct<typeof webFetchToolResultBlockFields> {}

/**
 * The result of a `web_fetch` server tool call: the page as a document, or an error.
 *
 * @since 0.1.0
 */
export const WebFetchToolResultBlock: WebFetchToolResultBlockSchema = open(webFetchToolResultBlockFields).annotations({
  identifier: "WebFetchToolResultBlock"
})
/** @since 0.1.0 */
export type WebFetchToolResultBlock = typeof WebFetchToolResultBlock.Type

const executionErrors = ["invalid_tool_input", "unavailable", "too_many_requests", "execution_time_exceeded"] as const

const outputFiles = (type: string, identifier: string) =>
  Schema.Array(
    openUnion(
      `${identifier} output`,
      `Unknown${identifier}Output`,
      open({ type: Schema.Literal(type), file_id: Schema.String })
    )
  )

const codeExecutionToolResultBlockFields = {
  type: Schema.Literal("code_execution_tool_result"),
  tool_use_id: Schema.String,
  content: openUnion(
    "code execution tool result",
    "UnknownCodeExecutionToolResultContent",
    open({
      type: Schema.Literal("code_execution_tool_result_error"),
      error_code: errorCode(...executionErrors)
    }).annotations({ identifier: "CodeExecutionToolResultError" }),
    open({
      type: Schema.Literal("code_execution_result"),
      content: outputFiles("code_execution_output", "CodeExecution"),
      return_code: Schema.Number,
      stderr: Schema.String,
      stdout: Schema.String
    }).annotations({ identifier: "CodeExecutionResult" }),
    open({
      type: Schema.Literal("encrypted_code_execution_result"),
      content: outputFiles("code_execution_output", "CodeExecution"),
      encrypted_stdout: Schema.String,
      return_code: Schema.Number,
      stderr: Schema.String
    }).annotations({ identifier: "EncryptedCodeExecutionResult" })
  ),
  cache_control: cacheControl
}

/**
 * The schema type of {@link CodeExecutionToolResultBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CodeExecutionToolResultBlockSchema extends Schema.Struct<typeof codeExecutionToolResultBlockFields> {}

/**
 * The result of a `code_execution` server tool call: its output, its encrypted output, or an error.
 *
 * @since 0.1.0
 */
export const CodeExecutionToolResultBlock: CodeExecutionToolResultBlockSchema = open(
  codeExecutionToolResultBlockFields
).annotations({ identifier: "CodeExecutionToolResultBlock" })
/** @since 0.1.0 */
export type CodeExecutionToolResultBlock = typeof CodeExecutionToolResultBlock.Type

const bashCodeExecutionToolResultBlockFields = {
  type: Schema.Literal("bash_code_execution_tool_result"),
  tool_use_id: Schema.String,
  content: openUnion(
    "bash code execution tool result",
    "UnknownBashCodeExecutionToolResultContent",
    open({
      type: Schema.Literal("bash_code_execution_tool_result_error"),
      error_code: errorCode(...executionErrors, "output_file_too_large")
    }).annotations({ identifier: "BashCodeExecutionToolResultError" }),
    open({
      type: Schema.Literal("bash_code_execution_result"),
      content: outputFiles("bash_code_execution_output", "BashCodeExecution"),
      return_code: Schema.Number,
      stderr: Schema.String,
      stdout: Schema.String
    }).annotations({ identifier: "BashCodeExecutionResult" })
  ),
  cache_control: cacheControl
}

/**
 * The schema type of {@link BashCodeExecutionToolResultBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface BashCodeExecutionToolResultBlockSchema
  extends Schema.Struct<typeof bashCodeExecutionToolResultBlockFields> {}

/**
 * The result of a `bash_code_execution` server tool call: its output or an error.
 *
 * @since 0.1.0
 */
export const BashCodeExecutionToolResultBlock: BashCodeExecutionToolResultBlockSchema = open(
  bashCodeExecutionToolResultBlockFields
).annotations({ identifier: "BashCodeExecutionToolResultBlock" })
/** @since 0.1.0 */
export type BashCodeExecutionToolResultBlock = typeof BashCodeExecutionToolResultBlock.Type

const textEditorCodeExecutionToolResultBlockFields = {
  type: Schema.Literal("text_editor_code_execution_tool_result"),
  tool_use_id: Schema.String,
  content: openUnion(
    "text editor code execution tool result",
    "UnknownTextEditorCodeExecutionToolResultContent",
    open({
      type: Schema.Literal("text_editor_code_execution_tool_result_error"),
      error_code: errorCode(...executionErrors, "file_not_found"),
      error_message: optionalNullable(Schema.String)
    }).annotations({ identifier: "TextEditorCodeExecutionToolResultError" }),
    open({
      type: Schema.Literal("text_editor_code_execution_view_result"),
      content: Schema.String,
      file_type: openLiteral("text", "image", "pdf"),
      num_lines: optionalNullable(Schema.Number),
      start_line: optionalNullable(Schema.Number),
      total_lines: optionalNullable(Schema.Number)
    }).annotations({ identifier: "TextEditorCodeExecutionViewResult" }),
    open({
      type: Schema.Literal("text_editor_code_execution_create_result"),
      is_file_update: Schema.Boolean
    }).annotations({ identifier: "TextEditorCodeExecutionCreateResult" }),
    open({
      type: Schema.Literal("text_editor_code_execution_str_replace_result"),
      lines: optionalNullable(Schema.Array(Schema.String)),
      new_lines: optionalNullable(Schema.Number),
      new_start: optionalNullable(Schema.Number),
      old_lines: optionalNullable(Schema.Number),
      old_start: optionalNullable(Schema.Number)
    }).annotations({ identifier: "TextEditorCodeExecutionStrReplaceResult" })
  ),
  cache_control: cacheControl
}

/**
 * The schema type of {@link TextEditorCodeExecutionToolResultBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface TextEditorCodeExecutionToolResultBlockSchema
  extends Schema.Struct<typeof textEditorCodeExecutionToolResultBlockFields> {}

/**
 * The result of a `text_editor_code_execution` server tool call: a file viewed, created or edited, or an error.
 *
 * @since 0.1.0
 */
export const TextEditorCodeExecutionToolResultBlock: TextEditorCodeExecutionToolResultBlockSchema = open(
  textEditorCodeExecutionToolResultBlockFields
).annotations({ identifier: "TextEditorCodeExecutionToolResultBlock" })
/** @since 0.1.0 */
export type TextEditorCodeExecutionToolResultBlock = typeof TextEditorCodeExecutionToolResultBlock.Type

const toolSearchToolResultBlockFields = {
  type: Schema.Literal("tool_search_tool_result"),
  tool_use_id: Schema.String,
  content: openUnion(
    "tool search tool result",
    "UnknownToolSearchToolResultContent",
    open({
      type: Schema.Literal("tool_search_tool_result_error"),
      error_code: errorCode(...executionErrors),
      error_message: optionalNullable(Schema.String)
    }).annotations({ identifier: "ToolSearchToolResultError" }),
    open({
      type: Schema.Literal("tool_search_tool_search_result"),
      tool_references: Schema.Array(openUnion("tool reference", "UnknownToolReference", ToolReferenceBlock))
    }).annotations({ identifier: "ToolSearchToolSearchResult" })
  ),
  cache_control: cacheControl
}

/**
 * The schema type of {@link ToolSearchToolResultBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolSearchToolResultBlockSchema extends Schema.Struct<typeof toolSearchToolResultBlockFields> {}

/**
 * The result of a tool search server tool call: references to the tools found, or an error.
 *
 * @since 0.1.0
 */
export const ToolSearchToolResultBlock: ToolSearchToolResultBlockSchema = open(
  toolSearchToolResultBlockFields
).annotations({ identifier: "ToolSearchToolResultBlock" })
/** @since 0.1.0 */
export type ToolSearchToolResultBlock = typeof ToolSearchToolResultBlock.Type

const advisorToolResultBlockFields = {
  type: Schema.Literal("advisor_tool_result"),
  tool_use_id: Schema.String,
  content: openUnion(
    "advisor tool result",
    "UnknownAdvisorToolResultContent",
    open({
      type: Schema.Literal("advisor_tool_result_error"),
      error_code: errorCode(
        "max_uses_exceeded",
        "prompt_too_long",
        "too_many_requests",
        "overloaded",
        "unavailable",
        "execution_time_exceeded",
        "model_not_found"
      )
    }).annotations({ identifier: "AdvisorToolResultError" }),
    open({
      type: Schema.Literal("advisor_result"),
      text: Schema.String,
      stop_reason: optionalNullable(Schema.String)
    }).annotations({ identifier: "AdvisorResult" }),
    open({
      type: Schema.Literal("advisor_redacted_result"),
      encrypted_content: Schema.String,
      stop_reason: optionalNullable(Schema.String)
    }).annotations({ identifier: "AdvisorRedactedResult" })
  ),
  cache_control: cacheControl
}

/**
 * The schema type of {@link AdvisorToolResultBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface AdvisorToolResultBlockSchema extends Schema.Struct<typeof advisorToolResultBlockFields> {}

/**
 * Beta: the result of an `advisor` server tool call: the advice, the advice encrypted, or an error.
 *
 * @since 0.1.0
 */
export const AdvisorToolResultBlock: AdvisorToolResultBlockSchema = open(advisorToolResultBlockFields).annotations({
  identifier: "AdvisorToolResultBlock"
})
/** @since 0.1.0 */
export type AdvisorToolResultBlock = typeof AdvisorToolResultBlock.Type

const mcpToolUseBlockFields = {
  type: Schema.Literal("mcp_tool_use"),
  id: Schema.String,
  name: Schema.String,
  server_name: Schema.String,
  input: Schema.Unknown,
  cache_control: cacheControl
}

/**
 * The schema type of {@link McpToolUseBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface McpToolUseBlockSchema extends Schema.Struct<typeof mcpToolUseBlockFields> {}

/**
 * Beta: an MCP connector tool call made by the API.
 *
 * @since 0.1.0
 */
export const McpToolUseBlock: McpToolUseBlockSchema = open(mcpToolUseBlockFields).annotations({
  identifier: "McpToolUseBlock"
})
/** @since 0.1.0 */
export type McpToolUseBlock = typeof McpToolUseBlock.Type

const mcpToolResultBlockFields = {
  type: Schema.Literal("mcp_tool_result"),
  tool_use_id: Schema.String,
  content: Schema.optional(
    Schema.Union(
      Schema.String,
      Schema.Array(openUnion("mcp tool result content", "UnknownMcpToolResultContent", TextBlock))
    )
  ),
  is_error: Schema.optional(Schema.Boolean),
  cache_control: cacheControl
}

/**
 * The schema type of {@link McpToolResultBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface McpToolResultBlockSchema extends Schema.Struct<typeof mcpToolResultBlockFields> {}

/**
 * Beta: the MCP server's answer to an `mcp_tool_use` block.
 *
 * @since 0.1.0
 */
export const McpToolResultBlock: McpToolResultBlockSchema = open(mcpToolResultBlockFields).annotations({
  identifier: "McpToolResultBlock"
})
/** @since 0.1.0 */
export type McpToolResultBlock = typeof McpToolResultBlock.Type

const mcpToolListingBlockFields = {
  type: Schema.Literal("mcp_tool_listing"),
  mcp_server_name: Schema.String,
  tools: Schema.Array(McpTool)
}

/**
 * The schema type of {@link McpToolListingBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface McpToolListingBlockSchema extends Schema.Struct<typeof mcpToolListingBlockFields> {}

/**
 * Beta: the tools an MCP server offers, as the API listed them.
 *
 * @since 0.1.0
 */
export const McpToolListingBlock: McpToolListingBlockSchema = open(mcpToolListingBlockFields).annotations({
  identifier: "McpToolListingBlock"
})
/** @since 0.1.0 */
export type McpToolListingBlock = typeof McpToolListingBlock.Type

const containerUploadBlockFields = {
  type: Schema.Literal("container_upload"),
  file_id: Schema.String,
  cache_control: cacheControl
}

/**
 * The schema type of {@link ContainerUploadBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContainerUploadBlockSchema extends Schema.Struct<typeof containerUploadBlockFields> {}

/**
 * A file made available to the code-execution container.
 *
 * @since 0.1.0
 */
export const ContainerUploadBlock: ContainerUploadBlockSchema = open(containerUploadBlockFields).annotations({
  identifier: "ContainerUploadBlock"
})
/** @since 0.1.0 */
export type ContainerUploadBlock = typeof ContainerUploadBlock.Type

// =============================================================================
// Beta: tool changes, compaction, fallback
// =============================================================================

const toolReference = open({ type: Schema.Literal("tool_reference"), name: Schema.String }).annotations({
  identifier: "ToolChangeToolReference"
})
const mcpToolReference = open({
  type: Schema.Literal("mcp_tool_reference"),
  name: Schema.String,
  server_name: Schema.String
}).annotations({ identifier: "ToolChangeMcpToolReference" })
const mcpToolsetReference = open({
  type: Schema.Literal("mcp_toolset_reference"),
  server_name: Schema.String
}).annotations({ identifier: "ToolChangeMcpToolsetReference" })

const toolAdditionBlockFields = {
  type: Schema.Literal("tool_addition"),
  tool: openUnion(
    "tool change",
    "UnknownToolChange",
    toolReference,
    mcpToolReference,
    mcpToolsetReference,
    open({ type: Schema.Literal("tool_definition"), definition: ToolDefinition }).annotations({
      identifier: "ToolChangeToolDefinition"
    })
  ),
  cache_control: cacheControl
}

/**
 * The schema type of {@link ToolAdditionBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolAdditionBlockSchema extends Schema.Struct<typeof toolAdditionBlockFields> {}

/**
 * Beta: a tool made available from this point of the conversation on: a tool named, an MCP tool or toolset, or a
 * whole definition.
 *
 * @since 0.1.0
 */
export const ToolAdditionBlock: ToolAdditionBlockSchema = open(toolAdditionBlockFields).annotations({
  identifier: "ToolAdditionBlock"
})
/** @since 0.1.0 */
export type ToolAdditionBlock = typeof ToolAdditionBlock.Type

const toolRemovalBlockFields = {
  type: Schema.Literal("tool_removal"),
  tool: openUnion("tool change", "UnknownToolChange", toolReference, mcpToolReference, mcpToolsetReference),
  cache_control: cacheControl
}

/**
 * The schema type of {@link ToolRemovalBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolRemovalBlockSchema extends Schema.Struct<typeof toolRemovalBlockFields> {}

/**
 * Beta: a tool withdrawn from this point of the conversation on.
 *
 * @since 0.1.0
 */
export const ToolRemovalBlock: ToolRemovalBlockSchema = open(toolRemovalBlockFields).annotations({
  identifier: "ToolRemovalBlock"
})
/** @since 0.1.0 */
export type ToolRemovalBlock = typeof ToolRemovalBlock.Type

const compactionBlockFields = {
  type: Schema.Literal("compaction"),
  content: optionalNullable(Schema.String),
  encrypted_content: optionalNullable(Schema.String),
  signature: optionalNullable(Schema.String),
  tool_changes: optionalNullable(
    Schema.Array(openUnion("tool change block", "UnknownToolChangeBlock", ToolAdditionBlock, ToolRemovalBlock))
  ),
  cache_control: cacheControl
}

/**
 * The schema type of {@link CompactionBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CompactionBlockSchema extends Schema.Struct<typeof compactionBlockFields> {}

/**
 * Beta: a summary of the conversation so far, made by the API's compaction; sent back, it replaces the turns before
 * it. `content` is `null` when compaction failed.
 *
 * @since 0.1.0
 */
export const CompactionBlock: CompactionBlockSchema = open(compactionBlockFields).annotations({
  identifier: "CompactionBlock"
})
/** @since 0.1.0 */
export type CompactionBlock = typeof CompactionBlock.Type

const fallbackModelFields = { model: Schema.String }

/**
 * The schema type of {@link FallbackModel}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface FallbackModelSchema extends Schema.Struct<typeof fallbackModelFields> {}

/**
 * A model named in a fallback.
 *
 * @since 0.1.0
 */
export const FallbackModel: FallbackModelSchema = open(fallbackModelFields).annotations({ identifier: "FallbackModel" })
/** @since 0.1.0 */
export type FallbackModel = typeof FallbackModel.Type

const fallbackRefusalTrigger = open({
  type: Schema.Literal("refusal"),
  category: optionalNullable(openLiteral("cyber", "bio", "frontier_llm", "reasoning_extraction", "general_harms"))
}).annotations({ identifier: "FallbackRefusalTrigger" })

/**
 * The schema type of {@link FallbackTrigger}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface FallbackTriggerSchema extends Schema.Union<[typeof fallbackRefusalTrigger, UnknownMember]> {}

/**
 * Why the API fell back to another model: a refusal (with its category); future triggers are kept.
 *
 * @since 0.1.0
 */
export const FallbackTrigger: FallbackTriggerSchema = openUnion(
  "fallback trigger",
  "UnknownFallbackTrigger",
  fallbackRefusalTrigger
)
/** @since 0.1.0 */
export type FallbackTrigger = typeof FallbackTrigger.Type

const fallbackBlockFields = {
  type: Schema.Literal("fallback"),
  from: FallbackModel,
  to: FallbackModel,
  trigger: optionalNullable(FallbackTrigger)
}

/**
 * The schema type of {@link FallbackBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface FallbackBlockSchema extends Schema.Struct<typeof fallbackBlockFields> {}

/**
 * Beta: the response switched models here, `from` one `to` another; `to.model` served the rest.
 *
 * @since 0.1.0
 */
export const FallbackBlock: FallbackBlockSchema = open(fallbackBlockFields).annotations({ identifier: "FallbackBlock" })
/** @since 0.1.0 */
export type FallbackBlock = typeof FallbackBlock.Type

// =============================================================================
// Any block
// =============================================================================

/**
 * The schema type of {@link KnownBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface KnownBlockSchema
  extends Schema.Union<
    [
      typeof TextBlock,
      typeof ImageBlock,
      typeof DocumentBlock,
      typeof SearchResultBlock,
      typeof ToolUseBlock,
      typeof ToolResultBlock,
      typeof ThinkingBlock,
      typeof RedactedThinkingBlock,
      typeof ServerToolUseBlock,
      typeof WebSearchToolResultBlock,
      typeof WebFetchToolResultBlock,
      typeof CodeExecutionToolResultBlock,
      typeof BashCodeExecutionToolResultBlock,
      typeof TextEditorCodeExecutionToolResultBlock,
      typeof ToolSearchToolResultBlock,
      typeof AdvisorToolResultBlock,
      typeof McpToolUseBlock,
      typeof McpToolResultBlock,
      typeof McpToolListingBlock,
      typeof ContainerUploadBlock,
      typeof ToolAdditionBlock,
      typeof ToolRemovalBlock,
      typeof CompactionBlock,
      typeof FallbackBlock
    ]
  > {}

/**
 * Every known content block, GA and beta, request and response side, without the unknown fallback.
 *
 * @since 0.1.0
 */
export const KnownBlock: KnownBlockSchema = Schema.Union(
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
  WebFetchToolResultBlock,
  CodeExecutionToolResultBlock,
  BashCodeExecutionToolResultBlock,
  TextEditorCodeExecutionToolResultBlock,
  ToolSearchToolResultBlock,
  AdvisorToolResultBlock,
  McpToolUseBlock,
  McpToolResultBlock,
  McpToolListingBlock,
  ContainerUploadBlock,
  ToolAdditionBlock,
  ToolRemovalBlock,
  CompactionBlock,
  FallbackBlock
)
/** @since 0.1.0 */
export type KnownBlock = typeof KnownBlock.Type

/**
 * Every block `type` this library knows.
 *
 * @since 0.1.0
 */
export const knownBlockTypes: ReadonlyArray<KnownBlock["type"]> = typesOf(KnownBlock) as ReadonlyArray<
  KnownBlock["type"]
>

/**
 * The result blocks the API writes for its own tool calls (`server_tool_use`, and `mcp_tool_use` for
 * `mcp_tool_result`): each answers the call whose id is its `tool_use_id`.
 *
 * @since 0.1.0
 */
export const serverToolResultTypes = [
  "web_search_tool_result",
  "web_fetch_tool_result",
  "code_execution_tool_result",
  "bash_code_execution_tool_result",
  "text_editor_code_execution_tool_result",
  "tool_search_tool_result",
  "advisor_tool_result",
  "mcp_tool_result"
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
 * The schema type of {@link ContentBlock}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContentBlockSchema extends Schema.Union<[typeof KnownBlock, typeof UnknownBlock]> {}

/**
 * Any content block, request or response side, including future ones ({@link UnknownBlock}).
 * Narrow with {@link is}: TypeScript cannot narrow a union on `type` when one member's `type` is `string`.
 *
 * @since 0.1.0
 */
export const ContentBlock: ContentBlockSchema = Schema.Union(KnownBlock, UnknownBlock).annotations({
  identifier: "ContentBlock"
})
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

const knownTypeSet: ReadonlySet<string> = new Set(knownBlockTypes)

/**
 * Whether a block is of a type this library does not know.
 *
 * @since 0.1.0
 */
export const isUnknown = (block: ContentBlock): block is UnknownBlock => !knownTypeSet.has(block.type)

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
