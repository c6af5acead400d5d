import { assert } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"

/** decode(encode(x)) equals x for every value the schema's Arbitrary generates. */
export const assertRoundTrip = (schema: Schema.Schema.AnyNoContext, numRuns = 200) =>
  FastCheck.assert(
    FastCheck.property(Arbitrary.make(schema), (value) => {
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
