#!/usr/bin/env node
/**
 * Runs the stand-in server on its own, for pointing any Messages API client at it:
 *
 * ```sh
 * npx parley-standin --port 8787 [--host 127.0.0.1] [--responder planner|echo] [--event-delay-ms 30]
 * npm run standin -- --port 8787     # the same, from this repository's sources
 * ```
 *
 * Prints one line with the URL and serves until interrupted (Ctrl-C).
 *
 * @since 0.1.0
 */
import { parseArgs } from "node:util"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { runMain } from "./internal/runMain.js"
import * as Responder from "./Responder.js"
import * as StandinServer from "./StandinServer.js"

/**
 * Bad command-line arguments.
 *
 * @since 0.1.0
 * @category errors
 */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", { message: Schema.String }) {}

const usage = "usage: parley-standin [--port 8787] [--host 127.0.0.1] [--responder planner|echo] [--event-delay-ms 0]"

const help = `${usage}

A stand-in Messages API server (rule-based, not a language model) for tests and offline use.
  --port            the port to listen on (0: a free port); default 8787
  --host            the address to listen on; default 127.0.0.1
  --responder       planner (calls the tools a prompt asks for) or echo (answers with the last user turn)
  --event-delay-ms  the delay between SSE events; default 0
  --help            prints this and exits`

const responders = { planner: Responder.planner(), echo: Responder.echo } as const

const parse = Effect.try({
  try: () =>
    parseArgs({
      args: process.argv.slice(2),
      options: {
        port: { type: "string", default: "8787" },
        host: { type: "string", default: "127.0.0.1" },
        responder: { type: "string", default: "planner" },
        "event-delay-ms": { type: "string", default: "0" },
        help: { type: "boolean", default: false }
      },
      strict: true,
      allowPositionals: false
    }).values,
  catch: (error) => new UsageError({ message: `${error instanceof Error ? error.message : String(error)}\n${usage}` })
})

const integer = (name: string, text: string, max: number) => {
  const value = Number(text)
  return Number.isInteger(value) && value >= 0 && value <= max
    ? Effect.succeed(value)
    : Effect.fail(new UsageError({ message: `--${name} must be an integer from 0 to ${max}, got "${text}"\n${usage}` }))
}

const program = Effect.gen(function* () {
  const values = yield* parse
  if (values.help) return yield* Console.log(help)
  const port = yield* integer("port", values.port, 65_535)
  const eventDelay = yield* integer("event-delay-ms", values["event-delay-ms"], 60_000)
  const name = values.responder
  if (name !== "planner" && name !== "echo") {
    return yield* new UsageError({ message: `--responder must be "planner" or "echo", got "${name}"\n${usage}` })
  }
  const standin = yield* StandinServer.start({ responder: responders[name], port, host: values.host, eventDelay })
  yield* Console.log(`Parley stand-in (${name} responder, not a language model) listening on ${standin.url}`)
  return yield* Effect.never
}).pipe(Effect.scoped)

program.pipe(
  Effect.tapErrorCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.void
    const error = Cause.squash(cause)
    return Console.error(error instanceof Error ? error.message : String(error))
  }),
  runMain({ disableErrorReporting: true })
)
