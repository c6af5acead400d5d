/**
 * An ESTIMATE of a request's input tokens, and a check against the model's context window, made locally without a
 * network call. The estimate is a heuristic, not the tokenizer: use it to stay clear of limits, and use the
 * transport's `count_tokens` call when the exact number matters.
 *
 * How it estimates:
 *
 * - Text: ASCII characters at 3.5 characters per token, other characters below U+2E80 (Latin accents, Cyrillic,
 *   Greek, Arabic, ...) at 2 per token, and CJK, emoji and the rest at 1 token each (see {@link estimateText}).
 * - Images, by the documented formula `tokens = (width * height) / 750`, after the API's downscaling to at most
 *   1568 px on the long edge and about 1,600 tokens. Base64 PNG, JPEG, GIF and WebP dimensions are read from the
 *   header bytes; when they cannot be (URL or file sources, unusual files) the maximum, 1,600, is assumed.
 * - PDFs: {@link pdfPageTokens} per page, pages counted from the `/Type /Page` markers of a base64 PDF (or 1 page per
 *   {@link pdfBytesPerPage} bytes when the markers are compressed); URL and file documents count as one page.
 * - Tool definitions by the size of their JSON, plus the tool-use system prompt the API adds when `tools` are sent
 *   ({@link toolSystemPromptTokens}).
 * - Every other block by the size of its JSON, plus {@link messageOverhead} tokens per message.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Content from "./Content.js"
import * as ImageHeader from "./internal/imageHeader.js"
import * as JsonText from "./internal/jsonText.js"
import type * as Message from "./Message.js"
import type * as Request from "./Request.js"

// =============================================================================
// Constants
// =============================================================================

/**
 * Tokens assumed per message for the role and turn delimiters.
 *
 * @since 0.1.0
 * @category constants
 */
export const messageOverhead = 4

/**
 * Tokens of the system prompt the API adds when a request has tools (the documented figure for `auto`/`none` tool
 * choice on current models).
 *
 * @since 0.1.0
 * @category constants
 */
export const toolSystemPromptTokens = 346

/**
 * The most an image costs: the API downscales larger images to about this size.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxImageTokens = 1600

/**
 * Tokens assumed per PDF page (its text plus the page image).
 *
 * @since 0.1.0
 * @category constants
 */
export const pdfPageTokens = 2000

/**
 * Bytes assumed per PDF page when the page count cannot be read.
 *
 * @since 0.1.0
 * @category constants
 */
export const pdfBytesPerPage = 50_000

// =============================================================================
// Text
// =============================================================================

/**
 * The estimated tokens of a text: ASCII at 3.5 characters per token, other code points below U+2E80 at 2 per
 * token, CJK and everything above (emoji included) at 1 token each; rounded up.
 *
 * @since 0.1.0
 * @category estimates
 */
export const estimateText = (text: string): number => {
  let ascii = 0
  let alphabetic = 0
  let other = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) ascii++
    else if (code < 0x2e80) alphabetic++
    else if (code >= 0xdc00 && code <= 0xdfff)
      continue // the second half of a surrogate pair: counted with the first
    else other++
  }
  return Math.ceil(ascii / 3.5 + alphabetic / 2 + other)
}

const estimateJson = (value: unknown): number => estimateText(JsonText.of(value))

// =============================================================================
// Images
// =============================================================================

/**
 * The width and height of a PNG, GIF, JPEG or WebP image from its first bytes, if they can be read.
 *
 * @since 0.1.0
 * @category estimates
 */
export const imageSize = (bytes: Uint8Array): Option.Option<{ readonly width: number; readonly height: number }> => {
  const image = ImageHeader.read(ImageHeader.fromBytes(bytes))
  return image === undefined || image.dimensions.width <= 0 || image.dimensions.height <= 0
    ? Option.none()
    : Option.some(image.dimensions)
}

/**
 * The estimated tokens of an image of the given size: `(width * height) / 750` after downscaling to 1568 px on the
 * long edge, at most {@link maxImageTokens}.
 *
 * @since 0.1.0
 * @category estimates
 */
export const estimateImageSize = (width: number, height: number): number => {
  const scale = Math.min(1, 1568 / Math.max(width, height))
  return Math.min(maxImageTokens, Math.ceil((width * scale * (height * scale)) / 750))
}

const estimateImage = (block: Content.ImageBlock): number => {
  if (block.source.type !== "base64") return maxImageTokens
  const data = (block.source as Content.Base64ImageSource).data
  if (!ImageHeader.isBase64(data)) return maxImageTokens
  const image = ImageHeader.read(ImageHeader.fromBase64(data))
  return image === undefined || image.dimensions.width <= 0 || image.dimensions.height <= 0
    ? maxImageTokens
    : estimateImageSize(image.dimensions.width, image.dimensions.height)
}

// =============================================================================
// Documents
// =============================================================================

const estimatePdf = (base64: string): number => {
  const bytes = Encoding.decodeBase64(base64)
  if (bytes._tag === "Left") return pdfPageTokens
  let text = ""
  const chunk = 0x8000
  for (let i = 0; i < bytes.right.length; i += chunk) {
    text += String.fromCharCode(...bytes.right.subarray(i, i + chunk))
  }
  const markers = text.match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0
  const pages = markers > 0 ? markers : Math.max(1, Math.ceil(bytes.right.length / pdfBytesPerPage))
  return pages * pdfPageTokens
}

const estimateDocument = (block: Content.DocumentBlock): number => {
  const source = block.source
  const meta = estimateText(block.title ?? "") + estimateText(block.context ?? "")
  switch (source.type) {
    case "text":
      return meta + estimateText((source as Content.PlainTextSource).data)
    case "base64":
      return meta + estimatePdf((source as Content.Base64PdfSource).data)
    case "content": {
      const content = (source as Content.ContentSource).content
      return (
        meta +
        (typeof content === "string"
          ? estimateText(content)
          : content.reduce((sum, part) => sum + estimateBlock(part), 0))
      )
    }
    default:
      return meta + pdfPageTokens
  }
}

// =============================================================================
// Blocks, messages, requests
// =============================================================================

/**
 * The estimated tokens of one content block.
 *
 * @since 0.1.0
 * @category estimates
 */
export const estimateBlock = (block: Content.ContentBlock): number => {
  switch (block.type) {
    case "text":
      return estimateText((block as Content.TextBlock).text)
    case "image":
      return estimateImage(block as Content.ImageBlock)
    case "document":
      return estimateDocument(block as Content.DocumentBlock)
    case "thinking":
      return estimateText((block as Content.ThinkingBlock).thinking)
    case "tool_use": {
      const call = block as Content.ToolUseBlock
      return estimateText(call.name) + estimateJson(call.input)
    }
    case "tool_result": {
      const content = (block as Content.ToolResultBlock).content
      if (content === undefined) return 1
      return typeof content === "string"
        ? estimateText(content)
        : content.reduce((sum, part) => sum + estimateBlock(part), 0)
    }
    default:
      return estimateJson(block)
  }
}

/**
 * The estimated tokens of one message (its blocks and the per-message overhead; a content-less system message is
 * the overhead alone).
 *
 * @since 0.2.0
 * @category estimates
 */
export const estimateMessage = (message: Message.RequestMessage): number =>
  messageOverhead +
  (typeof message.content === "string"
    ? estimateText(message.content)
    : message.content === undefined
      ? 0
      : message.content.reduce((sum, block) => sum + estimateBlock(block), 0))

/**
 * The estimated tokens of messages.
 *
 * @since 0.2.0
 * @category estimates
 */
export const estimateMessages = (messages: ReadonlyArray<Message.RequestMessage>): number => {
  let total = 0
  for (const message of messages) total += estimateMessage(message)
  return total
}

/**
 * The estimated input tokens of a request: system prompt, messages, and tool definitions. An estimate (see the
 * module documentation); the exact count is the transport's `count_tokens` call.
 *
 * @since 0.1.0
 * @category estimates
 */
export const estimateRequest = (request: Request.MessagesRequest | Request.CountTokensRequest): number => {
  let total = 0
  const system = request.system
  if (system !== undefined) {
    total +=
      typeof system === "string"
        ? estimateText(system)
        : system.reduce((sum, block) => sum + estimateText(block.text), 0)
  }
  for (const message of request.messages) total += estimateMessage(message)
  const tools = request.tools ?? []
  if (tools.length > 0) {
    total += toolSystemPromptTokens + tools.reduce((sum, tool) => sum + estimateJson(tool), 0)
  }
  return total
}

// =============================================================================
// Context windows
// =============================================================================

/**
 * A registry of context windows: model-name prefixes and their window in tokens. The longest matching prefix wins.
 *
 * @since 0.1.0
 * @category models
 */
export type Registry = ReadonlyMap<string, number>

/**
 * The models this library knows, by prefix, all with 200K-token windows (the seeds' table). Add to it with
 * {@link register}.
 *
 * @since 0.1.0
 * @category models
 */
export const models: Registry = new Map([
  ["claude-opus-4", 200_000],
  ["claude-sonnet-4", 200_000],
  ["claude-haiku-4", 200_000],
  ["claude-3-7-sonnet", 200_000],
  ["claude-3-5-sonnet", 200_000],
  ["claude-3-5-haiku", 200_000],
  ["claude-3.7-sonnet", 200_000],
  ["claude-3.5-sonnet", 200_000],
  ["claude-3.5-haiku", 200_000],
  ["claude-3-opus", 200_000],
  ["claude-3-sonnet", 200_000],
  ["claude-3-haiku", 200_000]
])

/**
 * A registry with more (or overridden) entries: `Tokens.register(Tokens.models, { "my-model": 32_000 })`.
 *
 * @since 0.1.0
 * @category models
 */
export const register = (registry: Registry, entries: Readonly<Record<string, number>>): Registry =>
  new Map([...registry, ...Object.entries(entries)])

/**
 * The context window of a model, by the longest prefix of its name in the registry.
 *
 * @since 0.1.0
 * @category models
 */
export const contextWindow = (model: string, registry: Registry = models): Option.Option<number> => {
  let best: [string, number] | undefined
  for (const entry of registry) {
    if (model.startsWith(entry[0]) && (best === undefined || entry[0].length > best[0].length)) best = entry
  }
  return best === undefined ? Option.none() : Option.some(best[1])
}

/**
 * The estimated input plus `max_tokens` does not fit the model's context window.
 *
 * @since 0.1.0
 * @category errors
 */
export class ContextWindowExceeded extends Schema.TaggedError<ContextWindowExceeded>()("ContextWindowExceeded", {
  model: Schema.String,
  estimated: Schema.Number,
  window: Schema.Number,
  maxTokens: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    const output = this.maxTokens === undefined ? "" : ` + max_tokens ${this.maxTokens}`
    return (
      `The request's estimated ${this.estimated} input tokens${output} exceed the ${this.window}-token context ` +
      `window of ${this.model}. Shorten the conversation or lower max_tokens.`
    )
  }
}

/**
 * Succeeds with the estimated input tokens when they, plus `max_tokens` for a messages request, fit the model's
 * context window; fails with {@link ContextWindowExceeded} otherwise. A model missing from the registry is not
 * checked.
 *
 * @since 0.1.0
 * @category estimates
 */
export const checkContextWindow = (
  request: Request.MessagesRequest | Request.CountTokensRequest,
  registry: Registry = models
): Effect.Effect<number, ContextWindowExceeded> =>
  Effect.suspend(() => {
    const estimated = estimateRequest(request)
    const window = contextWindow(request.model, registry)
    if (Option.isNone(window)) return Effect.succeed(estimated)
    const maxTokens = "max_tokens" in request ? request.max_tokens : undefined
    return estimated + (maxTokens ?? 0) > window.value
      ? Effect.fail(
          new ContextWindowExceeded({
            model: request.model,
            estimated,
            window: window.value,
            ...(maxTokens === undefined ? {} : { maxTokens })
          })
        )
      : Effect.succeed(estimated)
  })
