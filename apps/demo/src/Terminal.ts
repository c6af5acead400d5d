/**
 * The demo's input and output as a service: standard output for the answers, standard error for notes, warnings
 * and errors, and the lines a session reads. {@link layerNode} is the process's own; {@link memory} keeps the output
 * in memory and reads given lines, so that the demo can run inside another program (its tests do).
 */
import * as readline from "node:readline"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Write } from "./Render.js"

/** The input of a session, open for as long as its scope. */
export interface Input {
  /** Whether a person types the lines at a terminal: the session then greets and prompts. */
  readonly interactive: boolean
  /** The next line, without its line break; `undefined` at the end of input. */
  readonly readLine: Effect.Effect<string | undefined>
}

/** The demo's standard output, standard error and input. */
export interface Service {
  /** Writes to standard output. */
  readonly stdout: Write
  /** Writes to standard error. */
  readonly stderr: Write
  /** Opens the input (only a session does); it is closed with the scope. */
  readonly input: Effect.Effect<Input, never, Scope.Scope>
}

/** The demo's terminal. */
export class Terminal extends Context.Tag("@parley/demo/Terminal")<Terminal, Service>() {}

/**
 * The process's terminal: `process.stdout`, `process.stderr`, and the lines of `process.stdin` read with
 * `node:readline` (with a `> ` prompt when stdin is a terminal). stdin is not touched until a session opens it.
 */
export const layerNode: Layer.Layer<Terminal> = Layer.succeed(
  Terminal,
  Terminal.of({
    stdout: (text) => {
      process.stdout.write(text)
    },
    stderr: (text) => {
      process.stderr.write(text)
    },
    input: Effect.acquireRelease(
      Effect.sync(() => {
        const rl = readline.createInterface({
          input: process.stdin,
          output: process.stdout,
          terminal: process.stdin.isTTY
        })
        // A terminal's Ctrl-C reaches readline, not the process: pass it on, so the run is interrupted and exits.
        rl.on("SIGINT", () => process.kill(process.pid, "SIGINT"))
        return rl
      }),
      (rl) => Effect.sync(() => rl.close())
    ).pipe(
      Effect.map((rl): Input => {
        const lines = rl[Symbol.asyncIterator]()
        const interactive = process.stdin.isTTY === true
        return {
          interactive,
          readLine: Effect.promise(async () => {
            if (interactive) rl.prompt()
            const next = await lines.next()
            return next.done ? undefined : (next.value as string)
          })
        }
      })
    )
  })
)

/** A {@link Terminal} in memory, and what has been written to it. */
export interface Memory {
  readonly terminal: Service
  /** A layer of {@link terminal}. */
  readonly layer: Layer.Layer<Terminal>
  /** Everything written to standard output so far. */
  readonly stdout: () => string
  /** Everything written to standard error so far. */
  readonly stderr: () => string
}

/** A terminal that keeps its output in memory and whose input is `lines` (as if piped in, not typed). */
export const memory = (lines: ReadonlyArray<string> = []): Memory => {
  let stdout = ""
  let stderr = ""
  const terminal = Terminal.of({
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
    input: Effect.sync((): Input => {
      let next = 0
      return { interactive: false, readLine: Effect.sync(() => lines[next++]) }
    })
  })
  return { terminal, layer: Layer.succeed(Terminal, terminal), stdout: () => stdout, stderr: () => stderr }
}
