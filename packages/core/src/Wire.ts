/**
 * Building blocks shared by every wire schema: open structs that keep unknown fields, and open unions that keep
 * unknown members. The Messages API adds fields and block types often; a runtime that drops them corrupts the
 * history it sends back, so every object on the wire is decoded with `onExcessProperty: "preserve"`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * Parse options that keep properties a schema does not declare, on decode and on encode.
 *
 * @since 0.1.0
 */
export const preserve = { parseOptions: { onExcessProperty: "preserve" } } as const

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
export const unknownMember = (known: ReadonlyArray<string>, what: string, identifier: string) =>
  Schema.Struct({ type: otherThan(known, what) }).annotations({ ...preserve, identifier })

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
