/**
 * The entries of a request's `tools`: custom tools and every versioned tool of the API (GA and beta, as
 * `@anthropic-ai/sdk` 1.16.0 types them), each exact, plus tool types added later, kept as they came. They live
 * here, not in `Request`, because beta `tool_addition` content blocks hold tool definitions and `Request` imports
 * `Content`; `Request` re-exports them.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { open, openLiteral, openUnion, optionalNullable, typesOf, type UnknownMember, unknownMember } from "../Wire.js"
import { CacheControl, CitationsConfig } from "./shared.js"

// =============================================================================
// Shared fields
// =============================================================================

/**
 * Who may call a tool: the model directly, or code run by a code-execution tool version. Open: new versions come.
 *
 * @since 0.1.0
 */
export const AllowedCaller = openLiteral(
  "direct",
  "code_execution_20250825",
  "code_execution_20260120",
  "code_execution_20260521"
)
/** @since 0.1.0 */
export type AllowedCaller = typeof AllowedCaller.Type

const common = {
  allowed_callers: Schema.optional(Schema.Array(AllowedCaller)),
  cache_control: optionalNullable(CacheControl),
  defer_loading: Schema.optional(Schema.Boolean),
  strict: Schema.optional(Schema.Boolean)
}

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const examples = { input_examples: Schema.optional(Schema.Array(JsonObject)) }

const domains = {
  allowed_domains: optionalNullable(Schema.Array(Schema.String)),
  blocked_domains: optionalNullable(Schema.Array(Schema.String))
}

// =============================================================================
// Custom tools
// =============================================================================

const inputSchemaFields = {
  type: Schema.Literal("object"),
  properties: optionalNullable(JsonObject),
  required: optionalNullable(Schema.Array(Schema.String))
}

/**
 * The schema type of {@link InputSchema}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface InputSchemaSchema extends Schema.Struct<typeof inputSchemaFields> {}

/**
 * The JSON Schema of a tool's input; the API requires an object at the top level. `properties` and `required` may
 * be `null`.
 *
 * @since 0.1.0
 */
export const InputSchema: InputSchemaSchema = open(inputSchemaFields).annotations({ identifier: "InputSchema" })
/** @since 0.1.0 */
export type InputSchema = typeof InputSchema.Type

const customToolFields = {
  type: optionalNullable(Schema.Literal("custom")),
  name: Schema.String,
  description: Schema.optional(Schema.String),
  input_schema: InputSchema,
  eager_input_streaming: optionalNullable(Schema.Boolean),
  ...examples,
  ...common
}

/**
 * The schema type of {@link CustomTool}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface CustomToolSchema extends Schema.Struct<typeof customToolFields> {}

/**
 * A client tool: the model calls it with `input` matching `input_schema`, the caller runs it. `type` is absent,
 * `"custom"` or `null`.
 *
 * @since 0.1.0
 */
export const CustomTool: CustomToolSchema = open(customToolFields).annotations({ identifier: "CustomTool" })
/** @since 0.1.0 */
export type CustomTool = typeof CustomTool.Type

// =============================================================================
// Client tools of the API (the caller runs them, the API defines them)
// =============================================================================

const versioned = <const Type extends string, const Name extends string, const Fields extends Schema.Struct.Fields>(
  type: Type,
  name: Name,
  fields: Fields,
  identifier: string
) => open({ type: Schema.Literal(type), name: Schema.Literal(name), ...common, ...fields }).annotations({ identifier })

/**
 * Beta: the `bash_20241022` tool, `name: "bash"`.
 *
 * @since 0.1.0
 */
export const Bash20241022 = versioned("bash_20241022", "bash", examples, "Bash20241022")
/**
 * The `bash_20250124` tool, `name: "bash"`.
 *
 * @since 0.1.0
 */
export const Bash20250124 = versioned("bash_20250124", "bash", examples, "Bash20250124")
/**
 * The `memory_20250818` tool, `name: "memory"`.
 *
 * @since 0.1.0
 */
export const Memory20250818 = versioned("memory_20250818", "memory", examples, "Memory20250818")
/**
 * Beta: the `text_editor_20241022` tool, `name: "str_replace_editor"`.
 *
 * @since 0.1.0
 */
export const TextEditor20241022 = versioned(
  "text_editor_20241022",
  "str_replace_editor",
  examples,
  "TextEditor20241022"
)
/**
 * The `text_editor_20250124` tool, `name: "str_replace_editor"`.
 *
 * @since 0.1.0
 */
export const TextEditor20250124 = versioned(
  "text_editor_20250124",
  "str_replace_editor",
  examples,
  "TextEditor20250124"
)
/**
 * The `text_editor_20250429` tool, `name: "str_replace_based_edit_tool"`.
 *
 * @since 0.1.0
 */
export const TextEditor20250429 = versioned(
  "text_editor_20250429",
  "str_replace_based_edit_tool",
  examples,
  "TextEditor20250429"
)
/**
 * The `text_editor_20250728` tool, `name: "str_replace_based_edit_tool"`.
 *
 * @since 0.1.0
 */
export const TextEditor20250728 = versioned(
  "text_editor_20250728",
  "str_replace_based_edit_tool",
  { ...examples, max_characters: optionalNullable(Schema.Number) },
  "TextEditor20250728"
)
/** @since 0.1.0 */
export type Bash20241022 = typeof Bash20241022.Type
/** @since 0.1.0 */
export type Bash20250124 = typeof Bash20250124.Type
/** @since 0.1.0 */
export type Memory20250818 = typeof Memory20250818.Type
/** @since 0.1.0 */
export type TextEditor20241022 = typeof TextEditor20241022.Type
/** @since 0.1.0 */
export type TextEditor20250124 = typeof TextEditor20250124.Type
/** @since 0.1.0 */
export type TextEditor20250429 = typeof TextEditor20250429.Type
/** @since 0.1.0 */
export type TextEditor20250728 = typeof TextEditor20250728.Type

const display = {
  display_height_px: Schema.Number,
  display_width_px: Schema.Number,
  display_number: optionalNullable(Schema.Number),
  ...examples
}

/**
 * Beta: the `computer_20241022` tool, `name: "computer"`.
 *
 * @since 0.1.0
 */
export const Computer20241022 = versioned("computer_20241022", "computer", display, "Computer20241022")
/**
 * Beta: the `computer_20250124` tool, `name: "computer"`.
 *
 * @since 0.1.0
 */
export const Computer20250124 = versioned("computer_20250124", "computer", display, "Computer20250124")
/**
 * Beta: the `computer_20251124` tool, `name: "computer"`.
 *
 * @since 0.1.0
 */
export const Computer20251124 = versioned(
  "computer_20251124",
  "computer",
  { ...display, enable_zoom: Schema.optional(Schema.Boolean) },
  "Computer20251124"
)
/** @since 0.1.0 */
export type Computer20241022 = typeof Computer20241022.Type
/** @since 0.1.0 */
export type Computer20250124 = typeof Computer20250124.Type
/** @since 0.1.0 */
export type Computer20251124 = typeof Computer20251124.Type

const toolsetMemberConfigFields = {
  defer_loading: optionalNullable(Schema.Boolean),
  enabled: optionalNullable(Schema.Boolean)
}

/**
 * The schema type of {@link ToolsetMemberConfig}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolsetMemberConfigSchema extends Schema.Struct<typeof toolsetMemberConfigFields> {}

/**
 * The settings of one member tool of a toolset: `{ defer_loading?, enabled? }`, each may be `null`.
 *
 * @since 0.1.0
 */
export const ToolsetMemberConfig: ToolsetMemberConfigSchema = open(toolsetMemberConfigFields).annotations({
  identifier: "ToolsetMemberConfig"
})
/** @since 0.1.0 */
export type ToolsetMemberConfig = typeof ToolsetMemberConfig.Type

const memberConfigs = <const Names extends ReadonlyArray<string>>(names: Names, identifier: string) => {
  const field = optionalNullable(ToolsetMemberConfig)
  const fields = Object.fromEntries(names.map((name) => [name, field])) as {
    readonly [Name in Names[number]]: typeof field
  }
  return open(fields).annotations({ identifier })
}

/**
 * The member tools of `browser_toolset_20260801`, the names its `tool_use` blocks carry.
 *
 * @since 0.1.0
 */
export const browserMemberNames = [
  "navigate",
  "list_tabs",
  "new_tab",
  "switch_tab",
  "close_tab",
  "read_page",
  "get_page_text",
  "read_console",
  "read_network",
  "find",
  "form_input",
  "file_upload",
  "scroll_to",
  "screenshot",
  "zoom",
  "left_click",
  "right_click",
  "middle_click",
  "double_click",
  "triple_click",
  "hover",
  "left_click_drag",
  "left_mouse_down",
  "left_mouse_up",
  "mouse_move",
  "scroll",
  "type",
  "key",
  "hold_key",
  "wait",
  "javascript_exec"
] as const

/**
 * The member tools of `computer_toolset_20260801`, the names its `tool_use` blocks carry.
 *
 * @since 0.1.0
 */
export const computerMemberNames = [
  "key",
  "hold_key",
  "type",
  "cursor_position",
  "mouse_move",
  "left_mouse_down",
  "left_mouse_up",
  "left_click",
  "left_click_drag",
  "right_click",
  "middle_click",
  "double_click",
  "triple_click",
  "scroll",
  "wait",
  "screenshot",
  "zoom"
] as const

const browserToolset20260801Fields = {
  type: Schema.Literal("browser_toolset_20260801"),
  cache_control: optionalNullable(CacheControl),
  configs: optionalNullable(memberConfigs(browserMemberNames, "BrowserToolsetConfigs"))
}

/**
 * The schema type of {@link BrowserToolset20260801}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface BrowserToolset20260801Schema extends Schema.Struct<typeof browserToolset20260801Fields> {}

/**
 * The browser toolset: no `name` (its members are named by their `tool_use` blocks), per-member `configs`.
 *
 * @since 0.1.0
 */
export const BrowserToolset20260801: BrowserToolset20260801Schema = open(browserToolset20260801Fields).annotations({
  identifier: "BrowserToolset20260801"
})
/** @since 0.1.0 */
export type BrowserToolset20260801 = typeof BrowserToolset20260801.Type

const computerToolset20260801Fields = {
  type: Schema.Literal("computer_toolset_20260801"),
  cache_control: optionalNullable(CacheControl),
  configs: optionalNullable(memberConfigs(computerMemberNames, "ComputerToolsetConfigs"))
}

/**
 * The schema type of {@link ComputerToolset20260801}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ComputerToolset20260801Schema extends Schema.Struct<typeof computerToolset20260801Fields> {}

/**
 * The computer toolset: no `name` (its members are named by their `tool_use` blocks), per-member `configs`.
 *
 * @since 0.1.0
 */
export const ComputerToolset20260801: ComputerToolset20260801Schema = open(computerToolset20260801Fields).annotations({
  identifier: "ComputerToolset20260801"
})
/** @since 0.1.0 */
export type ComputerToolset20260801 = typeof ComputerToolset20260801.Type

// =============================================================================
// Server tools (the API runs them)
// =============================================================================

/**
 * The `code_execution_20250522` tool, `name: "code_execution"`.
 *
 * @since 0.1.0
 */
export const CodeExecution20250522 = versioned("code_execution_20250522", "code_execution", {}, "CodeExecution20250522")
/**
 * The `code_execution_20250825` tool, `name: "code_execution"`.
 *
 * @since 0.1.0
 */
export const CodeExecution20250825 = versioned("code_execution_20250825", "code_execution", {}, "CodeExecution20250825")
/**
 * The `code_execution_20260120` tool, `name: "code_execution"`.
 *
 * @since 0.1.0
 */
export const CodeExecution20260120 = versioned("code_execution_20260120", "code_execution", {}, "CodeExecution20260120")
/**
 * The `code_execution_20260521` tool, `name: "code_execution"`.
 *
 * @since 0.1.0
 */
export const CodeExecution20260521 = versioned("code_execution_20260521", "code_execution", {}, "CodeExecution20260521")
/** @since 0.1.0 */
export type CodeExecution20250522 = typeof CodeExecution20250522.Type
/** @since 0.1.0 */
export type CodeExecution20250825 = typeof CodeExecution20250825.Type
/** @since 0.1.0 */
export type CodeExecution20260120 = typeof CodeExecution20260120.Type
/** @since 0.1.0 */
export type CodeExecution20260521 = typeof CodeExecution20260521.Type

const approximateLocation = open({
  type: Schema.Literal("approximate"),
  city: optionalNullable(Schema.String),
  country: optionalNullable(Schema.String),
  region: optionalNullable(Schema.String),
  timezone: optionalNullable(Schema.String)
}).annotations({ identifier: "ApproximateLocation" })

/**
 * The schema type of {@link UserLocation}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface UserLocationSchema extends Schema.Union<[typeof approximateLocation, UnknownMember]> {}

/**
 * The user's approximate location, for localized web search results.
 *
 * @since 0.1.0
 */
export const UserLocation: UserLocationSchema = openUnion("user location", "UnknownUserLocation", approximateLocation)
/** @since 0.1.0 */
export type UserLocation = typeof UserLocation.Type

const webSearch = {
  ...domains,
  max_uses: optionalNullable(Schema.Number),
  user_location: optionalNullable(UserLocation)
}
const responseInclusion = { response_inclusion: Schema.optional(openLiteral("full", "excluded")) }

/**
 * The `web_search_20250305` tool, `name: "web_search"`.
 *
 * @since 0.1.0
 */
export const WebSearch20250305 = versioned("web_search_20250305", "web_search", webSearch, "WebSearch20250305")
/**
 * The `web_search_20260209` tool, `name: "web_search"`.
 *
 * @since 0.1.0
 */
export const WebSearch20260209 = versioned("web_search_20260209", "web_search", webSearch, "WebSearch20260209")
/**
 * The `web_search_20260318` tool, `name: "web_search"`.
 *
 * @since 0.1.0
 */
export const WebSearch20260318 = versioned(
  "web_search_20260318",
  "web_search",
  { ...webSearch, ...responseInclusion },
  "WebSearch20260318"
)
/** @since 0.1.0 */
export type WebSearch20250305 = typeof WebSearch20250305.Type
/** @since 0.1.0 */
export type WebSearch20260209 = typeof WebSearch20260209.Type
/** @since 0.1.0 */
export type WebSearch20260318 = typeof WebSearch20260318.Type

const urlSourceToolReference = openUnion(
  "url source tool reference",
  "UnknownUrlSourceToolReference",
  open({ type: Schema.Literal("tool_reference"), name: Schema.String })
)
const urlSourceAll = open({ type: Schema.Literal("all") })
const urlSourceNone = open({ type: Schema.Literal("none") })
const urlSourceTools = { tools: Schema.Array(urlSourceToolReference) }
const urlSource = openUnion(
  "web fetch url source",
  "UnknownUrlSource",
  urlSourceAll,
  urlSourceNone,
  open({ type: Schema.Literal("only"), ...urlSourceTools }),
  open({ type: Schema.Literal("except"), ...urlSourceTools })
)

const webFetchUrlSourcesFields = {
  client_tool_results: Schema.optional(urlSource),
  server_tool_results: Schema.optional(urlSource),
  user_input: Schema.optional(
    openUnion("web fetch user input source", "UnknownUserInputSource", urlSourceAll, urlSourceNone)
  )
}

/**
 * The schema type of {@link WebFetchUrlSources}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface WebFetchUrlSourcesSchema extends Schema.Struct<typeof webFetchUrlSourcesFields> {}

/**
 * Which earlier content the web fetch tool may take URLs from.
 *
 * @since 0.1.0
 */
export const WebFetchUrlSources: WebFetchUrlSourcesSchema = open(webFetchUrlSourcesFields).annotations({
  identifier: "WebFetchUrlSources"
})
/** @since 0.1.0 */
export type WebFetchUrlSources = typeof WebFetchUrlSources.Type

const webFetch = {
  ...domains,
  citations: optionalNullable(CitationsConfig),
  max_content_tokens: optionalNullable(Schema.Number),
  max_uses: optionalNullable(Schema.Number),
  url_sources: optionalNullable(WebFetchUrlSources)
}
const useCache = { use_cache: Schema.optional(Schema.Boolean) }

/**
 * The `web_fetch_20250910` tool, `name: "web_fetch"`.
 *
 * @since 0.1.0
 */
export const WebFetch20250910 = versioned("web_fetch_20250910", "web_fetch", webFetch, "WebFetch20250910")
/**
 * The `web_fetch_20260209` tool, `name: "web_fetch"`.
 *
 * @since 0.1.0
 */
export const WebFetch20260209 = versioned("web_fetch_20260209", "web_fetch", webFetch, "WebFetch20260209")
/**
 * The `web_fetch_20260309` tool, `name: "web_fetch"`.
 *
 * @since 0.1.0
 */
export const WebFetch20260309 = versioned(
  "web_fetch_20260309",
  "web_fetch",
  { ...webFetch, ...useCache },
  "WebFetch20260309"
)
/**
 * The `web_fetch_20260318` tool, `name: "web_fetch"`.
 *
 * @since 0.1.0
 */
export const WebFetch20260318 = versioned(
  "web_fetch_20260318",
  "web_fetch",
  { ...webFetch, ...useCache, ...responseInclusion },
  "WebFetch20260318"
)
/** @since 0.1.0 */
export type WebFetch20250910 = typeof WebFetch20250910.Type
/** @since 0.1.0 */
export type WebFetch20260209 = typeof WebFetch20260209.Type
/** @since 0.1.0 */
export type WebFetch20260309 = typeof WebFetch20260309.Type
/** @since 0.1.0 */
export type WebFetch20260318 = typeof WebFetch20260318.Type

const toolSearchBm25Fields = {
  type: Schema.Literal("tool_search_tool_bm25_20251119", "tool_search_tool_bm25"),
  name: Schema.Literal("tool_search_tool_bm25"),
  ...common
}

/**
 * The schema type of {@link ToolSearchBm25}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolSearchBm25Schema extends Schema.Struct<typeof toolSearchBm25Fields> {}

/**
 * Tool search by BM25; `type` is the versioned name or its unversioned alias.
 *
 * @since 0.1.0
 */
export const ToolSearchBm25: ToolSearchBm25Schema = open(toolSearchBm25Fields).annotations({
  identifier: "ToolSearchBm25"
})
/** @since 0.1.0 */
export type ToolSearchBm25 = typeof ToolSearchBm25.Type

const toolSearchRegexFields = {
  type: Schema.Literal("tool_search_tool_regex_20251119", "tool_search_tool_regex"),
  name: Schema.Literal("tool_search_tool_regex"),
  ...common
}

/**
 * The schema type of {@link ToolSearchRegex}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolSearchRegexSchema extends Schema.Struct<typeof toolSearchRegexFields> {}

/**
 * Tool search by regular expression; `type` is the versioned name or its unversioned alias.
 *
 * @since 0.1.0
 */
export const ToolSearchRegex: ToolSearchRegexSchema = open(toolSearchRegexFields).annotations({
  identifier: "ToolSearchRegex"
})
/** @since 0.1.0 */
export type ToolSearchRegex = typeof ToolSearchRegex.Type

/**
 * Beta: a second model the main model consults.
 *
 * @since 0.1.0
 */
export const Advisor20260301 = versioned(
  "advisor_20260301",
  "advisor",
  {
    model: Schema.String,
    caching: optionalNullable(CacheControl),
    max_tokens: optionalNullable(Schema.Number),
    max_uses: optionalNullable(Schema.Number)
  },
  "Advisor20260301"
)
/** @since 0.1.0 */
export type Advisor20260301 = typeof Advisor20260301.Type

const mcpToolFields = {
  name: Schema.String,
  input_schema: JsonObject,
  description: optionalNullable(Schema.String)
}

/**
 * The schema type of {@link McpTool}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface McpToolSchema extends Schema.Struct<typeof mcpToolFields> {}

/**
 * A tool of an MCP server, as listed by it: name, input schema, description.
 *
 * @since 0.1.0
 */
export const McpTool: McpToolSchema = open(mcpToolFields).annotations({ identifier: "McpTool" })
/** @since 0.1.0 */
export type McpTool = typeof McpTool.Type

const mcpToolConfig = open({
  defer_loading: Schema.optional(Schema.Boolean),
  enabled: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "McpToolConfig" })

const mcpToolsetFields = {
  type: Schema.Literal("mcp_toolset"),
  mcp_server_name: Schema.String,
  cache_control: optionalNullable(CacheControl),
  configs: optionalNullable(Schema.Record({ key: Schema.String, value: mcpToolConfig })),
  default_config: Schema.optional(mcpToolConfig),
  tools: optionalNullable(Schema.Array(McpTool))
}

/**
 * The schema type of {@link McpToolset}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface McpToolsetSchema extends Schema.Struct<typeof mcpToolsetFields> {}

/**
 * Beta: the tools of an MCP server named in the request's `mcp_servers`; no `name`.
 *
 * @since 0.1.0
 */
export const McpToolset: McpToolsetSchema = open(mcpToolsetFields).annotations({ identifier: "McpToolset" })
/** @since 0.1.0 */
export type McpToolset = typeof McpToolset.Type

// =============================================================================
// Any tool
// =============================================================================

/**
 * The schema type of {@link KnownTool}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface KnownToolSchema
  extends Schema.Union<
    [
      typeof Bash20241022,
      typeof Bash20250124,
      typeof CodeExecution20250522,
      typeof CodeExecution20250825,
      typeof CodeExecution20260120,
      typeof CodeExecution20260521,
      typeof BrowserToolset20260801,
      typeof Computer20241022,
      typeof Memory20250818,
      typeof Computer20250124,
      typeof TextEditor20241022,
      typeof Computer20251124,
      typeof ComputerToolset20260801,
      typeof TextEditor20250124,
      typeof TextEditor20250429,
      typeof TextEditor20250728,
      typeof WebSearch20250305,
      typeof WebFetch20250910,
      typeof WebSearch20260209,
      typeof WebFetch20260209,
      typeof WebFetch20260309,
      typeof WebSearch20260318,
      typeof WebFetch20260318,
      typeof Advisor20260301,
      typeof ToolSearchBm25,
      typeof ToolSearchRegex,
      typeof McpToolset
    ]
  > {}

/**
 * Every versioned tool this library knows, GA and beta.
 *
 * @since 0.1.0
 */
export const KnownTool: KnownToolSchema = Schema.Union(
  Bash20241022,
  Bash20250124,
  CodeExecution20250522,
  CodeExecution20250825,
  CodeExecution20260120,
  CodeExecution20260521,
  BrowserToolset20260801,
  Computer20241022,
  Memory20250818,
  Computer20250124,
  TextEditor20241022,
  Computer20251124,
  ComputerToolset20260801,
  TextEditor20250124,
  TextEditor20250429,
  TextEditor20250728,
  WebSearch20250305,
  WebFetch20250910,
  WebSearch20260209,
  WebFetch20260209,
  WebFetch20260309,
  WebSearch20260318,
  WebFetch20260318,
  Advisor20260301,
  ToolSearchBm25,
  ToolSearchRegex,
  McpToolset
)
/** @since 0.1.0 */
export type KnownTool = typeof KnownTool.Type

/**
 * Every tool `type` this library knows (`"custom"` included).
 *
 * @since 0.1.0
 */
export const knownToolTypes: ReadonlyArray<string> = ["custom", ...typesOf(KnownTool)]

/**
 * A tool of a type added to the API after this library was written (`type` required, not a known one): kept as it
 * came.
 *
 * @since 0.1.0
 */
export const UnknownTool = unknownMember(knownToolTypes, "tool", "UnknownTool")
/** @since 0.1.0 */
export type UnknownTool = typeof UnknownTool.Type

/**
 * The schema type of {@link ToolDefinition}: a named interface keeps declarations small.
 *
 * @since 0.1.0
 */
export interface ToolDefinitionSchema extends Schema.Union<[typeof CustomTool, typeof KnownTool, typeof UnknownTool]> {}

/**
 * Any entry of a request's `tools`: a custom tool, a known versioned tool (exact: a known `type` with an invalid
 * body fails), or an {@link UnknownTool}.
 *
 * @since 0.1.0
 */
export const ToolDefinition: ToolDefinitionSchema = Schema.Union(CustomTool, KnownTool, UnknownTool).annotations({
  identifier: "ToolDefinition"
})
/** @since 0.1.0 */
export type ToolDefinition = typeof ToolDefinition.Type
