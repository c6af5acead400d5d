/**
 * Crash tests over real processes: a runner process (fixtures/sqliteRunner.ts) is killed with SIGKILL at each
 * point of a turn, then a new process continues the run from the SQLite journal. Each test asserts the final
 * conversation, how often the model was called, how often the tool ran and took effect, and that the journal is
 * usable afterwards (not left locked).
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { DurableAgent, DurableEngine } from "../src/index.js"
import type { Job } from "./fixtures/sqliteRunner.js"

const root = Path.resolve(import.meta.dirname, "../../..")

interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

const spawnRunner = (job: Job) => {
  const child = ChildProcess.spawn(
    process.execPath,
    ["--import", "tsx", Path.join(import.meta.dirname, "fixtures", "sqliteRunner.ts"), JSON.stringify(job)],
    {
      cwd: root,
      env: { ...process.env, TSX_TSCONFIG_PATH: Path.join(root, "tsconfig.dev.json") },
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  let stdout = ""
  let stderr = ""
  child.stdout.setEncoding("utf8").on("data", (data: string) => (stdout += data))
  child.stderr.setEncoding("utf8").on("data", (data: string) => (stderr += data))
  const exited = new Promise<Exit>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }))
  )
  return { child, exited }
}

const run = (job: Job): Promise<Exit> => spawnRunner(job).exited

const lines = (dir: string, file: string): Array<string> => {
  const path = Path.join(dir, file)
  return Fs.existsSync(path)
    ? Fs.readFileSync(path, "utf8")
        .split("\n")
        .filter((line) => line !== "")
    : []
}

const setup = (crash: Job["crash"], notRerunnable = false) => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "parley-crash-"))
  const job: Job = { journal: Path.join(dir, "runs.db"), dir, runId: `run-${crash}`, crash, notRerunnable }
  return { dir, job, resumed: { ...job, crash: "none" as const } }
}

const ended = (exit: Exit) => {
  expect(exit.stderr).toBe("")
  expect(exit.code).toBe(0)
  return JSON.parse(exit.stdout.trim()) as {
    readonly _tag: string
    readonly text: string
    readonly messages: ReadonlyArray<{ readonly role: string; readonly content: unknown }>
    readonly tools: ReadonlyArray<{ readonly call: { readonly id: string }; readonly outcome: string }>
  }
}

const toolResults = (messages: ReadonlyArray<{ readonly role: string; readonly content: unknown }>) => {
  const blocks = (messages[2]?.content ?? []) as ReadonlyArray<{
    type: string
    tool_use_id: string
    content: unknown
    is_error?: boolean
  }>
  return blocks.map((block) => [block.tool_use_id, block.content, block.is_error === true])
}

/** The journal opens and lists the run as finished from another process: nothing is left locked. */
const journalUsable = (job: Job) =>
  Effect.runPromise(
    DurableAgent.status(job.runId).pipe(Effect.provide(DurableEngine.sqliteClientLayer({ filename: job.journal })))
  )

describe("crash tests (SIGKILL, SQLite journal)", () => {
  it("mid model call: the call is sent again, the tools run once", async () => {
    const { dir, job, resumed } = setup("model")
    const first = await run(job)
    expect(first.signal).toBe("SIGKILL")
    const end = ended(await run(resumed))
    expect(end.text).toBe("Charged 42 to Ana.")
    expect(end.messages.map((message) => message.role)).toEqual(["user", "assistant", "user", "assistant"])
    expect(toolResults(end.messages)).toEqual([
      ["c1", "charged 42", false],
      ["l1", "customer 7 is Ana", false]
    ])
    // The first call never answered: sent again on restart (1 message), then the second turn (3 messages).
    expect(lines(dir, "model.log")).toEqual(["1", "1", "3"])
    expect(lines(dir, "executions.log").length).toBe(1)
    expect(lines(dir, "effects.log").length).toBe(1)
    expect((await journalUsable(job)).status).toBe("finished")
  })

  it("after the model call, before its tools: the reply is replayed from the journal, not sent again", async () => {
    const { dir, job, resumed } = setup("after-model")
    expect((await run(job)).signal).toBe("SIGKILL")
    expect(lines(dir, "model.log")).toEqual(["1"])
    const end = ended(await run(resumed))
    expect(end.text).toBe("Charged 42 to Ana.")
    expect(lines(dir, "model.log")).toEqual(["1", "3"])
    expect(lines(dir, "executions.log").length).toBe(1)
    expect(lines(dir, "effects.log").length).toBe(1)
    expect((await journalUsable(job)).status).toBe("finished")
  })

  it("mid tool: the call runs again with the same idempotency key and takes effect once", async () => {
    const { dir, job, resumed } = setup("tool")
    expect((await run(job)).signal).toBe("SIGKILL")
    const end = ended(await run(resumed))
    expect(end.text).toBe("Charged 42 to Ana.")
    expect(toolResults(end.messages)[0]).toEqual(["c1", "charged 42", false])
    const executions = lines(dir, "executions.log")
    expect(executions.length).toBe(2)
    expect(executions[0]).toBe(executions[1])
    expect(lines(dir, "effects.log").length).toBe(1)
    expect(lines(dir, "model.log")).toEqual(["1", "3"])
    expect((await journalUsable(job)).status).toBe("finished")
  })

  it("after a tool, before its result is journaled: run again with the same key, the effect applied once", async () => {
    const { dir, job, resumed } = setup("after-tool")
    expect((await run(job)).signal).toBe("SIGKILL")
    expect(lines(dir, "effects.log").length).toBe(1)
    const end = ended(await run(resumed))
    expect(end.text).toBe("Charged 42 to Ana.")
    const executions = lines(dir, "executions.log")
    expect(executions.length).toBe(2)
    expect(new Set(executions).size).toBe(1)
    expect(lines(dir, "effects.log")).toEqual([executions[0]])
    expect(end.tools.map((report) => [report.call.id, report.outcome]).sort()).toEqual([
      ["c1", "ok"],
      ["l1", "ok"]
    ])
    expect((await journalUsable(job)).status).toBe("finished")
  })

  it("a tool that must not run twice is answered as interrupted by the crash", async () => {
    const { dir, job, resumed } = setup("after-tool", true)
    expect((await run(job)).signal).toBe("SIGKILL")
    const end = ended(await run(resumed))
    expect(lines(dir, "executions.log").length).toBe(1)
    expect(lines(dir, "effects.log").length).toBe(1)
    expect(toolResults(end.messages)[0]).toEqual([
      "c1",
      'Error: tool "charge" was interrupted by a crash of the process running it and was not run again, because it must not run twice. It may or may not have taken effect.',
      true
    ])
    expect(end.tools.map((report) => [report.call.id, report.outcome]).sort()).toEqual([
      ["c1", "interrupted"],
      ["l1", "ok"]
    ])
    expect(end.text).toBe("Charged 42 to Ana.")
  })

  it("while waiting for approval: killed, approved from another process, continued by a new one", async () => {
    const { dir, job, resumed } = setup("approval")
    const { child, exited } = spawnRunner(job)
    const waiting = await new Promise<string>((resolve) => {
      let out = ""
      child.stdout.on("data", (data: string) => {
        out += data
        if (out.includes("\n")) resolve(out.trim())
      })
    })
    expect(JSON.parse(waiting)).toEqual({
      _tag: "AwaitingApproval",
      runId: "run-approval",
      calls: [{ id: "c1", name: "charge", input: { amount: 42 } }]
    })
    child.kill("SIGKILL")
    expect((await exited).signal).toBe("SIGKILL")
    expect(lines(dir, "executions.log")).toEqual([])

    const client = DurableEngine.sqliteClientLayer({ filename: job.journal })
    await Effect.runPromise(DurableAgent.decide("run-approval", "c1", { _tag: "Allow" }).pipe(Effect.provide(client)))
    const again = await Effect.runPromise(
      DurableAgent.decide("run-approval", "c1", { _tag: "Deny", reason: "too late" }).pipe(
        Effect.flip,
        Effect.provide(client)
      )
    )
    expect(again._tag).toBe("NotAwaiting")

    const end = ended(await run(resumed))
    expect(end.text).toBe("Charged 42 to Ana.")
    expect(toolResults(end.messages)).toEqual([
      ["c1", "charged 42", false],
      ["l1", "customer 7 is Ana", false]
    ])
    expect(lines(dir, "executions.log").length).toBe(1)
    expect(lines(dir, "effects.log").length).toBe(1)
    expect(lines(dir, "model.log")).toEqual(["1", "3"])
    expect((await journalUsable(job)).status).toBe("finished")
  })

  it("one engine per journal: a second process is refused while the first lives, and takes over once it is killed", async () => {
    const { job } = setup("approval")
    const { child, exited } = spawnRunner({ ...job, hold: true })
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()))
    const open = Layer.build(DurableEngine.sqlite({ filename: job.journal })).pipe(Effect.scoped)

    const refused = await Effect.runPromise(Effect.flip(open))
    expect(refused._tag).toBe("JournalError")
    expect(refused.operation).toBe(`take the journal ${job.journal}`)
    expect(refused.message).toContain(`is in use by process ${child.pid} on ${Os.hostname()}`)

    child.kill("SIGKILL")
    expect((await exited).signal).toBe("SIGKILL")
    await Effect.runPromise(open)
    // Released when its scope closed: a new runner takes it and the waiting run is still there.
    expect((await journalUsable(job)).status).toBe("awaiting-approval")
  })
})
