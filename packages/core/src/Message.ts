/**
 * Messages: the turns a request sends (`MessageParam`) and the assistant `Message` a response returns, with its
 * stop reason and token usage.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ContentBlock, knownBlockTypes, type TextBlock } from "./Content.js"
import { open, openLiteral, openUnion, optionalNullable, type UnknownMember } from "./Wire.js"

/**
 * Who wrote a turn: `user`, `assistant`, or `system` (a `role: "system"` message in `messages`, API version
 * 2026-10-21 and later). The set is closed: a turn's role decides how the API reads it.
 *
 * @since 0.1.0
 */
export const Role = Schema.Literal("user", "assistant", "system")
/** @since 0.1.0 */
export type Role = typeof Role.Type

const turnContent = Schema.Union(Schema.String, Schema.Array(ContentBlock))

const userMessageParamFields = { role: Schema.Literal("user"), content: turnContent }

/**
 * The schema type of {@link UserMessageParam}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface UserMessageParamSchema extends Schema.Struct<typeof userMessageParamFields> {}

/**
 * A user turn of a request's `messages`: a string or a list of content blocks.
 *
 * @since 0.1.0
 */
export const UserMessageParam: UserMessageParamSchema = open(userMessageParamFields).annotations({
  identifier: "UserMessageParam"
})
/** @since 0.1.0 */
export type UserMessageParam = typeof UserMessageParam.Type

const assistantMessageParamFields = { role: Schema.Literal("assistant"), content: turnContent }

/**
 * The schema type of {@link AssistantMessageParam}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface AssistantMessageParamSchema extends Schema.Struct<typeof assistantMessageParamFields> {}

/**
 * An assistant turn of a request's `messages` (history, or a prefill).
 *
 * @since 0.1.0
 */
export const AssistantMessageParam: AssistantMessageParamSchema = open(assistantMessageParamFields).annotations({
  identifier: "AssistantMessageParam"
})
/** @since 0.1.0 */
export type AssistantMessageParam = typeof AssistantMessageParam.Type

/** The block types a system message may hold: text, and (beta) tool additions and removals. */
const systemBlockTypes: ReadonlySet<string> = new Set(["text", "tool_addition", "tool_removal"])
const knownTypes: ReadonlySet<string> = new Set(knownBlockTypes)

const systemMessageOutputConfigFields = {
  effort: optionalNullable(openLiteral("low", "medium", "high", "xhigh", "max"))
}

/**
 * The schema type of {@link SystemMessageOutputConfig}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface SystemMessageOutputConfigSchema extends Schema.Struct<typeof systemMessageOutputConfigFields> {}

/**
 * Per-message output settings of a system message (beta): the effort for the turns it applies to.
 *
 * @since 0.1.0
 */
export const SystemMessageOutputConfig: SystemMessageOutputConfigSchema = open(
  systemMessageOutputConfigFields
).annotations({ identifier: "SystemMessageOutputConfig" })
/** @since 0.1.0 */
export type SystemMessageOutputConfig = typeof SystemMessageOutputConfig.Type

const systemMessageParamFields = {
  role: Schema.Literal("system"),
  content: Schema.Union(
    Schema.String,
    Schema.Array(ContentBlock).pipe(
      Schema.filter(
        (blocks) => blocks.every((block) => systemBlockTypes.has(block.type) || !knownTypes.has(block.type)),
        { message: () => "a system message holds only text, tool_addition and tool_removal blocks" }
      )
    )
  ),
  clear_at: optionalNullable(openLiteral("next_user_message", "never")),
  output_config: optionalNullable(SystemMessageOutputConfig)
}

/**
 * The schema type of {@link SystemMessageParam}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface SystemMessageParamSchema extends Schema.Struct<typeof systemMessageParamFields> {}

/**
 * A `role: "system"` message in `messages` (API version 2026-10-21): instructions from this point of the
 * conversation on. Its content is a string or text blocks (beta: also `tool_addition` and `tool_removal` blocks);
 * a known block of another type fails, a block of a future type is kept. Beta `clear_at` says how long it stays in
 * front of the model, `output_config` sets the effort per turn.
 *
 * @since 0.1.0
 */
export const SystemMessageParam: SystemMessageParamSchema = open(systemMessageParamFields).annotations({
  identifier: "SystemMessageParam"
})
/** @since 0.1.0 */
export type SystemMessageParam = typeof SystemMessageParam.Type

/**
 * The schema type of {@link MessageParam}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface MessageParamSchema
  extends Schema.Union<[typeof UserMessageParam, typeof AssistantMessageParam, typeof SystemMessageParam]> {}

/**
 * A message with content: a user, assistant or system message. This is what a `Conversation` holds and what code
 * reads turns through, so `MessageParam["content"]` is always there. A request's `messages` may also hold a
 * content-less system message (beta): see {@link RequestMessage}.
 *
 * @since 0.1.0
 */
export const MessageParam: MessageParamSchema = Schema.Union(
  UserMessageParam,
  AssistantMessageParam,
  SystemMessageParam
).annotations({
  identifier: "MessageParam"
})
/** @since 0.1.0 */
export type MessageParam = typeof MessageParam.Type

const systemSettingsParamFields = {
  role: Schema.Literal("system"),
  // absent by definition: a system message with content is a SystemMessageParam (and fails there if invalid)
  content: Schema.optional(Schema.Never),
  clear_at: optionalNullable(openLiteral("next_user_message", "never")),
  output_config: optionalNullable(SystemMessageOutputConfig)
}

/**
 * The schema type of {@link SystemSettingsParam}: a named interface keeps declarations small.
 *
 * @since 0.2.0
 */
export interface SystemSettingsParamSchema extends Schema.Struct<typeof systemSettingsParamFields> {}

/**
 * A `role: "system"` message without `content` (beta, `BetaSystemMessageParam` with no content): it only changes
 * the per-turn settings (`output_config`, e.g. the effort) from this point of the conversation on. It is not a turn
 * and holds nothing to read, so it is kept apart from {@link MessageParam} (whose `content` is always there); only a
 * request's `messages` ({@link RequestMessage}) holds it. The API rejects one that has no `output_config` setting
 * either (the linter's `EmptyContent`).
 *
 * @since 0.2.0
 */
export const SystemSettingsParam: SystemSettingsParamSchema = open(systemSettingsParamFields).annotations({
  identifier: "SystemSettingsParam"
})
/** @since 0.2.0 */
export type SystemSettingsParam = typeof SystemSettingsParam.Type

/**
 * The schema type of {@link RequestMessage}: a named interface keeps declarations small.
 *
 * @since 0.2.0
 */
export interface RequestMessageSchema extends Schema.Union<[MessageParamSchema, SystemSettingsParamSchema]> {}

/**
 * One entry of a request's `messages` as the wire allows it: a {@link MessageParam}, or (beta) a content-less
 * system message ({@link SystemSettingsParam}). Code that reads `content` narrows with {@link hasContent} first.
 *
 * @since 0.2.0
 */
export const RequestMessage: RequestMessageSchema = Schema.Union(MessageParam, SystemSettingsParam).annotations({
  identifier: "RequestMessage"
})
/** @since 0.2.0 */
export type RequestMessage = typeof RequestMessage.Type

/**
 * Whether an entry of a request's `messages` has content (is a {@link MessageParam}), as opposed to a content-less
 * system message that only changes settings.
 *
 * @since 0.2.0
 */
export const hasContent = (message: RequestMessage): message is MessageParam => message.content !== undefined

/**
 * The stop reasons documented today. {@link StopReason} accepts any future string too.
 *
 * @since 0.1.0
 */
export const knownStopReasons = [
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
  "model_context_window_exceeded",
  "compaction"
] as const

/**
 * A documented stop reason.
 *
 * @since 0.1.0
 */
export type KnownStopReason = (typeof knownStopReasons)[number]

/**
 * Why the model stopped: a documented reason or any future string.
 *
 * @since 0.1.0
 */
export const StopReason = openLiteral(...knownStopReasons)
/** @since 0.1.0 */
export type StopReason = typeof StopReason.Type

const cacheCreationFields = {
  ephemeral_5m_input_tokens: Schema.Number,
  ephemeral_1h_input_tokens: Schema.Number
}

/**
 * The schema type of {@link CacheCreation}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CacheCreationSchema extends Schema.Struct<typeof cacheCreationFields> {}

/**
 * Cache-write tokens split by cache lifetime.
 *
 * @since 0.1.0
 */
export const CacheCreation: CacheCreationSchema = open(cacheCreationFields).annotations({ identifier: "CacheCreation" })
/** @since 0.1.0 */
export type CacheCreation = typeof CacheCreation.Type

const serverToolUsageFields = {
  web_search_requests: Schema.optional(Schema.Number),
  web_fetch_requests: Schema.optional(Schema.Number)
}

/**
 * The schema type of {@link ServerToolUsage}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ServerToolUsageSchema extends Schema.Struct<typeof serverToolUsageFields> {}

/**
 * Server tool requests billed in this response.
 *
 * @since 0.1.0
 */
export const ServerToolUsage: ServerToolUsageSchema = open(serverToolUsageFields).annotations({
  identifier: "ServerToolUsage"
})
/** @since 0.1.0 */
export type ServerToolUsage = typeof ServerToolUsage.Type

const outputTokensDetailsFields = { thinking_tokens: Schema.Number }

/**
 * The schema type of {@link OutputTokensDetails}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface OutputTokensDetailsSchema extends Schema.Struct<typeof outputTokensDetailsFields> {}

/**
 * A breakdown of output tokens: those spent thinking.
 *
 * @since 0.1.0
 */
export const OutputTokensDetails: OutputTokensDetailsSchema = open(outputTokensDetailsFields).annotations({
  identifier: "OutputTokensDetails"
})
/** @since 0.1.0 */
export type OutputTokensDetails = typeof OutputTokensDetails.Type

const iterationTokens = {
  cache_creation: optionalNullable(CacheCreation),
  cache_creation_input_tokens: Schema.Number,
  cache_read_input_tokens: Schema.Number,
  input_tokens: Schema.Number,
  output_tokens: Schema.Number
}

const messageIteration = open({
  type: Schema.Literal("message"),
  model: optionalNullable(Schema.String),
  ...iterationTokens
}).annotations({
  identifier: "MessageIterationUsage"
})

const compactionIteration = open({ type: Schema.Literal("compaction"), ...iterationTokens }).annotations({
  identifier: "CompactionIterationUsage"
})

const advisorMessageIteration = open({
  type: Schema.Literal("advisor_message"),
  model: Schema.String,
  ...iterationTokens
}).annotations({
  identifier: "AdvisorMessageIterationUsage"
})

const fallbackMessageIteration = open({
  type: Schema.Literal("fallback_message"),
  model: Schema.String,
  ...iterationTokens
}).annotations({
  identifier: "FallbackMessageIterationUsage"
})

/**
 * The schema type of {@link IterationUsage}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface IterationUsageSchema
  extends Schema.Union<
    [
      typeof messageIteration,
      typeof compactionIteration,
      typeof advisorMessageIteration,
      typeof fallbackMessageIteration,
      UnknownMember
    ]
  > {}

/**
 * Beta: the usage of one sampling iteration of a response (the message itself, a compaction, an advisor call, a
 * fallback model); future kinds are kept.
 *
 * @since 0.1.0
 */
export const IterationUsage: IterationUsageSchema = openUnion(
  "iteration usage",
  "UnknownIterationUsage",
  messageIteration,
  compactionIteration,
  advisorMessageIteration,
  fallbackMessageIteration
)
/** @since 0.1.0 */
export type IterationUsage = typeof IterationUsage.Type

const fallbackCreditUsageFields = {
  status: openUnion(
    "fallback credit status",
    "UnknownFallbackCreditStatus",
    open({ type: Schema.Literal("redeemed") }).annotations({ identifier: "FallbackCreditRedeemed" }),
    open({
      type: Schema.Literal("not_applied"),
      reason: openLiteral(
        "body_mismatch",
        "continuation_excluded",
        "continuation_only",
        "expired",
        "invalid_target_model",
        "not_enabled",
        "reprice_unavailable",
        "temporarily_unavailable",
        "variant_fields_present",
        "wrong_organization",
        "wrong_platform",
        "wrong_workspace"
      ),
      remove_to_redeem: optionalNullable(Schema.Array(Schema.String))
    }).annotations({ identifier: "FallbackCreditNotApplied" })
  )
}

/**
 * The schema type of {@link FallbackCreditUsage}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface FallbackCreditUsageSchema extends Schema.Struct<typeof fallbackCreditUsageFields> {}

/**
 * Beta: whether a fallback credit token was redeemed on this request, and if not why.
 *
 * @since 0.1.0
 */
export const FallbackCreditUsage: FallbackCreditUsageSchema = open(fallbackCreditUsageFields).annotations({
  identifier: "FallbackCreditUsage"
})
/** @since 0.1.0 */
export type FallbackCreditUsage = typeof FallbackCreditUsage.Type

const usageFields = {
  input_tokens: Schema.Number,
  output_tokens: Schema.Number,
  cache_creation_input_tokens: optionalNullable(Schema.Number),
  cache_read_input_tokens: optionalNullable(Schema.Number),
  cache_creation: optionalNullable(CacheCreation),
  server_tool_use: optionalNullable(ServerToolUsage),
  service_tier: optionalNullable(openLiteral("standard", "priority", "batch")),
  inference_geo: optionalNullable(Schema.String),
  output_tokens_details: optionalNullable(OutputTokensDetails),
  speed: optionalNullable(openLiteral("standard", "fast")),
  iterations: optionalNullable(Schema.Array(IterationUsage)),
  fallback_credit: optionalNullable(FallbackCreditUsage)
}

/**
 * The schema type of {@link Usage}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface UsageSchema extends Schema.Struct<typeof usageFields> {}

/**
 * Token usage of a response. In streams, `message_delta` carries cumulative counts.
 *
 * @since 0.1.0
 */
export const Usage: UsageSchema = open(usageFields).annotations({ identifier: "Usage" })
/** @since 0.1.0 */
export type Usage = typeof Usage.Type

const containerFields = {
  id: Schema.String,
  expires_at: Schema.String,
  skills: optionalNullable(
    Schema.Array(
      open({
        skill_id: Schema.String,
        type: openLiteral("anthropic", "custom"),
        version: Schema.String
      }).annotations({ identifier: "ContainerSkill" })
    )
  )
}

/**
 * The schema type of {@link Container}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContainerSchema extends Schema.Struct<typeof containerFields> {}

/**
 * The code-execution container a response ran in: its id (send it back as the request's `container` to reuse it),
 * its expiry, and the skills loaded in it.
 *
 * @since 0.1.0
 */
export const Container: ContainerSchema = open(containerFields).annotations({ identifier: "Container" })
/** @since 0.1.0 */
export type Container = typeof Container.Type

const refusalStopDetails = open({
  type: Schema.Literal("refusal"),
  category: optionalNullable(openLiteral("cyber", "bio", "frontier_llm", "reasoning_extraction", "general_harms")),
  explanation: optionalNullable(Schema.String),
  fallback_credit_token: optionalNullable(Schema.String),
  fallback_has_prefill_claim: optionalNullable(Schema.Boolean),
  recommended_model: optionalNullable(Schema.String)
}).annotations({ identifier: "RefusalStopDetails" })

/**
 * The schema type of {@link StopDetails}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface StopDetailsSchema extends Schema.Union<[typeof refusalStopDetails, UnknownMember]> {}

/**
 * Why the model stopped, in more detail than `stop_reason`: for a `refusal`, its category and explanation (beta: a
 * fallback credit token and a recommended model); future kinds are kept.
 *
 * @since 0.1.0
 */
export const StopDetails: StopDetailsSchema = openUnion("stop details", "UnknownStopDetails", refusalStopDetails)
/** @since 0.1.0 */
export type StopDetails = typeof StopDetails.Type

const missed = { cache_missed_input_tokens: Schema.Number }

const modelChanged = open({ type: Schema.Literal("model_changed"), ...missed })

const systemChanged = open({ type: Schema.Literal("system_changed"), ...missed })

const toolsChanged = open({ type: Schema.Literal("tools_changed"), ...missed })

const messagesChanged = open({ type: Schema.Literal("messages_changed"), ...missed })

const previousMessageNotFound = open({ type: Schema.Literal("previous_message_not_found") })

const cacheUnavailable = open({ type: Schema.Literal("unavailable") })

/**
 * The schema type of {@link CacheMissReason}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CacheMissReasonSchema
  extends Schema.Union<
    [
      typeof modelChanged,
      typeof systemChanged,
      typeof toolsChanged,
      typeof messagesChanged,
      typeof previousMessageNotFound,
      typeof cacheUnavailable,
      UnknownMember
    ]
  > {}

/**
 * Why the prompt cache missed (the request's `diagnostics.previous_message_id` asks for it); future reasons are kept.
 *
 * @since 0.1.0
 */
export const CacheMissReason: CacheMissReasonSchema = openUnion(
  "cache miss reason",
  "UnknownCacheMissReason",
  modelChanged,
  systemChanged,
  toolsChanged,
  messagesChanged,
  previousMessageNotFound,
  cacheUnavailable
)
/** @since 0.1.0 */
export type CacheMissReason = typeof CacheMissReason.Type

const diagnosticsFields = { cache_miss_reason: optionalNullable(CacheMissReason) }

/**
 * The schema type of {@link Diagnostics}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface DiagnosticsSchema extends Schema.Struct<typeof diagnosticsFields> {}

/**
 * Diagnostics of a response: why the prompt cache missed.
 *
 * @since 0.1.0
 */
export const Diagnostics: DiagnosticsSchema = open(diagnosticsFields).annotations({
  identifier: "Diagnostics"
})
/** @since 0.1.0 */
export type Diagnostics = typeof Diagnostics.Type

const contextManagementResponseFields = {
  applied_edits: Schema.Array(
    openUnion(
      "applied context edit",
      "UnknownAppliedEdit",
      open({
        type: Schema.Literal("clear_tool_uses_20250919"),
        cleared_input_tokens: Schema.Number,
        cleared_tool_uses: Schema.Number
      }).annotations({ identifier: "ClearToolUsesEditResponse" }),
      open({
        type: Schema.Literal("clear_thinking_20251015"),
        cleared_input_tokens: Schema.Number,
        cleared_thinking_turns: Schema.Number
      }).annotations({ identifier: "ClearThinkingEditResponse" })
    )
  )
}

/**
 * The schema type of {@link ContextManagementResponse}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContextManagementResponseSchema extends Schema.Struct<typeof contextManagementResponseFields> {}

/**
 * Beta: the context-management edits the API applied before sampling; future kinds are kept.
 *
 * @since 0.1.0
 */
export const ContextManagementResponse: ContextManagementResponseSchema = open(
  contextManagementResponseFields
).annotations({ identifier: "ContextManagementResponse" })
/** @since 0.1.0 */
export type ContextManagementResponse = typeof ContextManagementResponse.Type

const bindingReason = openLiteral(
  "model_binding_mismatch",
  "prefix_binding_mismatch",
  "organization_binding_mismatch",
  "end_user_binding_mismatch"
)

const thinkingDropped = open({
  type: Schema.Literal("thinking_dropped"),
  path: Schema.String,
  reason: bindingReason
})

const thinkingMismatchAllowed = open({
  type: Schema.Literal("thinking_mismatch_allowed"),
  path: Schema.String,
  reason: bindingReason
})

/**
 * The schema type of {@link InputTransformation}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface InputTransformationSchema
  extends Schema.Union<[typeof thinkingDropped, typeof thinkingMismatchAllowed, UnknownMember]> {}

/**
 * Beta: a change the API made to the input (a thinking block dropped, or accepted despite a binding mismatch);
 * future kinds are kept.
 *
 * @since 0.1.0
 */
export const InputTransformation: InputTransformationSchema = openUnion(
  "input transformation",
  "UnknownInputTransformation",
  thinkingDropped,
  thinkingMismatchAllowed
)
/** @since 0.1.0 */
export type InputTransformation = typeof InputTransformation.Type

const messageFields = {
  id: Schema.String,
  type: Schema.Literal("message"),
  role: Schema.Literal("assistant"),
  content: Schema.Array(ContentBlock),
  model: Schema.optional(Schema.String),
  stop_reason: optionalNullable(StopReason),
  stop_sequence: optionalNullable(Schema.String),
  stop_details: optionalNullable(StopDetails),
  usage: Schema.optional(Usage),
  container: optionalNullable(Container),
  diagnostics: optionalNullable(Diagnostics),
  context_management: optionalNullable(ContextManagementResponse),
  input_transformations: optionalNullable(Schema.Array(InputTransformation))
}

/**
 * The schema type of {@link Message}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface MessageSchema extends Schema.Struct<typeof messageFields> {}

/**
 * The assistant's reply. `model`, `stop_sequence` and `usage` may be absent in older or abridged responses (some
 * documented examples omit them), so they are optional and keep their absence on re-encode; so are the fields the
 * API added later (`container`, `stop_details`, `diagnostics`, beta `context_management`, `input_transformations`).
 *
 * @since 0.1.0
 */
export const Message: MessageSchema = open(messageFields).annotations({ identifier: "Message" })
/** @since 0.1.0 */
export type Message = typeof Message.Type

/**
 * A user turn.
 *
 * @since 0.1.0
 */
export const user = (content: string | ReadonlyArray<ContentBlock>): MessageParam => ({ role: "user", content })

/**
 * An assistant turn (e.g. a prefill, or history written by hand).
 *
 * @since 0.1.0
 */
export const assistant = (content: string | ReadonlyArray<ContentBlock>): MessageParam => ({
  role: "assistant",
  content
})

/**
 * The concatenated text of a message's text blocks ("" for a content-less system message).
 *
 * @since 0.1.0
 */
export const textOf = (message: { readonly content?: string | ReadonlyArray<ContentBlock> | undefined }): string =>
  typeof message.content === "string"
    ? message.content
    : message.content === undefined
      ? ""
      : message.content
          .filter((block): block is TextBlock => block.type === "text")
          .map((block) => block.text)
          .join("")
