import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Units from "../src/tools/Units.js"

const convert = (value: number, from: string, to: string) => Units.handler({ value, from, to })
const result = (value: number, from: string, to: string) => convert(value, from, to).pipe(Effect.map((o) => o.result))

describe("Units", () => {
  it("exports tool metadata", () => {
    assert.strictEqual(Units.name, "convert_units")
    assert.isTrue(Units.description.length > 0)
  })

  it.effect("temperature is affine", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* convert(100, "C", "F"), {
        value: 100,
        from: "C",
        to: "F",
        result: 212,
        dimension: "temperature"
      })
      assert.strictEqual(yield* result(32, "F", "C"), 0)
      assert.strictEqual(yield* result(-40, "C", "F"), -40)
      assert.strictEqual(yield* result(0, "C", "K"), 273.15)
      assert.strictEqual(yield* result(0, "K", "F"), -459.67)
      assert.strictEqual(yield* result(98.6, "°F", "celsius"), 37)
    })
  )

  it.effect("length", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* convert(1, "mi", "km"), {
        value: 1,
        from: "mi",
        to: "km",
        result: 1.609344,
        dimension: "length"
      })
      assert.strictEqual(yield* result(1, "ft", "in"), 12)
      assert.strictEqual(yield* result(1, "yd", "ft"), 3)
      assert.strictEqual(yield* result(1, "nmi", "m"), 1852)
      assert.strictEqual(yield* result(2.5, "km", "cm"), 250000)
      assert.strictEqual(yield* result(10, "mm", "cm"), 1)
      assert.strictEqual(yield* result(1, "in", "mm"), 25.4)
    })
  )

  it.effect("mass", () =>
    Effect.gen(function* () {
      const out = yield* convert(5, "kg", "lb")
      assert.closeTo(out.result, 11.0231, 1e-4)
      assert.strictEqual(out.dimension, "mass")
      assert.strictEqual(yield* result(1, "lb", "oz"), 16)
      assert.strictEqual(yield* result(1, "t", "kg"), 1000)
      assert.strictEqual(yield* result(1, "g", "mg"), 1000)
    })
  )

  it.effect("volume", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* result(1, "gal", "qt"), 4)
      assert.strictEqual(yield* result(1, "qt", "pt"), 2)
      assert.strictEqual(yield* result(1, "pt", "cup"), 2)
      assert.strictEqual(yield* result(1, "cup", "floz"), 8)
      assert.strictEqual(yield* result(1, "gal", "l"), 3.785411784)
      assert.strictEqual(yield* result(1500, "ml", "l"), 1.5)
    })
  )

  it.effect("time and speed", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* result(1, "week", "h"), 168)
      assert.strictEqual(yield* result(1, "day", "min"), 1440)
      assert.strictEqual(yield* result(90, "min", "h"), 1.5)
      assert.strictEqual(yield* result(36, "km/h", "m/s"), 10)
      assert.strictEqual(yield* result(1, "kn", "km/h"), 1.852)
      assert.strictEqual(yield* result(60, "mph", "km/h"), 96.56064)
    })
  )

  it.effect("data: decimal and binary prefixes", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* result(1, "GiB", "B"), 1073741824)
      assert.strictEqual(yield* result(1, "GB", "B"), 1e9)
      assert.strictEqual(yield* result(1, "MiB", "KiB"), 1024)
      assert.strictEqual(yield* result(1, "TB", "GB"), 1000)
      assert.strictEqual(yield* result(1024, "KB", "MB"), 1.024)
    })
  )

  it.effect("aliases map to canonical symbols", () =>
    Effect.gen(function* () {
      for (const [from, to, canonicalFrom, canonicalTo] of [
        ["meters", "miles", "m", "mi"],
        ["Kilograms", "lbs", "kg", "lb"],
        ["celsius", "°F", "C", "F"],
        ["° C", "Kelvin", "C", "K"],
        ["feet", "inches", "ft", "in"],
        ["litres", "gallons", "l", "gal"],
        ["hours", "seconds", "h", "s"],
        ["knots", "MPH", "kn", "mph"],
        ["gigabytes", "mib", "GB", "MiB"],
        ["fl oz", "mL", "floz", "ml"]
      ] as const) {
        const out = yield* convert(1, from, to)
        assert.strictEqual(out.from, canonicalFrom, from)
        assert.strictEqual(out.to, canonicalTo, to)
      }
    })
  )

  it.effect("unknown unit lists units of the other unit's dimension", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(convert(1, "kg", "stone"))
      assert.strictEqual(error._tag, "UnknownUnit")
      if (error._tag !== "UnknownUnit") return
      assert.strictEqual(error.unit, "stone")
      assert.deepStrictEqual(error.knownUnits, ["kg", "g", "mg", "lb", "oz", "t"])
      assert.include(error.message, "mass")
      const from = yield* Effect.flip(convert(1, "furlong", "m"))
      assert.strictEqual(from._tag, "UnknownUnit")
      if (from._tag !== "UnknownUnit") return
      assert.strictEqual(from.unit, "furlong")
      assert.include(from.knownUnits, "nmi")
    })
  )

  it.effect("unknown units on both sides list everything", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(convert(1, "foo", "bar"))
      assert.strictEqual(error._tag, "UnknownUnit")
      if (error._tag !== "UnknownUnit") return
      assert.strictEqual(error.unit, "foo")
      assert.strictEqual(error.knownUnits.length, Units.units.length)
    })
  )

  it.effect("ambiguous lowercase symbols are not guessed", () =>
    Effect.gen(function* () {
      for (const unit of ["b", "c", "f", "k"]) {
        const error = yield* Effect.flip(convert(1, unit, "m"))
        assert.strictEqual(error._tag, "UnknownUnit", unit)
      }
      const ms = yield* Effect.flip(convert(1, "ms", "s"))
      assert.strictEqual(ms._tag, "UnknownUnit")
    })
  )

  it.effect("incompatible dimensions", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(convert(1, "kg", "m"))
      assert.deepStrictEqual(
        error,
        new Units.IncompatibleUnits({
          from: "kg",
          to: "m",
          fromDimension: "mass",
          toDimension: "length",
          message: error.message
        })
      )
      assert.include(error.message, "Cannot convert kg (mass) to m (length)")
    })
  )
})
