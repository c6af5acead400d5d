import { execFile } from "node:child_process"
import * as path from "node:path"
import { promisify } from "node:util"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as CallTimer from "../src/internal/callTimer.js"
import * as L from "./utils/Loopback.js"

describe("CallTimer", () => {
  it.live("a stopped timer keeps nothing of its call alive, while other calls keep the scheduler busy", () =>
    Effect.gen(function* () {
      v8.setFlagsFromString("--expose-gc")
      const gc = vm.runInNewContext("gc") as () => void
      const clock = yield* Effect.clock
      // another call in flight, far from its deadline: the heap is not cleared when the stopped one is cancelled
      const busy = CallTimer.make<string>(clock, () => {})
      busy.arm(clock.unsafeCurrentTimeMillis() + 600_000, "busy")
      const stopped = (() => {
        const body = { text: "x".repeat(1_000_000) }
        const timer = CallTimer.make<string>(clock, () => body.text.length)
        timer.arm(clock.unsafeCurrentTimeMillis() + 600_000, "headers")
        timer.stop()
        return new WeakRef(body)
      })()
      yield* L.liveSleep(1)
      gc()
      yield* L.liveSleep(1)
      assert.strictEqual(stopped.deref(), undefined)
      busy.stop()
    })
  )

  it.effect("on the test clock: each timer fires once at its deadline, stopped and disarmed ones never", () =>
    Effect.gen(function* () {
      const fired: Array<string> = []
      const make = (name: string) => CallTimer.onFiberClock<string>((payload) => fired.push(`${name}:${payload}`))
      const a = yield* make("a")
      const b = yield* make("b")
      const c = yield* make("c")
      const d = yield* make("d")
      a.arm(3_000, "late")
      a.arm(1_000, "early") // earlier: replaces the later deadline
      b.arm(2_000, "first")
      b.arm(5_000, "moved") // later: b wakes at 2 s, sees 5 s, waits again
      c.arm(1_500, "never")
      c.stop()
      d.arm(1_200, "never")
      d.disarm()
      const tick = (millis: number) => Effect.zipRight(TestClock.adjust(millis), L.liveSleep(5))
      yield* tick(999)
      assert.deepStrictEqual(fired, [])
      yield* tick(1)
      assert.deepStrictEqual(fired, ["a:early"])
      yield* tick(3_000)
      assert.deepStrictEqual(fired, ["a:early"])
      yield* tick(1_000)
      assert.deepStrictEqual(fired, ["a:early", "b:moved"])
      assert.strictEqual(b.expired(), "moved")
      assert.strictEqual(c.expired(), undefined)
      yield* tick(60_000)
      assert.strictEqual(fired.length, 2)
    })
  )

  it.effect("10,000 calls that stop their timers leave nothing due, and later timers still fire", () =>
    Effect.gen(function* () {
      let fired = 0
      for (let i = 0; i < 10_000; i++) {
        const timer = yield* CallTimer.onFiberClock<number>(() => fired++)
        timer.arm(60_000 + i, i)
        timer.stop()
      }
      const last = yield* CallTimer.onFiberClock<number>(() => fired++)
      last.arm(61_000, 1)
      yield* TestClock.adjust(120_000)
      yield* L.liveSleep(5)
      assert.strictEqual(fired, 1)
    })
  )

  it.live("a stopped timer does not keep the process alive until its deadline", () =>
    Effect.promise(async () => {
      const script = path.join(import.meta.dirname, "utils", "stoppedTimer.ts")
      const started = Date.now()
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script], { timeout: 30_000 })
      assert.strictEqual(stdout, "stopped\n")
      // the deadline was 60 s away: exiting well before it means nothing held the event loop
      assert.isBelow(Date.now() - started, 30_000)
    })
  )
})
