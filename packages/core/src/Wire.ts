/**
 * Building blocks shared by every wire schema: open structs that keep unknown fields, and open unions that keep
 * unknown members. The Messages API adds fields and block types often; a runtime that drops them corrupts the
 * history it sends back, so every object on the wire is decoded with `onExcessProperty: "preserve"`.
 *
 * Conventions of the wire modules: a union is open ({@link openUnion}: known members exact, any other `type` kept)
 * wherever the API's own set can grow, and closed only where it cannot (a message's `role`); string values from a
 * set that grows (error codes, effort levels, media types) are {@link openLiteral}s. Each exported schema that other
 * schemas hold has a named interface type (`TextBlockSchema`): without one, TypeScript writes the whole nested type
 * out at every use, and the declarations of the nested Messages API grew to megabytes and past the compiler's
 * instantiation depth in the packages that import them.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

/**
 * Parse options that keep properties a schema does not declare, on decode and on encode, and take a required field
 * as missing when its key is (`exact`): without it, a required field whose schema accepts `undefined` (a
 * `tool_use` block's `input: Schema.Unknown`) was satisfied by no key at all, so a `tool_use` without its `input`,
 * which the API rejects, decoded.
 *
 * @since 0.1.0
 */
export const preserve = { parseOptions: { onExcessProperty: "preserve", exact: true } } as const

/**
 * A struct that keeps fields it does not know. Use for every object that travels on the wire.
 *
 * @since 0.1.0
 */
export const open = <Fields extends Schema.Struct.Fields>(fields: Fields): Schema.Struct<Fields> =>
  Schema.Struct(fields).annotations(preserve)

/**
 * A `type` field that matches any string except the listed ones: the discriminator of the fallback member of an
 * open union, so a known type with a malformed body fails instead of being swallowed as "unknown".
 *
 * @since 0.1.0
 */
export const otherThan = (known: ReadonlyArray<string>, what: string) => {
  const set = new Set(known)
  return Schema.String.pipe(
    Schema.filter((type) => !set.has(type), { message: () => `a known ${what} type with an invalid body` })
  )
}

/**
 * A member of an open union that was not known when this library was written: only its `type` is checked, every
 * other field is kept as it came.
 *
 * @since 0.1.0
 */
export const unknownMember = (known: ReadonlyArray<string>, what: string, identifier: string): UnknownMember =>
  Schema.Struct({ type: otherThan(known, what) }).annotations({ ...preserve, identifier })

/**
 * The schema of an {@link unknownMember}: `{ type: string }` (not a known type), other fields kept.
 *
 * @since 0.1.0
 */
export interface UnknownMember extends Schema.Struct<{ type: Schema.filter<typeof Schema.String> }> {}

const literalsOf = (ast: AST.AST, out: Array<string>): void => {
  if (AST.isLiteral(ast)) {
    if (typeof ast.literal === "string") out.push(ast.literal)
  } else if (AST.isUnion(ast)) {
    for (const member of ast.types) literalsOf(member, out)
  } else if (AST.isRefinement(ast)) {
    literalsOf(ast.from, out)
  }
}

const typesOfAst = (ast: AST.AST, out: Array<string>): void => {
  if (AST.isTypeLiteral(ast)) {
    const type = ast.propertySignatures.find((property) => property.name === "type")
    if (type !== undefined) literalsOf(type.type, out)
  } else if (AST.isUnion(ast)) {
    for (const member of ast.types) typesOfAst(member, out)
  } else if (AST.isRefinement(ast)) {
    typesOfAst(ast.from, out)
  } else if (AST.isTransformation(ast)) {
    typesOfAst(ast.from, out)
  }
}

/**
 * The `type` values a member of a union declares: the string literals of its `type` field (of every member, for a
 * union). A member whose `type` is not a literal (an {@link unknownMember}) declares none.
 *
 * @since 0.1.0
 */
export const typesOf = (...schemas: ReadonlyArray<Schema.Schema.Any>): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const schema of schemas) typesOfAst(schema.ast, out)
  return [...new Set(out)]
}

/**
 * An open union: the known members, exact, and a fallback for any other `type`, kept as it came. A value whose `type`
 * is one of the known members' fails with that member's error instead of being taken as unknown. Use where the API's
 * own set can grow; a closed `Schema.Union` only where it cannot.
 *
 * @since 0.1.0
 */
export const openUnion = <const Members extends readonly [Schema.Schema.Any, ...Array<Schema.Schema.Any>]>(
  what: string,
  identifier: string,
  ...members: Members
): Schema.Union<[...Members, UnknownMember]> =>
  // at least two members, so `Schema.Union` builds a union class (TypeScript cannot see it through the spread)
  Schema.Union(...members, unknownMember(typesOf(...members), what, identifier)) as unknown as Schema.Union<
    [...Members, UnknownMember]
  >

/**
 * An optional field that may also be `null` on the wire (the API sends `null` for absent values in responses).
 *
 * @since 0.1.0
 */
export const optionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * A string union with known literals that still accepts any future string.
 *
 * @since 0.1.0
 */
export const openLiteral = <const L extends ReadonlyArray<string>>(...literals: L) =>
  Schema.Union(Schema.Literal(...literals), Schema.String)

/**
 * The deepest nesting of arrays and objects Parley decodes. The API's own bodies nest a few levels (a tool input a
 * few dozen at most); deeper JSON is refused with a typed failure before any schema sees it, because the decoders
 * and their error messages recurse and a few thousand levels would overflow the stack.
 *
 * @since 0.1.0
 */
export const maxDepth = 256

const hasOwn = Object.prototype.hasOwnProperty

/** Keys that would shadow the methods a value is converted to a string or a number with. */
const methodKeys = ["toString", "valueOf", "toJSON"] as const

/**
 * Whether `key` of `parent` holds a model's free-form tool input (`tool_use`, `server_tool_use`, `mcp_tool_use`): the
 * default `freeform` of {@link unsafeJson}.
 *
 * @since 0.1.0
 */
export const isToolInput = (parent: Record<string, unknown>, key: string): boolean =>
  key === "input" && typeof parent["type"] === "string" && parent["type"].endsWith("tool_use")

/**
 * Why a parsed JSON value cannot be decoded safely, or `undefined` when it can: nested deeper than {@link maxDepth}
 * (or `options.maxDepth`), or holding an object with an own `__proto__` key, which decoding would turn into the
 * decoded object's prototype, or a `toString`, `valueOf` or `toJSON` key, which would shadow the methods the decoder
 * and `JSON.stringify` call (a `type` of `{"toString":{}}` made the schema decoder throw a `TypeError`). In wire JSON, tool inputs (`input` of a `*tool_use` block) are the model's own JSON and
 * may hold such keys: they are kept as they came (own keys, `Schema.Unknown` does not copy them) and checked where
 * they are decoded, by the `Toolkit` (`checkToolInputs: true`, or a value that is itself a tool input). A schema
 * holding free-form JSON elsewhere says where with `freeform` (default {@link isToolInput}); the depth is checked
 * everywhere. Iterative, so linear in the value's size at any depth; values with cycles (not JSON) end at the depth
 * limit.
 *
 * @since 0.1.0
 */
export const unsafeJson = (
  value: unknown,
  options?: {
    readonly maxDepth?: number | undefined
    readonly checkToolInputs?: boolean | undefined
    readonly freeform?: ((parent: Record<string, unknown>, key: string) => boolean) | undefined
    /** Also refuse `toString`, `valueOf` and `toJSON` keys (default `true`); `__proto__` keys are always refused. */
    readonly methodKeys?: boolean | undefined
  }
): string | undefined => {
  const checkMethods = options?.methodKeys !== false
  const max = options?.maxDepth ?? maxDepth
  if (typeof value !== "object" || value === null) return undefined
  const nodes: Array<object> = [value]
  const depths: Array<number> = [1]
  const exempt = options?.checkToolInputs === true ? () => false : (options?.freeform ?? isToolInput)
  const free: Array<boolean> = [false]
  while (nodes.length > 0) {
    const node = nodes.pop()!
    const depth = depths.pop()!
    const inFreeform = free.pop()!
    if (depth > max) return `the JSON is nested deeper than ${max} levels`
    if (Array.isArray(node)) {
      for (const item of node) {
        if (typeof item === "object" && item !== null) {
          nodes.push(item)
          depths.push(depth + 1)
          free.push(inFreeform)
        }
      }
      continue
    }
    if (!inFreeform) {
      if (hasOwn.call(node, "__proto__")) {
        return `an object has a "__proto__" key, which decoding would make its prototype`
      }
      // a discriminator holding such an object is turned into a string by the decoder, which calls them
      if (checkMethods)
        for (const key of methodKeys) {
          if (hasOwn.call(node, key)) return `an object has a "${key}" key, which would shadow its own method`
        }
    }
    const record = node as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const item = record[key]
      if (typeof item === "object" && item !== null) {
        nodes.push(item)
        depths.push(depth + 1)
        free.push(inFreeform || exempt(record, key))
      }
    }
  }
  return undefined
}

/**
 * `Schema.decodeUnknownEither(schema)` for JSON from outside (a response, a stored conversation): JSON that
 * {@link unsafeJson} refuses fails with a `ParseError` saying why, before the schema sees it, so no input makes the
 * decoder or its error's `message` throw.
 *
 * @since 0.1.0
 */
export const decodeUnknownEither = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options?: ParseOptions | undefined
): ((value: unknown) => Either.Either<A, ParseResult.ParseError>) => {
  const decode = Schema.decodeUnknownEither(schema, options)
  return (value) => {
    const why = unsafeJson(value)
    return why === undefined ? decode(value) : Either.left(refusal(schema.ast, why))
  }
}

type ParseOptions = Parameters<typeof Schema.decodeUnknownEither>[1]

/** A `ParseError` for JSON refused by {@link unsafeJson}: its issue holds no part of the value (formatting it would recurse). */
const refusal = (ast: Schema.Schema.Any["ast"], why: string): ParseResult.ParseError =>
  new ParseResult.ParseError({ issue: new ParseResult.Type(ast, undefined, why) })

/**
 * A schema that refuses JSON {@link unsafeJson} refuses and passes anything else on unchanged: compose it in front of
 * a schema that decodes JSON from outside.
 *
 * @since 0.1.0
 */
export const SafeJson: Schema.Schema<unknown> = Schema.declare((_: unknown): _ is unknown => true).pipe(
  Schema.filter((value) => unsafeJson(value) ?? true),
  Schema.annotations({ identifier: "SafeJson" })
)
