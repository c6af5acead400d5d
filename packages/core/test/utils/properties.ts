import { assert } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"

/**
 * Whether a value holds an own `__proto__` key anywhere. A record key `__proto__` is not kept as an own key by
 * Effect's Record decoding; JSON holding one never reaches a decoder, as `Wire.unsafeJson` fails it first
 * (`SafeJson.test.ts` covers that path), so generated values holding one are not round-trip cases.
 */
const hasProtoKey = (value: unknown): boolean => {
  if (typeof value !== "object" || value === null) return false
  if (Object.hasOwn(value, "__proto__")) return true
  return Object.values(value).some(hasProtoKey)
}

/** decode(encode(x)) equals x for every value the schema's Arbitrary generates (see {@link hasProtoKey}). */
export const assertRoundTrip = (schema: Schema.Schema.AnyNoContext, numRuns = 200) =>
  FastCheck.assert(
    FastCheck.property(Arbitrary.make(schema), (value) => {
      FastCheck.pre(!hasProtoKey(value))
      assert.deepStrictEqual(Schema.decodeUnknownSync(schema)(Schema.encodeSync(schema)(value)), value)
    }),
    { numRuns }
  )

/** A field added by a future API version to an encoded object survives decode -> encode. */
export const assertKeepsNewFields = (schema: Schema.Schema.AnyNoContext, numRuns = 100) =>
  FastCheck.assert(
    FastCheck.property(Arbitrary.make(schema), FastCheck.jsonValue(), (value, extra) => {
      const wire = { ...Schema.encodeSync(schema)(value), zz_future_field: extra }
      assert.deepStrictEqual(Schema.encodeSync(schema)(Schema.decodeUnknownSync(schema)(wire)), wire)
    }),
    { numRuns }
  )
