/**
 * The Parley demo as a function of its command line: {@link run} answers a prompt or runs a session, writing through
 * the {@link Terminal} service and reading its settings (`ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`,
 * `ANTHROPIC_MODEL`) from the current `ConfigProvider` — the environment by default. `main.ts` runs it in the
 * process; tests run it with `Terminal.memory` and `ConfigProvider.fromMap`.
 *
 * Without `ANTHROPIC_API_KEY` the stand-in server runs in-process on a loopback port (offline, rule-based); with it,
 * the same code talks to the real API (`ANTHROPIC_BASE_URL` and `--base-url` override the endpoint). This is the only
 * place layers are chosen.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import type * as Conversation from "@parley/core/Conversation"
import * as AgentLoop from "@parley/loop/AgentLoop"
import type { LoopError } from "@parley/loop/LoopError"
import type * as LoopEvent from "@parley/loop/LoopEvent"
import * as Responder from "@parley/standin/Responder"
import * as StandinServer from "@parley/standin/StandinServer"
import * as MessagesClient from "@parley/transport/MessagesClient"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Cli from "./Cli.js"
import * as Render from "./Render.js"
import { Terminal } from "./Terminal.js"
import * as Tools from "./Tools.js"
import { Sandbox, seedSandbox } from "./tools/Sandbox.js"

const defaultModel = "claude-sonnet-4-5"

const system =
  "You are the Parley demo assistant. Use the tools for every calculation, time lookup, unit conversion and file " +
  "access instead of answering from memory. The file tools only see a sandbox directory. Be brief."

/** One line on standard error. */
const note = (text: string) => Effect.flatMap(Terminal, (terminal) => Effect.sync(() => terminal.stderr(`${text}\n`)))

/** Warnings (e.g. the transport retrying a request) as one line each on stderr, so stdout stays the answer. */
const logger = Logger.replaceEffect(
  Logger.defaultLogger,
  Effect.map(Terminal, (terminal) =>
    Logger.make(({ logLevel, message }) => {
      const parts = Array.isArray(message) ? message : [message]
      terminal.stderr(`${logLevel.label.toLowerCase()}: ${parts.map(String).join(" ")}\n`)
    })
  )
).pipe(Layer.merge(Logger.minimumLogLevel(LogLevel.Warning)))

/** One line for any failure: the error's own message, no stack trace. */
const oneLine = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const message =
    typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
      ? error.message
      : String(error)
  return message.split("\n")[0]!
}

/** The MessagesClient: the real API when a key is configured, else the stand-in server started in this process. */
const clientLayer = (cli: Cli.CliOptions) =>
  Effect.gen(function* () {
    const apiKey = yield* Config.option(Config.redacted("ANTHROPIC_API_KEY"))
    if (Option.isSome(apiKey)) {
      const baseUrl = cli.baseUrl ?? Option.getOrUndefined(yield* Config.option(Config.string("ANTHROPIC_BASE_URL")))
      return MessagesClient.layer({ apiKey: apiKey.value, ...(baseUrl !== undefined ? { baseUrl } : {}) })
    }
    const standin = yield* StandinServer.start({ responder: Responder.planner() })
    yield* note(`No ANTHROPIC_API_KEY set: using the offline stand-in model at ${standin.url}`)
    return MessagesClient.layer({ apiKey: Redacted.make("standin"), baseUrl: standin.url })
  })

/** The sandbox root: `--sandbox <dir>`, or a temporary directory seeded with demo files and removed at exit. */
const sandboxRoot = (cli: Cli.CliOptions) =>
  cli.sandbox !== undefined
    ? Effect.succeed(cli.sandbox)
    : Effect.acquireRelease(
        Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "parley-demo-"))),
        (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
      ).pipe(Effect.tap(seedSandbox))

const program = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const terminal = yield* Terminal
    const write = terminal.stdout
    const cli = yield* Cli.parse(args)
    if (cli.help) return yield* Effect.sync(() => write(`${Cli.usage}\n`))

    const model =
      cli.model ?? Option.getOrElse(yield* Config.option(Config.string("ANTHROPIC_MODEL")), () => defaultModel)
    const client = yield* clientLayer(cli)
    const root = yield* sandboxRoot(cli)
    const services = yield* Layer.build(
      Layer.merge(
        // the client layer is also core's Model, which the loop runs on
        client.pipe(Layer.provide(NodeHttpClient.layer)),
        Sandbox.layer(root)
      )
    )

    const answer = (prompt: string, conversation: Conversation.Conversation | undefined) => {
      const render: (event: LoopEvent.LoopEvent) => void = cli.json
        ? Render.json(write)
        : Render.text(write, cli.stream, model)
      let last: Conversation.Conversation | undefined
      return AgentLoop.stream({
        model,
        system,
        prompt,
        toolkit: Tools.handled,
        streaming: cli.stream,
        ...(conversation !== undefined ? { conversation } : {}),
        ...(cli.maxTurns !== undefined ? { limits: { maxTurns: cli.maxTurns } } : {})
      }).pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => {
            if (event._tag === "Finished") last = event.result.conversation
            render(event)
          })
        ),
        Effect.map(() => last)
      )
    }

    if (cli.prompt !== undefined) {
      yield* answer(cli.prompt, undefined).pipe(Effect.provide(services))
      return
    }

    // A session: every line is the next user turn of the same conversation; errors are reported and the session
    // goes on from the conversation the error carried.
    const input = yield* terminal.input
    if (input.interactive) yield* note("Parley demo: type a question, or Ctrl-D to quit.")
    let conversation: Conversation.Conversation | undefined
    while (true) {
      const line = yield* input.readLine
      if (line === undefined) return
      const prompt = line.trim()
      if (prompt === "") continue
      if (prompt === "exit" || prompt === "quit") return
      conversation = yield* answer(prompt, conversation).pipe(
        Effect.provide(services),
        Effect.catchTag("LoopError", (error: LoopError) =>
          note(`error: ${error.message}`).pipe(Effect.as(error.conversation))
        )
      )
    }
  }).pipe(Effect.scoped)

/**
 * Runs the demo with the arguments after `demo` (e.g. `process.argv.slice(2)`). A failure has been reported as one
 * `error: ...` line on stderr when the effect fails; an interruption is not reported. {@link exitCode} gives the
 * process's exit code for its outcome.
 */
export const run = (args: ReadonlyArray<string>) =>
  program(args).pipe(
    Effect.tapErrorCause((cause) => (Cause.isInterruptedOnly(cause) ? Effect.void : note(`error: ${oneLine(cause)}`))),
    Effect.provide(logger)
  )

/** The exit code of a run: 0 when it succeeded, 130 (the shell's code for SIGINT) when interrupted, else 1. */
export const exitCode = (exit: Exit.Exit<unknown, unknown>): number =>
  Exit.isSuccess(exit) ? 0 : Cause.isInterruptedOnly(exit.cause) ? 130 : 1
