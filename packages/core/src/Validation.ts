/**
 * What the Messages API would reject with a 400, checked before anything is sent, with a typed error naming the
 * rule, the turn and the block.
 *
 * The checks are pure functions: {@link checkTurn} checks one turn against the turn before it (what
 * `Conversation` runs on every append, so appending never re-checks the history), {@link validateMessages} checks a
 * whole `messages` array and {@link validateRequest} a whole request, including the rules of an API version.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type * as Content from "./Content.js"
import type * as Message from "./Message.js"
import type * as Request from "./Request.js"

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
export const ApiVersion = Schema.Literal("2023-06-01", "2026-10-21")
/** @since 0.1.0 */
export type ApiVersion = typeof ApiVersion.Type

/**
 * The rules a request can break:
 *
 * - `EmptyMessages`: `messages` is empty.
 * - `FirstTurnNotUser`: the first turn is not from the user.
 * - `ConsecutiveUserTurns`: a user turn follows a user turn and merging was not chosen.
 * - `EmptyContent`: a user turn, or an assistant turn that is not the last, has no content or a blank text block.
 * - `ToolResultWithoutToolUse`: a `tool_result` answers no `tool_use` of the previous assistant turn.
 * - `UnansweredToolUse`: a `tool_use` has no `tool_result` in the next (user) turn.
 * - `ToolResultNotFirst`: a `tool_result` comes after other content in its turn.
 * - `ThinkingWithoutSignature`: a `thinking` block sent back without its `signature`.
 * - `PrefillTrailingWhitespace`: the final assistant turn (a prefill) ends with whitespace.
 * - `PrefillNotSupported`: a prefill sent to a model that rejects prefills.
 * - `UnsupportedParameter`: a request parameter the API version rejects (`temperature`, `top_p`, `top_k`).
 * - `DocumentInAssistantTurn`: a `document` block in an assistant turn, rejected by the API version.
 * - `CitationsOnUserText`: non-empty `citations` on a user text block, rejected by the API version.
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
  "CitationsOnUserText"
)
/** @since 0.1.0 */
export type Rule = typeof Rule.Type

/**
 * A request the API would reject. `turn` is the index in `messages` and `block` the index in that turn's content,
 * when the rule is about one; `message` says both, e.g. `messages[2].content[0]: ...`.
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
  /** Never: the same request breaks the same rule again (a member of the transport's error family). */
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
}

/**
 * Models known to reject a prefilled (final) assistant turn with a 400, matched by prefix.
 *
 * @since 0.1.0
 * @category models
 */
export const prefillUnsupportedModels: ReadonlyArray<string> = [
  "claude-opus-4-7",
  "claude-opus-4-6",
  "claude-sonnet-4-6",
  "claude-mythos"
]

// =============================================================================
// Turns
// =============================================================================

/** Where a block is: its turn in `messages` and its index in that turn (none for string content). */
interface Location {
  readonly turn: number
  readonly block?: number | undefined
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

const locate = (turn: Turn, block: number): Location =>
  turn.origins?.[block] ?? (turn.text === undefined ? { turn: turn.at.turn, block } : turn.at)

const single = (message: Message.MessageParam, turn: number): Turn =>
  typeof message.content === "string"
    ? { role: message.role, at: { turn }, text: message.content, blocks: [] }
    : { role: message.role, at: { turn }, text: undefined, blocks: message.content }

const merged = (messages: ReadonlyArray<Message.MessageParam>, first: number): Turn => {
  const blocks: Array<Content.ContentBlock> = []
  const origins: Array<Location> = []
  messages.forEach((message, offset) => {
    const turn = first + offset
    if (typeof message.content === "string") {
      blocks.push({ type: "text", text: message.content })
      origins.push({ turn })
    } else {
      message.content.forEach((block, index) => {
        blocks.push(block)
        origins.push({ turn, block: index })
      })
    }
  })
  return { role: messages[0]?.role ?? "user", at: { turn: first }, text: undefined, blocks, origins }
}

const path = (at: Location) =>
  at.block === undefined ? `messages[${at.turn}]` : `messages[${at.turn}].content[${at.block}]`

const fail = (rule: Rule, at: Location | undefined, text: string) =>
  new ValidationError({
    rule,
    ...(at === undefined ? {} : at.block === undefined ? { turn: at.turn } : { turn: at.turn, block: at.block }),
    message: at === undefined ? text : `${path(at)}: ${text}`
  })

const isBlank = (text: string) => text.trim().length === 0

const isEmpty = (turn: Turn) => (turn.text === undefined ? turn.blocks.length === 0 : isBlank(turn.text))

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
  } else if (block.type === "document" && options?.apiVersion === "2026-10-21") {
    return fail(
      "DocumentInAssistantTurn",
      at,
      "anthropic-version 2026-10-21 does not accept document blocks in assistant turns"
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

/**
 * The rules for the blocks of a user turn from `from` on: tool results first, each answering a `tool_use` of the
 * previous turn; no citations on text under 2026-10-21. `otherContent` says whether a block before `from` is not a
 * tool result; `answered` collects the ids answered.
 */
const checkUserBlocks = (
  blocks: ReadonlyArray<Content.ContentBlock>,
  from: number,
  at: (index: number) => Location,
  otherContent: boolean,
  toolUses: Map<string, number> | undefined,
  previous: Turn | undefined,
  answered: Set<string> | undefined,
  options: Options | undefined
): ValidationError | undefined => {
  for (let i = from; i < blocks.length; i++) {
    const block = blocks[i]!
    if (block.type === "tool_result") {
      const id = (block as Content.ToolResultBlock).tool_use_id
      if (otherContent) {
        return fail("ToolResultNotFirst", at(i), "tool_result blocks must come before any other content")
      }
      if (!toolUses?.has(id)) {
        return fail(
          "ToolResultWithoutToolUse",
          at(i),
          previous === undefined
            ? `tool_result for "${id}" has no tool_use before it`
            : `tool_result for "${id}" answers no tool_use of the previous assistant turn ${path(previous.at)}`
        )
      }
      answered?.add(id)
    } else {
      otherContent = true
      if (
        block.type === "text" &&
        options?.apiVersion === "2026-10-21" &&
        ((block as Content.TextBlock).citations?.length ?? 0) > 0
      ) {
        return fail(
          "CitationsOnUserText",
          at(i),
          "anthropic-version 2026-10-21 does not accept citations on user text blocks"
        )
      }
    }
  }
  return undefined
}

const checkUser = (
  turn: Turn,
  previous: Turn | undefined,
  options: Options | undefined
): ValidationError | undefined => {
  if (previous?.role === "user") {
    return fail(
      "ConsecutiveUserTurns",
      turn.at,
      `a user turn follows the user turn ${path(previous.at)}; merge them or add an assistant turn between them`
    )
  }
  if (previous !== undefined) {
    const empty = checkNotEmpty(previous)
    if (empty !== undefined) return empty
  }
  const empty = checkNotEmpty(turn)
  if (empty !== undefined) return empty
  const toolUses = toolUsesOf(previous)
  const answered = toolUses === undefined ? undefined : new Set<string>()
  const error = checkUserBlocks(turn.blocks, 0, (i) => locate(turn, i), false, toolUses, previous, answered, options)
  if (error !== undefined) return error
  if (previous !== undefined && toolUses !== undefined) {
    for (const [id, index] of toolUses) {
      if (!answered?.has(id)) {
        return fail(
          "UnansweredToolUse",
          locate(previous, index),
          `tool_use "${id}" has no tool_result in the next turn ${path(turn.at)}`
        )
      }
    }
  }
  return undefined
}

const check = (turn: Turn, previous: Turn | undefined, options: Options | undefined): ValidationError | undefined => {
  if (previous === undefined && turn.role !== "user") {
    return fail("FirstTurnNotUser", turn.at, "the first turn must be from the user")
  }
  return turn.role === "user" ? checkUser(turn, previous, options) : checkAssistant(turn, options)
}

// =============================================================================
// Checks
// =============================================================================

/**
 * Checks the turn at `index` against the turn before it, assuming everything before was already checked. Roles must
 * alternate (merge consecutive assistant turns first); a user turn after a user turn is `ConsecutiveUserTurns`.
 * Costs O(size of the two turns), whatever the length of the history.
 *
 * An assistant turn is checked for emptiness only once a user turn follows it, as the API accepts an empty final
 * assistant turn.
 *
 * @since 0.1.0
 * @category checks
 */
export const checkTurn = (
  turn: Message.MessageParam,
  index: number,
  previous: Message.MessageParam | undefined,
  options?: Options | undefined
): ValidationError | undefined =>
  check(single(turn, index), previous === undefined ? undefined : single(previous, index - 1), options)

/** The ids of each previous turn's `tool_use` blocks, so that merging n turns into the turn after it costs O(n). */
const toolUsesCache = new WeakMap<Message.MessageParam, Map<string, number> | undefined>()

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
  previous: Message.MessageParam | undefined,
  options?: Options | undefined
): ValidationError | undefined => {
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
  const previousTurn = previous === undefined ? undefined : single(previous, turn.index - 1)
  let toolUses: Map<string, number> | undefined
  if (previous !== undefined) {
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

/**
 * Checks a whole `messages` array, in order, and returns it unchanged when the API would accept it. Consecutive
 * turns of one role are checked as the single turn the API makes of them, unless `consecutiveUsers: "reject"`.
 *
 * @since 0.1.0
 * @category checks
 */
export const validateMessages = (
  messages: ReadonlyArray<Message.MessageParam>,
  options?: Options | undefined
): Either.Either<ReadonlyArray<Message.MessageParam>, ValidationError> => {
  if (messages.length === 0) return Either.left(fail("EmptyMessages", undefined, "messages must not be empty"))
  let previous: Turn | undefined
  let start = 0
  while (start < messages.length) {
    const role = messages[start]!.role
    let end = start + 1
    const mergeable = role === "assistant" || options?.consecutiveUsers !== "reject"
    while (mergeable && end < messages.length && messages[end]!.role === role) end++
    const turn = end - start === 1 ? single(messages[start]!, start) : merged(messages.slice(start, end), start)
    const error = check(turn, previous, options)
    if (error !== undefined) return Either.left(error)
    previous = turn
    start = end
  }
  const last = messages[messages.length - 1]!
  if (last.role === "assistant") {
    const error = checkPrefill(last, messages.length - 1)
    if (error !== undefined) return Either.left(error)
  }
  return Either.right(messages)
}

const isPrefill = (message: Message.MessageParam) =>
  message.role === "assistant" &&
  (typeof message.content === "string" || message.content.every((block) => block.type === "text"))

/**
 * Checks a request before it is sent: its messages ({@link validateMessages}), a prefill sent to a model that
 * rejects prefills, and, when `apiVersion` is given, that version's rules. Succeeds with the request unchanged.
 *
 * @since 0.1.0
 * @category checks
 */
export const validateRequest = (
  request: Request.MessagesRequest,
  options?: Options | undefined
): Effect.Effect<Request.MessagesRequest, ValidationError> =>
  Effect.suspend(() => {
    if (options?.apiVersion === "2026-10-21") {
      for (const parameter of ["temperature", "top_p", "top_k"] as const) {
        if (request[parameter] !== undefined) {
          return Effect.fail(
            fail("UnsupportedParameter", undefined, `anthropic-version 2026-10-21 does not accept ${parameter}`)
          )
        }
      }
    }
    const checked = validateMessages(request.messages, options)
    if (Either.isLeft(checked)) return Effect.fail(checked.left)
    const last = request.messages[request.messages.length - 1]!
    if (isPrefill(last) && prefillUnsupportedModels.some((prefix) => request.model.startsWith(prefix))) {
      return Effect.fail(
        fail(
          "PrefillNotSupported",
          { turn: request.messages.length - 1 },
          `${request.model} does not accept a prefilled assistant turn; use structured outputs or system instructions`
        )
      )
    }
    return Effect.succeed(request)
  })
