/**
 * The Parley demo as a function of its command line: {@link run} answers a prompt or runs a session, writing through
 * the {@link Terminal} service and reading its settings (`ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`,
 * `ANTHROPIC_MODEL`) from the current `ConfigProvider` — the environment by default. `main.ts` runs it in the
 * process; tests run it with `Terminal.memory` and `ConfigProvider.fromMap`.
 *
 * Without `ANTHROPIC_API_KEY` the stand-in server runs in-process on a loopback port (offline, rule-based); with it,
 * the same code talks to the real API (`ANTHROPIC_BASE_URL` and `--base-url` override the endpoint). This is the only
 * place layers are chosen.
 *
 * Ctrl-C (the Terminal's `interrupt`) cancels the answer being written, and a session goes on from the conversation
 * as it was before that question; Ctrl-C at a session's prompt, during startup or during a one-prompt run ends the
 * run with {@link Interrupted} (exit code 130). When the reader of stdout goes away the run stops, quietly (exit 0).
 *
 * With `--journal` the prompt runs durably, and `runs`, `approve` and `deny` read and write a journal: see
 * `Durable.ts`.
 */
import { constants as fsConstants } from "node:fs"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import type * as Conversation from "@parley/core/Conversation"
import * as AgentLoop from "@parley/loop/AgentLoop"
import type { LoopError } from "@parley/loop/LoopError"
import * as Responder from "@parley/standin/Responder"
import * as StandinServer from "@parley/standin/StandinServer"
import * as MessagesClient from "@parley/transport/MessagesClient"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Cli from "./Cli.js"
import { Interrupted, untilCtrlC } from "./Interrupt.js"
import { system } from "./Model.js"
import * as Render from "./Render.js"
import { sentence } from "./Render.js"
import * as Settings from "./Settings.js"
import * as StatusLine from "./StatusLine.js"
import { type Service, Terminal } from "./Terminal.js"
import * as Tools from "./Tools.js"
import { Sandbox, seedSandbox } from "./tools/Sandbox.js"

/**
 * The durable mode's module, loaded when a command line asks for it: it brings `@parley/durable` (SQLite, the
 * workflow engine), which would more than double the start-up time of every other run.
 */
const durable = Effect.promise(() => import("./Durable.js"))

/** One line on standard error. */
export const note = (terminal: Service, text: string) => Effect.sync(() => terminal.stderr(`${text}\n`))

/** Warnings (e.g. the transport retrying a request) as one sentence each on stderr, so stdout stays the answer. */
const logger = (terminal: Service) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message }) => {
      const parts = Array.isArray(message) ? message : [message]
      terminal.stderr(`${logLevel.label.toLowerCase()}: ${sentence(parts.map(String).join(" "))}\n`)
    })
  ).pipe(Layer.merge(Logger.minimumLogLevel(LogLevel.Warning)))

/** One line for any failure: the error's own message as a sentence, no stack trace. */
const oneLine = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const message =
    typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
      ? error.message
      : String(error)
  return sentence(message.split("\n")[0]!)
}

/** The MessagesClient: the real API when a key is configured, else the stand-in server started in this process. */
const clientLayer = (terminal: Service, endpoint: Settings.Endpoint) =>
  Effect.gen(function* () {
    if (endpoint._tag === "Api") {
      return MessagesClient.layer({
        apiKey: endpoint.apiKey,
        ...(endpoint.baseUrl !== undefined ? { baseUrl: endpoint.baseUrl } : {})
      })
    }
    const standin = yield* StandinServer.start({ responder: Responder.planner() })
    // The root README's transcript shows this line as it is.
    yield* note(terminal, `No ANTHROPIC_API_KEY set: using the offline stand-in model at ${standin.url}`)
    if (endpoint.ignoredBaseUrl !== undefined) {
      yield* note(terminal, `ANTHROPIC_BASE_URL (${endpoint.ignoredBaseUrl}) is not used without ANTHROPIC_API_KEY.`)
    }
    return MessagesClient.layer({ apiKey: Redacted.make("standin"), baseUrl: standin.url })
  })

/** Checks `--sandbox <dir>` before anything starts: an existing directory the demo may list and read. */
const checkSandbox = (dir: string): Effect.Effect<void, Cli.CliError> =>
  Effect.tryPromise(async () => {
    const stat = await fs.stat(dir)
    if (!stat.isDirectory()) return "not-a-directory" as const
    await fs.access(dir, fsConstants.R_OK | fsConstants.X_OK)
    return "ok" as const
  }).pipe(
    Effect.mapError((error) => {
      const code = (error.error as NodeJS.ErrnoException | undefined)?.code
      return new Cli.CliError({
        message:
          code === "ENOENT"
            ? `The sandbox directory ${dir} does not exist. Give --sandbox an existing directory, or leave it out to use a temporary one with demo files.`
            : `The sandbox directory ${dir} cannot be read (${code ?? "unknown error"}). Give --sandbox a directory you can read.`
      })
    }),
    Effect.flatMap((status) =>
      status === "ok"
        ? Effect.void
        : Effect.fail(
            new Cli.CliError({
              message: `The sandbox path ${dir} is not a directory. Give --sandbox a directory, not a file.`
            })
          )
    )
  )

/** The sandbox root: `--sandbox <dir>` (checked), or a temporary directory seeded with demo files and removed at exit. */
const sandboxRoot = (cli: Cli.CliOptions) =>
  cli.sandbox !== undefined
    ? Effect.as(checkSandbox(cli.sandbox), cli.sandbox)
    : Effect.acquireRelease(
        Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "parley-demo-"))),
        (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
      ).pipe(Effect.tap(seedSandbox))

/** Answers and sessions, once the settings are known, on `terminal` (erasing the status line, if any). */
const converse = (
  cli: Cli.CliOptions,
  settings: Settings.Settings,
  terminal: Service,
  status: StatusLine.StatusLine | undefined
) =>
  Effect.gen(function* () {
    const write = terminal.stdout
    const model = settings.model
    const services = yield* untilCtrlC(
      terminal,
      Effect.gen(function* () {
        const root = yield* sandboxRoot(cli)
        const client = yield* clientLayer(terminal, settings.endpoint)
        // the client layer is also core's Model, which the loop runs on
        return yield* Layer.build(Layer.merge(client.pipe(Layer.provide(NodeHttpClient.layer)), Sandbox.layer(root)))
      })
    )

    if (cli.journal !== undefined) {
      const Durable = yield* durable
      return yield* Durable.run({ cli, journal: cli.journal, model, terminal, status, services })
    }

    /**
     * One answer, until it ends or Ctrl-C cancels it: the conversation after it, or `None` when cancelled. A second
     * Ctrl-C while the answer is being cancelled ends the run ({@link Interrupted}). Either way the renderer closes
     * the answer's line. A failure is the loop's error, which carries the conversation so far.
     */
    const answer = (prompt: string, conversation: Conversation.Conversation | undefined) =>
      Effect.gen(function* () {
        const renderer = cli.json ? Render.json(write) : Render.text(write, { streamed: cli.stream, model, status })
        let last = conversation
        const running = yield* AgentLoop.stream({
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
              renderer.event(event)
            })
          ),
          Effect.provide(services),
          Effect.fork
        )
        const finished = yield* Effect.raceFirst(
          Effect.as(Fiber.join(running), true),
          Effect.as(terminal.interrupt, false)
        ).pipe(Effect.tapError(() => Effect.sync(() => renderer.stopped("failed"))))
        if (finished) return Option.some(last)
        yield* untilCtrlC(terminal, Fiber.interrupt(running)).pipe(
          Effect.ensuring(Effect.sync(() => renderer.stopped("cancelled")))
        )
        return Option.none()
      })

    if (cli.prompt !== undefined) {
      const outcome = yield* answer(cli.prompt, undefined)
      if (Option.isNone(outcome)) return yield* new Interrupted()
      return
    }

    // A session: every line is the next user turn of the same conversation. An error is reported and the session
    // goes on from the conversation the error carried; a cancelled answer leaves the conversation as it was.
    const input = yield* terminal.input
    if (input.interactive) {
      yield* note(
        terminal,
        "Parley demo. Type a question; Ctrl-C cancels an answer, and Ctrl-D or Ctrl-C at the prompt quits."
      )
    }
    let conversation: Conversation.Conversation | undefined
    while (true) {
      const line = yield* untilCtrlC(terminal, input.readLine).pipe(
        // At a terminal the cursor is after the prompt: end its line before the shell's prompt comes back.
        Effect.tapError(() => Effect.sync(() => input.interactive && write("\n")))
      )
      if (line === undefined) return
      const prompt = line.trim()
      if (prompt === "") continue
      if (prompt === "exit" || prompt === "quit") return
      const outcome = yield* answer(prompt, conversation).pipe(
        Effect.catchTag("LoopError", (error: LoopError) =>
          note(terminal, `error: ${sentence(error.message)}`).pipe(Effect.as(Option.some(error.conversation)))
        )
      )
      if (Option.isSome(outcome)) conversation = outcome.value
      else yield* note(terminal, "Cancelled. The conversation goes on without that question.")
    }
  })

const program = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const base = yield* Terminal
    const cli = yield* Cli.parse(args)
    if (cli.help) return yield* Effect.sync(() => base.stdout(`${Cli.usage}\n`))
    if (cli.version) return yield* Effect.sync(() => base.stdout(`${Settings.version()}\n`))
    if (cli.command._tag === "Runs") {
      const Durable = yield* durable
      return yield* Durable.list({ journal: cli.journal ?? "", json: cli.json, terminal: base })
    }
    if (cli.command._tag === "Decide") {
      const Durable = yield* durable
      return yield* Durable.decide({ journal: cli.journal ?? "", command: cli.command, terminal: base })
    }
    const settings = yield* Settings.resolve(cli)
    const { status, terminal } =
      base.isTTY && !cli.json ? yield* StatusLine.make(base) : { status: undefined, terminal: base }
    yield* converse(cli, settings, terminal, status).pipe(Effect.provide(logger(terminal)))
  }).pipe(Effect.scoped)

/**
 * Runs the demo with the arguments after the command (e.g. `process.argv.slice(2)`). A failure has been reported
 * as one `error: ...` sentence on stderr when the effect fails; Ctrl-C ({@link Interrupted}) and an interruption are
 * not reported. The run succeeds, stopped early, when the reader of stdout goes away. {@link exitCode} gives the
 * process's exit code for its outcome.
 */
export const run = (args: ReadonlyArray<string>) =>
  Effect.flatMap(Terminal, (terminal) =>
    Effect.raceFirst(program(args), terminal.outputClosed).pipe(
      Effect.tapErrorCause((cause) =>
        Cause.isInterruptedOnly(cause) || Cause.failureOption(cause).pipe(Option.exists(isInterrupted))
          ? Effect.void
          : note(terminal, `error: ${oneLine(cause)}`)
      )
    )
  )

const isInterrupted = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "Interrupted"

/**
 * The exit code of a run: 0 when it succeeded, 2 for bad usage (a {@link Cli.CliError}: a bad flag or setting), 130
 * (the shell's code for SIGINT) when Ctrl-C ended it or it was interrupted, else 1.
 */
export const exitCode = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return 0
  if (Cause.isInterruptedOnly(exit.cause)) return 130
  const failure = Cause.failureOption(exit.cause)
  if (Option.exists(failure, isInterrupted)) return 130
  if (Option.exists(failure, (error) => error instanceof Cli.CliError)) return 2
  return 1
}
