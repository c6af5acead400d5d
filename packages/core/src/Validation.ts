/**
 * What the Messages API would reject with a 400, checked before anything is sent, with a typed error naming the
 * rule, the turn and the block.
 *
 * The checks are pure functions: {@link checkTurn} checks one turn against the turn before it (what
 * `Conversation` runs on every append, so appending never re-checks the history), {@link validateMessages} checks a
 * whole `messages` array (adding the rules that span turns) and {@link validateRequest} a whole request: its
 * messages, its tools, tool choice, thinking and sampling settings, cache breakpoints, images, documents and size,
 * and the rules of an API version.
 *
 * A rule is checked only where the API's behaviour is known; where it is not (a model this library has no evidence
 * about, a setting whose limit is not documented), nothing is flagged: a false rejection is worse than a miss, which
 * the API then reports itself.
 *
 * @since 0.1.0
 */

import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as ApiVersions from "./ApiVersion.js"
import type * as Content from "./Content.js"
import * as ImageHeader from "./internal/imageHeader.js"
import * as JsonText from "./internal/jsonText.js"
import type * as Message from "./Message.js"
import * as ModelError from "./ModelError.js"
import * as Request from "./Request.js"

// =============================================================================
// Models
// =============================================================================

/**
 * The `anthropic-version` values this library knows. Version-specific rules are checked only when a version is
 * given; `2026-10-21` rejects `temperature`, `top_p` and `top_k`, `document` blocks in assistant turns and non-empty
 * `citations` on user text blocks, which `2023-06-01` allows.
 *
 * @since 0.1.0
 * @category models
 */
export const ApiVersion = ApiVersions.ApiVersion
/** @since 0.1.0 */
export type ApiVersion = typeof ApiVersion.Type

/**
 * The rules a request can break. Checked on every turn (by {@link checkTurn}, {@link checkAppend} and so by
 * `Conversation`):
 *
 * - `FirstTurnNotUser`: the first turn is not from the user (leading `role: "system"` messages do not count).
 * - `ConsecutiveUserTurns`: a user turn follows a user turn and merging was not chosen.
 * - `EmptyContent`: a user turn, or an assistant turn that is not the last, has no content or a blank text block; or a
 *   text block inside a `tool_result`'s content, or in `system`, is blank.
 * - `ToolResultWithoutToolUse`: a `tool_result` answers no `tool_use` of the previous assistant turn.
 * - `UnansweredToolUse`: a `tool_use` has no `tool_result` in the next (user) turn.
 * - `ToolResultNotFirst`: a `tool_result` comes after other content in its turn.
 * - `AssistantBlockInUserTurn`: a `tool_use`, `thinking` or `redacted_thinking` block in a user turn.
 * - `ThinkingWithoutSignature`: a `thinking` block sent back without its `signature`.
 * - `PrefillTrailingWhitespace`: the final assistant turn (a prefill) ends with whitespace.
 * - `DocumentInAssistantTurn`: a `document` block in an assistant turn, rejected by the API version.
 * - `CitationsOnUserText`: non-empty `citations` on a user text block, rejected by the API version.
 *
 * Checked on a whole `messages` array ({@link validateMessages}):
 *
 * - `EmptyMessages`: `messages` is empty, or holds only `system` messages.
 * - `TooManyMessages`: more than 100,000 messages.
 * - `DuplicateToolUseId`: two `tool_use` blocks of the request share an id.
 * - `ServerToolResultWithoutServerToolUse`: a server tool's result block (`web_search_tool_result`, ...) answers no
 *   `server_tool_use` (or `mcp_tool_use`) of its assistant turn.
 *
 * Checked on a whole request ({@link validateRequest}):
 *
 * - `PrefillNotSupported`: a prefill sent to a model known to reject prefills ({@link prefillUnsupportedModels}).
 * - `UnsupportedParameter`: a request parameter the API version rejects (`temperature`, `top_p`, `top_k`).
 * - `InvalidThinkingBudget`: `thinking.budget_tokens` under 1024, or not under `max_tokens`.
 * - `SamplingWithThinking`: with thinking on, `temperature` other than 1, `top_k` set, or `top_p` under 0.95.
 * - `ForcedToolUseWithThinking`: `tool_choice` `any` or `tool` with `thinking: { type: "enabled" }`.
 * - `MissingThinking`: with `thinking: { type: "enabled" }`, the final assistant turn (a prefill, or the turn that
 *   tool results continue) does not start with a `thinking` or `redacted_thinking` block.
 * - `InvalidToolName`: a custom tool's name is not `^[a-zA-Z0-9_-]{1,128}$` (`Request.toolNamePattern`).
 * - `DuplicateToolName`: two tools share a name.
 * - `UndefinedToolChoice`: `tool_choice` names a tool that `tools` does not define.
 * - `TooManyCacheBreakpoints`: more than 4 blocks with `cache_control`, the request's top-level one included.
 * - `CacheTtlOrder`: a `ttl: "1h"` breakpoint after a `5m` one, in the order tools, system, messages.
 * - `ImageMediaTypeMismatch`: a base64 image's bytes are a JPEG, PNG, GIF or WebP other than its `media_type`.
 * - `ImageTooLarge`: a base64 image over 5 MB decoded.
 * - `ImageDimensionsTooLarge`: a base64 image over 8000 px on a side.
 * - `TooManyImages`: more than 100 images.
 * - `MixedDocumentCitations`: citations enabled on some `document` blocks of the request but not all.
 * - `RequestTooLarge`: the JSON body is over 32 MB (the API answers 413 rather than 400).
 * - `MissingModel`: a client call with no model and no default model (checked by the client, not here).
 *
 * @since 0.1.0
 * @category models
 */
export const Rule = Schema.Literal(
  "EmptyMessages",
  "FirstTurnNotUser",
  "ConsecutiveUserTurns",
  "EmptyContent",
  "ToolResultWithoutToolUse",
  "UnansweredToolUse",
  "ToolResultNotFirst",
  "ThinkingWithoutSignature",
  "PrefillTrailingWhitespace",
  "PrefillNotSupported",
  "UnsupportedParameter",
  "DocumentInAssistantTurn",
  "CitationsOnUserText",
  "AssistantBlockInUserTurn",
  "TooManyMessages",
  "DuplicateToolUseId",
  "ServerToolResultWithoutServerToolUse",
  "InvalidThinkingBudget",
  "SamplingWithThinking",
  "ForcedToolUseWithThinking",
  "MissingThinking",
  "InvalidToolName",
  "DuplicateToolName",
  "UndefinedToolChoice",
  "TooManyCacheBreakpoints",
  "CacheTtlOrder",
  "ImageMediaTypeMismatch",
  "ImageTooLarge",
  "ImageDimensionsTooLarge",
  "TooManyImages",
  "MixedDocumentCitations",
  "RequestTooLarge",
  "MissingModel"
)
/** @since 0.1.0 */
export type Rule = typeof Rule.Type

/**
 * A request the API would reject. `turn` is the index in `messages` and `block` the index in that turn's content,
 * when the rule is about one; `message` says where, e.g. `messages[2].content[0]: ...`, `tools[1]: ...` or
 * `system[0]: ...`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ValidationError extends Schema.TaggedError<ValidationError>()("ValidationError", {
  rule: Rule,
  turn: Schema.optional(Schema.Number),
  block: Schema.optional(Schema.Number),
  message: Schema.String
}) {
  /** The brand of model errors: a model call checked before sending fails with this error. */
  get [ModelError.TypeId](): ModelError.TypeId {
    return ModelError.TypeId
  }

  /** As a model error: `validation`. */
  get reason(): "validation" {
    return "validation"
  }

  /** As a model error: nothing was sent, so nothing was delivered. */
  get delivered(): 0 {
    return 0
  }

  /** Never: the same request breaks the same rule again. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * How consecutive user turns are treated: merged into one turn (what the API itself does), or rejected.
 *
 * @since 0.1.0
 * @category models
 */
export type ConsecutiveUsers = "merge" | "reject"

/**
 * Options of the checks.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Also check the rules of this API version. Default: none. */
  readonly apiVersion?: ApiVersion | undefined
  /**
   * What to do with consecutive user turns in a raw `messages` array. Default `"merge"`: check them as the single
   * turn the API makes of them (consecutive assistant turns are always merged, as the API does).
   */
  readonly consecutiveUsers?: ConsecutiveUsers | undefined
  /**
   * The `anthropic-beta` flags the request is sent with. With `interleaved-thinking-2025-05-14`,
   * `thinking.budget_tokens` may exceed `max_tokens` (the budget then spans the whole assistant turn). Default none.
   */
  readonly betas?: ReadonlyArray<string> | undefined
}

/**
 * The models known to reject a prefilled (final, text-only) assistant turn with a 400 ("This model does not
 * support assistant message prefill. The conversation must end with a user message."), by exact model id. A model
 * not listed here is not flagged: its prefill is left for the API to judge.
 *
 * Evidence:
 * - `claude-mythos-preview`, `claude-opus-4-7`, `claude-opus-4-6`, `claude-sonnet-4-6`: Anthropic's "Using the
 *   Messages API" page (seed `002_dc9e265df0dc021a.txt`, line 209: prefill is not supported on these models and
 *   returns a 400), and the "What's new in Claude 4.6" / migration guide ("Prefilling assistant messages returns a
 *   400 error on Claude 4.6 models").
 *
 * Later models (`claude-opus-4-8`, the 5.x families) are reported by users to reject prefills as well, but no
 * Anthropic documentation in this repository says so; add them here when it does.
 *
 * @since 0.1.0
 * @category models
 */
export const prefillUnsupportedModels: ReadonlyArray<string> = [
  "claude-mythos-preview",
  "claude-opus-4-7",
  "claude-opus-4-6",
  "claude-sonnet-4-6"
]

/**
 * The limits the checks apply, as the API documents them.
 *
 * @since 0.1.0
 * @category models
 */
export const limits = {
  /** Messages in one request ("There is a limit of 100,000 messages in a single request"). */
  messages: 100_000,
  /** Blocks with `cache_control` in one request. */
  cacheBreakpoints: 4,
  /** Images in one request. */
  images: 100,
  /** Decoded bytes of one base64 image (5 MB). */
  imageBytes: 5 * 1024 * 1024,
  /** Pixels on either side of one image. */
  imageSide: 8000,
  /** Bytes of the JSON body of `POST /v1/messages` (32 MB). */
  requestBytes: 32 * 1024 * 1024,
  /** The smallest `thinking.budget_tokens`. */
  thinkingBudget: 1024
} as const

// =============================================================================
// Turns
// =============================================================================

/** Where a block is: its turn in `messages` and its index in that turn (none for string content). */
interface Location {
  readonly turn: number
  readonly block?: number | undefined
  /** A path inside the block, e.g. `.content[1]` for a block inside a tool result's content. */
  readonly inner?: string | undefined
}

/** A turn as the API sees it: one message, or consecutive messages of the same role merged. */
interface Turn {
  readonly role: Message.Role
  readonly at: Location
  readonly text: string | undefined
  readonly blocks: ReadonlyArray<Content.ContentBlock>
  /** Where each block of a merged turn came from. */
  readonly origins?: ReadonlyArray<Location> | undefined
}

/**
 * A `role: "system"` message (API version 2026-10-21, with or without content): not a turn of the user/assistant
 * alternation.
 */
const isSystem = <M extends { readonly role: string }>(
  message: M
): message is Extract<M, { readonly role: "system" }> => message.role === "system"

/**
 * A system message without content (beta) only changes settings: the API rejects one that sets none ("a message
 * with neither content nor output_config fields is rejected"). An `output_config` with a field set, even to `null`,
 * is left to the API.
 */
const checkSystem = (
  message: Message.SystemMessageParam | Message.SystemSettingsParam,
  turn: number
): ValidationError | undefined => {
  if (message.content !== undefined) return undefined
  const config: unknown = message.output_config
  if (isRecord(config) && Object.values(config).some((value) => value !== undefined)) return undefined
  return fail(
    "EmptyContent",
    { turn },
    "a system message without content must set output_config (e.g. its effort); add content or remove the message"
  )
}

const locate = (turn: Turn, block: number): Location =>
  turn.origins?.[block] ?? (turn.text === undefined ? { turn: turn.at.turn, block } : turn.at)

const single = (message: Message.MessageParam, turn: number): Turn =>
  typeof message.content === "string"
    ? { role: message.role, at: { turn }, text: message.content, blocks: [] }
    : { role: message.role, at: { turn }, text: undefined, blocks: message.content }

/** The messages at `indexes` (one role, in order, none a system message) as the one turn the API makes of them. */
const merged = (messages: ReadonlyArray<Message.RequestMessage>, indexes: ReadonlyArray<number>): Turn => {
  const blocks: Array<Content.ContentBlock> = []
  const origins: Array<Location> = []
  for (const turn of indexes) {
    const message = messages[turn]!
    if (message.content === undefined) continue
    if (typeof message.content === "string") {
      blocks.push({ type: "text", text: message.content })
      origins.push({ turn })
    } else {
      message.content.forEach((block, index) => {
        blocks.push(block)
        origins.push({ turn, block: index })
      })
    }
  }
  const first = indexes[0] ?? 0
  return { role: messages[first]?.role ?? "user", at: { turn: first }, text: undefined, blocks, origins }
}

const path = (at: Location) =>
  (at.block === undefined ? `messages[${at.turn}]` : `messages[${at.turn}].content[${at.block}]`) + (at.inner ?? "")

/** A location in `messages`, or the path of something outside it (`tools[1]`, `system[0]`), or the request. */
type At = Location | string | undefined

const where = (at: Location | string) => (typeof at === "string" ? at : path(at))

const fail = (rule: Rule, at: At, text: string) =>
  new ValidationError({
    rule,
    ...(typeof at !== "object" ? {} : at.block === undefined ? { turn: at.turn } : { turn: at.turn, block: at.block }),
    message: at === undefined ? text : `${where(at)}: ${text}`
  })

const isBlank = (text: string) => text.trim().length === 0

const isEmpty = (turn: Turn) => (turn.text === undefined ? turn.blocks.length === 0 : isBlank(turn.text))

const isRecord = (u: unknown): u is { readonly [key: string]: unknown } => typeof u === "object" && u !== null

/** The first blank text block among `blocks` from `from` on; the API accepts one only in a final assistant turn. */
const checkBlankText = (
  blocks: ReadonlyArray<Content.ContentBlock>,
  from: number,
  at: (index: number) => Location
): ValidationError | undefined => {
  for (let i = from; i < blocks.length; i++) {
    const block = blocks[i]!
    if (block.type === "text" && isBlank((block as Content.TextBlock).text)) {
      return fail("EmptyContent", at(i), "text blocks must contain non-whitespace text")
    }
  }
  return undefined
}

/** Whether the turn is empty or holds a blank text block; the API accepts that only in a final assistant turn. */
const checkNotEmpty = (turn: Turn): ValidationError | undefined => {
  if (isEmpty(turn))
    return fail(
      "EmptyContent",
      turn.at,
      `${turn.role === "user" ? "a user" : "an assistant"} turn must have non-blank content`
    )
  return checkBlankText(turn.blocks, 0, (i) => locate(turn, i))
}

/** The rules for one block of an assistant turn. */
const checkAssistantBlock = (
  block: Content.ContentBlock,
  at: Location,
  options: Options | undefined
): ValidationError | undefined => {
  if (block.type === "thinking") {
    const signature = (block as Partial<Content.ThinkingBlock>).signature
    if (typeof signature !== "string" || signature.length === 0) {
      return fail(
        "ThinkingWithoutSignature",
        at,
        "a thinking block must be sent back with the signature the API gave it"
      )
    }
  } else if (block.type === "tool_result") {
    return fail("ToolResultWithoutToolUse", at, "tool_result blocks belong in user turns")
  } else if (
    block.type === "document" &&
    options?.apiVersion !== undefined &&
    !ApiVersions.rules[options.apiVersion].documentsInAssistantTurns
  ) {
    return fail(
      "DocumentInAssistantTurn",
      at,
      `anthropic-version ${options.apiVersion} does not accept document blocks in assistant turns`
    )
  }
  return undefined
}

const checkAssistant = (turn: Turn, options: Options | undefined): ValidationError | undefined => {
  for (let i = 0; i < turn.blocks.length; i++) {
    const error = checkAssistantBlock(turn.blocks[i]!, locate(turn, i), options)
    if (error !== undefined) return error
  }
  return undefined
}

/** The ids of the `tool_use` blocks of an assistant turn, by block index; `undefined` when it has none. */
const toolUsesOf = (turn: Turn | undefined): Map<string, number> | undefined => {
  // Created only when needed: most turns answer no tool, and appends must stay cheap.
  let toolUses: Map<string, number> | undefined
  turn?.blocks.forEach((block, index) => {
    if (block.type === "tool_use") (toolUses ??= new Map()).set((block as Content.ToolUseBlock).id, index)
  })
  return toolUses
}

/** Blocks the API accepts only in assistant turns. */
const assistantOnly: ReadonlyArray<string> = ["tool_use", "thinking", "redacted_thinking"]

/** A blank text block inside a `tool_result`'s content (a string content may be empty: it is not a block). */
const checkToolResultContent = (block: Content.ContentBlock, at: Location): ValidationError | undefined => {
  const content = (block as { readonly content?: unknown }).content
  if (!Array.isArray(content)) return undefined
  for (let i = 0; i < content.length; i++) {
    const inner: unknown = content[i]
    if (isRecord(inner) && inner.type === "text" && typeof inner.text === "string" && isBlank(inner.text)) {
      return fail("EmptyContent", { ...at, inner: `.content[${i}]` }, "text blocks must contain non-whitespace text")
    }
  }
  return undefined
}

/**
 * What a user turn knows of the `tool_use` blocks it may answer: those of the previous assistant turn (`undefined`
 * when it has none), or `"unknown"` when the turn before it is a `system` message that is not the first message.
 */
type ToolUses = ReadonlyMap<string, number> | undefined | "unknown"

/**
 * The rules for the blocks of a user turn from `from` on: no assistant-only blocks; tool results first, each
 * answering a `tool_use` of the previous turn, without blank text inside; no citations on text under 2026-10-21.
 * `otherContent` says whether a block before `from` is not a tool result; `answered` collects the ids answered.
 */
const checkUserBlocks = (
  blocks: ReadonlyArray<Content.ContentBlock>,
  from: number,
  at: (index: number) => Location,
  otherContent: boolean,
  toolUses: ToolUses,
  previous: Turn | undefined,
  answered: Set<string> | undefined,
  options: Options | undefined
): ValidationError | undefined => {
  for (let i = from; i < blocks.length; i++) {
    const block = blocks[i]!
    if (assistantOnly.includes(block.type)) {
      return fail("AssistantBlockInUserTurn", at(i), `${block.type} blocks can only be in assistant turns`)
    }
    if (block.type === "tool_result") {
      const id = (block as Content.ToolResultBlock).tool_use_id
      if (otherContent) {
        return fail("ToolResultNotFirst", at(i), "tool_result blocks must come before any other content")
      }
      if (toolUses !== "unknown" && !toolUses?.has(id)) {
        return fail(
          "ToolResultWithoutToolUse",
          at(i),
          previous === undefined
            ? `tool_result for "${id}" has no tool_use before it`
            : `tool_result for "${id}" answers no tool_use of the previous assistant turn ${path(previous.at)}`
        )
      }
      const blank = checkToolResultContent(block, at(i))
      if (blank !== undefined) return blank
      answered?.add(id)
    } else {
      otherContent = true
      if (
        block.type === "text" &&
        options?.apiVersion !== undefined &&
        !ApiVersions.rules[options.apiVersion].citationsOnUserText &&
        ((block as Content.TextBlock).citations?.length ?? 0) > 0
      ) {
        return fail(
          "CitationsOnUserText",
          at(i),
          `anthropic-version ${options.apiVersion} does not accept citations on user text blocks`
        )
      }
    }
  }
  return undefined
}

/**
 * What is known of the turn before a turn: the turn itself, none (the turn is the first of the alternation), or
 * `"unknown"` (only a `system` message that is not the first message is known).
 */
type Previous = Turn | undefined | "unknown"

const checkUser = (turn: Turn, previous: Previous, options: Options | undefined): ValidationError | undefined => {
  const known = previous === "unknown" ? undefined : previous
  if (known?.role === "user") {
    return fail(
      "ConsecutiveUserTurns",
      turn.at,
      `a user turn follows the user turn ${path(known.at)}; merge them or add an assistant turn between them`
    )
  }
  if (known !== undefined) {
    const empty = checkNotEmpty(known)
    if (empty !== undefined) return empty
  }
  const empty = checkNotEmpty(turn)
  if (empty !== undefined) return empty
  const toolUses = previous === "unknown" ? "unknown" : toolUsesOf(known)
  const answered = toolUses === undefined || toolUses === "unknown" ? undefined : new Set<string>()
  const error = checkUserBlocks(turn.blocks, 0, (i) => locate(turn, i), false, toolUses, known, answered, options)
  if (error !== undefined) return error
  if (known !== undefined && toolUses !== undefined && toolUses !== "unknown") {
    for (const [id, index] of toolUses) {
      if (!answered?.has(id)) {
        return fail(
          "UnansweredToolUse",
          locate(known, index),
          `tool_use "${id}" has no tool_result in the next turn ${path(turn.at)}`
        )
      }
    }
  }
  return undefined
}

const check = (turn: Turn, previous: Previous, options: Options | undefined): ValidationError | undefined => {
  if (previous === undefined && turn.role !== "user") {
    return fail("FirstTurnNotUser", turn.at, "the first turn must be from the user")
  }
  return turn.role === "user" ? checkUser(turn, previous, options) : checkAssistant(turn, options)
}

/** The turn before the turn at `index`, given the message before it (a leading system message is no turn). */
const previousOf = (previous: Message.RequestMessage | undefined, index: number): Previous =>
  previous === undefined
    ? undefined
    : isSystem(previous)
      ? index - 1 === 0
        ? undefined
        : "unknown"
      : single(previous, index - 1)

// =============================================================================
// Checks
// =============================================================================

/**
 * Checks the turn at `index` against the turn before it, assuming everything before was already checked. Roles must
 * alternate (merge consecutive assistant turns first); a user turn after a user turn is `ConsecutiveUserTurns`.
 * Costs O(size of the two turns), whatever the length of the history.
 *
 * An assistant turn is checked for emptiness only once a user turn follows it, as the API accepts an empty final
 * assistant turn. A `role: "system"` message is not a turn: it is accepted as it is (one without content must set
 * `output_config`), and a turn after a system message at index 0 is checked as the first turn (after a later one,
 * the rules that need the turn before are skipped, as the message before it is not known here).
 *
 * @since 0.1.0
 * @category checks
 */
export const checkTurn = (
  turn: Message.RequestMessage,
  index: number,
  previous: Message.RequestMessage | undefined,
  options?: Options | undefined
): ValidationError | undefined =>
  isSystem(turn) ? checkSystem(turn, index) : check(single(turn, index), previousOf(previous, index), options)

/** The ids of each previous turn's `tool_use` blocks, so that merging n turns into the turn after it costs O(n). */
const toolUsesCache = new WeakMap<Message.RequestMessage, Map<string, number> | undefined>()

/**
 * Checks blocks appended to a turn that was already checked (consecutive turns of one role merged into it), as
 * {@link checkTurn} would check the merged turn, in O(size of the added blocks): the turn's rules that depend on its
 * earlier blocks only need its last block (tool results come first, so it has other content exactly when its last
 * block is not a tool result), and every `tool_use` of the previous turn was already answered.
 *
 * @since 0.1.0
 * @category checks
 */
export const checkAppend = (
  turn: {
    readonly role: Message.Role
    readonly index: number
    readonly count: number
    readonly lastBlock: Content.ContentBlock | undefined
  },
  added: ReadonlyArray<Content.ContentBlock>,
  previous: Message.RequestMessage | undefined,
  options?: Options | undefined
): ValidationError | undefined => {
  if (isSystem(turn)) return undefined
  const at = (i: number): Location => ({ turn: turn.index, block: turn.count + i })
  if (turn.role === "assistant") {
    for (let i = 0; i < added.length; i++) {
      const error = checkAssistantBlock(added[i]!, at(i), options)
      if (error !== undefined) return error
    }
    return undefined
  }
  const blank = checkBlankText(added, 0, at)
  if (blank !== undefined) return blank
  const before = previousOf(previous, turn.index)
  const previousTurn = before === "unknown" ? undefined : before
  let toolUses: ToolUses = before === "unknown" ? "unknown" : undefined
  if (previous !== undefined && previousTurn !== undefined) {
    if (!toolUsesCache.has(previous)) toolUsesCache.set(previous, toolUsesOf(previousTurn))
    toolUses = toolUsesCache.get(previous)
  }
  const otherContent = turn.lastBlock !== undefined && turn.lastBlock.type !== "tool_result"
  return checkUserBlocks(added, 0, at, otherContent, toolUses, previousTurn, undefined, options)
}

/**
 * Checks a prefill: the final assistant turn must not end with whitespace.
 *
 * @since 0.1.0
 * @category checks
 */
export const checkPrefill = (turn: Message.MessageParam, index: number): ValidationError | undefined => {
  const last = single(turn, index)
  const lastIndex = last.blocks.length - 1
  const lastBlock = last.blocks[lastIndex]
  const text = last.text ?? (lastBlock?.type === "text" ? (lastBlock as Content.TextBlock).text : undefined)
  return text !== undefined && /\s$/.test(text)
    ? fail("PrefillTrailingWhitespace", locate(last, lastIndex), "the final assistant turn cannot end with whitespace")
    : undefined
}

/** Server tool result blocks: each answers a `server_tool_use` (or `mcp_tool_use`) of its own assistant turn. */
const serverToolResults: ReadonlyArray<string> = [
  "web_search_tool_result",
  "web_fetch_tool_result",
  "code_execution_tool_result",
  "bash_code_execution_tool_result",
  "text_editor_code_execution_tool_result",
  "tool_search_tool_result",
  "mcp_tool_result"
]

/**
 * The rules of an assistant turn that span it or the request: `tool_use` ids unique in the request (`seen` holds the
 * ids of the turns before), server tool results answering a server tool use of the turn.
 */
const checkAssistantIds = (turn: Turn, seen: Map<string, Location>): ValidationError | undefined => {
  let serverUses: Set<string> | undefined
  for (const block of turn.blocks) {
    if (block.type === "server_tool_use" || block.type === "mcp_tool_use") {
      const id = (block as { readonly id?: unknown }).id
      if (typeof id === "string") (serverUses ??= new Set()).add(id)
    }
  }
  for (let i = 0; i < turn.blocks.length; i++) {
    const block = turn.blocks[i]!
    if (block.type === "tool_use") {
      const id = (block as Content.ToolUseBlock).id
      const first = seen.get(id)
      if (first !== undefined) {
        return fail(
          "DuplicateToolUseId",
          locate(turn, i),
          `tool_use ids must be unique: "${id}" is also the id of ${path(first)}`
        )
      }
      seen.set(id, locate(turn, i))
    } else if (serverToolResults.includes(block.type)) {
      const id = (block as { readonly tool_use_id?: unknown }).tool_use_id
      if (typeof id === "string" && !serverUses?.has(id)) {
        return fail(
          "ServerToolResultWithoutServerToolUse",
          locate(turn, i),
          `${block.type} for "${id}" answers no server_tool_use of its assistant turn; send the server_tool_use ` +
            "block back with its result"
        )
      }
    }
  }
  return undefined
}

/**
 * Checks a whole `messages` array, in order, and returns it unchanged when the API would accept it. Consecutive
 * turns of one role are checked as the single turn the API makes of them, unless `consecutiveUsers: "reject"`;
 * `role: "system"` messages are not turns and are skipped (one without content must set `output_config`). Adds
 * the rules that span turns: at most 100,000 messages, `tool_use` ids unique in the request, server tool results
 * answered in their turn. Takes a request's `messages` or a conversation's, and returns them as they came.
 *
 * @since 0.1.0
 * @category checks
 */
export const validateMessages = <M extends Message.RequestMessage>(
  input: ReadonlyArray<M>,
  options?: Options | undefined
): Either.Either<ReadonlyArray<M>, ValidationError> => {
  const messages: ReadonlyArray<Message.RequestMessage> = input
  if (messages.length === 0) return Either.left(fail("EmptyMessages", undefined, "messages must not be empty"))
  if (messages.length > limits.messages) {
    return Either.left(
      fail(
        "TooManyMessages",
        "messages",
        `a request may hold at most ${limits.messages} messages; this one has ${messages.length}`
      )
    )
  }
  let previous: Turn | undefined
  const toolUseIds = new Map<string, Location>()
  let start = 0
  while (start < messages.length) {
    const first = messages[start]!
    if (isSystem(first)) {
      const error = checkSystem(first, start)
      if (error !== undefined) return Either.left(error)
      start++
      continue
    }
    const role = first.role
    const group = [start]
    let end = start + 1
    const mergeable = role === "assistant" || options?.consecutiveUsers !== "reject"
    while (mergeable && end < messages.length) {
      const next = messages[end]!
      if (isSystem(next)) {
        const error = checkSystem(next, end)
        if (error !== undefined) return Either.left(error)
      } else {
        if (next.role !== role) break
        group.push(end)
      }
      end++
    }
    const turn = group.length === 1 ? single(first, start) : merged(messages, group)
    const error =
      check(turn, previous, options) ?? (role === "assistant" ? checkAssistantIds(turn, toolUseIds) : undefined)
    if (error !== undefined) return Either.left(error)
    previous = turn
    start = end
  }
  if (previous === undefined) {
    return Either.left(
      fail("EmptyMessages", undefined, "messages must hold a user turn; system messages are not turns")
    )
  }
  const last = messages[messages.length - 1]!
  if (last.role === "assistant") {
    const error = checkPrefill(last, messages.length - 1)
    if (error !== undefined) return Either.left(error)
  }
  return Either.right(input)
}

// =============================================================================
// Images
// =============================================================================

/**
 * The rules for one image block's base64 data: bytes matching `media_type`, at most 5 MB decoded, at most 8000 px
 * on a side. Data that is not plain base64, or not one of the four formats, is left for the API to judge.
 */
const checkImage = (block: unknown, at: At): ValidationError | undefined => {
  const source = isRecord(block) ? block.source : undefined
  if (!isRecord(source) || source.type !== "base64") return undefined
  const { data, media_type } = source
  if (typeof data !== "string" || typeof media_type !== "string" || !ImageHeader.imageFormats.includes(media_type)) {
    return undefined
  }
  if (!ImageHeader.isBase64(data)) return undefined
  const bytes = ImageHeader.fromBase64(data)
  const format = ImageHeader.sniff(bytes)
  if (format !== undefined && format !== media_type) {
    return fail(
      "ImageMediaTypeMismatch",
      at,
      `the image data is ${format} but media_type says ${media_type}; set media_type to ${format}`
    )
  }
  if (bytes.size > limits.imageBytes) {
    return fail(
      "ImageTooLarge",
      at,
      `the image is ${bytes.size} bytes; the API accepts at most 5 MB (${limits.imageBytes} bytes) per image`
    )
  }
  const dimensions = format === undefined ? undefined : ImageHeader.dimensionsOf(bytes, format)
  if (dimensions !== undefined && Math.max(dimensions.width, dimensions.height) > limits.imageSide) {
    return fail(
      "ImageDimensionsTooLarge",
      at,
      `the image is ${dimensions.width}x${dimensions.height} px; scale it to at most ${limits.imageSide} px on ` +
        "each side"
    )
  }
  return undefined
}

// =============================================================================
// Requests
// =============================================================================

const isPrefill = (message: Message.RequestMessage) =>
  message.role === "assistant" &&
  (typeof message.content === "string" || message.content.every((block) => block.type === "text"))

const isToolResults = (message: Message.RequestMessage) =>
  message.role === "user" &&
  typeof message.content !== "string" &&
  message.content.length > 0 &&
  message.content.every((block) => block.type === "tool_result")

/**
 * With thinking enabled, the final assistant turn must start with a thinking block. That turn is the assistant turn
 * the request continues: a final assistant message (a prefill), or the assistant turn that the trailing tool
 * results answer, which a tool-use loop continues (its later assistant messages, after tool results, need not start
 * with thinking). After a user message that is not only tool results, the last assistant turn is complete and the
 * rule does not apply.
 */
const checkFinalThinking = (messages: ReadonlyArray<Message.RequestMessage>): ValidationError | undefined => {
  let first: number | undefined
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!
    if (isSystem(message)) continue
    if (message.role === "assistant") first = i
    else if (!isToolResults(message)) break
  }
  if (first === undefined) return undefined
  for (let i = first; i < messages.length; i++) {
    const message = messages[i]!
    if (isSystem(message)) continue
    if (message.role !== "assistant") return undefined
    const content = message.content
    const type = typeof content === "string" ? (content.length > 0 ? "text" : undefined) : content[0]?.type
    if (type === undefined) continue
    if (type === "thinking" || type === "redacted_thinking") return undefined
    return fail(
      "MissingThinking",
      typeof content === "string" ? { turn: i } : { turn: i, block: 0 },
      `with thinking enabled, the final assistant turn must start with a thinking or redacted_thinking block, not ` +
        `${type}; send the turn's thinking blocks back as the API returned them, or disable thinking`
    )
  }
  return undefined
}

/** The thinking, sampling and tool-choice settings that thinking constrains. */
const checkThinking = (request: Request.MessagesRequest, options: Options | undefined): ValidationError | undefined => {
  const thinking: unknown = request.thinking
  const type = isRecord(thinking) ? thinking.type : undefined
  if (type !== "enabled" && type !== "adaptive") return undefined
  if (type === "enabled" && isRecord(thinking) && typeof thinking.budget_tokens === "number") {
    const budget = thinking.budget_tokens
    if (budget < limits.thinkingBudget) {
      return fail(
        "InvalidThinkingBudget",
        "thinking.budget_tokens",
        `must be at least ${limits.thinkingBudget}; it is ${budget}`
      )
    }
    const interleaved = options?.betas?.includes("interleaved-thinking-2025-05-14") ?? false
    if (!interleaved && request.max_tokens > 0 && budget >= request.max_tokens) {
      return fail(
        "InvalidThinkingBudget",
        "thinking.budget_tokens",
        `max_tokens (${request.max_tokens}) must be greater than thinking.budget_tokens (${budget}); thinking ` +
          "tokens count toward max_tokens"
      )
    }
  }
  const { temperature, top_k, top_p } = request as { readonly [key: string]: unknown }
  if (typeof temperature === "number" && temperature !== 1) {
    return fail(
      "SamplingWithThinking",
      "temperature",
      `may only be set to 1 when thinking is ${type}; it is ${temperature}`
    )
  }
  if (type === "enabled" && typeof top_k === "number") {
    return fail("SamplingWithThinking", "top_k", "must be unset when thinking is enabled")
  }
  if (type === "enabled" && typeof top_p === "number" && top_p < 0.95) {
    return fail("SamplingWithThinking", "top_p", `must be between 0.95 and 1 when thinking is enabled; it is ${top_p}`)
  }
  const choice: unknown = request.tool_choice
  const forced = isRecord(choice) ? choice.type : undefined
  if (type === "enabled" && (forced === "any" || forced === "tool")) {
    return fail(
      "ForcedToolUseWithThinking",
      "tool_choice",
      `"${forced}" forces tool use, which thinking of type "enabled" does not allow; use "auto" or "none", or ` +
        "adaptive thinking"
    )
  }
  if (type === "enabled") return checkFinalThinking(request.messages)
  return undefined
}

/** Tool names: valid for custom tools, unique, and the one `tool_choice` names defined. */
const checkTools = (request: Request.MessagesRequest): ValidationError | undefined => {
  const names = new Map<string, number>()
  let unnamed = false
  const tools: ReadonlyArray<unknown> = request.tools ?? []
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i]
    const name = isRecord(tool) ? tool.name : undefined
    if (typeof name !== "string") {
      unnamed = true // a toolset: its tools' names are not in the request
      continue
    }
    const type = isRecord(tool) ? tool.type : undefined
    const problem = type === undefined || type === null || type === "custom" ? Request.toolNameProblem(name) : undefined
    if (problem !== undefined) return fail("InvalidToolName", `tools[${i}].name`, problem)
    const first = names.get(name)
    if (first !== undefined) {
      return fail("DuplicateToolName", `tools[${i}]`, `tool names must be unique: "${name}" is also tools[${first}]`)
    }
    names.set(name, i)
  }
  const choice: unknown = request.tool_choice
  if (isRecord(choice) && choice.type === "tool" && typeof choice.name === "string") {
    const defined =
      names.has(choice.name) || unnamed || (request as { readonly mcp_servers?: unknown }).mcp_servers !== undefined
    if (!defined) {
      return fail(
        "UndefinedToolChoice",
        "tool_choice.name",
        `names the tool "${choice.name}", which tools does not define; add it to tools or name a defined tool`
      )
    }
  }
  return undefined
}

/** Whether a value is a `cache_control` breakpoint, and its TTL (`5m` unless `1h` is given). */
const ttlOf = (holder: unknown): "5m" | "1h" | "other" | undefined => {
  const cacheControl = isRecord(holder) ? holder.cache_control : undefined
  if (!isRecord(cacheControl)) return undefined
  const ttl = cacheControl.ttl
  return ttl === undefined || ttl === null || ttl === "5m" ? "5m" : ttl === "1h" ? "1h" : "other"
}

/**
 * The rules over every block of the request, in the order the API processes it (tools, system, messages): cache
 * breakpoints (count and TTL order), blank system text, images (bytes, size, count), citations on documents.
 */
const checkBlocks = (request: Request.MessagesRequest): ValidationError | undefined => {
  // the top-level cache_control is a breakpoint too (on the last cacheable block)
  let breakpoints = request.cache_control == null ? 0 : 1
  let fiveMinutes: At
  const breakpoint = (holder: unknown, at: At): ValidationError | undefined => {
    const ttl = ttlOf(holder)
    if (ttl === undefined) return undefined
    if (++breakpoints > limits.cacheBreakpoints) {
      return fail(
        "TooManyCacheBreakpoints",
        at,
        `a request may have at most ${limits.cacheBreakpoints} blocks with cache_control; this is breakpoint ` +
          `${breakpoints} (the top-level cache_control, then tools, system and messages count, in that order)`
      )
    }
    if (ttl === "5m") fiveMinutes ??= at
    else if (ttl === "1h" && fiveMinutes !== undefined) {
      return fail(
        "CacheTtlOrder",
        at,
        `a cache_control with ttl "1h" must not come after one with ttl "5m" (${where(fiveMinutes)}); tools, ` +
          "system and messages are processed in that order"
      )
    }
    return undefined
  }
  const tools: ReadonlyArray<unknown> = request.tools ?? []
  for (let i = 0; i < tools.length; i++) {
    const error = breakpoint(tools[i], `tools[${i}]`)
    if (error !== undefined) return error
  }
  const system: unknown = request.system
  if (Array.isArray(system)) {
    for (let i = 0; i < system.length; i++) {
      const block: unknown = system[i]
      if (isRecord(block) && block.type === "text" && typeof block.text === "string" && isBlank(block.text)) {
        return fail("EmptyContent", `system[${i}]`, "text blocks must contain non-whitespace text")
      }
      const error = breakpoint(block, `system[${i}]`)
      if (error !== undefined) return error
    }
  }
  let images = 0
  const image = (block: unknown, at: Location): ValidationError | undefined => {
    if (++images > limits.images) {
      return fail("TooManyImages", at, `a request may hold at most ${limits.images} images; this is image ${images}`)
    }
    return checkImage(block, at)
  }
  let citations: { readonly enabled: boolean; readonly at: Location } | undefined
  const messages = request.messages
  for (let turn = 0; turn < messages.length; turn++) {
    const content = messages[turn]!.content
    if (typeof content === "string" || content === undefined) continue
    for (let index = 0; index < content.length; index++) {
      const block = content[index]!
      const at: Location = { turn, block: index }
      const cached = breakpoint(block, at)
      if (cached !== undefined) return cached
      if (block.type === "image") {
        const error = image(block, at)
        if (error !== undefined) return error
      } else if (block.type === "tool_result") {
        const inner = (block as { readonly content?: unknown }).content
        if (Array.isArray(inner)) {
          for (let i = 0; i < inner.length; i++) {
            const nested: unknown = inner[i]
            if (isRecord(nested) && nested.type === "image") {
              const error = image(nested, { ...at, inner: `.content[${i}]` })
              if (error !== undefined) return error
            }
          }
        }
      } else if (block.type === "document") {
        const config = (block as { readonly citations?: unknown }).citations
        const enabled = isRecord(config) && config.enabled === true
        if (citations === undefined) citations = { enabled, at }
        else if (citations.enabled !== enabled) {
          return fail(
            "MixedDocumentCitations",
            at,
            `citations must be enabled on all documents of a request or on none; ${path(citations.at)} has them ` +
              `${citations.enabled ? "enabled" : "disabled"}, this document ${enabled ? "enabled" : "disabled"}`
          )
        }
      }
    }
  }
  return undefined
}

/** The UTF-8 length of a string. */
const utf8Length = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4 // a surrogate pair
      i++
    } else bytes += 3
  }
  return bytes
}

/** The body, as the transport sends it, must be at most 32 MB. */
const checkSize = (request: Request.MessagesRequest): ValidationError | undefined => {
  let body: string
  try {
    body = JSON.stringify(request)
  } catch {
    body = JsonText.iterative(request) // nested too deep for JSON.stringify
  }
  if (body.length * 3 <= limits.requestBytes) return undefined
  const bytes = utf8Length(body)
  return bytes > limits.requestBytes
    ? fail(
        "RequestTooLarge",
        undefined,
        `the request body is ${bytes} bytes; the API accepts at most 32 MB (${limits.requestBytes} bytes): send ` +
          "large images and documents through the Files API, or fewer of them"
      )
    : undefined
}

/**
 * Checks a request before it is sent: its messages ({@link validateMessages}), a prefill sent to a model known to
 * reject prefills, the thinking, sampling, tool and tool-choice settings, cache breakpoints, images, document
 * citations and the body size, and, when `apiVersion` is given, that version's rules. Succeeds with the request
 * unchanged. Costs O(size of the request).
 *
 * @since 0.1.0
 * @category checks
 */
export const validateRequest = (
  request: Request.MessagesRequest,
  options?: Options | undefined
): Effect.Effect<Request.MessagesRequest, ValidationError> =>
  Effect.suspend(() => {
    if (options?.apiVersion !== undefined) {
      for (const parameter of ApiVersions.rules[options.apiVersion].removedParameters) {
        if ((request as Record<string, unknown>)[parameter] !== undefined) {
          return Effect.fail(
            fail(
              "UnsupportedParameter",
              undefined,
              `anthropic-version ${options.apiVersion} does not accept ${parameter}`
            )
          )
        }
      }
    }
    const checked = validateMessages(request.messages, options)
    if (Either.isLeft(checked)) return Effect.fail(checked.left)
    const last = request.messages[request.messages.length - 1]!
    if (isPrefill(last) && prefillUnsupportedModels.includes(request.model)) {
      return Effect.fail(
        fail(
          "PrefillNotSupported",
          { turn: request.messages.length - 1 },
          `${request.model} does not accept a prefilled assistant turn; use structured outputs or system instructions`
        )
      )
    }
    const error = checkThinking(request, options) ?? checkTools(request) ?? checkBlocks(request) ?? checkSize(request)
    return error === undefined ? Effect.succeed(request) : Effect.fail(error)
  })
