/**
 * A local tool defined from Schemas: the model sees the `input_schema` derived from the input Schema, and a
 * {@link Toolkit} decodes the model's `input` with that same Schema before any handler runs.
 *
 * @example
 * ```ts
 * import { Tool } from "@parley/core"
 * import * as Schema from "effect/Schema"
 *
 * const GetWeather = Tool.make("get_weather", {
 *   description: "Current weather for a city",
 *   input: Schema.Struct({ city: Schema.String.annotations({ description: "City name" }) })
 * })
 * GetWeather.definition.input_schema // { type: "object", properties: { city: { ... } }, required: ["city"], ... }
 * ```
 *
 * @since 0.1.0
 */
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import * as Validator from "./internal/jsonSchemaValidator.js"
import * as Request from "./Request.js"
import * as Wire from "./Wire.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@parley/core/Tool")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A tool: its name, description, the Schemas of its input, output and failure, and the definition sent in a
 * request's `tools`.
 *
 * The Schemas are typed by their decoded side only: tool input always comes from JSON and output/failure always go
 * back to JSON, so the encoded side never needs a static type.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tool<Name extends string, I, O, E> {
  readonly [TypeId]: TypeId
  /** The name the model calls the tool by (`^[a-zA-Z0-9_-]{1,128}$`, `Request.toolNamePattern`). */
  readonly name: Name
  /** What the tool does and when to use it; the model reads this. */
  readonly description: string
  /** Decodes the model's `input`; the handler only ever sees values that passed it. */
  readonly input: Schema.Schema<I, unknown>
  /** Encodes the handler's success into the `tool_result` content. */
  readonly output: Schema.Schema<O, unknown>
  /** Encodes the handler's failure into the `tool_result` content (with `is_error: true`). */
  readonly failure: Schema.Schema<E, unknown>
  /** `{ name, description, input_schema }`, ready for a request's `tools`. */
  readonly definition: Request.CustomTool
}

/**
 * Any tool, whatever its name and types.
 *
 * @since 0.1.0
 * @category models
 */
export interface Any {
  readonly [TypeId]: TypeId
  readonly name: string
  readonly description: string
  readonly input: Schema.Schema.AnyNoContext
  readonly output: Schema.Schema.AnyNoContext
  /** `All`, not `AnyNoContext`: the default failure Schema is `Schema.Never`. */
  readonly failure: Schema.Schema.All
  readonly definition: Request.CustomTool
}

/**
 * The name of a tool.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Name<T> = T extends Tool<infer N, infer _I, infer _O, infer _E> ? N : never

/**
 * The decoded input a tool's handler receives.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Input<T> = T extends Tool<infer _N, infer I, infer _O, infer _E> ? I : never

/**
 * What a tool's handler succeeds with.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Output<T> = T extends Tool<infer _N, infer _I, infer O, infer _E> ? O : never

/**
 * What a tool's handler may fail with.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Failure<T> = T extends Tool<infer _N, infer _I, infer _O, infer E> ? E : never

/**
 * A tool definition the API would reject: a name outside `^[a-zA-Z0-9_-]{1,128}$` (`Request.toolNameProblem` says
 * why), or an input Schema whose JSON
 * Schema is not an object at the top level. Thrown by {@link make}, as it is a programming error found when the
 * module defining the tool loads.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidToolDefinition extends Schema.TaggedError<InvalidToolDefinition>()("InvalidToolDefinition", {
  tool: Schema.String,
  message: Schema.String
}) {}

/** Throws when the API would reject `name` (the rule is `Request`'s, which the linter checks too). */
const checkName = (name: string): void => {
  const problem = Request.toolNameProblem(name)
  if (problem !== undefined) throw new InvalidToolDefinition({ tool: name, message: `Tool name ${problem}` })
}

/**
 * Defines a tool. `output` defaults to `Schema.String` (the text sent back as is) and `failure` to `Schema.Never`
 * (the handler cannot fail; a defect still becomes an error result).
 *
 * The `input_schema` is derived with `effect/JSONSchema` (draft 2020-12) and made acceptable to the API: `$schema`
 * and `$id` are removed, every `$ref` is inlined (a recursive definition stays in a top-level `$defs`), and
 * descriptions and other annotations are carried over.
 *
 * @throws InvalidToolDefinition if the name is invalid or the input is not an object schema (e.g. a `Schema.Struct`
 * or `Schema.Class`).
 * @since 0.1.0
 * @category constructors
 */
export const make = <const Name extends string, I, IE, O = string, OE = string, E = never, EE = never>(
  name: Name,
  options: {
    readonly description: string
    readonly input: Schema.Schema<I, IE>
    readonly output?: Schema.Schema<O, OE> | undefined
    readonly failure?: Schema.Schema<E, EE> | undefined
  }
): Tool<Name, I, O, E> => {
  checkName(name)
  const input_schema = inputSchema(name, JSONSchema.make(options.input, { target: "jsonSchema2020-12" }))
  // The encoded side is erased (see the Tool interface): values only ever come from or go to JSON.
  const erase = <A, X>(schema: Schema.Schema<A, X>) => schema as unknown as Schema.Schema<A, unknown>
  return {
    [TypeId]: TypeId,
    name,
    description: options.description,
    input: erase(options.input),
    output: erase(options.output ?? (Schema.String as unknown as Schema.Schema<O, OE>)),
    failure: erase(options.failure ?? (Schema.Never as unknown as Schema.Schema<E, EE>)),
    definition: { name, description: options.description, input_schema }
  }
}

/**
 * Defines a tool from a plain JSON Schema (an MCP server's tool, a schema kept in a file) instead of an Effect
 * Schema. The input is validated against it before the handler runs, by ajv (draft 2020-12, all errors, no
 * coercion): invalid input never reaches the handler, and the model gets each problem (`input/city must be
 * string`) to correct its call. The handler receives the input as `I` (default `unknown`): the type is the
 * caller's claim, the schema is what is checked. `input_schema` is the schema as given, without `$schema` and
 * `$id`.
 *
 * @throws InvalidToolDefinition if the name is invalid, the schema does not describe an object, is nested deeper
 * than `Wire.maxDepth` or holds an own `__proto__` key (a schema from outside: either would break its definition or
 * its validator), or ajv cannot compile it.
 * @since 0.2.0
 * @category constructors
 */
export const fromJsonSchema = <const Name extends string, I = unknown, O = string, OE = string, E = never, EE = never>(
  name: Name,
  options: {
    readonly description: string
    readonly inputSchema: { readonly [key: string]: unknown }
    readonly output?: Schema.Schema<O, OE> | undefined
    readonly failure?: Schema.Schema<E, EE> | undefined
  }
): Tool<Name, I, O, E> => {
  checkName(name)
  const fail = (message: string) => new InvalidToolDefinition({ tool: name, message: `Tool "${name}": ${message}` })
  const { $schema: _schema, $id: _id, ...schema } = options.inputSchema
  // a schema from outside (an MCP server's): an own __proto__ key would become the prototype of the definition's
  // object instead of a property of it, and ajv overflows the stack on a schema nested a few thousand levels deep
  const unsafe = Wire.unsafeJson(options.inputSchema, { checkToolInputs: true, methodKeys: false })
  if (unsafe !== undefined) throw fail(`the input schema cannot be used: ${unsafe}`)
  if (schema.type !== "object") throw fail(`the input schema must describe an object, got ${JSON.stringify(schema)}`)
  let validate: Validator.Validate
  try {
    validate = Validator.compile(options.inputSchema)
  } catch (error) {
    throw fail(`the input schema is not valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`)
  }
  const input = Schema.Unknown.pipe(Schema.filter((value) => validate(value) ?? true)) as unknown as Schema.Schema<
    I,
    unknown
  >
  const erase = <A, X>(schema: Schema.Schema<A, X>) => schema as unknown as Schema.Schema<A, unknown>
  return {
    [TypeId]: TypeId,
    name,
    description: options.description,
    input,
    output: erase(options.output ?? (Schema.String as unknown as Schema.Schema<O, OE>)),
    failure: erase(options.failure ?? (Schema.Never as unknown as Schema.Schema<E, EE>)),
    definition: {
      name,
      description: options.description,
      input_schema: Schema.decodeUnknownSync(Request.InputSchema)(schema)
    }
  }
}

/**
 * Whether a value is a {@link Tool}.
 *
 * @since 0.1.0
 * @category guards
 */
export const isTool = (u: unknown): u is Any => typeof u === "object" && u !== null && TypeId in u

// =============================================================================
// JSON Schema clean-up
// =============================================================================

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }
type JsonObject = { readonly [key: string]: Json }

const isObject = (u: Json | undefined): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** Keywords whose values are data, not schemas: never rewritten. */
const dataKeywords = new Set(["enum", "const", "default", "examples"])
/** Keywords whose values map names to schemas: the names are kept, the schemas rewritten. */
const schemaMaps = new Set(["properties", "patternProperties", "dependentSchemas"])

/** `{ allOf: [x], ...annotations }` (how annotations on a reference come out) is `{ ...x, ...annotations }`. */
const flattenAllOf = (node: JsonObject): JsonObject => {
  const { allOf, ...rest } = node
  return Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0]) ? { ...allOf[0], ...rest } : node
}

/** `Schema.Struct({})` comes out as "an object or an array"; a tool without input is an object without properties. */
const emptyStruct = (node: Json): Json => {
  if (!isObject(node) || !Array.isArray(node.anyOf) || node.anyOf.length !== 2) return node
  const [first, second] = node.anyOf as ReadonlyArray<Json>
  if (!isObject(first) || !isObject(second) || first.type !== "object" || second.type !== "array") return node
  if (Object.keys(first).length !== 1 || Object.keys(second).length !== 1) return node
  const { anyOf: _, ...annotations } = node
  return { type: "object", properties: {}, ...annotations }
}

/** The definition a `#/$defs/...` reference names: Effect writes identifiers as they are, JSON Pointer escapes them. */
const definitionName = (ref: string, defs: JsonObject): string | undefined => {
  if (!ref.startsWith("#/$defs/")) return undefined
  const raw = ref.slice("#/$defs/".length)
  if (raw in defs) return raw
  const unescaped = raw.replace(/~1/g, "/").replace(/~0/g, "~")
  try {
    return decodeURIComponent(unescaped)
  } catch {
    return unescaped
  }
}

const inputSchema = (tool: string, root: JSONSchema.JsonSchema7Root): Request.InputSchema => {
  const json = root as unknown as JsonObject
  const defs = isObject(json.$defs) ? json.$defs : {}
  const kept = new Set<string>()

  const fail = (message: string) => new InvalidToolDefinition({ tool, message: `Tool "${tool}": ${message}` })

  const resolve = (node: Json, expanding: ReadonlyArray<string>): Json => {
    if (Array.isArray(node)) return node.map((item: Json) => resolve(item, expanding))
    if (!isObject(node)) return node
    const out: Record<string, Json> = {}
    for (const [key, value] of Object.entries(node)) {
      if (key === "$schema" || key === "$id" || key === "$defs" || key === "$ref") continue
      if (dataKeywords.has(key)) out[key] = value
      else if (schemaMaps.has(key) && isObject(value)) {
        const map: Record<string, Json> = {}
        for (const [name, schema] of Object.entries(value)) map[name] = resolve(schema, expanding)
        out[key] = map
      } else out[key] = resolve(value, expanding)
    }
    const ref = node.$ref
    if (typeof ref !== "string") return flattenAllOf(out)
    const name = definitionName(ref, defs)
    const def = name === undefined ? undefined : defs[name]
    if (name === undefined || def === undefined) throw fail(`cannot resolve $ref "${ref}"`)
    if (expanding.includes(name)) {
      // A recursive definition cannot be inlined: it stays in `$defs` at the root of `input_schema`.
      kept.add(name)
      return { $ref: `#/$defs/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`, ...out }
    }
    const resolved = resolve(def, [...expanding, name])
    return isObject(resolved) ? { ...resolved, ...out } : resolved
  }

  const top = emptyStruct(resolve(json, []))
  if (!isObject(top) || top.type !== "object") {
    throw fail(
      `the input Schema must describe an object (e.g. Schema.Struct or Schema.Class), got ${JSON.stringify(top)}`
    )
  }
  const keptDefs: Record<string, Json> = {}
  // Iterating a Set visits the names added while iterating: mutually recursive definitions are all kept.
  for (const name of kept) keptDefs[name] = resolve(defs[name] ?? {}, [name])
  const result = kept.size === 0 ? top : { ...top, $defs: keptDefs }
  return Schema.decodeUnknownSync(Request.InputSchema)(result)
}
