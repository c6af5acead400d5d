/**
 * The `current_time` tool: the current date and time in an IANA time zone.
 *
 * The instant comes from Effect's `Clock`, so tests can pin it with `TestClock`.
 */
import { Clock, Effect, Schema } from "effect"

/** The tool name exposed to the model. */
export const name = "current_time"

/** The tool description exposed to the model. */
export const description =
  "Get the current date and time in a given IANA time zone (e.g. Asia/Tokyo, America/New_York, Europe/Paris, UTC). " +
  "Returns the local ISO-8601 timestamp with UTC offset, the date, the time, the weekday and the offset."

/** Time zones suggested to the model when it asks for an unknown one. */
export const exampleTimeZones: ReadonlyArray<string> = [
  "UTC",
  "Europe/London",
  "Europe/Paris",
  "America/New_York",
  "America/Los_Angeles",
  "Asia/Tokyo",
  "Asia/Kolkata",
  "Australia/Sydney"
]

/** Input of the `current_time` tool. */
export const Input = Schema.Struct({
  timezone: Schema.String.annotations({
    description: 'An IANA time zone name such as "Asia/Tokyo", "America/New_York" or "UTC".'
  })
})

/** Input of the `current_time` tool. */
export type Input = typeof Input.Type

/** Output of the `current_time` tool. */
export const Output = Schema.Struct({
  timezone: Schema.String.annotations({ description: "The IANA name of the time zone." }),
  iso: Schema.String.annotations({
    description: "Local date and time in ISO-8601 with UTC offset, e.g. 2026-11-22T08:18:35+09:00."
  }),
  date: Schema.String.annotations({ description: "Local date, YYYY-MM-DD." }),
  time: Schema.String.annotations({ description: "Local time, HH:MM:SS (24-hour clock)." }),
  weekday: Schema.String.annotations({ description: "Local day of the week in English, e.g. Sunday." }),
  utcOffset: Schema.String.annotations({ description: "Offset from UTC, e.g. +09:00 or -05:00." })
})

/** Output of the `current_time` tool. */
export type Output = typeof Output.Type

/** The requested time zone is empty or not a known IANA zone. */
export class UnknownTimeZone extends Schema.TaggedError<UnknownTimeZone>()("UnknownTimeZone", {
  timezone: Schema.String,
  suggestions: Schema.Array(Schema.String),
  message: Schema.String
}) {}

/** Every way the `current_time` tool can fail. */
export const Failure = UnknownTimeZone

/** Every way the `current_time` tool can fail. */
export type Failure = UnknownTimeZone

/** Zones whose last segment matches the input, e.g. "tokyo" -> "Asia/Tokyo". */
const similarZones = (input: string): ReadonlyArray<string> => {
  const needle = input.trim().toLowerCase().replace(/\s+/g, "_")
  if (needle === "") return []
  return [...new Set([...exampleTimeZones, ...Intl.supportedValuesOf("timeZone")])]
    .filter((zone) => {
      const z = zone.toLowerCase()
      return z.endsWith(`/${needle}`) || (needle.length >= 4 && z.includes(needle))
    })
    .slice(0, 5)
}

const unknownTimeZone = (timezone: string): UnknownTimeZone => {
  const similar = similarZones(timezone)
  const suggestions = [...similar, ...exampleTimeZones.filter((z) => !similar.includes(z))].slice(0, 8)
  const problem =
    timezone.trim() === "" ? "No time zone was given." : `${JSON.stringify(timezone)} is not a known IANA time zone.`
  const hint = similar.length > 0 ? `Did you mean ${similar.join(" or ")}? ` : ""
  return new UnknownTimeZone({
    timezone,
    suggestions,
    message: `${problem} ${hint}Use an IANA name such as ${suggestions.join(", ")}.`
  })
}

/** Builds a formatter for `timezone`, failing with {@link UnknownTimeZone} if the zone is not valid. */
const formatterFor = (timezone: string): Effect.Effect<Intl.DateTimeFormat, UnknownTimeZone> =>
  timezone.trim() === ""
    ? Effect.fail(unknownTimeZone(timezone))
    : Effect.try({
        try: () =>
          new Intl.DateTimeFormat("en-US", {
            timeZone: timezone.trim(),
            hourCycle: "h23",
            year: "numeric",
            month: "2-digit",
            day: "2-digit",
            hour: "2-digit",
            minute: "2-digit",
            second: "2-digit",
            weekday: "long",
            era: "short"
          }),
        catch: () => unknownTimeZone(timezone)
      })

const pad = (n: number, width = 2): string => String(n).padStart(width, "0")

/** Formats an offset in minutes as `+HH:MM`. */
const formatOffset = (minutes: number): string => {
  const sign = minutes < 0 ? "-" : "+"
  const abs = Math.abs(minutes)
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/**
 * The name to report for a valid `requested` zone: ICU's canonical spelling when it only differs in case, otherwise
 * the requested name (ICU canonicalises some current names to legacy ones, e.g. Asia/Kolkata to Asia/Calcutta).
 */
const displayName = (formatter: Intl.DateTimeFormat, requested: string): string => {
  const canonical = formatter.resolvedOptions().timeZone
  const trimmed = requested.trim()
  return canonical.toLowerCase() === trimmed.toLowerCase() ? canonical : trimmed
}

/** Renders the instant `millis` in the zone of `formatter`, reporting the zone as `timezone`. */
export const render = (formatter: Intl.DateTimeFormat, millis: number, timezone: string): Output => {
  const parts = new Map<string, string>()
  for (const part of formatter.formatToParts(millis)) parts.set(part.type, part.value)
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.get(type) ?? "0")
  const bc = (parts.get("era") ?? "AD") === "BC"
  const year = bc ? 1 - field("year") : field("year")
  const [month, day, hour, minute, second] = [
    field("month"),
    field("day"),
    field("hour"),
    field("minute"),
    field("second")
  ]
  const wholeSeconds = Math.floor(millis / 1000) * 1000
  const localAsUtc = new Date(0).setUTCFullYear(year, month - 1, day) + ((hour * 60 + minute) * 60 + second) * 1000
  const utcOffset = formatOffset(Math.round((localAsUtc - wholeSeconds) / 60_000))
  const date = `${year < 0 ? "-" : ""}${pad(Math.abs(year), 4)}-${pad(month)}-${pad(day)}`
  const time = `${pad(hour)}:${pad(minute)}:${pad(second)}`
  return {
    timezone,
    iso: `${date}T${time}${utcOffset}`,
    date,
    time,
    weekday: parts.get("weekday") ?? "",
    utcOffset
  }
}

/** Handler of the `current_time` tool. */
export const handler = (input: Input): Effect.Effect<Output, Failure> =>
  Effect.gen(function* () {
    const formatter = yield* formatterFor(input.timezone)
    const millis = yield* Clock.currentTimeMillis
    return render(formatter, millis, displayName(formatter, input.timezone))
  })
