/**
 * Ctrl-C as the demo reads it: {@link untilCtrlC} runs an effect until it ends or the Terminal reports a Ctrl-C,
 * and {@link Interrupted} is how a Ctrl-C that ends the demo fails it (exit code 130).
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Service } from "./Terminal.js"

/** Ctrl-C ended the run: at a session's prompt, during startup, or during a one-prompt run (exit code 130). */
export class Interrupted extends Schema.TaggedError<Interrupted>()("Interrupted", {}) {
  override get message(): string {
    return "Interrupted by Ctrl-C."
  }
}

/** Runs `effect` until it ends or Ctrl-C is pressed; a Ctrl-C interrupts it and fails with {@link Interrupted}. */
export const untilCtrlC = <A, E, R>(terminal: Service, effect: Effect.Effect<A, E, R>) =>
  Effect.raceFirst(effect, Effect.zipRight(terminal.interrupt, Effect.fail(new Interrupted())))
