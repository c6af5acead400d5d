/**
 * The `convert_units` tool: converts a value between units of length, mass, temperature, volume, time, speed and
 * digital data. Linear units are converted through a per-dimension base unit; temperatures are affine.
 */
import { Effect, Schema } from "effect"

/** The tool name exposed to the model. */
export const name = "convert_units"

/** The tool description exposed to the model. */
export const description =
  "Convert a value from one unit to another. Supported: length (m, km, cm, mm, mi, yd, ft, in, nmi), mass (kg, g, " +
  "mg, lb, oz, t), temperature (C, F, K), volume (l, ml, gal, qt, pt, cup, floz; US customary), time (s, min, h, " +
  "day, week), speed (m/s, km/h, mph, kn) and data (B, KB, MB, GB, TB are 1000-based; KiB, MiB, GiB are " +
  "1024-based). Common names such as meters, miles, celsius, °F, kilograms or lbs are accepted too."

/** The physical dimension a unit measures. */
export const Dimension = Schema.Literal("length", "mass", "temperature", "volume", "time", "speed", "data")

/** The physical dimension a unit measures. */
export type Dimension = typeof Dimension.Type

/** Input of the `convert_units` tool. */
export const Input = Schema.Struct({
  value: Schema.Number.annotations({ description: "The numeric value to convert." }),
  from: Schema.String.annotations({ description: 'The unit of the value, e.g. "km", "lb", "C", "GiB".' }),
  to: Schema.String.annotations({ description: 'The unit to convert to, e.g. "mi", "kg", "F", "MB".' })
})

/** Input of the `convert_units` tool. */
export type Input = typeof Input.Type

/** Output of the `convert_units` tool. */
export const Output = Schema.Struct({
  value: Schema.Number.annotations({ description: "The input value." }),
  from: Schema.String.annotations({ description: "Canonical symbol of the source unit." }),
  to: Schema.String.annotations({ description: "Canonical symbol of the target unit." }),
  result: Schema.Number.annotations({ description: "The converted value (rounded to 15 significant digits)." }),
  dimension: Dimension.annotations({ description: "The dimension both units measure." })
})

/** Output of the `convert_units` tool. */
export type Output = typeof Output.Type

/** A unit that is not recognised; `knownUnits` lists plausible alternatives. */
export class UnknownUnit extends Schema.TaggedError<UnknownUnit>()("UnknownUnit", {
  unit: Schema.String,
  knownUnits: Schema.Array(Schema.String),
  message: Schema.String
}) {}

/** The two units measure different dimensions (e.g. kg and m). */
export class IncompatibleUnits extends Schema.TaggedError<IncompatibleUnits>()("IncompatibleUnits", {
  from: Schema.String,
  to: Schema.String,
  fromDimension: Dimension,
  toDimension: Dimension,
  message: Schema.String
}) {}

/** Every way the `convert_units` tool can fail. */
export const Failure = Schema.Union(UnknownUnit, IncompatibleUnits)

/** Every way the `convert_units` tool can fail. */
export type Failure = typeof Failure.Type

/** A unit: canonical symbol, dimension, conversion to/from the dimension's base unit, and aliases. */
export interface Unit {
  readonly symbol: string
  readonly dimension: Dimension
  readonly toBase: (value: number) => number
  readonly fromBase: (value: number) => number
  /** Matched case-insensitively (after the exact symbol). */
  readonly aliases: ReadonlyArray<string>
}

const linear = (symbol: string, dimension: Dimension, factor: number, aliases: ReadonlyArray<string> = []): Unit => ({
  symbol,
  dimension,
  toBase: (value) => value * factor,
  fromBase: (value) => value / factor,
  aliases
})

const affine = (
  symbol: string,
  toBase: (value: number) => number,
  fromBase: (value: number) => number,
  aliases: ReadonlyArray<string>
): Unit => ({ symbol, dimension: "temperature", toBase, fromBase, aliases })

// Base units: m, kg, K, l, s, m/s, B.
/** Every supported unit. */
export const units: ReadonlyArray<Unit> = [
  linear("m", "length", 1, ["meter", "metre", "meters", "metres"]),
  linear("km", "length", 1000, ["kilometer", "kilometre", "kms"]),
  linear("cm", "length", 0.01, ["centimeter", "centimetre"]),
  linear("mm", "length", 0.001, ["millimeter", "millimetre"]),
  linear("mi", "length", 1609.344, ["mile", "miles"]),
  linear("yd", "length", 0.9144, ["yard", "yds"]),
  linear("ft", "length", 0.3048, ["foot", "feet", "'"]),
  linear("in", "length", 0.0254, ["inch", "inches", '"']),
  linear("nmi", "length", 1852, ["nautical mile", "nautical miles"]),

  linear("kg", "mass", 1, ["kilogram", "kilo", "kilos", "kgs"]),
  linear("g", "mass", 0.001, ["gram", "gramme"]),
  linear("mg", "mass", 0.000001, ["milligram"]),
  linear("lb", "mass", 0.45359237, ["pound", "lbs"]),
  linear("oz", "mass", 0.028349523125, ["ounce"]),
  linear("t", "mass", 1000, ["tonne", "metric ton", "metric tonne"]),

  affine(
    "C",
    (c) => c + 273.15,
    (k) => k - 273.15,
    ["°c", "celsius", "celcius", "degc", "deg c", "degree celsius", "degrees celsius", "centigrade"]
  ),
  affine(
    "F",
    (f) => ((f - 32) * 5) / 9 + 273.15,
    (k) => ((k - 273.15) * 9) / 5 + 32,
    ["°f", "fahrenheit", "degf", "deg f", "degree fahrenheit", "degrees fahrenheit"]
  ),
  affine(
    "K",
    (k) => k,
    (k) => k,
    ["kelvin", "kelvins", "°k"]
  ),

  linear("l", "volume", 1, ["liter", "litre", "ltr"]),
  linear("ml", "volume", 0.001, ["milliliter", "millilitre"]),
  linear("gal", "volume", 3.785411784, ["gallon", "us gal", "us gallon"]),
  linear("qt", "volume", 0.946352946, ["quart"]),
  linear("pt", "volume", 0.473176473, ["pint"]),
  linear("cup", "volume", 0.2365882365, ["cups", "us cup"]),
  linear("floz", "volume", 0.0295735295625, ["fl oz", "fl. oz", "fl. oz.", "fluid ounce", "fluid ounces"]),

  linear("s", "time", 1, ["sec", "second"]),
  linear("min", "time", 60, ["minute", "mins"]),
  linear("h", "time", 3600, ["hr", "hour"]),
  linear("day", "time", 86400, ["d"]),
  linear("week", "time", 604800, ["wk", "w"]),

  linear("m/s", "speed", 1, ["mps", "meters per second", "metres per second", "m s-1"]),
  linear("km/h", "speed", 1000 / 3600, ["kmh", "kph", "kmph", "km/hr", "kilometers per hour", "kilometres per hour"]),
  linear("mph", "speed", 1609.344 / 3600, ["mi/h", "miles per hour"]),
  linear("kn", "speed", 1852 / 3600, ["kt", "kts", "knot", "knots"]),

  linear("B", "data", 1, ["byte"]),
  linear("KB", "data", 1e3, ["kilobyte"]),
  linear("MB", "data", 1e6, ["megabyte"]),
  linear("GB", "data", 1e9, ["gigabyte"]),
  linear("TB", "data", 1e12, ["terabyte"]),
  linear("KiB", "data", 1024, ["kibibyte"]),
  linear("MiB", "data", 1024 ** 2, ["mebibyte"]),
  linear("GiB", "data", 1024 ** 3, ["gibibyte"])
]

/** Lowercased symbols that are ambiguous and must therefore match exactly (b = bit, c/f/k alone are unclear). */
const caseSensitiveOnly = new Set(["b", "c", "f", "k"])

const bySymbol = new Map(units.map((unit) => [unit.symbol, unit]))

const byAlias = (() => {
  const table = new Map<string, Unit>()
  for (const unit of units) {
    const lower = unit.symbol.toLowerCase()
    if (!caseSensitiveOnly.has(lower)) table.set(lower, unit)
  }
  for (const unit of units) for (const alias of unit.aliases) table.set(alias.toLowerCase(), unit)
  return table
})()

/** Finds a unit by canonical symbol or alias, or returns `undefined`. */
export const lookup = (raw: string): Unit | undefined => {
  const text = raw.trim().replace(/º/g, "°").replace(/\s+/g, " ")
  const exact = bySymbol.get(text)
  if (exact !== undefined) return exact
  const lower = text.toLowerCase()
  const candidates = [lower, lower.replace(/^° ?/, "°"), lower.replace(/\.$/, "")]
  if (lower.length >= 3 && lower.endsWith("s")) candidates.push(lower.slice(0, -1))
  for (const candidate of candidates) {
    const unit = byAlias.get(candidate)
    if (unit !== undefined) return unit
  }
  return undefined
}

const symbolsOf = (dimension: Dimension): ReadonlyArray<string> =>
  units.filter((u) => u.dimension === dimension).map((u) => u.symbol)

const unknownUnit = (unit: string, other: Unit | undefined): UnknownUnit => {
  const knownUnits = other === undefined ? units.map((u) => u.symbol) : symbolsOf(other.dimension)
  const scope = other === undefined ? "Supported units" : `Supported ${other.dimension} units`
  return new UnknownUnit({
    unit,
    knownUnits,
    message: `Unknown unit ${JSON.stringify(unit)}. ${scope}: ${knownUnits.join(", ")}.`
  })
}

/** Rounds away binary floating-point noise such as 1.6093440000000001. */
const clean = (value: number): number => {
  const rounded = Number(value.toPrecision(15))
  return rounded === 0 ? 0 : rounded
}

/** Handler of the `convert_units` tool. */
export const handler = (input: Input): Effect.Effect<Output, Failure> =>
  Effect.suspend((): Effect.Effect<Output, Failure> => {
    const from = lookup(input.from)
    const to = lookup(input.to)
    if (from === undefined) return Effect.fail(unknownUnit(input.from, to))
    if (to === undefined) return Effect.fail(unknownUnit(input.to, from))
    if (from.dimension !== to.dimension) {
      return Effect.fail(
        new IncompatibleUnits({
          from: from.symbol,
          to: to.symbol,
          fromDimension: from.dimension,
          toDimension: to.dimension,
          message:
            `Cannot convert ${from.symbol} (${from.dimension}) to ${to.symbol} (${to.dimension}). ` +
            `${from.dimension} units: ${symbolsOf(from.dimension).join(", ")}.`
        })
      )
    }
    return Effect.succeed({
      value: input.value,
      from: from.symbol,
      to: to.symbol,
      result: clean(to.fromBase(from.toBase(input.value))),
      dimension: from.dimension
    })
  })
