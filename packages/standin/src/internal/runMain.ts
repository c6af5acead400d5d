import * as Runtime from "@effect/platform/Runtime"

/**
 * Runs the stand-in's command as Node's main program: Ctrl-C or SIGTERM interrupts it (its servers close), and the
 * process exits with the program's exit code. The platform's `makeRunMain`, wired to Node's signals, here so that
 * the stand-in does not depend on `@effect/platform-node` (whose peers bring `@effect/cluster`, `rpc` and `sql`).
 */
export const runMain: Runtime.RunMain = Runtime.makeRunMain(({ fiber, teardown }) => {
  // the fiber may wait on nothing Node counts (e.g. Effect.never): hold the process open until it ends
  const keepAlive = setInterval(() => {}, 2 ** 31 - 1)
  let signalled = false
  const onSignal = () => {
    signalled = true
    process.removeListener("SIGINT", onSignal)
    process.removeListener("SIGTERM", onSignal)
    fiber.unsafeInterruptAsFork(fiber.id())
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  fiber.addObserver((exit) => {
    process.removeListener("SIGINT", onSignal)
    process.removeListener("SIGTERM", onSignal)
    clearInterval(keepAlive)
    teardown(exit, (code) => {
      if (signalled || code !== 0) process.exit(code)
    })
  })
})
