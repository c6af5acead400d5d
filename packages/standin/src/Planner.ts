/**
 * A deterministic, rule-based responder for demos: it is not a language model. It reads the conversation and the
 * offered tools' `input_schema`s and calls tools with inputs valid for those schemas; once the tool results
 * come back it answers with `end_turn` text built from them, reporting failed calls as failures.
 *
 * Rules, matched in the order they appear in the prompt (several matches give parallel `tool_use` blocks):
 *
 * - arithmetic such as `17 * 23`, `(2 + 3) ^ 2` or `12 divided by 4` → a tool with an `expression` property;
 * - "time in Tokyo" / "what time is it in New York?" → a tool with a `timezone` property, given the city's IANA zone;
 * - "convert 10 km to miles" → a tool with `value`, `from` and `to` properties (units from the schema's `enum` when
 *   it has one, otherwise `km mi m ft cm in kg lb g oz l gal celsius fahrenheit kelvin`);
 * - "read README.md" / "show me src/main.ts" → a read tool with a `path` property;
 * - "list files" / "list the files in src" → a list tool, with the directory when its schema has a path property.
 *
 * Numbers may be written with thousands separators (`1,234`) or exponents (`1.5e3`); they reach the tool in plain
 * decimal notation (`1234`, `1500`).
 *
 * Tools are found by their schema's property names and descriptions, so any names work; the demo's names
 * (`calculator`, `current_time`, `convert_units`, `read_file`, `list_files`) win ties. `tool_choice` is honoured
 * (`none`, `any`, a named tool, `disable_parallel_tool_use`).
 *
 * When no rule matches, any offered tool the prompt names (its name, or words of its description) is called with
 * its required properties filled from the prompt by type: numbers in order for number properties (`add {a, b}` with
 * "add 2 and 3" calls `add {a: 2, b: 3}`), an `enum` value the prompt mentions, a place for `city`/`location`
 * properties, a quoted string, or the words after the tool's name when the prompt names it, for other strings. A
 * tool whose required properties the prompt cannot fill is not called: the planner declines rather than guess.
 *
 * Russian and Chinese phrasings of these tasks are understood too (operator words such as "умножить на" and "乘以",
 * "который час" and "几点" with the cities of a small table, Russian and Chinese unit names, read and list verbs).
 *
 * It reads the whole conversation: a follow-up such as "and multiply that by 2" works on the last answer, and
 * "and in London?" after a time question asks the time there.
 *
 * @example
 * ```ts
 * import { Planner, StandinServer } from "@parley/standin"
 *
 * const server = StandinServer.start({ responder: Planner.make() })
 * ```
 *
 * @since 0.1.0
 */
import * as Content from "@parley/core/Content"
import type * as Message from "@parley/core/Message"
import type * as Request from "@parley/core/Request"
import * as Effect from "effect/Effect"
import * as Ids from "./internal/ids.js"
import * as Reply from "./Reply.js"
import type * as Responder from "./Responder.js"

// =============================================================================
// Models
// =============================================================================

/**
 * Options of the planner.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Precede tool calls with a short sentence ("I'll use calculator and current_time."), as models often do. Only
   * when `tool_choice` lets the model choose. Default `true`.
   */
  readonly narrate?: boolean | undefined
}

type JsonSchema = Readonly<Record<string, unknown>>

interface ToolInfo {
  readonly name: string
  readonly text: string
  readonly properties: ReadonlyArray<readonly [string, JsonSchema]>
  readonly required: ReadonlyArray<string>
  readonly schema: JsonSchema
}

type Intent =
  | { readonly kind: "calculate"; readonly at: number; readonly expression: string }
  | { readonly kind: "time"; readonly at: number; readonly city: string; readonly zone: string }
  | {
      readonly kind: "convert"
      readonly at: number
      readonly value: number
      readonly from: UnitGroup
      readonly to: UnitGroup
    }
  | { readonly kind: "read"; readonly at: number; readonly path: string }
  | { readonly kind: "list"; readonly at: number; readonly directory: string | undefined }

type Kind = Intent["kind"]

interface UnitGroup {
  readonly canonical: string
  readonly aliases: ReadonlyArray<string>
}

// =============================================================================
// Tables
// =============================================================================

const cities: ReadonlyArray<readonly [string, string]> = [
  ["Tokyo", "Asia/Tokyo"],
  ["Osaka", "Asia/Tokyo"],
  ["London", "Europe/London"],
  ["Paris", "Europe/Paris"],
  ["Berlin", "Europe/Berlin"],
  ["Madrid", "Europe/Madrid"],
  ["Rome", "Europe/Rome"],
  ["Amsterdam", "Europe/Amsterdam"],
  ["Stockholm", "Europe/Stockholm"],
  ["Zurich", "Europe/Zurich"],
  ["Vienna", "Europe/Vienna"],
  ["Dublin", "Europe/Dublin"],
  ["Lisbon", "Europe/Lisbon"],
  ["Athens", "Europe/Athens"],
  ["Istanbul", "Europe/Istanbul"],
  ["Moscow", "Europe/Moscow"],
  ["Kyiv", "Europe/Kyiv"],
  ["Warsaw", "Europe/Warsaw"],
  ["Prague", "Europe/Prague"],
  ["New York", "America/New_York"],
  ["NYC", "America/New_York"],
  ["Boston", "America/New_York"],
  ["Washington", "America/New_York"],
  ["Chicago", "America/Chicago"],
  ["Denver", "America/Denver"],
  ["Los Angeles", "America/Los_Angeles"],
  ["San Francisco", "America/Los_Angeles"],
  ["Seattle", "America/Los_Angeles"],
  ["Toronto", "America/Toronto"],
  ["Vancouver", "America/Vancouver"],
  ["Mexico City", "America/Mexico_City"],
  ["São Paulo", "America/Sao_Paulo"],
  ["Sao Paulo", "America/Sao_Paulo"],
  ["Buenos Aires", "America/Argentina/Buenos_Aires"],
  ["Cairo", "Africa/Cairo"],
  ["Lagos", "Africa/Lagos"],
  ["Nairobi", "Africa/Nairobi"],
  ["Johannesburg", "Africa/Johannesburg"],
  ["Dubai", "Asia/Dubai"],
  ["Mumbai", "Asia/Kolkata"],
  ["New Delhi", "Asia/Kolkata"],
  ["Delhi", "Asia/Kolkata"],
  ["Bangalore", "Asia/Kolkata"],
  ["Singapore", "Asia/Singapore"],
  ["Hong Kong", "Asia/Hong_Kong"],
  ["Shanghai", "Asia/Shanghai"],
  ["Beijing", "Asia/Shanghai"],
  ["Seoul", "Asia/Seoul"],
  ["Bangkok", "Asia/Bangkok"],
  ["Jakarta", "Asia/Jakarta"],
  ["Manila", "Asia/Manila"],
  ["Sydney", "Australia/Sydney"],
  ["Melbourne", "Australia/Melbourne"],
  ["Auckland", "Pacific/Auckland"],
  ["Honolulu", "Pacific/Honolulu"],
  ["UTC", "UTC"]
]

const citiesByLength = [...cities].sort((a, b) => b[0].length - a[0].length)

const units: ReadonlyArray<UnitGroup> = [
  {
    canonical: "km",
    aliases: [
      "km",
      "kms",
      "kilometer",
      "kilometers",
      "kilometre",
      "kilometres",
      "км",
      "километр",
      "километра",
      "километров",
      "公里",
      "千米"
    ]
  },
  { canonical: "mi", aliases: ["mi", "mile", "miles", "миля", "мили", "миль", "милю", "英里"] },
  { canonical: "m", aliases: ["m", "meter", "meters", "metre", "metres"] },
  { canonical: "ft", aliases: ["ft", "foot", "feet"] },
  { canonical: "cm", aliases: ["cm", "centimeter", "centimeters", "centimetre", "centimetres"] },
  { canonical: "in", aliases: ["inch", "inches"] },
  {
    canonical: "kg",
    aliases: [
      "kg",
      "kgs",
      "kilogram",
      "kilograms",
      "kilo",
      "kilos",
      "кг",
      "килограмм",
      "килограммов",
      "килограмма",
      "千克",
      "公斤"
    ]
  },
  { canonical: "lb", aliases: ["lb", "lbs", "pound", "pounds", "фунт", "фунта", "фунтов", "фунты", "磅"] },
  { canonical: "g", aliases: ["g", "gram", "grams"] },
  { canonical: "oz", aliases: ["oz", "ounce", "ounces"] },
  { canonical: "l", aliases: ["l", "liter", "liters", "litre", "litres"] },
  { canonical: "gal", aliases: ["gal", "gallon", "gallons"] },
  { canonical: "celsius", aliases: ["celsius", "°c", "c", "degrees celsius"] },
  { canonical: "fahrenheit", aliases: ["fahrenheit", "°f", "f", "degrees fahrenheit"] },
  { canonical: "kelvin", aliases: ["kelvin", "k"] }
]

const unitOf = (word: string): UnitGroup | undefined => {
  const lower = word.toLowerCase()
  return units.find((group) => group.aliases.includes(lower))
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const unitPattern = units
  .flatMap((group) => group.aliases)
  .sort((a, b) => b.length - a.length)
  .map(escapeRegExp)
  .join("|")

const preferredNames: Record<Kind, string> = {
  calculate: "calculator",
  time: "current_time",
  convert: "convert_units",
  read: "read_file",
  list: "list_files"
}

// =============================================================================
// Reading the prompt
// =============================================================================

const number = String.raw`(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?`
const operand = String.raw`(?:\(\s*)*-?${number}(?:\s*\))*`
const operator = String.raw`(?:\*\*|[-+*/×÷^%]|\bplus\b|\bminus\b|\btimes\b|\bmultiplied by\b|\bdivided by\b)`
const arithmetic = new RegExp(String.raw`${operand}(?:\s*${operator}\s*${operand})+`, "gi")
const dateLike = /^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}\/\d{1,2}\/\d{2,4}$/

const balance = (expression: string): string => {
  let text = expression.trim()
  const count = (char: string) => text.split(char).length - 1
  while (text.startsWith("(") && count("(") > count(")")) text = text.slice(1).trimStart()
  while (text.endsWith(")") && count(")") > count("(")) text = text.slice(0, -1).trimEnd()
  return text
}

/** A number as written in prose (`1,234`, `1.5e3`) in plain decimal notation (`1234`, `1500`). */
const plainNumber = (text: string): string => {
  const value = Number(text.replace(/,/g, ""))
  return Number.isFinite(value) ? String(value) : text
}

const normalizeExpression = (expression: string): string =>
  balance(
    expression
      .replace(new RegExp(number, "g"), plainNumber)
      .replace(/\bmultiplied by\b|\btimes\b|×/gi, "*")
      .replace(/\bdivided by\b|÷/gi, "/")
      .replace(/\bplus\b/gi, "+")
      .replace(/\bminus\b/gi, "-")
      .replace(/\s+/g, " ")
  )

const findArithmetic = (text: string): ReadonlyArray<Intent> =>
  [...text.matchAll(arithmetic)]
    .map((match) => ({ at: match.index, expression: normalizeExpression(match[0]) }))
    .filter(({ expression }) => !dateLike.test(expression) && /\d\s*\S+\s*\(*\s*-?\d/.test(expression))
    .map(({ at, expression }) => ({ kind: "calculate", at, expression }))

const cityAt = (text: string): readonly [string, string, number] | undefined => {
  const lower = text.toLowerCase()
  for (const [city, zone] of citiesByLength) {
    const name = city.toLowerCase()
    if (lower.startsWith(name) && !/[\p{L}\d]/u.test(lower.charAt(name.length))) return [city, zone, name.length]
  }
  return undefined
}

const findTimes = (text: string): ReadonlyArray<Intent> => {
  const found: Array<Intent> = []
  const seen = new Set<string>()
  for (const keyword of text.matchAll(/\b(?:time|clock)\b/gi)) {
    const start = keyword.index + keyword[0].length
    const clause = /^[^.?!;\n]*/.exec(text.slice(start))?.[0] ?? ""
    let cityFound = false
    for (const inWord of clause.matchAll(/\bin\s+(?:the\s+)?/gi)) {
      let offset = start + inWord.index + inWord[0].length
      let city = cityAt(text.slice(offset))
      while (city !== undefined) {
        const [name, zone, length] = city
        cityFound = true
        if (!seen.has(name)) {
          seen.add(name)
          found.push({ kind: "time", at: offset, city: name, zone })
        }
        offset += length
        const joiner = /^\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)(?:in\s+)?/i.exec(text.slice(offset))
        if (joiner === null) break
        offset += joiner[0].length
        city = cityAt(text.slice(offset))
      }
      if (cityFound) break
    }
    const generic = /what(?:'s| is) the (?:current )?time$|what time is it$|current time$/i
    if (!cityFound && generic.test(text.slice(0, start)) && !seen.has("UTC")) {
      seen.add("UTC")
      found.push({ kind: "time", at: keyword.index, city: "UTC", zone: "UTC" })
    }
  }
  return found
}

const findConversions = (text: string): ReadonlyArray<Intent> => {
  const pattern = new RegExp(
    String.raw`(-?\d+(?:\.\d+)?)\s*(${unitPattern})\s*(?:(?:to|into|in|в|во|на)\s+|换算成|转换成|换算为|转换为|转为|换成|等于多少|是多少|到|成)\s*(${unitPattern})(?![\p{L}\d])`,
    "giu"
  )
  const found: Array<Intent> = []
  for (const match of text.matchAll(pattern)) {
    const from = unitOf(match[2] ?? "")
    const to = unitOf(match[3] ?? "")
    if (from !== undefined && to !== undefined && from !== to) {
      found.push({ kind: "convert", at: match.index, value: Number(match[1]), from, to })
    }
  }
  return found
}

const pathToken = String.raw`[\`"']?((?:\.{1,2}\/)?(?:[\w.-]+\/)*[\w-]+(?:\.[A-Za-z0-9]+)+|(?:\.{1,2}\/)?[\w.-]+(?:\/[\w.-]+)+)[\`"']?`
const readVerb = String.raw`\b(?:read|open|show(?:\s+me)?|cat|display|print)\s+(?:the\s+)?(?:contents?\s+of\s+)?(?:the\s+)?`

const findReads = (text: string): ReadonlyArray<Intent> => {
  const found = new Map<number, Intent>()
  for (const match of text.matchAll(new RegExp(`${readVerb}file\\s+[\`"']?([\\w./-]+)[\`"']?`, "gi"))) {
    const path = (match[1] ?? "").replace(/\.+$/, "")
    if (path !== "") found.set(match.index, { kind: "read", at: match.index, path })
  }
  for (const match of text.matchAll(new RegExp(`${readVerb}(?:file\\s+)?${pathToken}`, "gi"))) {
    if (!found.has(match.index) && match[1] !== undefined) {
      found.set(match.index, { kind: "read", at: match.index, path: match[1] })
    }
  }
  return [...found.values()]
}

const fillerWords = new Set(["the", "current", "working", "this", "directory", "folder", "dir", "project", "repo"])

const findLists = (text: string): ReadonlyArray<Intent> =>
  [...text.matchAll(/\b(?:list|show(?:\s+me)?|what)\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?files\b([^.?!;\n]*)/gi)].map(
    (match) => {
      const where = /^\s*(?:are\s+)?(?:there\s+)?(?:in|under|inside|within)\s+(.*)$/i.exec(match[1] ?? "")
      const directory = where?.[1]
        ?.split(/\s+/)
        .map((word) => word.replace(/^[`"']|[`"',]$/g, ""))
        .find((word) => word !== "" && !fillerWords.has(word.toLowerCase()) && /^[\w./-]+$/.test(word))
      return { kind: "list", at: match.index, directory }
    }
  )

// =============================================================================
// Russian and Chinese phrasings
// =============================================================================

/** City names in Russian (stems, for the declined forms: "в Лондоне") and Chinese, with their IANA zones. */
const localizedCities: ReadonlyArray<readonly [RegExp, string, string]> = [
  [/токио|东京/iu, "Tokyo", "Asia/Tokyo"],
  [/лондон|伦敦/iu, "London", "Europe/London"],
  [/париж|巴黎/iu, "Paris", "Europe/Paris"],
  [/берлин|柏林/iu, "Berlin", "Europe/Berlin"],
  [/москв|莫斯科/iu, "Moscow", "Europe/Moscow"],
  [/нью-йорк|纽约/iu, "New York", "America/New_York"],
  [/лос-анджелес|洛杉矶/iu, "Los Angeles", "America/Los_Angeles"],
  [/пекин|北京/iu, "Beijing", "Asia/Shanghai"],
  [/шанха|上海/iu, "Shanghai", "Asia/Shanghai"],
  [/сидне|悉尼/iu, "Sydney", "Australia/Sydney"],
  [/сингапур|新加坡/iu, "Singapore", "Asia/Singapore"],
  [/дуба|迪拜/iu, "Dubai", "Asia/Dubai"]
]

const localizedTime = /время|времени|который\s+час|сколько\s+времени|时间|几点|幾點/iu

const localizedOperators: ReadonlyArray<readonly [RegExp, string]> = [
  [/умножить\s+на|умноженное\s+на|乘以|乘/giu, "*"],
  [/разделить\s+на|делить\s+на|除以/giu, "/"],
  [/плюс|加上|加/giu, "+"],
  [/минус|减去|减/giu, "-"]
]

const localizedRead = new RegExp(
  String.raw`(?:прочитай|прочти|открой|покажи(?:\s+мне)?|выведи|读取|读一下|读|打开|显示|查看)\s*(?:файл\s+|文件\s*)?${pathToken}`,
  "gi"
)

const localizedList =
  /(?:список\s+файлов|покажи\s+(?:все\s+)?файлы|какие\s+(?:есть\s+)?файлы|列出(?:所有)?文件|列出.{0,8}文件|有哪些文件)([^.?!;\n。？！]*)/giu

/**
 * The demo's tasks phrased in Russian or Chinese: arithmetic with operator words ("17 умножить на 23", "17乘以23"),
 * the time in a city ("Который час в Токио?", "东京现在几点？"), reading and listing files; conversions are read by
 * {@link findConversions}, whose units and connectors include both languages.
 */
const findLocalized = (text: string): ReadonlyArray<Intent> => {
  const found: Array<Intent> = []
  let arithmetic = text
  for (const [pattern, symbol] of localizedOperators) arithmetic = arithmetic.replace(pattern, ` ${symbol} `)
  if (arithmetic !== text && findArithmetic(text).length === 0) found.push(...findArithmetic(arithmetic))
  if (localizedTime.test(text)) {
    for (const [pattern, city, zone] of localizedCities) {
      const match = pattern.exec(text)
      if (match !== null) found.push({ kind: "time", at: match.index, city, zone })
    }
  }
  for (const match of text.matchAll(localizedRead)) {
    if (match[1] !== undefined) found.push({ kind: "read", at: match.index, path: match[1] })
  }
  for (const match of text.matchAll(localizedList)) {
    const directory = /(?:в|из|目录)\s*([\w./-]+)/u.exec(match[1] ?? "")?.[1]
    found.push({ kind: "list", at: match.index, directory })
  }
  return found
}

const intentsOf = (text: string): ReadonlyArray<Intent> =>
  [
    ...findArithmetic(text),
    ...findTimes(text),
    ...findConversions(text),
    ...findReads(text),
    ...findLists(text),
    ...findLocalized(text)
  ].sort((a, b) => a.at - b.at)

// =============================================================================
// Reading the tools
// =============================================================================

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const toolsOf = (request: Request.MessagesRequest): ReadonlyArray<ToolInfo> =>
  (request.tools ?? []).flatMap((tool) => {
    if (!("input_schema" in tool) || !isRecord(tool.input_schema)) return []
    const schema = tool.input_schema
    const properties = isRecord(schema.properties)
      ? Object.entries(schema.properties).map(([key, value]) => [key, isRecord(value) ? value : {}] as const)
      : []
    const description = "description" in tool && typeof tool.description === "string" ? tool.description : ""
    return [
      {
        name: tool.name,
        text: `${tool.name} ${description}`.toLowerCase(),
        properties,
        required: Array.isArray(schema.required) ? schema.required.filter((key) => typeof key === "string") : [],
        schema
      }
    ]
  })

const typesOf = (schema: JsonSchema): ReadonlyArray<string> => {
  if (typeof schema.type === "string") return [schema.type]
  if (Array.isArray(schema.type)) return schema.type.filter((type): type is string => typeof type === "string")
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map((value) => typeof value))]
  return []
}

const accepts = (schema: JsonSchema, kind: "string" | "number"): boolean => {
  const types = typesOf(schema)
  return types.length === 0 || types.includes(kind) || (kind === "number" && types.includes("integer"))
}

const describedAs = (schema: JsonSchema, pattern: RegExp): boolean =>
  typeof schema.description === "string" && pattern.test(schema.description)

const findProperty = (
  tool: ToolInfo,
  names: ReadonlyArray<string>,
  kind: "string" | "number",
  description?: RegExp
): readonly [string, JsonSchema] | undefined =>
  tool.properties.find(([key, schema]) => names.includes(key.toLowerCase()) && accepts(schema, kind)) ??
  (description === undefined
    ? undefined
    : tool.properties.find(([, schema]) => describedAs(schema, description) && accepts(schema, kind)))

const names = {
  expression: ["expression", "expr", "formula", "equation", "math", "calculation"],
  timezone: ["timezone", "time_zone", "timezonename", "tz", "zone", "iana_timezone", "iana_zone"],
  value: ["value", "amount", "quantity", "number", "magnitude"],
  from: ["from", "from_unit", "fromunit", "source", "source_unit", "unit_from", "input_unit"],
  to: ["to", "to_unit", "tounit", "target", "target_unit", "unit_to", "output_unit"],
  path: ["path", "file", "filename", "file_name", "file_path", "filepath"],
  directory: ["path", "dir", "directory", "folder", "dirname", "directory_path"]
}

const enumValues = (schema: JsonSchema): ReadonlyArray<unknown> | undefined =>
  Array.isArray(schema.enum) ? schema.enum : undefined

const unitFor = (group: UnitGroup, schema: JsonSchema): string | undefined => {
  const options = enumValues(schema)
  if (options === undefined) return group.canonical
  const match = options.find(
    (option) => typeof option === "string" && [group.canonical, ...group.aliases].includes(option.toLowerCase())
  )
  return typeof match === "string" ? match : undefined
}

/** How well a tool fits an intent (0: not at all), and the input fields the intent decides. */
const bind = (tool: ToolInfo, intent: Intent): { readonly score: number; readonly fields: Record<string, unknown> } => {
  const none = { score: 0, fields: {} }
  const bonus = (pattern: RegExp) =>
    (tool.name === preferredNames[intent.kind] ? 10 : 0) + (pattern.test(tool.text) ? 1 : 0)
  switch (intent.kind) {
    case "calculate": {
      const property = findProperty(tool, names.expression, "string", /\bexpression\b|arithmetic|formula/i)
      return property === undefined
        ? none
        : { score: 5 + bonus(/calc|math|arithmetic/), fields: { [property[0]]: intent.expression } }
    }
    case "time": {
      const property = findProperty(tool, names.timezone, "string", /time ?zone|\biana\b/i)
      if (property === undefined) return none
      const options = enumValues(property[1])
      const zone = options === undefined || options.includes(intent.zone) ? intent.zone : undefined
      return zone === undefined ? none : { score: 5 + bonus(/time|clock/), fields: { [property[0]]: zone } }
    }
    case "convert": {
      const value = findProperty(tool, names.value, "number")
      const from = findProperty(tool, names.from, "string")
      const to = findProperty(tool, names.to, "string")
      if (value === undefined || from === undefined || to === undefined) return none
      const fromUnit = unitFor(intent.from, from[1])
      const toUnit = unitFor(intent.to, to[1])
      if (fromUnit === undefined || toUnit === undefined) return none
      const amount = typesOf(value[1]).includes("string") ? String(intent.value) : intent.value
      return {
        score: 5 + bonus(/convert|unit/),
        fields: { [value[0]]: amount, [from[0]]: fromUnit, [to[0]]: toUnit }
      }
    }
    case "read": {
      if (!/read|open|content|\bcat\b|get_file/.test(tool.text) || /^list|_list|list_/.test(tool.name)) return none
      const property = findProperty(tool, names.path, "string", /\bpath\b|\bfile\b/i)
      return property === undefined ? none : { score: 5 + bonus(/file/), fields: { [property[0]]: intent.path } }
    }
    case "list": {
      if (!/\blist|list_|_list|\bls\b|director/.test(tool.text)) return none
      const property = findProperty(tool, names.directory, "string", /director|folder/i)
      const required = property !== undefined && tool.required.includes(property[0])
      const directory = intent.directory ?? (required ? "." : undefined)
      return {
        score: 5 + bonus(/file/),
        fields: property !== undefined && directory !== undefined ? { [property[0]]: directory } : {}
      }
    }
  }
}

/** A value that satisfies a JSON schema as far as this planner needs: defaults, enums, consts, types. */
const placeholder = (schema: JsonSchema): unknown => {
  if ("default" in schema) return schema.default
  if ("const" in schema) return schema.const
  const options = enumValues(schema)
  if (options !== undefined && options.length > 0) return options[0]
  const [type] = typesOf(schema)
  switch (type) {
    case "number":
    case "integer":
      return typeof schema.minimum === "number" ? schema.minimum : 0
    case "boolean":
      return false
    case "array":
      return []
    case "null":
      return null
    case "object":
      return complete(schema, {})
    default:
      return ""
  }
}

const complete = (schema: JsonSchema, fields: Record<string, unknown>): Record<string, unknown> => {
  const properties = isRecord(schema.properties) ? schema.properties : {}
  const required = Array.isArray(schema.required) ? schema.required : []
  const input: Record<string, unknown> = { ...fields }
  for (const key of required) {
    if (typeof key === "string" && !(key in input)) {
      const property = properties[key]
      input[key] = placeholder(isRecord(property) ? property : {})
    }
  }
  return input
}

// =============================================================================
// Any tool, from its schema
// =============================================================================

const stopWords = new Set(
  "the a an and or of to in on for with from by is are be it its this that what whats how please can you me my your get set use tool tools two one value number numbers given returns return".split(
    " "
  )
)

const wordsOf = (text: string): ReadonlyArray<string> =>
  text
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^\p{L}\d]+/u)
    .filter((word) => word.length >= 3 && !stopWords.has(word))

/** Whether `word` (from a tool's name or description) appears in the prompt, allowing a plural or verb ending. */
const mentions = (promptWords: ReadonlySet<string>, word: string): boolean => {
  if (promptWords.has(word)) return true
  const stem = word.replace(/(?:es|s|ed|ing)$/, "")
  return stem.length >= 3 && [...promptWords].some((candidate) => candidate.replace(/(?:es|s|ed|ing)$/, "") === stem)
}

const numbersIn = (text: string): ReadonlyArray<number> =>
  [...text.matchAll(new RegExp(String.raw`(?<![\w.])-?${number}`, "g"))].map((match) =>
    Number(match[0].replace(/,/g, ""))
  )

const quotedIn = (text: string): ReadonlyArray<string> =>
  [...text.matchAll(/"([^"]+)"|“([^”]+)”|'([^']+)'|`([^`]+)`/g)].map(
    (match) => match[1] ?? match[2] ?? match[3] ?? match[4] ?? ""
  )

/**
 * A call of any offered tool the prompt names: a tool whose name, or a word of its description, appears in the
 * prompt, with its required properties filled from the prompt by type (numbers in order for number properties, an
 * `enum` value the prompt mentions, a quoted string or the words after the tool's name for strings). A tool whose
 * required properties the prompt cannot fill is not called.
 */
const genericCall = (prompt: string, tools: ReadonlyArray<ToolInfo>): Call | undefined => {
  const promptWords = new Set(wordsOf(prompt))
  const lower = prompt.toLowerCase()
  let best: { readonly tool: ToolInfo; readonly score: number } | undefined
  for (const tool of tools) {
    const nameWords = wordsOf(tool.name.replace(/[_-]/g, " "))
    const byName =
      lower.includes(tool.name.toLowerCase().replace(/[_-]/g, " ")) ||
      nameWords.some((word) => mentions(promptWords, word))
    const description = tool.text.slice(tool.name.length)
    const byDescription = wordsOf(description).filter((word) => mentions(promptWords, word)).length
    const score = (byName ? 10 : 0) + byDescription
    if (score > 0 && (best === undefined || score > best.score)) best = { tool, score }
  }
  if (best === undefined) return undefined
  const tool = best.tool
  const numbers = [...numbersIn(prompt)]
  const quoted = [...quotedIn(prompt)]
  const fields: Record<string, unknown> = {}
  for (const key of tool.required) {
    const schema = tool.properties.find(([name]) => name === key)?.[1] ?? {}
    const types = typesOf(schema)
    const options = enumValues(schema)
    if (options !== undefined) {
      const named = options.find((option) => typeof option === "string" && lower.includes(option.toLowerCase()))
      if (named === undefined) return undefined
      fields[key] = named
    } else if (types.includes("number") || types.includes("integer")) {
      const value = numbers.shift()
      if (value === undefined || (types.includes("integer") && !Number.isInteger(value))) return undefined
      fields[key] = value
    } else if ((types.includes("string") || types.length === 0) && /city|location|place|where/i.test(key)) {
      const place = placeIn(prompt)
      if (place === undefined) return undefined
      fields[key] = place
    } else if (types.includes("string") || types.length === 0) {
      const special = [names.expression, names.timezone, names.path].some((list) => list.includes(key.toLowerCase()))
      const named = lower.includes(tool.name.toLowerCase())
      const text = quoted.shift() ?? (named && !special ? restAfter(prompt, tool.name) : "")
      if (text === "") return undefined
      fields[key] = text
    } else if (types.includes("boolean")) {
      fields[key] = false
    } else {
      return undefined
    }
  }
  return { tool, input: complete(tool.schema, fields) }
}

/** The place a prompt names after "in", "at" or "for": a known city, else the capitalized words there. */
const placeIn = (prompt: string): string | undefined => {
  for (const match of prompt.matchAll(/\b(?:in|at|for)\s+(?:the\s+)?/gi)) {
    const rest = prompt.slice(match.index + match[0].length)
    const city = cityAt(rest)
    if (city !== undefined) return city[0]
    const words = /^\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*)*/u.exec(rest)
    if (words !== null) return words[0]
  }
  return undefined
}

/** The prompt's words after the tool's name, without end punctuation. */
const restAfter = (prompt: string, name: string): string => {
  const at = prompt.toLowerCase().indexOf(name.toLowerCase())
  const rest = at < 0 ? prompt : prompt.slice(at + name.length)
  return rest
    .trim()
    .replace(/[.?!]+$/, "")
    .trim()
}

// =============================================================================
// Follow-ups
// =============================================================================

const followUpOperations: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bmultipl(?:y|ied)\s+(?:that|it|this|the (?:result|answer))\s+by\s+(NUM)/i, "*"],
  [/\b(?:times)\s+(NUM)\b/i, "*"],
  [/\bdivide\s+(?:that|it|this|the (?:result|answer))\s+by\s+(NUM)/i, "/"],
  [/\badd\s+(NUM)\s+to\s+(?:that|it|this|the (?:result|answer))/i, "+"],
  [/\bplus\s+(NUM)\b/i, "+"],
  [/\bsubtract\s+(NUM)\s+from\s+(?:that|it|this|the (?:result|answer))/i, "-"],
  [/\bminus\s+(NUM)\b/i, "-"],
  [/\b(?:square|squared)\b/i, "^2"]
]

/** The last number the assistant answered with, when the conversation has an earlier answer. */
const previousResult = (request: Request.MessagesRequest): number | undefined => {
  const messages = request.messages
  for (let index = messages.length - 2; index >= 0; index--) {
    const message = messages[index]
    if (message?.role !== "assistant") continue
    const found = numbersIn(textOf(message.content))
    if (found.length > 0) return found[found.length - 1]
  }
  return undefined
}

/** The earlier user prompts (text only), latest first. */
const earlierPrompts = (request: Request.MessagesRequest): ReadonlyArray<string> =>
  request.messages
    .slice(0, -1)
    .filter((message) => message.role === "user")
    .map((message) => textOf(message.content))
    .filter((text) => text.trim() !== "")
    .reverse()

/**
 * What a follow-up asks for, read with the conversation: "and multiply that by 2" → arithmetic on the last answer;
 * "and in London?" after a time question → the time there.
 */
const followUpIntents = (request: Request.MessagesRequest, prompt: string): ReadonlyArray<Intent> => {
  const previous = previousResult(request)
  if (previous !== undefined && /\b(?:that|it|this|the (?:result|answer))\b/i.test(prompt)) {
    for (const [pattern, operator] of followUpOperations) {
      const match = new RegExp(pattern.source.replace("NUM", number), pattern.flags).exec(prompt)
      if (match === null) continue
      const expression =
        operator === "^2" ? `${previous} ^ 2` : `${previous} ${operator} ${plainNumber(match[1] ?? "")}`
      return [{ kind: "calculate", at: match.index, expression }]
    }
  }
  for (const earlier of earlierPrompts(request)) {
    const kinds = new Set(intentsOf(earlier).map((intent) => intent.kind))
    if (kinds.has("time")) {
      const found: Array<Intent> = []
      for (const inWord of prompt.matchAll(/\bin\s+(?:the\s+)?/gi)) {
        const city = cityAt(prompt.slice(inWord.index + inWord[0].length))
        if (city !== undefined) found.push({ kind: "time", at: inWord.index, city: city[0], zone: city[1] })
      }
      if (found.length > 0) return found
    }
    if (kinds.size > 0) break
  }
  return []
}

// =============================================================================
// Planning a turn
// =============================================================================

interface Call {
  readonly tool: ToolInfo
  readonly input: Record<string, unknown>
}

const lastUserTurn = (request: Request.MessagesRequest): Message.MessageParam | undefined =>
  [...request.messages].reverse().find((message) => message.role === "user")

const textOf = (content: Message.MessageParam["content"]): string =>
  typeof content === "string"
    ? content
    : content
        .filter(Content.is("text"))
        .map((block) => block.text)
        .join("\n")

const callsFor = (intents: ReadonlyArray<Intent>, tools: ReadonlyArray<ToolInfo>): ReadonlyArray<Call> => {
  const calls: Array<Call> = []
  const seen = new Set<string>()
  for (const intent of intents) {
    let best: { readonly tool: ToolInfo; readonly score: number; readonly fields: Record<string, unknown> } | undefined
    for (const tool of tools) {
      const bound = bind(tool, intent)
      if (bound.score > 0 && (best === undefined || bound.score > best.score)) best = { tool, ...bound }
    }
    if (best === undefined) continue
    const input = complete(best.tool.schema, best.fields)
    const key = `${best.tool.name}:${JSON.stringify(input)}`
    if (seen.has(key)) continue
    seen.add(key)
    calls.push({ tool: best.tool, input })
  }
  return calls
}

const list = (items: ReadonlyArray<string>): string =>
  items.length <= 1
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")}${items.length > 2 ? "," : ""} and ${items[items.length - 1]}`

const snippet = (text: string): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat
}

const fallbackText = (prompt: string, tools: ReadonlyArray<ToolInfo>): string =>
  tools.length === 0
    ? `Hello! I'm the Parley stand-in: an offline, rule-based responder, not a language model. You said: "${snippet(prompt)}". ` +
      "When tools are offered I can do arithmetic, tell the time in a city, convert units, and read or list files."
    : `I'm the Parley stand-in (offline and rule-based, not a language model), and I found nothing in your message ` +
      `for the offered tools (${list(tools.map((tool) => tool.name))}). Try "17 * 23", "what time is it in Tokyo?", ` +
      `"convert 10 km to miles", "read README.md" or "list files".`

const planTurn = (request: Request.MessagesRequest, prompt: string, narrate: boolean): Reply.Reply => {
  const choice = request.tool_choice
  const offered = choice?.type === "none" ? [] : toolsOf(request)
  const named =
    choice?.type === "tool" ? (choice as Extract<Request.ToolChoice, { readonly type: "tool" }>).name : undefined
  const tools = named !== undefined ? offered.filter((tool) => tool.name === named) : offered
  let calls = callsFor(intentsOf(prompt), tools)
  if (calls.length === 0) calls = callsFor(followUpIntents(request, prompt), tools)
  if (calls.length === 0) {
    const generic = genericCall(prompt, tools)
    if (generic !== undefined) calls = [generic]
  }
  const forced = choice?.type === "any" || choice?.type === "tool"
  const [firstTool] = tools
  if (calls.length === 0 && forced && firstTool !== undefined) {
    calls = [{ tool: firstTool, input: complete(firstTool.schema, {}) }]
  }
  const [firstCall] = calls
  if (choice !== undefined && "disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use === true) {
    calls = firstCall === undefined ? [] : [firstCall]
  }
  const id = Ids.random("msg")
  if (calls.length === 0) return Reply.text(fallbackText(prompt, toolsOf(request)), { id })
  const used = [...new Set(calls.map((call) => call.tool.name))]
  return Reply.toolUse(
    calls.map((call) => ({
      name: call.tool.name,
      input: call.input,
      id: Ids.random("toolu")
    })),
    { id, ...(narrate && !forced ? { text: `I'll use ${list(used)} to answer that.` } : {}) }
  )
}

// =============================================================================
// Answering from tool results
// =============================================================================

const resultText = (block: Content.ToolResultBlock): string => {
  const content = block.content
  if (content === undefined) return ""
  if (typeof content === "string") return content.trim()
  return content
    .map((part) => (part.type === "text" ? (part as Content.TextBlock).text : `[${part.type}]`))
    .join("\n")
    .trim()
}

const field = (input: unknown, keys: ReadonlyArray<string>): string | undefined => {
  if (!isRecord(input)) return undefined
  for (const [key, value] of Object.entries(input)) {
    if (keys.includes(key.toLowerCase()) && (typeof value === "string" || typeof value === "number")) {
      return String(value)
    }
  }
  return undefined
}

const kindOf = (use: Content.ToolUseBlock, tools: ReadonlyArray<ToolInfo>): Kind | undefined => {
  const preferred = (Object.keys(preferredNames) as ReadonlyArray<Kind>).find(
    (kind) => preferredNames[kind] === use.name
  )
  if (preferred !== undefined) return preferred
  const input = use.input
  if (field(input, names.expression) !== undefined) return "calculate"
  if (field(input, names.timezone) !== undefined) return "time"
  if ([names.value, names.from, names.to].every((keys) => field(input, keys) !== undefined)) return "convert"
  const text = tools.find((tool) => tool.name === use.name)?.text ?? use.name.toLowerCase()
  if (/\blist|list_|_list|\bls\b/.test(text)) return "list"
  if (/read|open|content|get_file/.test(text) && field(input, names.path) !== undefined) return "read"
  return undefined
}

const cityOf = (zone: string): string => cities.find(([, candidate]) => candidate === zone)?.[0] ?? zone

const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`)

/** A tool result that is a JSON object (as the demo's tools return), parsed; otherwise undefined. */
const parsed = (result: string): Record<string, unknown> | undefined => {
  if (!result.startsWith("{")) return undefined
  try {
    const value: unknown = JSON.parse(result)
    return isRecord(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** The readable part of a result: a named field of a JSON result when present, else the text itself. */
const pick = (result: string, key: string): string => {
  const value = parsed(result)?.[key]
  return typeof value === "string" || typeof value === "number" ? String(value) : result
}

/** The message of a failed call: an error object's `message` field when present, else the text. */
const failure = (result: string): string => sentence(pick(result, "message"))

const describeTime = (result: string): string => {
  const value = parsed(result)
  const time = value?.["time"]
  if (typeof time !== "string") return sentence(result)
  const weekday = typeof value?.["weekday"] === "string" ? ` on ${value["weekday"]}` : ""
  const date = typeof value?.["date"] === "string" ? ` ${value["date"]}` : ""
  const offset = typeof value?.["utcOffset"] === "string" ? ` (UTC${value["utcOffset"]})` : ""
  return `${time.slice(0, 5)}${weekday}${date}${offset}.`
}

const describeListing = (result: string): string => {
  const entries = parsed(result)?.["entries"]
  if (!Array.isArray(entries)) return result
  return entries
    .map((entry) => (isRecord(entry) && typeof entry["name"] === "string" ? `- ${entry["name"]}` : undefined))
    .filter((line): line is string => line !== undefined)
    .join("\n")
}

const describeResult = (
  use: Content.ToolUseBlock | undefined,
  block: Content.ToolResultBlock,
  tools: ReadonlyArray<ToolInfo>
): string => {
  const result = resultText(block)
  const failed = block.is_error === true
  if (use === undefined) {
    return failed ? `A tool call failed: ${failure(result)}` : `A tool returned: ${sentence(result)}`
  }
  const input = use.input
  switch (kindOf(use, tools)) {
    case "calculate": {
      const expression = field(input, names.expression)
      return failed
        ? `I could not evaluate ${expression}: ${failure(result)}`
        : `${expression} = ${sentence(pick(result, "result"))}`
    }
    case "time": {
      const city = cityOf(field(input, names.timezone) ?? "UTC")
      return failed
        ? `I could not get the time in ${city}: ${failure(result)}`
        : `The time in ${city} is ${describeTime(result)}`
    }
    case "convert": {
      const value = field(input, names.value)
      const from = field(input, names.from)
      const to = field(input, names.to)
      if (failed) return `I could not convert ${value} ${from} to ${to}: ${failure(result)}`
      const converted = pick(result, "result")
      const unit = pick(result, "to")
      return `${value} ${from} is ${sentence(/^-?[\d.,e+-]+$/.test(converted) ? `${converted} ${unit === result ? to : unit}` : converted)}`
    }
    case "read": {
      const path = field(input, names.path)
      return failed ? `I could not read ${path}: ${failure(result)}` : `Here is ${path}:\n\n${pick(result, "content")}`
    }
    case "list": {
      const directory = field(input, names.directory) ?? "."
      if (failed) return `I could not list the files in ${directory}: ${failure(result)}`
      const listing = describeListing(result)
      return listing.includes("\n")
        ? `The files in ${directory} are:\n${listing}`
        : `The files in ${directory} are: ${sentence(listing)}`
    }
    default:
      return failed ? `${use.name} failed: ${failure(result)}` : `${use.name} returned: ${sentence(result)}`
  }
}

const answer = (request: Request.MessagesRequest, results: ReadonlyArray<Content.ToolResultBlock>): Reply.Reply => {
  const uses = new Map<string, Content.ToolUseBlock>()
  for (const message of request.messages) {
    if (message.role === "assistant" && typeof message.content !== "string") {
      for (const block of message.content.filter(Content.is("tool_use"))) uses.set(block.id, block)
    }
  }
  const tools = toolsOf(request)
  const parts = results.map((block) => describeResult(uses.get(block.tool_use_id), block, tools))
  const text = parts.some((part) => part.includes("\n")) ? parts.join("\n\n") : parts.join(" ")
  return Reply.text(text, { id: Ids.random("msg") })
}

// =============================================================================
// Responder
// =============================================================================

/**
 * The planner's reply to a request, as a pure function: tool calls for the last user turn, or the final answer
 * when that turn carries tool results. Every reply gets fresh random ids, as the API's do.
 *
 * @since 0.1.0
 * @category planning
 */
export const plan = (request: Request.MessagesRequest, options?: Options): Reply.Reply => {
  const turn = lastUserTurn(request)
  const content = turn?.content ?? ""
  const results = typeof content === "string" ? [] : content.filter(Content.is("tool_result"))
  return results.length > 0 ? answer(request, results) : planTurn(request, textOf(content), options?.narrate ?? true)
}

/**
 * The planner as a {@link Responder.Responder}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make =
  (options?: Options): Responder.Responder =>
  (request) =>
    Effect.sync(() => plan(request, options))
