/**
 * The demo at a real terminal: `script` (util-linux) runs the command on a pseudo-terminal, so stdin and stdout are
 * TTYs, readline owns the keyboard and a typed Ctrl-C is a key (`\x03`), not a signal.
 */
import { spawn } from "node:child_process"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Render from "../src/Render.js"
import * as StatusLine from "../src/StatusLine.js"
import { demoDir, offlineEnv, root, slowEnv, slowStandin, waitUntil, watch } from "./helpers.js"

/** The demo's session on a pseudo-terminal; what the test writes to the child's stdin is typed at that terminal. */
const atTerminal = (env: NodeJS.ProcessEnv) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn("script", ["-qfec", "node --import tsx src/main.ts", "/dev/null"], {
        cwd: demoDir,
        env: { ...env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.dev.json") },
        stdio: ["pipe", "pipe", "pipe"]
      })
    ),
    (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  ).pipe(Effect.map(watch))

const prompt = "> "
const cancelled = "Cancelled. The conversation goes on without that question."
const count = (text: string, part: string) => text.split(part).length - 1

describe("demo at a terminal (a pseudo-terminal)", () => {
  it.scopedLive(
    "a spinner while waiting, Ctrl-C typed during an answer cancels it, Ctrl-C typed at the prompt exits 130",
    () =>
      Effect.gen(function* () {
        // Slow enough that the typed Ctrl-C reaches the demo while the first turn's text is still streaming.
        const standin = yield* slowStandin(Duration.millis(80))
        const child = yield* atTerminal(offlineEnv(slowEnv(standin)))
        yield* waitUntil("the prompt", () => child.stdout().includes(prompt))
        assert.include(
          child.stdout(),
          "Parley demo. Type a question; Ctrl-C cancels an answer, and Ctrl-D or Ctrl-C at the prompt quits."
        )

        child.process.stdin.write("What is 17 * 23?\r")
        yield* waitUntil("the first text", () => child.stdout().includes("I'll"))
        child.process.stdin.write("\x03")
        yield* waitUntil("the cancelled note", () => child.stdout().includes(cancelled))
        yield* waitUntil("the next prompt", () => count(child.stdout(), prompt) === 2)

        child.process.stdin.write("What is 6 * 7?\r")
        yield* waitUntil("the answer", () => child.stdout().includes("[2 turns"))
        yield* waitUntil("the prompt after it", () => count(child.stdout(), prompt) === 3)
        child.process.stdin.write("\x03")
        const run = yield* child.exited
        assert.strictEqual(run.code, 130)

        const screen = run.stdout
        // Three model calls, each with its spinner, erased before the model's output.
        assert.strictEqual(count(screen, `${StatusLine.frames[0]} ${Render.waiting}`), 3)
        assert.strictEqual(count(screen, StatusLine.erase), 3)
        // The cancelled answer's line is closed before the note; no usage line for it, one for the second answer.
        const beforeNote = screen.slice(0, screen.indexOf(cancelled))
        assert.isTrue(beforeNote.endsWith("\r\n"), JSON.stringify(beforeNote.slice(-40)))
        assert.strictEqual(count(screen, "[2 turns"), 1)
        assert.include(screen, "← 42\r\n")
        assert.notInclude(screen, "error:")
      }),
    60_000
  )
})
