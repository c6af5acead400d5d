/**
 * The demo's input and output as a service: standard output for the answers, standard error for notes, warnings
 * and errors, the lines a session reads, the Ctrl-C presses, and the end of standard output when its reader goes
 * away. {@link layerNode} is the process's own; {@link memory} keeps the output in memory and takes its input from
 * the caller, so that the demo can run inside another program (its tests do).
 */
import * as readline from "node:readline"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { Write } from "./Render.js"

/** Standard output failed for a reason other than its reader going away (a full disk, say). */
export class OutputError extends Schema.TaggedError<OutputError>()("OutputError", { message: Schema.String }) {}

/** The input of a session, open for as long as its scope. */
export interface Input {
  /** Whether a person types the lines at a terminal: the session then greets and prompts. */
  readonly interactive: boolean
  /** The next line, without its line break; `undefined` at the end of input (Ctrl-D, or the end of a pipe). */
  readonly readLine: Effect.Effect<string | undefined>
}

/** The demo's standard output, standard error, input and interrupts. */
export interface Service {
  /** Writes to standard output; nothing is written once its reader has gone. */
  readonly stdout: Write
  /** Writes to standard error. */
  readonly stderr: Write
  /** Whether standard output is a terminal a person watches (not a pipe or a file): the demo then shows a status line. */
  readonly isTTY: boolean
  /** Opens the input (only a session does); it is closed with the scope. */
  readonly input: Effect.Effect<Input, never, Scope.Scope>
  /**
   * Waits for the next Ctrl-C: a SIGINT, or Ctrl-C typed at a session's terminal. A press nobody waits for is kept
   * until someone does, so none is lost between two waits.
   */
  readonly interrupt: Effect.Effect<void>
  /**
   * Succeeds when the reader of standard output has gone (`EPIPE`, e.g. `parley --json ... | head -1`); fails with
   * {@link OutputError} when standard output fails otherwise; else waits.
   */
  readonly outputClosed: Effect.Effect<void, OutputError>
}

/** The demo's terminal. */
export class Terminal extends Context.Tag("@parley/demo/Terminal")<Terminal, Service>() {}

/** Lines arriving from a source, read one at a time; `undefined` ends them, for every read after it too. */
const lineReader = (lines: Queue.Queue<string | undefined>): Effect.Effect<string | undefined> => {
  let ended = false
  return Effect.suspend(() =>
    ended
      ? Effect.succeed(undefined)
      : Queue.take(lines).pipe(Effect.tap((line) => Effect.sync(() => (ended = line === undefined))))
  )
}

/**
 * The process's terminal: `process.stdout`, `process.stderr`, the lines of `process.stdin` read with `node:readline`
 * (with a `> ` prompt when stdin is a terminal), `SIGINT`, and `EPIPE` on stdout. While it is built, `SIGINT` no
 * longer ends the process: the demo decides what a Ctrl-C does. stdin is not touched until a session opens it.
 */
export const layerNode: Layer.Layer<Terminal> = Layer.scoped(
  Terminal,
  Effect.gen(function* () {
    const interrupts = yield* Queue.unbounded<void>()
    const closed = yield* Deferred.make<void, OutputError>()
    let stdoutOpen = true
    let stderrOpen = true
    const onSigint = () => Queue.unsafeOffer(interrupts, undefined)
    const onStdoutError = (error: NodeJS.ErrnoException) => {
      stdoutOpen = false
      Deferred.unsafeDone(
        closed,
        error.code === "EPIPE"
          ? Exit.void
          : Exit.fail(new OutputError({ message: `Standard output failed (${error.code ?? error.message}).` }))
      )
    }
    // stderr's reader gone as well (`2>&1 | head`): the notes have nowhere to go, and the run goes on without them.
    const onStderrError = () => {
      stderrOpen = false
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        process.on("SIGINT", onSigint)
        process.stdout.on("error", onStdoutError)
        process.stderr.on("error", onStderrError)
      }),
      () =>
        Effect.sync(() => {
          process.off("SIGINT", onSigint)
          process.stdout.off("error", onStdoutError)
          process.stderr.off("error", onStderrError)
        })
    )
    const interactive = process.stdin.isTTY === true
    return Terminal.of({
      stdout: (text) => {
        if (stdoutOpen) process.stdout.write(text)
      },
      stderr: (text) => {
        if (stderrOpen) process.stderr.write(text)
      },
      isTTY: process.stdout.isTTY === true,
      interrupt: Queue.take(interrupts),
      outputClosed: Deferred.await(closed),
      input: Effect.gen(function* () {
        const lines = yield* Queue.unbounded<string | undefined>()
        const rl = yield* Effect.acquireRelease(
          Effect.sync(() => {
            const rl = readline.createInterface({
              input: process.stdin,
              // The prompt and the echo of typing go where the person looks, even when stdout is piped.
              output: process.stdout.isTTY === true ? process.stdout : process.stderr,
              terminal: interactive
            })
            rl.on("line", (line) => Queue.unsafeOffer(lines, line))
            rl.on("close", () => Queue.unsafeOffer(lines, undefined))
            // At a terminal, readline reads Ctrl-C as a key, and no SIGINT is sent: it is a Ctrl-C all the same.
            rl.on("SIGINT", onSigint)
            return rl
          }),
          (rl) => Effect.sync(() => rl.close())
        )
        const next = lineReader(lines)
        return {
          interactive,
          readLine: interactive
            ? Effect.zipRight(
                Effect.sync(() => rl.prompt()),
                next
              )
            : next
        }
      })
    })
  })
)

/** A {@link Terminal} in memory, what has been written to it, and the controls of its input. */
export interface Memory {
  readonly terminal: Service
  /** A layer of {@link terminal}. */
  readonly layer: Layer.Layer<Terminal>
  /** Everything written to standard output so far. */
  readonly stdout: () => string
  /** Everything written to standard error so far. */
  readonly stderr: () => string
  /** Sends a line to the input, as if piped in. */
  readonly send: (line: string) => void
  /** Ends the input. */
  readonly end: () => void
  /** Presses Ctrl-C. */
  readonly interrupt: () => void
  /** Makes the reader of standard output go away: later writes to it are dropped, and `outputClosed` succeeds. */
  readonly closeOutput: () => void
}

/**
 * A terminal that keeps its output in memory. Its input is `lines` (as if piped in, not typed) and then ends, unless
 * `open` is set: then it waits for {@link Memory.send} and {@link Memory.end}. `isTTY` says whether the demo should
 * take its standard output for a terminal (default `false`).
 */
export const memory = (
  options: {
    readonly lines?: ReadonlyArray<string> | undefined
    readonly open?: boolean | undefined
    readonly isTTY?: boolean | undefined
  } = {}
): Memory => {
  let stdout = ""
  let stderr = ""
  let stdoutOpen = true
  const lines = Effect.runSync(Queue.unbounded<string | undefined>())
  for (const line of options.lines ?? []) Queue.unsafeOffer(lines, line)
  if (options.open !== true) Queue.unsafeOffer(lines, undefined)
  const interrupts = Effect.runSync(Queue.unbounded<void>())
  const closed = Deferred.unsafeMake<void, OutputError>(FiberId.none)
  const terminal = Terminal.of({
    stdout: (text) => {
      if (stdoutOpen) stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
    isTTY: options.isTTY === true,
    input: Effect.sync((): Input => ({ interactive: false, readLine: lineReader(lines) })),
    interrupt: Queue.take(interrupts),
    outputClosed: Deferred.await(closed)
  })
  return {
    terminal,
    layer: Layer.succeed(Terminal, terminal),
    stdout: () => stdout,
    stderr: () => stderr,
    send: (line) => Queue.unsafeOffer(lines, line),
    end: () => Queue.unsafeOffer(lines, undefined),
    interrupt: () => Queue.unsafeOffer(interrupts, undefined),
    closeOutput: () => {
      stdoutOpen = false
      Deferred.unsafeDone(closed, Exit.void)
    }
  }
}
