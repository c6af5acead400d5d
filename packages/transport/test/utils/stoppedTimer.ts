// A process that arms a 60-second call timer and stops it: it must exit at once (CallTimer.test.ts runs it).
import * as Effect from "effect/Effect"
import * as CallTimer from "../../src/internal/callTimer.js"

const timer = Effect.runSync(CallTimer.onFiberClock<string>(() => console.log("expired")))
timer.arm(timer.now() + 60_000, "headers")
timer.stop()
console.log("stopped")
