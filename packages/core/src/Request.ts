/**
 * The bodies of `POST /v1/messages` and `POST /v1/messages/count_tokens`, and their parts: system prompt, tool
 * definitions, tool choice, thinking configuration. Unknown extra fields pass through.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { CacheControl, TextBlock } from "./Content.js"
import { ToolDefinition } from "./internal/tools.js"
import { RequestMessage } from "./Message.js"
import { open, openLiteral, openUnion, optionalNullable, type UnknownMember } from "./Wire.js"

/**
 * The system prompt: a string, or text blocks (which may carry `cache_control`).
 *
 * @since 0.1.0
 */
export const SystemPrompt = Schema.Union(Schema.String, Schema.Array(TextBlock))
/** @since 0.1.0 */
export type SystemPrompt = typeof SystemPrompt.Type

export {
  /** @since 0.1.0 */
  Advisor20260301,
  /** @since 0.1.0 */
  AllowedCaller,
  /** @since 0.1.0 */
  Bash20241022,
  /** @since 0.1.0 */
  Bash20250124,
  /** @since 0.1.0 */
  BrowserToolset20260801,
  /** @since 0.1.0 */
  type BrowserToolset20260801Schema,
  /** @since 0.1.0 */
  browserMemberNames,
  /** @since 0.1.0 */
  CodeExecution20250522,
  /** @since 0.1.0 */
  CodeExecution20250825,
  /** @since 0.1.0 */
  CodeExecution20260120,
  /** @since 0.1.0 */
  CodeExecution20260521,
  /** @since 0.1.0 */
  Computer20241022,
  /** @since 0.1.0 */
  Computer20250124,
  /** @since 0.1.0 */
  Computer20251124,
  /** @since 0.1.0 */
  ComputerToolset20260801,
  /** @since 0.1.0 */
  type ComputerToolset20260801Schema,
  /** @since 0.1.0 */
  CustomTool,
  /** @since 0.1.0 */
  type CustomToolSchema,
  /** @since 0.1.0 */
  computerMemberNames,
  /** @since 0.1.0 */
  InputSchema,
  /** @since 0.1.0 */
  type InputSchemaSchema,
  /** @since 0.1.0 */
  KnownTool,
  /** @since 0.1.0 */
  type KnownToolSchema,
  /** @since 0.1.0 */
  knownToolTypes,
  /** @since 0.1.0 */
  McpTool,
  /** @since 0.1.0 */
  type McpToolSchema,
  /** @since 0.1.0 */
  McpToolset,
  /** @since 0.1.0 */
  type McpToolsetSchema,
  /** @since 0.1.0 */
  Memory20250818,
  /** @since 0.1.0 */
  TextEditor20241022,
  /** @since 0.1.0 */
  TextEditor20250124,
  /** @since 0.1.0 */
  TextEditor20250429,
  /** @since 0.1.0 */
  TextEditor20250728,
  /** @since 0.1.0 */
  ToolDefinition,
  /** @since 0.1.0 */
  type ToolDefinitionSchema,
  /** @since 0.1.0 */
  ToolSearchBm25,
  /** @since 0.1.0 */
  type ToolSearchBm25Schema,
  /** @since 0.1.0 */
  ToolSearchRegex,
  /** @since 0.1.0 */
  type ToolSearchRegexSchema,
  /** @since 0.1.0 */
  ToolsetMemberConfig,
  /** @since 0.1.0 */
  type ToolsetMemberConfigSchema,
  /** @since 0.1.0 */
  UnknownTool,
  /** @since 0.1.0 */
  UserLocation,
  /** @since 0.1.0 */
  type UserLocationSchema,
  /** @since 0.1.0 */
  WebFetch20250910,
  /** @since 0.1.0 */
  WebFetch20260209,
  /** @since 0.1.0 */
  WebFetch20260309,
  /** @since 0.1.0 */
  WebFetch20260318,
  /** @since 0.1.0 */
  WebFetchUrlSources,
  /** @since 0.1.0 */
  type WebFetchUrlSourcesSchema,
  /** @since 0.1.0 */
  WebSearch20250305,
  /** @since 0.1.0 */
  WebSearch20260209,
  /** @since 0.1.0 */
  WebSearch20260318
} from "./internal/tools.js"

/**
 * The longest name the API accepts for a custom tool. The API's rule is `^[a-zA-Z0-9_-]{1,128}$`: its 400 says
 * `tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'` (since mid-2025; it was 64 before),
 * and the SDK's types state the same bound for custom tools ("1-128 characters; letters, digits, underscores, and
 * hyphens", `BetaManagedAgentsCustomTool`). `Tool.make`, `Tool.fromJsonSchema` and the linter's `InvalidToolName`
 * all read it from here.
 *
 * @since 0.2.0
 * @category tools
 */
export const maxToolNameLength = 128

/**
 * The custom tool names the API accepts: 1 to {@link maxToolNameLength} letters, digits, `_` and `-`.
 *
 * @since 0.2.0
 * @category tools
 */
export const toolNamePattern: RegExp = new RegExp(`^[a-zA-Z0-9_-]{1,${maxToolNameLength}}$`)

const toolNameRule = `must match ${toolNamePattern.source} (letters, digits, _ and -, 1 to ${maxToolNameLength} characters)`

const toolNameCharacter = /^[a-zA-Z0-9_-]$/

/**
 * Why the API would reject `name` as a custom tool's name, or `undefined` when it accepts it: the rule and what
 * breaks it (empty, too long, or the first character that is not allowed). A name over the limit is shown by its
 * first {@link maxToolNameLength} characters.
 *
 * @since 0.2.0
 * @category tools
 */
export const toolNameProblem = (name: string): string | undefined => {
  if (toolNamePattern.test(name)) return undefined
  if (name.length > maxToolNameLength) {
    return `"${name.slice(0, maxToolNameLength)}..." ${toolNameRule}: it is ${name.length} characters long`
  }
  if (name.length === 0) return `"" ${toolNameRule}: it is empty`
  let index = 0
  for (const char of name) {
    if (!toolNameCharacter.test(char))
      return `"${name}" ${toolNameRule}: ${JSON.stringify(char)} (at index ${index}) is not allowed`
    index += char.length
  }
  return `"${name}" ${toolNameRule}`
}

const parallel = { disable_parallel_tool_use: Schema.optional(Schema.Boolean) }

const toolChoiceAuto = open({ type: Schema.Literal("auto"), ...parallel }).annotations({ identifier: "ToolChoiceAuto" })

const toolChoiceAny = open({ type: Schema.Literal("any"), ...parallel }).annotations({ identifier: "ToolChoiceAny" })

const toolChoiceTool = open({ type: Schema.Literal("tool"), name: Schema.String, ...parallel }).annotations({
  identifier: "ToolChoiceTool"
})

const toolChoiceNone = open({ type: Schema.Literal("none") }).annotations({ identifier: "ToolChoiceNone" })

/**
 * The schema type of {@link ToolChoice}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolChoiceSchema
  extends Schema.Union<
    [typeof toolChoiceAuto, typeof toolChoiceAny, typeof toolChoiceTool, typeof toolChoiceNone, UnknownMember]
  > {}

/**
 * How the model may use tools: `auto`, `any`, one named `tool`, or `none`; future kinds are kept.
 *
 * @since 0.1.0
 */
export const ToolChoice: ToolChoiceSchema = openUnion(
  "tool choice",
  "UnknownToolChoice",
  toolChoiceAuto,
  toolChoiceAny,
  toolChoiceTool,
  toolChoiceNone
).annotations({ identifier: "ToolChoice" })
/** @since 0.1.0 */
export type ToolChoice = typeof ToolChoice.Type

const thinkingDisplay = {
  display: optionalNullable(openLiteral("summarized", "omitted", "updates")),
  block_binding: optionalNullable(
    open({ prefix_mismatch_behavior: optionalNullable(openLiteral("error", "drop_block")) }).annotations({
      identifier: "ThinkingBlockBinding"
    })
  )
}

const thinkingEnabled = open({
  type: Schema.Literal("enabled"),
  budget_tokens: Schema.Number,
  ...thinkingDisplay
}).annotations({
  identifier: "ThinkingConfigEnabled"
})

const thinkingConfigDisabled = open({ type: Schema.Literal("disabled") }).annotations({
  identifier: "ThinkingConfigDisabled"
})

const thinkingConfigAdaptive = open({ type: Schema.Literal("adaptive"), ...thinkingDisplay }).annotations({
  identifier: "ThinkingConfigAdaptive"
})

const thinkingConfigBetweenTools = open({ type: Schema.Literal("between_tools") }).annotations({
  identifier: "ThinkingConfigBetweenTools"
})

/**
 * The schema type of {@link ThinkingConfig}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ThinkingConfigSchema
  extends Schema.Union<
    [
      typeof thinkingEnabled,
      typeof thinkingConfigDisabled,
      typeof thinkingConfigAdaptive,
      typeof thinkingConfigBetweenTools,
      UnknownMember
    ]
  > {}

/**
 * Extended thinking: `enabled` with a token budget, `disabled`, `adaptive`, or `between_tools`; future kinds are
 * kept. `display` (beta: and `block_binding`) on `enabled` and `adaptive`.
 *
 * @since 0.1.0
 */
export const ThinkingConfig: ThinkingConfigSchema = openUnion(
  "thinking config",
  "UnknownThinkingConfig",
  thinkingEnabled,
  thinkingConfigDisabled,
  thinkingConfigAdaptive,
  thinkingConfigBetweenTools
).annotations({ identifier: "ThinkingConfig" })
/** @since 0.1.0 */
export type ThinkingConfig = typeof ThinkingConfig.Type

const jsonOutputFormat = open({
  type: Schema.Literal("json_schema"),
  schema: Schema.Record({ key: Schema.String, value: Schema.Unknown })
}).annotations({ identifier: "JsonOutputFormat" })

/**
 * The schema type of {@link OutputFormat}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface OutputFormatSchema extends Schema.Union<[typeof jsonOutputFormat, UnknownMember]> {}

/**
 * A structured output format: a JSON Schema the response must follow; future kinds are kept.
 *
 * @since 0.1.0
 */
export const OutputFormat: OutputFormatSchema = openUnion("output format", "UnknownOutputFormat", jsonOutputFormat)
/** @since 0.1.0 */
export type OutputFormat = typeof OutputFormat.Type

/**
 * The documented effort levels. `OutputConfig.effort` accepts future ones too.
 *
 * @since 0.1.0
 */
export const Effort = openLiteral("low", "medium", "high", "xhigh", "max")
/** @since 0.1.0 */
export type Effort = typeof Effort.Type

const outputConfigFields = {
  effort: optionalNullable(Effort),
  format: optionalNullable(OutputFormat),
  task_budget: optionalNullable(
    openUnion(
      "task budget",
      "UnknownTaskBudget",
      open({
        type: Schema.Literal("tokens"),
        total: Schema.Number,
        remaining: optionalNullable(Schema.Number)
      }).annotations({ identifier: "TokenTaskBudget" })
    )
  )
}

/**
 * The schema type of {@link OutputConfig}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface OutputConfigSchema extends Schema.Struct<typeof outputConfigFields> {}

/**
 * Output settings: effort, structured output format, and (beta) a token budget for the whole task.
 *
 * @since 0.1.0
 */
export const OutputConfig: OutputConfigSchema = open(outputConfigFields).annotations({ identifier: "OutputConfig" })
/** @since 0.1.0 */
export type OutputConfig = typeof OutputConfig.Type

const metadataFields = { user_id: optionalNullable(Schema.String) }

/**
 * The schema type of {@link Metadata}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface MetadataSchema extends Schema.Struct<typeof metadataFields> {}

/**
 * Request metadata; `user_id` is an opaque id of the end user.
 *
 * @since 0.1.0
 */
export const Metadata: MetadataSchema = open(metadataFields).annotations({ identifier: "Metadata" })
/** @since 0.1.0 */
export type Metadata = typeof Metadata.Type

const containerId = Schema.String

const skillParam = open({
  id: optionalNullable(Schema.String),
  skills: optionalNullable(
    Schema.Array(
      open({
        skill_id: Schema.String,
        type: openLiteral("anthropic", "custom"),
        version: Schema.optional(Schema.String)
      }).annotations({ identifier: "SkillParam" })
    )
  )
}).annotations({ identifier: "ContainerParams" })

/**
 * The schema type of {@link ContainerParam}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContainerParamSchema extends Schema.Union<[typeof containerId, typeof skillParam]> {}

/**
 * The code-execution container to run in: an id, or `{ id?, skills? }` with the skills to load.
 *
 * @since 0.1.0
 */
export const ContainerParam: ContainerParamSchema = Schema.Union(containerId, skillParam)
/** @since 0.1.0 */
export type ContainerParam = typeof ContainerParam.Type

const diagnosticsParamFields = { previous_message_id: optionalNullable(Schema.String) }

/**
 * The schema type of {@link DiagnosticsParam}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface DiagnosticsParamSchema extends Schema.Struct<typeof diagnosticsParamFields> {}

/**
 * Ask for diagnostics of the response: why the prompt cache missed against a previous message.
 *
 * @since 0.1.0
 */
export const DiagnosticsParam: DiagnosticsParamSchema = open(diagnosticsParamFields).annotations({
  identifier: "DiagnosticsParam"
})
/** @since 0.1.0 */
export type DiagnosticsParam = typeof DiagnosticsParam.Type

const speed = { speed: optionalNullable(openLiteral("standard", "fast")) }

const inputTokens = open({ type: Schema.Literal("input_tokens"), value: Schema.Number })
const toolUses = open({ type: Schema.Literal("tool_uses"), value: Schema.Number })

const contextManagementConfigFields = {
  edits: Schema.optional(
    Schema.Array(
      openUnion(
        "context edit",
        "UnknownContextEdit",
        open({
          type: Schema.Literal("clear_tool_uses_20250919"),
          clear_at_least: optionalNullable(openUnion("clear at least", "UnknownClearAtLeast", inputTokens)),
          clear_tool_inputs: optionalNullable(Schema.Union(Schema.Boolean, Schema.Array(Schema.String))),
          exclude_tools: optionalNullable(Schema.Array(Schema.String)),
          keep: Schema.optional(openUnion("tool uses to keep", "UnknownToolUsesKeep", toolUses)),
          trigger: Schema.optional(openUnion("trigger", "UnknownTrigger", inputTokens, toolUses))
        }).annotations({ identifier: "ClearToolUsesEdit" }),
        open({
          type: Schema.Literal("clear_thinking_20251015"),
          keep: Schema.optional(
            Schema.Union(
              openLiteral("all"),
              openUnion(
                "thinking turns to keep",
                "UnknownThinkingTurnsKeep",
                open({ type: Schema.Literal("thinking_turns"), value: Schema.Number }),
                open({ type: Schema.Literal("all") })
              )
            )
          )
        }).annotations({ identifier: "ClearThinkingEdit" }),
        open({
          type: Schema.Literal("compact_20260112"),
          instructions: optionalNullable(Schema.String),
          pause_after_compaction: Schema.optional(Schema.Boolean),
          trigger: optionalNullable(openUnion("trigger", "UnknownTrigger", inputTokens))
        }).annotations({ identifier: "CompactEdit" })
      )
    )
  )
}

/**
 * The schema type of {@link ContextManagementConfig}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ContextManagementConfigSchema extends Schema.Struct<typeof contextManagementConfigFields> {}

/**
 * Beta: the context-management edits the API may apply before sampling (clear old tool uses, clear old thinking,
 * compact); future kinds are kept.
 *
 * @since 0.1.0
 */
export const ContextManagementConfig: ContextManagementConfigSchema = open(contextManagementConfigFields).annotations({
  identifier: "ContextManagementConfig"
})
/** @since 0.1.0 */
export type ContextManagementConfig = typeof ContextManagementConfig.Type

const summarizeCompaction = open({
  type: Schema.Literal("summarize"),
  instructions: optionalNullable(Schema.String)
}).annotations({
  identifier: "SummarizeCompaction"
})

/**
 * The schema type of {@link CompactionConfig}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CompactionConfigSchema extends Schema.Union<[typeof summarizeCompaction, UnknownMember]> {}

/**
 * Beta: how the API compacts the conversation (`summarize`, with optional instructions); future kinds are kept.
 *
 * @since 0.1.0
 */
export const CompactionConfig: CompactionConfigSchema = openUnion(
  "compaction config",
  "UnknownCompactionConfig",
  summarizeCompaction
)
/** @since 0.1.0 */
export type CompactionConfig = typeof CompactionConfig.Type

const mcpServerToolConfiguration = open({
  type: Schema.Literal("url"),
  name: Schema.String,
  url: Schema.String,
  authorization_token: optionalNullable(Schema.String),
  tool_configuration: optionalNullable(
    open({
      allowed_tools: optionalNullable(Schema.Array(Schema.String)),
      enabled: optionalNullable(Schema.Boolean)
    }).annotations({ identifier: "McpServerToolConfiguration" })
  )
}).annotations({ identifier: "McpServerUrlDefinition" })

/**
 * The schema type of {@link McpServer}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface McpServerSchema extends Schema.Union<[typeof mcpServerToolConfiguration, UnknownMember]> {}

/**
 * Beta: an MCP server the API connects to for this request; future kinds are kept.
 *
 * @since 0.1.0
 */
export const McpServer: McpServerSchema = openUnion("mcp server", "UnknownMcpServer", mcpServerToolConfiguration)
/** @since 0.1.0 */
export type McpServer = typeof McpServer.Type

const fallbackParamFields = {
  model: Schema.String,
  max_tokens: optionalNullable(Schema.Number),
  output_config: optionalNullable(OutputConfig),
  thinking: optionalNullable(ThinkingConfig),
  ...speed
}

/**
 * The schema type of {@link FallbackParam}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface FallbackParamSchema extends Schema.Struct<typeof fallbackParamFields> {}

/**
 * Beta: a model to fall back to (with its own settings) when the main model refuses.
 *
 * @since 0.1.0
 */
export const FallbackParam: FallbackParamSchema = open(fallbackParamFields).annotations({ identifier: "FallbackParam" })
/** @since 0.1.0 */
export type FallbackParam = typeof FallbackParam.Type

const threadCreate = open({ type: Schema.Literal("create") }).annotations({ identifier: "ThreadCreate" })

const threadContinue = open({ type: Schema.Literal("continue"), previous_message_id: Schema.String }).annotations({
  identifier: "ThreadContinue"
})

/**
 * The schema type of {@link ThreadParam}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ThreadParamSchema extends Schema.Union<[typeof threadCreate, typeof threadContinue, UnknownMember]> {}

/**
 * Beta: start a thread, or continue one from a previous message; future kinds are kept.
 *
 * @since 0.1.0
 */
export const ThreadParam: ThreadParamSchema = openUnion("thread", "UnknownThread", threadCreate, threadContinue)
/** @since 0.1.0 */
export type ThreadParam = typeof ThreadParam.Type

const billingPolicyMember = open({
  type: Schema.Literal("billing_policy"),
  bill_to: Schema.optional(openLiteral("self", "user_profile"))
})

/**
 * The schema type of {@link BillingPolicy}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface BillingPolicySchema extends Schema.Union<[typeof billingPolicyMember, UnknownMember]> {}

/**
 * Beta: who is billed for the request.
 *
 * @since 0.1.0
 */
export const BillingPolicy: BillingPolicySchema = openUnion(
  "billing policy",
  "UnknownBillingPolicy",
  billingPolicyMember
)
/** @since 0.1.0 */
export type BillingPolicy = typeof BillingPolicy.Type

const beta = {
  billing_policy: optionalNullable(BillingPolicy),
  compaction: optionalNullable(CompactionConfig),
  context_management: optionalNullable(ContextManagementConfig),
  mcp_servers: Schema.optional(Schema.Array(McpServer)),
  output_format: optionalNullable(OutputFormat)
}

const messagesRequestFields = {
  model: Schema.String,
  max_tokens: Schema.Number,
  messages: Schema.Array(RequestMessage),
  system: Schema.optional(SystemPrompt),
  stop_sequences: Schema.optional(Schema.Array(Schema.String)),
  temperature: Schema.optional(Schema.Number),
  top_p: Schema.optional(Schema.Number),
  top_k: Schema.optional(Schema.Number),
  metadata: Schema.optional(Metadata),
  tools: Schema.optional(Schema.Array(ToolDefinition)),
  tool_choice: Schema.optional(ToolChoice),
  thinking: Schema.optional(ThinkingConfig),
  output_config: Schema.optional(OutputConfig),
  service_tier: Schema.optional(openLiteral("auto", "standard_only")),
  stream: Schema.optional(Schema.Boolean),
  cache_control: optionalNullable(CacheControl),
  container: optionalNullable(ContainerParam),
  diagnostics: optionalNullable(DiagnosticsParam),
  inference_geo: optionalNullable(Schema.String),
  ...speed,
  ...beta,
  fallback_credit_token: optionalNullable(
    Schema.Union(
      Schema.String,
      open({ token: Schema.String, mode: Schema.optional(openLiteral("strict", "best_effort")) }).annotations({
        identifier: "FallbackCreditTokenParam"
      })
    )
  ),
  fallbacks: optionalNullable(Schema.Union(openLiteral("default"), Schema.Array(FallbackParam))),
  thread: optionalNullable(ThreadParam)
}

/**
 * The schema type of {@link MessagesRequest}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface MessagesRequestSchema extends Schema.Struct<typeof messagesRequestFields> {}

/**
 * The body of `POST /v1/messages`, GA and beta parameters.
 *
 * @since 0.1.0
 */
export const MessagesRequest: MessagesRequestSchema = open(messagesRequestFields).annotations({
  identifier: "MessagesRequest"
})
/** @since 0.1.0 */
export type MessagesRequest = typeof MessagesRequest.Type

const countTokensRequestFields = {
  model: Schema.String,
  messages: Schema.Array(RequestMessage),
  system: Schema.optional(SystemPrompt),
  tools: Schema.optional(Schema.Array(ToolDefinition)),
  tool_choice: Schema.optional(ToolChoice),
  thinking: Schema.optional(ThinkingConfig),
  output_config: Schema.optional(OutputConfig),
  cache_control: optionalNullable(CacheControl),
  ...speed,
  ...beta
}

/**
 * The schema type of {@link CountTokensRequest}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CountTokensRequestSchema extends Schema.Struct<typeof countTokensRequestFields> {}

/**
 * The body of `POST /v1/messages/count_tokens`, GA and beta parameters.
 *
 * @since 0.1.0
 */
export const CountTokensRequest: CountTokensRequestSchema = open(countTokensRequestFields).annotations({
  identifier: "CountTokensRequest"
})
/** @since 0.1.0 */
export type CountTokensRequest = typeof CountTokensRequest.Type

const countTokensResponseFields = {
  input_tokens: Schema.Number,
  context_management: optionalNullable(
    open({ original_input_tokens: Schema.Number }).annotations({ identifier: "CountTokensContextManagement" })
  )
}

/**
 * The schema type of {@link CountTokensResponse}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CountTokensResponseSchema extends Schema.Struct<typeof countTokensResponseFields> {}

/**
 * The response of `POST /v1/messages/count_tokens` (beta: with the input tokens before context management).
 *
 * @since 0.1.0
 */
export const CountTokensResponse: CountTokensResponseSchema = open(countTokensResponseFields).annotations({
  identifier: "CountTokensResponse"
})
/** @since 0.1.0 */
export type CountTokensResponse = typeof CountTokensResponse.Type

/**
 * The parameters of a messages request that `count_tokens` does not take: generation and sampling settings, the
 * request's routing and accounting (`metadata`, `service_tier`, `container`, `inference_geo`, `diagnostics`), and the
 * beta's fallback and thread parameters (`fallbacks`, `fallback_credit_token`, `thread`). The body parameters of the
 * SDK's `MessageCreateParams` that its `MessageCountTokensParams` lacks, GA and beta (1.16.0), and the sampling
 * parameters of API version 2023-06-01, which count_tokens never took.
 *
 * @since 0.1.0
 */
export const notCounted: ReadonlyArray<string> = [
  "max_tokens",
  "stream",
  "stop_sequences",
  "temperature",
  "top_p",
  "top_k",
  "metadata",
  "service_tier",
  "container",
  "inference_geo",
  "diagnostics",
  "fallbacks",
  "fallback_credit_token",
  "thread"
]

/**
 * The count_tokens body for a messages request: what it counts (`model`, `messages`, `system`, `tools`,
 * `tool_choice`, `thinking`, and fields added to the API later), without {@link notCounted}.
 *
 * @since 0.1.0
 */
export const toCountTokens = (request: MessagesRequest): CountTokensRequest => {
  const out: Record<string, unknown> = { ...request }
  for (const key of notCounted) delete out[key]
  return out as CountTokensRequest
}
