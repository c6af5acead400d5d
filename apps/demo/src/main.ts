#!/usr/bin/env node
/**
 * The Parley demo: an agent with a calculator, a clock, a unit converter and read-only file tools.
 *
 * `npm run -s demo -- "What is 17 * 23, and what time is it in Tokyo?"` answers one prompt; `npm run demo` opens a
 * session. The program is {@link Demo.run}; this file runs it in the process, on its stdin, stdout, stderr and
 * environment, and ends it with its exit code (see `Demo.exitCode`).
 *
 * Not `NodeRuntime.runMain`: it ends the whole program on the first SIGINT, where the demo's Ctrl-C only cancels
 * the answer being written (`Terminal.layerNode` takes SIGINT over). SIGTERM still interrupts the program, which
 * then releases what it holds (the stand-in server, the temporary sandbox) and exits with 143.
 */
import * as Effect from "effect/Effect"
import * as Demo from "./Demo.js"
import * as Terminal from "./Terminal.js"

// The program may wait on nothing but its own fibers (a Ctrl-C, say): keep the process alive until it ends.
const keepAlive = setInterval(() => {}, 2 ** 31 - 1)
let terminated = false
const fiber = Effect.runFork(Demo.run(process.argv.slice(2)).pipe(Effect.provide(Terminal.layerNode)))
const onSigterm = () => {
  terminated = true
  fiber.unsafeInterruptAsFork(fiber.id())
}
process.once("SIGTERM", onSigterm)
fiber.addObserver((exit) => {
  clearInterval(keepAlive)
  process.off("SIGTERM", onSigterm)
  const code = terminated ? 143 : Demo.exitCode(exit)
  // On success, let stdout drain and the process end by itself; otherwise exit now, with the code.
  if (code === 0) process.exitCode = 0
  else process.exit(code)
})
