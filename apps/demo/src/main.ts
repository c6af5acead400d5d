#!/usr/bin/env node
/**
 * The Parley demo: an agent with a calculator, a clock, a unit converter and read-only file tools.
 *
 * `npm run demo -- "What is 17 * 23, and what time is it in Tokyo?"` answers one prompt; `npm run demo` opens a
 * session. The program is {@link Demo.run}; this file runs it in the process, on its stdin, stdout, stderr and
 * environment, and ends it with its exit code.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Demo from "./Demo.js"
import * as Terminal from "./Terminal.js"

Demo.run(process.argv.slice(2)).pipe(
  Effect.provide(Terminal.layerNode),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    disablePrettyLogger: true,
    // Ctrl-C ends with the shell's code for SIGINT (130), not 0; any other failure with 1.
    teardown: (exit, onExit) => onExit(Demo.exitCode(exit))
  })
)
