/**
 * A status line for a terminal: a spinner and a short text (`⠋ Waiting for the model…`) shown while the demo waits
 * for the model's first token, rewritten in place, and erased before anything else is written to the terminal. Only
 * used when standard output is a terminal, never with `--json`: {@link make} returns it with a {@link Service} whose
 * writes erase it first.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { Write } from "./Render.js"
import type { Service } from "./Terminal.js"

/** The spinner's frames, one per {@link interval}. */
export const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const

/** How long each frame shows. */
export const interval = Duration.millis(80)

/** What erases the status line: back to the start of the line, then erase the whole line. */
export const erase = "\r\x1b[2K"

/** A status line on a terminal. */
export interface StatusLine {
  /** Shows `text` with a spinner at the start of the current line (which must be empty), until the next write. */
  readonly show: (text: string) => void
  /** Erases the status line, if shown. */
  readonly clear: () => void
}

/**
 * A status line on `terminal`, and the terminal to write through instead (its `stdout` and `stderr` erase the status
 * line first, so nothing is ever written after it on its line). The spinner runs for as long as the scope, which
 * erases the status line when it closes.
 */
export const make = (
  terminal: Service
): Effect.Effect<{ readonly status: StatusLine; readonly terminal: Service }, never, Scope.Scope> =>
  Effect.gen(function* () {
    let text: string | undefined
    let frame = 0
    const draw = (prefix: string) => terminal.stdout(`${prefix}${frames[frame % frames.length]} ${text}`)
    const clear = () => {
      if (text === undefined) return
      text = undefined
      terminal.stdout(erase)
    }
    yield* Effect.addFinalizer(() => Effect.sync(clear))
    yield* Effect.sync(() => {
      if (text === undefined) return
      frame += 1
      draw("\r")
    }).pipe(Effect.repeat(Schedule.spaced(interval)), Effect.forkScoped)
    const erasing =
      (write: Write): Write =>
      (chunk) => {
        clear()
        write(chunk)
      }
    return {
      status: {
        show: (next) => {
          clear()
          text = next
          frame = 0
          draw("")
        },
        clear
      },
      terminal: { ...terminal, stdout: erasing(terminal.stdout), stderr: erasing(terminal.stderr) }
    }
  })
