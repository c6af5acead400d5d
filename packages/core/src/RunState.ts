/**
 * The state of an agent run between two steps, as a Schema: everything a loop needs to take the next step with
 * every limit intact — the conversation, the model calls and tool calls made, the tokens used, the active time
 * spent, the repeated-call guard, the answer so far, and the tool calls of the last turn still waiting for results.
 * It encodes to plain JSON, so a run can be stopped between steps, stored, and continued in another process.
 *
 * @example
 * ```ts
 * import { RunState } from "@parley/core"
 * import { Schema } from "effect"
 *
 * const store = (state: RunState.RunState) => JSON.stringify(Schema.encodeSync(RunState.RunState)(state))
 * const load = (json: string) => Schema.decodeUnknownSync(RunState.RunState)(JSON.parse(json))
 * ```
 *
 * @since 0.2.0
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Content from "./Content.js"
import * as Conversation from "./Conversation.js"
import * as Message from "./Message.js"
import * as Wire from "./Wire.js"

/**
 * Token usage summed over a run's model calls (`total` = input + output + cache writes + cache reads).
 *
 * @since 0.2.0
 * @category schemas
 */
export const UsageTotals = Schema.Struct({
  inputTokens: Schema.Number,
  outputTokens: Schema.Number,
  cacheCreationInputTokens: Schema.Number,
  cacheReadInputTokens: Schema.Number,
  total: Schema.Number
}).annotations({ identifier: "@parley/core/RunState/UsageTotals" })

/**
 * @since 0.2.0
 * @category models
 */
export type UsageTotals = typeof UsageTotals.Type

/**
 * The repeated-call guard: the last tool call (name and input) and how many times in a row it was made.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Guard = Schema.Struct({
  last: Schema.optional(Schema.Struct({ name: Schema.String, input: Schema.Unknown })),
  count: Schema.Number
}).annotations({ identifier: "@parley/core/RunState/Guard" })

/**
 * @since 0.2.0
 * @category models
 */
export type Guard = typeof Guard.Type

/**
 * A decision about one tool call waiting for approval, supplied by a person or a policy after the step that
 * deferred it: run it (`allow`, optionally with an edited input) or answer it with a denial.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Decision = Schema.Union(
  Schema.Struct({ _tag: Schema.Literal("Allow"), input: Schema.optional(Schema.Unknown) }),
  Schema.Struct({ _tag: Schema.Literal("Deny"), reason: Schema.String })
).annotations({ identifier: "@parley/core/RunState/Decision" })

/**
 * @since 0.2.0
 * @category models
 */
export type Decision = typeof Decision.Type

/**
 * The tool calls of the last assistant turn when a step ended before all of them had a result (a call waits
 * for approval): the calls, the results already known, the calls waiting for a decision, and the decisions
 * supplied since.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Pending = Schema.Struct({
  turn: Schema.Number,
  calls: Schema.Array(Content.ToolUseBlock),
  results: Schema.Array(Content.ToolResultBlock),
  awaiting: Schema.Array(Schema.String),
  decisions: Schema.Record({ key: Schema.String, value: Decision })
}).annotations({ identifier: "@parley/core/RunState/Pending" })

/**
 * @since 0.2.0
 * @category models
 */
export type Pending = typeof Pending.Type

const runStateFields = Schema.Struct({
  runId: Schema.String,
  conversation: Conversation.Json,
  turns: Schema.Number,
  toolCalls: Schema.Number,
  usage: UsageTotals,
  elapsedMillis: Schema.Number,
  guard: Guard,
  text: Schema.String,
  message: Schema.optional(Message.Message),
  pending: Schema.optional(Pending)
})

/**
 * @since 0.2.0
 * @category models
 */
export type RunState = typeof runStateFields.Type

/**
 * @since 0.2.0
 * @category models
 */
export type Encoded = typeof runStateFields.Encoded

/**
 * The free-form JSON of a run state, kept as it came: the tool inputs of its blocks, the guard's last input
 * (`{ name, input }`) and an approval's replacement input (`{ _tag, input }`).
 */
const freeform = (parent: Record<string, unknown>, key: string): boolean =>
  Wire.isToolInput(parent, key) || (key === "input" && !("type" in parent) && ("name" in parent || "_tag" in parent))

const AnyEncoded = Schema.declare((_: unknown): _ is Encoded => true)

/**
 * A stored state's JSON before its schema sees it: refused when {@link Wire.unsafeJson} refuses it. Checked on
 * decode only: a state being stored was built from values already decoded.
 */
const SafeEncoded: Schema.Schema<Encoded> = Schema.transformOrFail(AnyEncoded, AnyEncoded, {
  strict: true,
  decode: (value, _, ast) => {
    const why = Wire.unsafeJson(value, { freeform })
    return why === undefined ? ParseResult.succeed(value) : ParseResult.fail(new ParseResult.Type(ast, undefined, why))
  },
  encode: ParseResult.succeed
}).annotations({ identifier: "SafeJson" })

/**
 * The state of a run between two steps.
 *
 * - `runId`: the run's id, kept across steps and processes.
 * - `conversation`: the conversation so far (encoded with `Conversation.Json`).
 * - `turns`, `toolCalls`: model calls made, `tool_use` blocks answered.
 * - `usage`: tokens used; `elapsedMillis`: active time spent in steps (the deadline counts this, so a run stored
 *   for a day is not past its deadline when it continues).
 * - `guard`: the repeated-call guard; `text`: the answer so far (continuations of `max_tokens` / `pause_turn`
 *   append to it); `message`: the last assistant message.
 * - `pending`: tool calls of the last turn still without a result (see {@link Pending}).
 *
 * Decoding refuses, with a typed `ParseError`, JSON that {@link Wire.unsafeJson} refuses (nested deeper than
 * `Wire.maxDepth`, an own `__proto__`, `toString`, `valueOf` or `toJSON` key) outside the state's free-form inputs
 * (tool inputs, the guard's last input, an approval's input), which are kept as they came: a stored state never
 * makes the decoder or its error's `message` throw, and no key of it becomes a prototype.
 *
 * @since 0.2.0
 * @category schemas
 */
export const RunState: Schema.Schema<RunState, Encoded> = Schema.compose(SafeEncoded, runStateFields).annotations({
  identifier: "@parley/core/RunState"
})

/**
 * A run state as a JSON string, for storage: `Schema.encode(RunState.Json)(state)` gives the string, decoding
 * checks it again (the conversation's rules included).
 *
 * @since 0.2.0
 * @category schemas
 */
export const Json: Schema.Schema<RunState, string> = Schema.parseJson(RunState)

/**
 * Whether a run is waiting for decisions about tool calls before it can take its next step.
 *
 * @since 0.2.0
 * @category guards
 */
export const isAwaitingApproval = (state: RunState): boolean =>
  state.pending?.awaiting.some((id) => state.pending?.decisions[id] === undefined) === true

/**
 * Supplies a decision about a call waiting for approval (by its `tool_use` id); the next step runs or denies it.
 * A decision for a call that is not waiting is ignored.
 *
 * @since 0.2.0
 * @category combinators
 */
export const decide = (state: RunState, id: string, decision: Decision): RunState =>
  state.pending === undefined || !state.pending.awaiting.includes(id)
    ? state
    : { ...state, pending: { ...state.pending, decisions: { ...state.pending.decisions, [id]: decision } } }
