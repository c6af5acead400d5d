#!/usr/bin/env node
/**
 * Runs the stand-in server on its own, for pointing any Messages API client at it:
 *
 * ```sh
 * npx parley-standin --port 8787 [--host 127.0.0.1] [--responder planner|echo] [--event-delay-ms 30]
 *   [--fault 429@2]... [--script replies.json] [--rate-limit-rpm 60] [--rate-limit-itpm 40000] [--enforce-rate-limit]
 *   [--cors]
 * npm run standin -- --port 8787     # the same, from this repository's sources
 * ```
 *
 * Prints one line with the URL and serves until interrupted (Ctrl-C).
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Fault from "./Fault.js"
import * as CliSpec from "./internal/cliSpec.js"
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

const usage =
  "usage: parley-standin [--port 8787] [--host 127.0.0.1] [--responder planner|echo] [--event-delay-ms 0]\n" +
  "                      [--fault KIND[@CALLS]]... [--script FILE] [--rate-limit-rpm N] [--rate-limit-itpm N]\n" +
  "                      [--enforce-rate-limit] [--cors]"

const help = `${usage}

A stand-in Messages API server (rule-based, not a language model) for tests and offline use.
  --port                the port to listen on (0: a free port); default 8787
  --host                the address to listen on; default 127.0.0.1
  --responder           planner (calls the tools a prompt asks for) or echo (answers with the last user turn)
  --event-delay-ms      the delay between SSE events; default 0
  --fault KIND[@CALLS]  inject a fault on some calls (repeatable); CALLS counts valid calls from 1: N, N-M, N-, or *
                        (every call, the default). KIND: ${CliSpec.faultKinds}
                        e.g. --fault 429@2  --fault overloaded@1-3  --fault mid-stream-error:4@5
  --script FILE         play a JSON script: an array of replies, or {"replies": [...], "faults": ["429@2"]}; a reply
                        is "text", {"text": ...}, {"tool_use": [{"name", "input"}], "text"?}, {"content": [...]},
                        or {"fault": KIND}, optionally with "faults": [KIND, ...]; calls beyond the script get a 500
  --rate-limit-rpm N    send anthropic-ratelimit-requests-{limit,remaining,reset} headers for N requests a minute
  --rate-limit-itpm N   send anthropic-ratelimit-input-tokens-{limit,remaining,reset} headers for N input tokens a minute
  --enforce-rate-limit  answer calls over those limits with 429 rate_limit_error and retry-after
  --cors                allow browser clients from any origin (answers OPTIONS preflights)
  --help                prints this and exits`

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
        fault: { type: "string", multiple: true, default: [] },
        script: { type: "string" },
        "rate-limit-rpm": { type: "string" },
        "rate-limit-itpm": { type: "string" },
        "enforce-rate-limit": { type: "boolean", default: false },
        cors: { type: "boolean", default: false },
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

const fromEither = <A>(either: Either.Either<A, string>, prefix: string) =>
  Either.isRight(either)
    ? Effect.succeed(either.right)
    : Effect.fail(new UsageError({ message: `${prefix}${either.left}\n${usage}` }))

const readScript = (file: string) =>
  Effect.try({
    try: () => JSON.parse(readFileSync(file, "utf8")) as unknown,
    catch: (error) =>
      new UsageError({
        message: `--script ${file}: ${error instanceof Error ? error.message : String(error)}\n${usage}`
      })
  }).pipe(Effect.flatMap((json) => fromEither(CliSpec.parseScript(json), `--script ${file}: `)))

const program = Effect.gen(function* () {
  const values = yield* parse
  if (values.help) return yield* Console.log(help)
  const port = yield* integer("port", values.port, 65_535)
  const eventDelay = yield* integer("event-delay-ms", values["event-delay-ms"], 60_000)
  const name = values.responder
  if (name !== "planner" && name !== "echo") {
    return yield* new UsageError({ message: `--responder must be "planner" or "echo", got "${name}"\n${usage}` })
  }
  const policies: Array<Fault.Policy> = []
  for (const spec of values.fault) policies.push(yield* fromEither(CliSpec.parseFault(spec), "--fault "))
  const script = values.script === undefined ? undefined : yield* readScript(values.script)
  if (script !== undefined) policies.push(...script.faults)
  const rpm = values["rate-limit-rpm"]
  const itpm = values["rate-limit-itpm"]
  if (rpm !== undefined || itpm !== undefined) {
    policies.push(
      Fault.rateLimit({
        requestsPerMinute: rpm === undefined ? undefined : yield* integer("rate-limit-rpm", rpm, 1_000_000_000),
        inputTokensPerMinute: itpm === undefined ? undefined : yield* integer("rate-limit-itpm", itpm, 1_000_000_000),
        enforce: values["enforce-rate-limit"]
      })
    )
  } else if (values["enforce-rate-limit"]) {
    return yield* new UsageError({
      message: `--enforce-rate-limit needs --rate-limit-rpm N or --rate-limit-itpm N\n${usage}`
    })
  }
  const responder = script?.replies !== undefined ? Responder.script(script.replies) : responders[name]
  const standin = yield* StandinServer.start({
    responder,
    port,
    host: values.host,
    eventDelay,
    ...(policies.length > 0 ? { faults: Fault.combine(...policies) } : {}),
    ...(values.cors ? { cors: true } : {})
  })
  const label = script?.replies !== undefined ? `script of ${script.replies.length} replies` : `${name} responder`
  yield* Console.log(`Parley stand-in (${label}, not a language model) listening on ${standin.url}`)
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
