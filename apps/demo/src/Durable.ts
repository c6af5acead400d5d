/**
 * The demo's durable mode (`--journal <file>`), on `@parley/durable`: the prompt runs as a durable run journaled in
 * a SQLite file, so a process killed mid-run loses nothing — `--resume <id>` in a new process continues the run where
 * its journal ends (completed model calls and tool calls are replayed from the journal, not made again) and prints
 * the whole answer. `parley runs` lists a journal's runs; with `--confirm` every tool call waits for
 * `parley approve` or `parley deny`, which may come from another process while the run waits.
 *
 * The demo defines two agents, {@link agentNames}: `parley-demo` (tools run at once) and `parley-demo-confirm`
 * (every tool call waits for a decision). A run belongs to one of them, so `--resume` continues it the way it
 * started, with or without `--confirm`. A process with the journal open also continues the journal's other
 * unfinished runs, without printing them, for as long as it runs (that is how the engine recovers runs).
 */
import * as fs from "node:fs"
import type * as Model from "@parley/core/Model"
import * as DurableAgent from "@parley/durable/DurableAgent"
import * as DurableEngine from "@parley/durable/DurableEngine"
import * as Approval from "@parley/loop/Approval"
import type * as LoopEvent from "@parley/loop/LoopEvent"
import * as StopReason from "@parley/loop/StopReason"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Cli from "./Cli.js"
import { CliError } from "./Cli.js"
import { Interrupted, untilCtrlC } from "./Interrupt.js"
import { system } from "./Model.js"
import * as Render from "./Render.js"
import { sentence } from "./Render.js"
import type * as StatusLine from "./StatusLine.js"
import type { Service } from "./Terminal.js"
import * as Tools from "./Tools.js"
import type { Sandbox } from "./tools/Sandbox.js"

/** A durable run did not end with an answer: it failed, was interrupted, or is not in the journal. */
export class RunError extends Schema.TaggedError<RunError>()("RunError", { message: Schema.String }) {}

/** The names of the demo's two durable agents: tools at once, or every tool call waiting for a decision. */
export const agentNames = { plain: "parley-demo", confirm: "parley-demo-confirm" } as const

/** How often a run waiting for decisions is looked at again. */
const decisionPoll = Duration.millis(100)

/** The command that decides a call, as the demo prints it. */
const decideCommand = (journal: string, runId: string, callId: string) =>
  `parley approve --journal ${journal} ${runId} ${callId} (or parley deny ...)`

const one = (count: number, word: string) => `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`

const input = (value: unknown) => JSON.stringify(value) ?? ""

/** The journal must exist for `--resume`, `runs`, `approve` and `deny` (a new run creates it). */
const existingJournal = (journal: string) =>
  fs.existsSync(journal)
    ? Effect.void
    : Effect.fail(
        new CliError({
          message: `The journal ${journal} does not exist. Give --journal the file a durable run was started with.`
        })
      )

/**
 * Renders each event of a run once. The run's body is replayed from the journal whenever it continues — after a
 * decision, or in a new process — and a replay emits the events of the replayed steps again, in the same order: a
 * `TurnStarted` of a turn already shown starts a replay, and the events up to where the last pass ended are dropped.
 */
export const once = (render: (event: LoopEvent.LoopEvent) => void) => {
  const shown: Array<LoopEvent.LoopEvent> = []
  let cursor = 0
  let lastTurn = 0
  return (event: LoopEvent.LoopEvent): void => {
    if (event._tag === "TurnStarted") {
      if (event.turn <= lastTurn) {
        const start = shown.findIndex((seen) => seen._tag === "TurnStarted" && seen.turn === event.turn)
        cursor = start < 0 ? shown.length : start
      }
      lastTurn = Math.max(lastTurn, event.turn)
    }
    if (cursor < shown.length) {
      cursor += 1
      return
    }
    shown.push(event)
    cursor = shown.length
    render(event)
  }
}

/** `text` with its first letter in capitals. */
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/**
 * Runs the prompt durably, or continues the run `--resume` names, rendering its events; the run's id is printed
 * first, as `run: <id>` on stderr. Ctrl-C stops this process and keeps the run in the journal ({@link Interrupted},
 * exit code 130), to be continued with `--resume`.
 */
export const run = (options: {
  readonly cli: Cli.CliOptions
  readonly journal: string
  readonly model: string
  readonly terminal: Service
  readonly status: StatusLine.StatusLine | undefined
  readonly services: Context.Context<Model.Model | Sandbox>
}) =>
  Effect.gen(function* () {
    const { cli, journal, terminal } = options
    const note = (text: string) => Effect.sync(() => terminal.stderr(`${text}\n`))
    if (cli.resume !== undefined) yield* existingJournal(journal)
    const runId = cli.resume ?? `run_${globalThis.crypto.randomUUID()}`
    const renderer = cli.json
      ? Render.json(terminal.stdout)
      : Render.text(terminal.stdout, { streamed: cli.stream, model: options.model, status: options.status })
    let rendered = false
    const show = once((event) => {
      rendered = true
      // A run that stops to wait for decisions says so in a note (below), not in a usage line.
      const waits = event._tag === "Finished" && event.result.stopReason._tag === "AwaitingApproval"
      if (!waits || cli.json) renderer.event(event)
    })
    const onEvent = (id: string, event: LoopEvent.LoopEvent) => {
      if (id === runId) show(event)
    }
    const settings = {
      model: options.model,
      system,
      toolkit: Tools.handled,
      streaming: cli.stream,
      onEvent,
      ...(cli.maxTurns !== undefined ? { limits: { maxTurns: cli.maxTurns } } : {})
    }
    const plain = DurableAgent.make(agentNames.plain, settings)
    const confirm = DurableAgent.make(agentNames.confirm, {
      ...settings,
      approve: () => Effect.succeed(Approval.defer)
    })

    yield* note(`run: ${runId}`)
    const context = yield* Layer.build(
      Layer.mergeAll(DurableAgent.layer(plain), DurableAgent.layer(confirm), DurableEngine.layerClient).pipe(
        Layer.provideMerge(DurableEngine.sqlite({ filename: journal })),
        Layer.provide(Layer.succeedContext(options.services))
      )
    )
    const agent = yield* Effect.gen(function* () {
      if (cli.resume === undefined) {
        const chosen = cli.confirm ? confirm : plain
        yield* DurableAgent.start(chosen, { runId, prompt: cli.prompt ?? "" })
        return chosen
      }
      const row = yield* DurableAgent.status(runId).pipe(
        Effect.catchTag("RunNotFound", () =>
          Effect.fail(
            new RunError({
              message: `The journal ${journal} has no run ${runId}. List its runs with parley runs --journal ${journal}.`
            })
          )
        )
      )
      if (row.agent === agentNames.confirm) return confirm
      if (row.agent === agentNames.plain) return plain
      return yield* new RunError({ message: `The run ${runId} is not the demo's (its agent is ${row.agent}).` })
    }).pipe(Effect.provide(context))

    const announced = new Set<string>()
    const outcome = yield* Effect.gen(function* () {
      while (true) {
        const outcome = yield* DurableAgent.wait(agent, runId)
        if (outcome._tag !== "AwaitingApproval") return outcome
        for (const call of outcome.calls) {
          if (announced.has(call.id)) continue
          announced.add(call.id)
          options.status?.clear()
          yield* note(
            `The run waits for a decision on ${call.name}(${input(call.input)}), call ${call.id}. Decide from any terminal: ${decideCommand(journal, runId, call.id)}.`
          )
        }
        yield* Effect.sleep(decisionPoll)
      }
    }).pipe(
      Effect.provide(context),
      (waiting) => untilCtrlC(terminal, waiting),
      Effect.tapError((error) =>
        Effect.sync(() => renderer.stopped(error._tag === "Interrupted" ? "cancelled" : "failed")).pipe(
          Effect.zipRight(
            error._tag === "Interrupted"
              ? note(
                  `The run ${runId} is kept in the journal. Continue it with --journal ${journal} --resume ${runId}.`
                )
              : Effect.void
          )
        )
      ),
      Effect.catchTags({
        RunFailed: (failure) =>
          Effect.fail(new RunError({ message: `The run ${runId} failed: ${sentence(failure.message)}` })),
        RunNotFound: () => Effect.fail(new RunError({ message: `The journal ${journal} has no run ${runId}.` }))
      })
    )
    if (outcome._tag === "Interrupted") {
      return yield* new RunError({ message: `The run ${runId} was interrupted; it has no answer.` })
    }
    if (!rendered) {
      // A run that had ended before this process: its answer, from the journal.
      if (outcome.end.text !== "") terminal.stdout(`${outcome.end.text}\n`)
      yield* note(`The run ${runId} had already ended: ${sentence(StopReason.describe(outcome.end.stopReason))}`)
    }
  })

/** `parley runs --journal <file>`: one line per run (one JSON object per line with `--json`), oldest first. */
export const list = (options: { readonly journal: string; readonly json: boolean; readonly terminal: Service }) =>
  Effect.gen(function* () {
    yield* existingJournal(options.journal)
    const runs = yield* DurableAgent.list().pipe(
      Effect.provide(DurableEngine.sqliteClientLayer({ filename: options.journal }))
    )
    const write = options.terminal.stdout
    if (runs.length === 0) {
      options.terminal.stderr(`The journal ${options.journal} has no runs.\n`)
      return
    }
    for (const row of runs) {
      if (options.json) {
        write(`${JSON.stringify(row)}\n`)
        continue
      }
      const detail = row.detail === undefined ? "" : ` · ${capitalised(sentence(row.detail))}`
      write(`${row.runId}  ${row.status}  ${one(row.turns, "turn")} · ${one(row.toolCalls, "tool call")}${detail}\n`)
      for (const call of row.awaiting) write(`  waits for ${call.name}(${input(call.input)}) · call ${call.id}\n`)
    }
  })

/** `parley approve|deny --journal <file> <run> <call> [reason]`: records the decision for the run's runner. */
export const decide = (options: {
  readonly journal: string
  readonly command: Extract<Cli.Command, { readonly _tag: "Decide" }>
  readonly terminal: Service
}) =>
  Effect.gen(function* () {
    yield* existingJournal(options.journal)
    const { runId, callId, allow, reason } = options.command
    const because = reason ?? "Denied from the command line."
    yield* DurableAgent.decide(runId, callId, allow ? { _tag: "Allow" } : { _tag: "Deny", reason: because }).pipe(
      Effect.provide(DurableEngine.sqliteClientLayer({ filename: options.journal })),
      Effect.catchTags({
        NotAwaiting: () =>
          Effect.fail(
            new RunError({
              message: `The run ${runId} is not waiting for a decision on call ${callId}: it was decided already, or the run or the call is not in the journal. List what waits with parley runs --journal ${options.journal}.`
            })
          ),
        RunNotFound: () => Effect.fail(new RunError({ message: `The journal ${options.journal} has no run ${runId}.` }))
      })
    )
    options.terminal.stdout(
      allow
        ? `Approved call ${callId} of run ${runId}.\n`
        : `Denied call ${callId} of run ${runId}: ${sentence(because)}\n`
    )
  })
