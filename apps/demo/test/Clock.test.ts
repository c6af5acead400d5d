import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as Clock from "../src/tools/Clock.js"

/** 2026-11-21T23:18:35.250Z — New York is on standard time (EST, -05:00). */
const november = Date.UTC(2026, 10, 21, 23, 18, 35, 250)
/** 2026-07-04T16:05:09Z — New York is on daylight time (EDT, -04:00). */
const july = Date.UTC(2026, 6, 4, 16, 5, 9)

const at = (millis: number, timezone: string) =>
  TestClock.setTime(millis).pipe(Effect.zipRight(Clock.handler({ timezone })))

describe("Clock", () => {
  it("exports tool metadata", () => {
    assert.strictEqual(Clock.name, "current_time")
    assert.isTrue(Clock.description.length > 0)
  })

  it.effect("Asia/Tokyo", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* at(november, "Asia/Tokyo"), {
        timezone: "Asia/Tokyo",
        iso: "2026-11-22T08:18:35+09:00",
        date: "2026-11-22",
        time: "08:18:35",
        weekday: "Sunday",
        utcOffset: "+09:00"
      })
    })
  )

  it.effect("America/New_York in standard time", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* at(november, "America/New_York"), {
        timezone: "America/New_York",
        iso: "2026-11-21T18:18:35-05:00",
        date: "2026-11-21",
        time: "18:18:35",
        weekday: "Saturday",
        utcOffset: "-05:00"
      })
    })
  )

  it.effect("America/New_York in daylight saving time", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* at(july, "America/New_York"), {
        timezone: "America/New_York",
        iso: "2026-07-04T12:05:09-04:00",
        date: "2026-07-04",
        time: "12:05:09",
        weekday: "Saturday",
        utcOffset: "-04:00"
      })
    })
  )

  it.effect("UTC", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* at(november, "UTC"), {
        timezone: "UTC",
        iso: "2026-11-21T23:18:35+00:00",
        date: "2026-11-21",
        time: "23:18:35",
        weekday: "Saturday",
        utcOffset: "+00:00"
      })
    })
  )

  it.effect("Asia/Kolkata (+05:30)", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* at(november, "Asia/Kolkata"), {
        timezone: "Asia/Kolkata",
        iso: "2026-11-22T04:48:35+05:30",
        date: "2026-11-22",
        time: "04:48:35",
        weekday: "Sunday",
        utcOffset: "+05:30"
      })
    })
  )

  it.effect("midnight renders as 00, not 24", () =>
    Effect.gen(function* () {
      const out = yield* at(Date.UTC(2026, 0, 1, 0, 0, 0), "UTC")
      assert.strictEqual(out.iso, "2026-01-01T00:00:00+00:00")
      assert.strictEqual(out.weekday, "Thursday")
    })
  )

  it.effect("accepts case-insensitive names and returns the canonical one", () =>
    Effect.gen(function* () {
      const out = yield* at(november, "asia/tokyo")
      assert.strictEqual(out.timezone, "Asia/Tokyo")
    })
  )

  it.effect("follows the TestClock", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(november)
      yield* TestClock.adjust("90 minutes")
      const out = yield* Clock.handler({ timezone: "UTC" })
      assert.strictEqual(out.time, "00:48:35")
      assert.strictEqual(out.date, "2026-11-22")
    })
  )

  it.effect("unknown zone fails with UnknownTimeZone", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(at(november, "Mars/Olympus_Mons"))
      assert.strictEqual(error._tag, "UnknownTimeZone")
      assert.strictEqual(error.timezone, "Mars/Olympus_Mons")
      assert.include(error.message, "Mars/Olympus_Mons")
      assert.include(error.message, "Asia/Tokyo")
      assert.include(error.suggestions, "UTC")
    })
  )

  it.effect("a bare city name suggests the IANA zone", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(at(november, "Tokyo"))
      assert.strictEqual(error._tag, "UnknownTimeZone")
      assert.strictEqual(error.suggestions[0], "Asia/Tokyo")
      assert.include(error.message, "Did you mean Asia/Tokyo")
    })
  )

  it.effect("empty zone is rejected", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(at(november, "  "))
      assert.strictEqual(error._tag, "UnknownTimeZone")
      assert.include(error.message, "No time zone was given")
    })
  )
})
