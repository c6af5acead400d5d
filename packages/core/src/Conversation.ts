/**
 * An immutable, pipeable conversation: the system prompt and the turns, with operations that append a turn only if
 * the API would accept it. Each append checks the new turn against the one before it (never the whole history) and
 * shares the history with the previous value instead of copying it: appending is amortised O(1), and `messages` (the
 * request's array: a read-only view of the shared history, O(1) to take, never a copy or a walk) is what a loop
 * sends each turn, so it needs no copy of its own. A 10,000-turn conversation is as cheap to extend as a short
 * one. `role: "system"` messages (API version 2026-10-21) sit between turns: never merged, never checked as turns.
 *
 * Operations that can fail return `Either<Conversation, ValidationError>`; an `Either` can be `yield*`ed in
 * `Effect.gen`, or chained with `Either.flatMap`.
 *
 * @example
 * ```ts
 * import { Conversation } from "@parley/core"
 * import * as Either from "effect/Either"
 *
 * const request = Conversation.make({ system: "Answer briefly." }).pipe(
 *   Conversation.appendUser("What is latin for Ant?"),
 *   Either.flatMap(Conversation.prefill("The answer is")),
 *   Either.map(Conversation.toRequest({ model: "claude-sonnet-4-5", max_tokens: 100 }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Inspectable from "effect/Inspectable"
import * as ParseResult from "effect/ParseResult"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import * as Schema from "effect/Schema"
import type * as Content from "./Content.js"
import * as Message from "./Message.js"
import * as Request from "./Request.js"
import * as Validation from "./Validation.js"
import * as Wire from "./Wire.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@parley/core/Conversation")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A conversation: the system prompt and turns that alternate between user and assistant, starting with the user,
 * with `role: "system"` messages anywhere between them.
 *
 * @since 0.1.0
 * @category models
 */
export interface Conversation extends Pipeable, Inspectable.Inspectable {
  readonly [TypeId]: TypeId
  /** The system prompt, if any. */
  readonly system: Request.SystemPrompt | undefined
  /** What appending a user turn after a user turn does; see {@link Options}. */
  readonly consecutiveUsers: Validation.ConsecutiveUsers
  /** The API version whose rules appends also check, if any. */
  readonly apiVersion: Validation.ApiVersion | undefined
  /** The number of entries of `messages` (turns and system messages). */
  readonly length: number
}

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The system prompt. Default: none. */
  readonly system?: Request.SystemPrompt | undefined
  /**
   * What appending a user turn right after a user turn does: `"merge"` (the default, what the API itself does with
   * consecutive user turns) appends the new content to the last user turn and checks the new blocks; `"reject"`
   * fails with `ConsecutiveUserTurns`, for callers that want strictly alternating turns.
   */
  readonly consecutiveUsers?: Validation.ConsecutiveUsers | undefined
  /** Also check this API version's rules on every append (e.g. no documents in assistant turns under 2026-10-21). */
  readonly apiVersion?: Validation.ApiVersion | undefined
}

/**
 * What a user turn may be given as: text, one block (image, document, ...), or blocks.
 *
 * @since 0.1.0
 * @category models
 */
export type UserInput = string | Content.ContentBlock | ReadonlyArray<Content.ContentBlock>

/**
 * The request parameters other than `messages` and `system`, which come from the conversation.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestParams = Omit<Request.MessagesRequest, "messages" | "system">

// =============================================================================
// Implementation
// =============================================================================

/**
 * A last turn that consecutive turns of one role were merged into: the first turn's fields, and the first `count`
 * blocks of a buffer that later merges append to in place (a buffer already grown past `count` by another value is
 * copied first), so merging n turns costs O(n) in all. The message is built once, when first read.
 */
class Merged {
  #message: Message.MessageParam | undefined
  constructor(
    readonly head: Message.MessageParam,
    readonly blocks: Array<Content.ContentBlock>,
    readonly count: number
  ) {}
  get role(): Message.Role {
    return this.head.role
  }
  get message(): Message.MessageParam {
    this.#message ??= { ...this.head, content: this.blocks.slice(0, this.count) }
    return this.#message
  }
}

const messageOf = (last: Message.MessageParam | Merged): Message.MessageParam =>
  last instanceof Merged ? last.message : last

const empty: ReadonlyArray<Message.MessageParam> = Object.freeze([])

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom")

/**
 * The target of a {@link view}'s proxy, holding what it reads: the first `size` items of a shared array, then its own
 * last entry. It is an (empty) array, so that `Array.isArray` holds; its class adds only how Node's `util.inspect`
 * (which reads a proxy's target, not the proxy) prints it.
 */
class Window extends Array<Message.MessageParam> {
  items!: ReadonlyArray<Message.MessageParam>
  size!: number
  last!: Message.MessageParam
  /** The entries as a plain array, built on the first call that needs one (`toJSON`). */
  copy: Array<Message.MessageParam> | undefined;
  [inspectSymbol](
    this: ReadonlyArray<Message.MessageParam>,
    _depth: number,
    options: unknown,
    inspect: (value: unknown, options: unknown) => string
  ): string {
    return inspect([...this], options)
  }
}

const plain = (window: Window): Array<Message.MessageParam> => {
  if (window.copy === undefined) {
    const out = window.items.slice(0, window.size)
    out.push(window.last)
    window.copy = out
  }
  return window.copy
}

/** The index `key` names when it is a canonical array index below `length`, else -1. */
const indexOf = (key: string, length: number): number => {
  const code = key.charCodeAt(0)
  if (code < 48 || code > 57) return -1
  const index = Number(key)
  return index < length && String(index) === key ? index : -1
}

const entryAt = (window: Window, index: number): Message.MessageParam =>
  index < window.size ? window.items[index]! : window.last

/** Iterates the window's entries without going through the proxy for each one. */
function* entries(window: Window): IterableIterator<Message.MessageParam> {
  const { items, size } = window
  for (let index = 0; index < size; index++) yield items[index]!
  yield window.last
}

const handler: ProxyHandler<Window> = {
  get(window, key, receiver) {
    if (typeof key === "string") {
      const length = window.size + 1
      const index = indexOf(key, length)
      if (index >= 0) return entryAt(window, index)
      if (key === "length") return length
      // `JSON.stringify` (the transport's body) serialises one plain copy, built once per view.
      if (key === "toJSON") return () => plain(window)
    } else if (key === Symbol.iterator) {
      return () => entries(window)
    }
    return Reflect.get(Array.prototype, key, receiver)
  },
  has(window, key) {
    if (typeof key === "string" && indexOf(key, window.size + 1) >= 0) return true
    return key === "length" || key in Array.prototype
  },
  ownKeys(window) {
    const length = window.size + 1
    const keys: Array<string> = []
    for (let index = 0; index < length; index++) keys.push(String(index))
    keys.push("length")
    return keys
  },
  getOwnPropertyDescriptor(window, key) {
    const length = window.size + 1
    if (key === "length") return { value: length, writable: true, enumerable: false, configurable: false }
    if (typeof key !== "string") return undefined
    const index = indexOf(key, length)
    if (index < 0) return undefined
    // Configurable (the target has no such property), and not writable: the view never changes.
    return { value: entryAt(window, index), writable: false, enumerable: true, configurable: true }
  },
  getPrototypeOf: () => Array.prototype,
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
  setPrototypeOf: () => false,
  preventExtensions: () => false
}

/**
 * A read-only array of `items[0 .. size)` and then `last`, without copying: a proxy over the shared array, which
 * later appends write only past `size` (see {@link ConversationImpl}), so the view never changes. It is an array
 * to `Array.isArray`, indexing, `length`, iteration, `Array.prototype`'s methods (which return plain arrays) and
 * `JSON.stringify`; writes fail (a `TypeError` in strict mode). `Object.freeze` and `structuredClone` do not apply:
 * copy it first (`[...messages]`).
 */
const view = (
  items: ReadonlyArray<Message.MessageParam>,
  size: number,
  last: Message.MessageParam
): ReadonlyArray<Message.MessageParam> => {
  const window = new Window()
  window.items = items
  window.size = size
  window.last = last
  return new Proxy(window, handler)
}

/**
 * Every value holds its entries before the last one as the first `size` items of an array shared with the values it
 * was extended from and to, and its last entry apart (so that merging into it never writes to the shared array).
 * Appending writes the last entry to the array at `size`: in place when the array ends there, nothing at all when
 * another value already wrote that very entry there (two branches of one parent), and a copy of the first `size`
 * items only when the array holds another entry there (a branch diverging from one that went on). An append is
 * thus amortised O(1), and `messages` is a read-only view of the first `length` items, O(1) to build.
 */
class ConversationImpl implements Conversation {
  readonly [TypeId]: TypeId = TypeId
  #messages: ReadonlyArray<Message.MessageParam> | undefined
  constructor(
    readonly system: Request.SystemPrompt | undefined,
    readonly consecutiveUsers: Validation.ConsecutiveUsers,
    readonly apiVersion: Validation.ApiVersion | undefined,
    /** The entries before the last one: `items[0 .. size)`. */
    readonly items: Array<Message.MessageParam>,
    readonly size: number,
    /** The last entry; `undefined` when there is none. */
    readonly last: Message.MessageParam | Merged | undefined,
    /** The index of the last entry that is not a `role: "system"` message (the last turn), or -1. */
    readonly turn: number,
    /**
     * The index of the last turn before the one at `turn` of the other role (the turn the API reads before it:
     * turns of one role separated by system messages are one turn to the API), or -1.
     */
    readonly before: number
  ) {}
  get length(): number {
    return this.last === undefined ? this.size : this.size + 1
  }
  /** The entry at `index` (below {@link length}). */
  at(index: number): Message.MessageParam {
    return index < this.size ? this.items[index]! : messageOf(this.last!)
  }
  roleAt(index: number): Message.Role {
    return index < this.size ? this.items[index]!.role : this.last!.role
  }
  /**
   * The entries as a read-only array view over the shared array ({@link view}): O(1) to build, once per value, and
   * it never changes (values are immutable, so the cache never goes stale).
   */
  get messages(): ReadonlyArray<Message.MessageParam> {
    if (this.#messages === undefined) {
      this.#messages = this.last === undefined ? empty : view(this.items, this.size, messageOf(this.last))
    }
    return this.#messages
  }
  /** The shared array with this value's last entry written at `size` (see the class). */
  sealed(): Array<Message.MessageParam> {
    const items = this.items
    if (this.last === undefined) return items
    const message = messageOf(this.last)
    if (items.length === this.size) {
      items.push(message)
      return items
    }
    if (items[this.size] === message) return items
    const copy = items.slice(0, this.size)
    copy.push(message)
    return copy
  }
  with(
    items: Array<Message.MessageParam>,
    size: number,
    last: Message.MessageParam | Merged,
    turn: number,
    before: number
  ): ConversationImpl {
    return new ConversationImpl(this.system, this.consecutiveUsers, this.apiVersion, items, size, last, turn, before)
  }
  pipe() {
    // biome-ignore lint/complexity/noArguments: pipeArguments takes the arguments object (the Effect idiom)
    return pipeArguments(this, arguments)
  }
  toJSON() {
    return { _id: "Conversation", system: this.system, messages: this.messages }
  }
  toString() {
    return Inspectable.format(this.toJSON())
  }
  [Inspectable.NodeInspectSymbol]() {
    return this.toJSON()
  }
}

const impl = (self: Conversation) => self as ConversationImpl

const blocksOf = (content: Message.MessageParam["content"]): ReadonlyArray<Content.ContentBlock> =>
  typeof content === "string" ? [{ type: "text", text: content }] : content

/**
 * The error of a check made as if the checked turn were at `from`, for the turn at `to`. The checks take the turn
 * before the checked one to sit right before it; when system messages sit between them, the check is made at the
 * index after the turn before, and its location moved to where the checked turn is.
 */
const relocate = (
  error: Validation.ValidationError | undefined,
  from: number,
  to: number
): Validation.ValidationError | undefined =>
  error === undefined || from === to
    ? error
    : new Validation.ValidationError({
        rule: error.rule,
        ...(error.turn === undefined ? {} : { turn: error.turn === from ? to : error.turn }),
        ...(error.block === undefined ? {} : { block: error.block }),
        message: error.message.replaceAll(`messages[${from}]`, `messages[${to}]`)
      })

const push = (
  self: ConversationImpl,
  message: Message.MessageParam
): Either.Either<ConversationImpl, Validation.ValidationError> => {
  const index = self.length
  // A system message is no turn of the alternation: nothing to check, never merged with anything.
  if (message.role === "system") {
    return Either.right(self.with(self.sealed(), index, message, self.turn, self.before))
  }
  const options = { apiVersion: self.apiVersion }
  const sameRole = self.turn >= 0 && self.roleAt(self.turn) === message.role
  const continues = sameRole && (message.role === "assistant" || self.consecutiveUsers === "merge")
  const before = self.before
  const previous = before >= 0 ? self.at(before) : undefined
  if (continues) {
    // The API treats consecutive turns of one role (system messages between them or not) as one turn; so does the
    // conversation, explicitly. Only the new blocks are checked: the turn they join was checked when it was appended.
    const added = blocksOf(message.content)
    const last = self.last!
    if (self.turn === self.size) {
      // right after the turn: merged into it
      const merged = last instanceof Merged ? last : undefined
      const content = merged === undefined ? blocksOf(messageOf(last).content) : undefined
      const count = merged?.count ?? content!.length
      const lastBlock = merged !== undefined ? merged.blocks[count - 1] : content![count - 1]
      const error = relocate(
        Validation.checkAppend({ role: message.role, index: before + 1, count, lastBlock }, added, previous, options),
        before + 1,
        self.size
      )
      if (error !== undefined) return Either.left(error)
      const blocks =
        merged === undefined
          ? [...content!]
          : merged.blocks.length === count
            ? merged.blocks
            : merged.blocks.slice(0, count)
      for (const block of added) blocks.push(block)
      const head = merged?.head ?? messageOf(last)
      return Either.right(
        self.with(self.items, self.size, new Merged(head, blocks, count + added.length), self.turn, before)
      )
    }
    // after system messages: a message of its own, checked as the continuation of the turn before them
    const joined = blocksOf(self.at(self.turn).content)
    const error = relocate(
      Validation.checkAppend(
        { role: message.role, index: before + 1, count: 0, lastBlock: joined[joined.length - 1] },
        added,
        previous,
        options
      ),
      before + 1,
      index
    )
    if (error !== undefined) return Either.left(error)
    return Either.right(self.with(self.sealed(), index, message, index, before))
  }
  const turn = self.turn
  const error = relocate(
    Validation.checkTurn(message, turn + 1, turn >= 0 ? self.at(turn) : undefined, options),
    turn + 1,
    index
  )
  return error === undefined ? Either.right(self.with(self.sealed(), index, message, index, turn)) : Either.left(error)
}

// =============================================================================
// Constructors
// =============================================================================

/**
 * An empty conversation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: Options | undefined): Conversation =>
  new ConversationImpl(
    options?.system,
    options?.consecutiveUsers ?? "merge",
    options?.apiVersion,
    [],
    0,
    undefined,
    -1,
    -1
  )

/**
 * A conversation holding existing turns, checked as if appended one by one (consecutive assistant turns, and user
 * turns under `consecutiveUsers: "merge"`, are merged).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromMessages = (
  messages: ReadonlyArray<Message.MessageParam>,
  options?: Options | undefined
): Either.Either<Conversation, Validation.ValidationError> => {
  let conversation = impl(make(options))
  for (const message of messages) {
    const next = push(conversation, message)
    if (Either.isLeft(next)) return next
    conversation = next.right
  }
  return Either.right(conversation)
}

/**
 * Whether a value is a {@link Conversation}.
 *
 * @since 0.1.0
 * @category guards
 */
export const isConversation = (u: unknown): u is Conversation => u instanceof ConversationImpl

// =============================================================================
// Appending
// =============================================================================

/**
 * Appends user input: text, a block (image, document, ...) or blocks. The turn is checked against the previous
 * assistant turn: every `tool_use` there must be answered, tool results must come first and answer a `tool_use`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const appendUser: {
  (input: UserInput): (self: Conversation) => Either.Either<Conversation, Validation.ValidationError>
  (self: Conversation, input: UserInput): Either.Either<Conversation, Validation.ValidationError>
} = dual(
  2,
  (self: Conversation, input: UserInput): Either.Either<Conversation, Validation.ValidationError> =>
    push(impl(self), {
      role: "user",
      content:
        typeof input === "string" || Array.isArray(input)
          ? (input as string | ReadonlyArray<Content.ContentBlock>)
          : [input as Content.ContentBlock]
    })
)

/**
 * Appends the tool results answering the last assistant turn's `tool_use` blocks; every `tool_use` must be answered.
 *
 * @since 0.1.0
 * @category combinators
 */
export const appendToolResults: {
  (
    results: ReadonlyArray<Content.ToolResultBlock>
  ): (self: Conversation) => Either.Either<Conversation, Validation.ValidationError>
  (
    self: Conversation,
    results: ReadonlyArray<Content.ToolResultBlock>
  ): Either.Either<Conversation, Validation.ValidationError>
} = dual(
  2,
  (
    self: Conversation,
    results: ReadonlyArray<Content.ToolResultBlock>
  ): Either.Either<Conversation, Validation.ValidationError> => push(impl(self), { role: "user", content: results })
)

/**
 * Appends the assistant's reply: a `Message` from the API, or anything with `content`. Only `content` is kept (the
 * id, usage and stop reason are not sent back). After an assistant turn (a prefill, or a `pause_turn` reply) the
 * content is appended to that turn, since the reply continues it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const appendAssistant: {
  (message: {
    readonly content: Message.MessageParam["content"]
  }): (self: Conversation) => Either.Either<Conversation, Validation.ValidationError>
  (
    self: Conversation,
    message: { readonly content: Message.MessageParam["content"] }
  ): Either.Either<Conversation, Validation.ValidationError>
} = dual(
  2,
  (
    self: Conversation,
    message: { readonly content: Message.MessageParam["content"] }
  ): Either.Either<Conversation, Validation.ValidationError> =>
    push(impl(self), { role: "assistant", content: message.content })
)

/**
 * Appends a `role: "system"` message (API version 2026-10-21): instructions from this point of the conversation on,
 * given as text, text blocks, or the message's fields without `role` (beta `clear_at`, `output_config`). It is no
 * turn: nothing is checked, it is never merged with the message before it (consecutive system messages stay
 * apart), and the turn after it is checked against the last turn before it.
 *
 * @since 0.2.0
 * @category combinators
 */
export const appendSystem: {
  (
    input: string | ReadonlyArray<Content.ContentBlock> | Omit<Message.SystemMessageParam, "role">
  ): (self: Conversation) => Either.Either<Conversation, Validation.ValidationError>
  (
    self: Conversation,
    input: string | ReadonlyArray<Content.ContentBlock> | Omit<Message.SystemMessageParam, "role">
  ): Either.Either<Conversation, Validation.ValidationError>
} = dual(
  2,
  (
    self: Conversation,
    input: string | ReadonlyArray<Content.ContentBlock> | Omit<Message.SystemMessageParam, "role">
  ): Either.Either<Conversation, Validation.ValidationError> =>
    push(
      impl(self),
      typeof input === "string" || Array.isArray(input)
        ? { role: "system", content: input as string | ReadonlyArray<Content.ContentBlock> }
        : { ...(input as Omit<Message.SystemMessageParam, "role">), role: "system" }
    )
)

/**
 * Prefills the assistant's reply: the model continues from this text. The text must not end with whitespace.
 * Some models reject prefills (see `Validation.prefillUnsupportedModels`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const prefill: {
  (text: string): (self: Conversation) => Either.Either<Conversation, Validation.ValidationError>
  (self: Conversation, text: string): Either.Either<Conversation, Validation.ValidationError>
} = dual(
  2,
  (self: Conversation, text: string): Either.Either<Conversation, Validation.ValidationError> =>
    Either.flatMap(push(impl(self), { role: "assistant", content: text }), (next) => {
      const error = Validation.checkPrefill(messageOf(next.last!), next.length - 1)
      return error === undefined ? Either.right(next) : Either.left(error)
    })
)

/**
 * Replaces the system prompt (`undefined` removes it).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withSystem: {
  (system: Request.SystemPrompt | undefined): (self: Conversation) => Conversation
  (self: Conversation, system: Request.SystemPrompt | undefined): Conversation
} = dual(2, (self: Conversation, system: Request.SystemPrompt | undefined): Conversation => {
  const { consecutiveUsers, apiVersion, items, size, last, turn, before } = impl(self)
  return new ConversationImpl(system, consecutiveUsers, apiVersion, items, size, last, turn, before)
})

// =============================================================================
// Reading
// =============================================================================

/**
 * The request's `messages`: every turn, in order.
 *
 * @since 0.1.0
 * @category getters
 */
export const messages = (self: Conversation): ReadonlyArray<Message.MessageParam> => impl(self).messages

/**
 * The last turn, if any.
 *
 * @since 0.1.0
 * @category getters
 */
export const lastTurn = (self: Conversation): Message.MessageParam | undefined => {
  const last = impl(self).last
  return last === undefined ? undefined : messageOf(last)
}

/**
 * The `tool_use` blocks of the last turn when it is an assistant turn (`role: "system"` messages after it are no
 * turns): the calls the next user turn must answer.
 *
 * @since 0.1.0
 * @category getters
 */
export const pendingToolUses = (self: Conversation): ReadonlyArray<Content.ToolUseBlock> => {
  const conversation = impl(self)
  const last = conversation.turn >= 0 ? conversation.at(conversation.turn) : undefined
  if (last === undefined || last.role !== "assistant" || typeof last.content === "string") return []
  return last.content.filter((block): block is Content.ToolUseBlock => block.type === "tool_use")
}

/**
 * The request for this conversation: `messages` and `system` from the conversation, the rest from `params`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toRequest: {
  (params: RequestParams): (self: Conversation) => Request.MessagesRequest
  (self: Conversation, params: RequestParams): Request.MessagesRequest
} = dual(
  2,
  (self: Conversation, params: RequestParams): Request.MessagesRequest => ({
    ...params,
    messages: messages(self),
    ...(self.system === undefined ? {} : { system: self.system })
  })
)

// =============================================================================
// Storage
// =============================================================================

const Turns = Schema.Struct({
  system: Schema.optional(Request.SystemPrompt),
  messages: Schema.Array(Message.MessageParam)
})

const Stored = Schema.Struct({
  system: Schema.optional(Schema.Unknown),
  messages: Schema.Array(Schema.Unknown),
  consecutiveUsers: Schema.optional(Schema.Literal("merge", "reject")),
  apiVersion: Schema.optional(Validation.ApiVersion)
})

/**
 * The stored form of a conversation.
 *
 * @since 0.1.0
 * @category models
 */
export interface Json {
  readonly system?: typeof Request.SystemPrompt.Encoded | undefined
  readonly messages: ReadonlyArray<typeof Message.MessageParam.Encoded>
  readonly consecutiveUsers?: Validation.ConsecutiveUsers | undefined
  readonly apiVersion?: Validation.ApiVersion | undefined
}

/**
 * A conversation as JSON, for storage: `{ system?, messages, consecutiveUsers?, apiVersion? }`. Decoding checks the
 * turns with the wire schemas and the conversation rules again (a tampered history fails with the
 * `ValidationError`'s message); unknown blocks and fields are kept. Encoding is a plain copy, as the turns are
 * already in wire form (the wire schemas have no transformations). Use `Schema.parseJson(Conversation.Json)` to go
 * to and from a string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Json: Schema.Schema<Conversation, Json> = Schema.transformOrFail(
  Schema.compose(Wire.SafeJson, Stored, { strict: false }),
  Schema.declare(isConversation, { identifier: "Conversation" }),
  {
    strict: true,
    decode: (stored, options, ast) =>
      ParseResult.decodeUnknown(Turns)(stored, options).pipe(
        Effect.flatMap((turns) =>
          fromMessages(turns.messages, { ...stored, system: turns.system }).pipe(
            Either.mapLeft((error) => new ParseResult.Type(ast, stored, error.message))
          )
        )
      ),
    encode: (self) =>
      ParseResult.succeed({
        ...(self.system === undefined ? {} : { system: self.system }),
        messages: messages(self),
        consecutiveUsers: self.consecutiveUsers,
        ...(self.apiVersion === undefined ? {} : { apiVersion: self.apiVersion })
      })
  }
) as Schema.Schema<Conversation, typeof Stored.Encoded> as unknown as Schema.Schema<Conversation, Json>
