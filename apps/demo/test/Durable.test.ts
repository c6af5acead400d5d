import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import type * as StandinServer from "@parley/standin/StandinServer"
import * as Effect from "effect/Effect"
import * as Durable from "../src/Durable.js"
import { demo, offlineEnv, type Run, slowEnv, slowStandin, spawnDemo, standinNote, waitUntil } from "./helpers.js"

/** A fresh directory for a journal, removed with the scope. */
const journalFile = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "parley-demo-journal-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "runs.db")))

/** Runs the demo's command to its end. */
const command = (args: ReadonlyArray<string>, env?: NodeJS.ProcessEnv) =>
  Effect.flatMap(spawnDemo(args, env), (child) => {
    child.process.stdin.end()
    return child.exited
  })

const runIdIn = (stderr: string): string => {
  const id = /^run: (run_[0-9a-f-]+)$/m.exec(stderr)?.[1]
  assert.isDefined(id, stderr)
  return id!
}

/** How many messages each model call sent to the stand-in, in order. */
const callSizes = (standin: StandinServer.Standin) =>
  standin
    .requests()
    .filter((request) => request.path === "/v1/messages")
    .map((request) => (request.body as { messages: ReadonlyArray<unknown> }).messages.length)

/** A child's run, with the lines the offline stand-in adds to stderr removed (its port changes every time). */
const withoutStandin = (run: Run): Run => ({
  ...run,
  stderr: run.stderr
    .split("\n")
    .filter((line) => !standinNote.test(line))
    .join("\n")
})

const slow = 90_000

/**
 * A durable demo run of "What is 17 * 23?" against a slow stand-in, its stdin closed: the journal, what a run
 * never interrupted prints, the stand-in, the environment and the running process.
 */
const startSlowDurableRun = Effect.gen(function* () {
  const journal = yield* journalFile
  const expected = (yield* demo(["What is 17 * 23?"])).stdout
  const standin = yield* slowStandin()
  const env = offlineEnv(slowEnv(standin))
  const first = yield* spawnDemo(["--journal", journal, "What is 17 * 23?"], env)
  first.process.stdin.end()
  return { journal, expected, standin, env, first }
})

describe("demo --journal (durable runs, real processes)", () => {
  it.scopedLive(
    "a run SIGKILLed during its second model call is continued by --resume with the whole answer; runs lists it",
    () =>
      Effect.gen(function* () {
        const { journal, expected, standin, env, first } = yield* startSlowDurableRun
        // Killed once the tool has answered and the second model call is under way (the stand-in streams slowly).
        yield* waitUntil(
          "the second model call",
          () => first.stdout().includes("← 391") && callSizes(standin).length === 2
        )
        first.process.kill("SIGKILL")
        const killed = yield* first.exited
        assert.strictEqual(killed.code, 137)
        const runId = runIdIn(killed.stderr)
        assert.strictEqual(killed.stderr, `run: ${runId}\n`)
        assert.notInclude(killed.stdout, "[2 turns")

        assert.deepStrictEqual(yield* command(["runs", "--journal", journal]), {
          code: 0,
          stdout: `${runId}  running  1 turn · 1 tool call\n`,
          stderr: ""
        })

        const resumed = yield* command(["--journal", journal, "--resume", runId], env)
        // The whole answer, as a run that was never killed prints it, usage line included.
        assert.deepStrictEqual(resumed, { code: 0, stdout: expected, stderr: `run: ${runId}\n` })
        // The first model call was replayed from the journal, not sent again; the one cut off was sent again.
        assert.deepStrictEqual(callSizes(standin), [1, 3, 3])

        assert.deepStrictEqual(yield* command(["runs", "--journal", journal]), {
          code: 0,
          stdout: `${runId}  finished  2 turns · 1 tool call · The model ended its turn.\n`,
          stderr: ""
        })
        // Resuming a run that ended prints its answer from the journal.
        const again = withoutStandin(yield* command(["--journal", journal, "--resume", runId]))
        assert.deepStrictEqual(again, {
          code: 0,
          stdout: "17 * 23 = 391.\n",
          stderr: `run: ${runId}\nThe run ${runId} had already ended: the model ended its turn.\n`
        })
      }),
    slow
  )

  it.scopedLive(
    "--confirm: a run waiting for a decision survives SIGKILL, is approved from another process, and --resume finishes it",
    () =>
      Effect.gen(function* () {
        const journal = yield* journalFile
        const expected = (yield* demo(["What is 17 * 23?"])).stdout
        const first = yield* spawnDemo(["--journal", journal, "--confirm", "What is 17 * 23?"])
        first.process.stdin.end()
        yield* waitUntil("the call waiting", () => first.stderr().includes("waits for a decision"))
        const runId = runIdIn(first.stderr())
        const callId = /call (toolu_\w+)\./.exec(first.stderr())?.[1]
        assert.isDefined(callId, first.stderr())
        assert.strictEqual(
          withoutStandin({ code: 0, stdout: "", stderr: first.stderr() }).stderr,
          `run: ${runId}\nThe run waits for a decision on calculator({"expression":"17 * 23"}), call ${callId}. Decide from any terminal: parley approve --journal ${journal} ${runId} ${callId} (or parley deny ...).\n`
        )
        first.process.kill("SIGKILL")
        assert.strictEqual((yield* first.exited).code, 137)

        assert.deepStrictEqual(yield* command(["runs", "--journal", journal]), {
          code: 0,
          stdout:
            `${runId}  awaiting-approval  1 turn · 0 tool calls · The run is waiting for approval of 1 tool call(s).\n` +
            `  waits for calculator({"expression":"17 * 23"}) · call ${callId}\n`,
          stderr: ""
        })
        assert.deepStrictEqual(yield* command(["approve", "--journal", journal, runId, callId!]), {
          code: 0,
          stdout: `Approved call ${callId} of run ${runId}.\n`,
          stderr: ""
        })
        assert.deepStrictEqual(yield* command(["deny", "--journal", journal, runId, callId!]), {
          code: 1,
          stdout: "",
          stderr: `error: The run ${runId} is not waiting for a decision on call ${callId}: it was decided already, or the run or the call is not in the journal. List what waits with parley runs --journal ${journal}.\n`
        })

        const resumed = withoutStandin(yield* command(["--journal", journal, "--resume", runId]))
        assert.deepStrictEqual(resumed, { code: 0, stdout: expected, stderr: `run: ${runId}\n` })
      }),
    slow
  )

  it.scopedLive(
    "--confirm: a call denied from another process while the run waits; the run goes on with the denial",
    () =>
      Effect.gen(function* () {
        const journal = yield* journalFile
        const running = yield* spawnDemo(["--journal", journal, "--confirm", "What is 6 * 7?"])
        running.process.stdin.end()
        yield* waitUntil("the call waiting", () => running.stderr().includes("waits for a decision"))
        const runId = runIdIn(running.stderr())
        const callId = /call (toolu_\w+)\./.exec(running.stderr())?.[1] ?? "no call id"
        // One process at a time runs a journal: a second one is refused, naming the holder.
        const second = withoutStandin(yield* command(["--journal", journal, "--resume", runId]))
        assert.strictEqual(second.code, 1)
        assert.match(
          second.stderr,
          new RegExp(
            `^run: ${runId}\nerror: The journal .*runs.db is in use by process ${running.process.pid} on [^;]+;[^\n]*\n$`
          )
        )
        assert.deepStrictEqual(yield* command(["deny", "--journal", journal, runId, callId, "not", "today"]), {
          code: 0,
          stdout: `Denied call ${callId} of run ${runId}: not today.\n`,
          stderr: ""
        })
        const run = yield* running.exited
        assert.strictEqual(run.code, 0, run.stderr)
        const lines = run.stdout.split("\n")
        assert.include(lines, '→ calculator({"expression":"6 * 7"})')
        assert.include(lines, "← denied: Denied: not today")
        assert.match(lines.at(-2)!, /^\[2 turns · 1 tool call · /)
        const listed = yield* command(["runs", "--journal", journal])
        assert.match(listed.stdout, new RegExp(`^${runId}  finished  2 turns · 1 tool call · `))
      }),
    slow
  )

  it.scopedLive(
    "Ctrl-C keeps the run in the journal (exit 130), and --resume finishes it",
    () =>
      Effect.gen(function* () {
        const { journal, expected, env, first } = yield* startSlowDurableRun
        yield* waitUntil("the first text", () => first.stdout().length > 0)
        first.process.kill("SIGINT")
        const stopped = yield* first.exited
        const runId = runIdIn(stopped.stderr)
        assert.deepStrictEqual(
          { code: stopped.code, stderr: stopped.stderr },
          {
            code: 130,
            stderr: `run: ${runId}\nThe run ${runId} is kept in the journal. Continue it with --journal ${journal} --resume ${runId}.\n`
          }
        )
        assert.isTrue(stopped.stdout.endsWith("\n"))
        const resumed = yield* command(["--journal", journal, "--resume", runId], env)
        assert.deepStrictEqual(resumed, { code: 0, stdout: expected, stderr: `run: ${runId}\n` })
      }),
    slow
  )

  it.scopedLive(
    "the journal's commands: usage errors (exit 2) and a journal that does not exist",
    () =>
      Effect.gen(function* () {
        const journal = yield* journalFile
        const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
          [["runs"], "The runs command needs --journal <file>, the journal of the runs."],
          [
            ["approve", "--journal", journal, "run_1"],
            "The approve command takes a run id and a call id, e.g. parley approve --journal runs.db run_1 toolu_1."
          ],
          [["--resume", "run_1"], "The --resume option needs --journal <file>, the journal the run is in."],
          [
            ["--journal", journal],
            "The --journal option runs one prompt durably: give a prompt, or --resume <id> to continue a run."
          ],
          [["--confirm", "hi"], "The --confirm option needs --journal <file>: the decisions are kept in the journal."],
          [
            ["runs", "--journal", journal],
            `The journal ${journal} does not exist. Give --journal the file a durable run was started with.`
          ]
        ]
        for (const [args, message] of cases) {
          assert.deepStrictEqual(yield* demo(args), { code: 2, stdout: "", stderr: `error: ${message}\n` })
        }
        assert.isFalse(fs.existsSync(journal))
      }),
    slow
  )
})

describe("Durable.once", () => {
  it("drops the events a replay emits again, and shows what comes after them", () => {
    const shown: Array<string> = []
    const show = Durable.once((event) => shown.push(`${event._tag}${"turn" in event ? event.turn : ""}`))
    const turn = (n: number) => ({ _tag: "TurnStarted", turn: n }) as const
    const delta = (text: string) => ({ _tag: "TextDelta", turn: 1, index: 0, text }) as never
    show(turn(1))
    show(delta("a"))
    // The body replays from the start (a decision arrived): the first two events again, then new ones.
    show(turn(1))
    show(delta("a"))
    show(delta("b"))
    show(turn(2))
    assert.deepStrictEqual(shown, ["TurnStarted1", "TextDelta1", "TextDelta1", "TurnStarted2"])
  })
})
