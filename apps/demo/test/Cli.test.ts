import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Cli from "../src/Cli.js"

const parsed = (args: ReadonlyArray<string>) => Either.getOrThrow(Cli.parse(args))
const refused = (args: ReadonlyArray<string>) => Either.flip(Cli.parse(args)).pipe(Either.getOrThrow).message

describe("Cli.parse", () => {
  it("a prompt is the positional arguments joined; the defaults", () => {
    assert.deepStrictEqual(parsed(["What", "is", "2 + 3?"]), {
      command: { _tag: "Converse" },
      prompt: "What is 2 + 3?",
      json: false,
      model: undefined,
      maxTurns: undefined,
      baseUrl: undefined,
      stream: true,
      sandbox: undefined,
      journal: undefined,
      resume: undefined,
      confirm: false,
      version: false,
      help: false
    })
    assert.strictEqual(parsed([]).prompt, undefined)
    assert.strictEqual(parsed(["  "]).prompt, undefined)
    assert.strictEqual(parsed(["--max-turns", "3", "--no-stream", "hi"]).maxTurns, 3)
    assert.strictEqual(parsed(["--no-stream", "hi"]).stream, false)
  })

  it("runs, approve and deny are commands as the first argument only; after -- they are a prompt", () => {
    assert.deepStrictEqual(parsed(["runs", "--journal", "j.db"]).command, { _tag: "Runs" })
    assert.deepStrictEqual(parsed(["approve", "--journal", "j.db", "run_1", "toolu_1"]).command, {
      _tag: "Decide",
      allow: true,
      runId: "run_1",
      callId: "toolu_1",
      reason: undefined
    })
    assert.deepStrictEqual(parsed(["deny", "run_1", "toolu_1", "too", "risky", "--journal", "j.db"]).command, {
      _tag: "Decide",
      allow: false,
      runId: "run_1",
      callId: "toolu_1",
      reason: "too risky"
    })
    const prompt = parsed(["--", "runs"])
    assert.deepStrictEqual([prompt.command, prompt.prompt], [{ _tag: "Converse" }, "runs"])
    assert.strictEqual(parsed(["what", "runs"]).prompt, "what runs")
  })

  it("refuses what cannot run, in whole sentences", () => {
    assert.strictEqual(
      refused(["--max-turns", "two"]),
      'The --max-turns value must be a positive whole number, not "two".'
    )
    assert.strictEqual(refused(["--model", ""]), "The --model value must not be empty.")
    assert.strictEqual(refused(["--json=yes"]), "The --json option takes no value.")
    assert.strictEqual(
      refused(["-x"]),
      'Unknown option -x. Run with --help for the options, or put a prompt that starts with "-" after --.'
    )
    assert.strictEqual(
      refused(["runs", "--journal", "j.db", "extra"]),
      'The runs command takes no arguments, not "extra".'
    )
    assert.strictEqual(
      refused(["deny", "--journal", "j.db", "run_1"]),
      "The deny command takes a run id, a call id and optionally a reason, e.g. parley deny --journal runs.db run_1 toolu_1 not now."
    )
    assert.strictEqual(
      refused(["--journal", "j.db", "--resume", "run_1", "hi"]),
      "The --resume option continues a run: give it no prompt."
    )
  })

  it("--help lists every option, with the default model", () => {
    for (const [name, flag] of Object.entries(Cli.flags)) assert.include(Cli.usage, `--${name}`, flag.help)
    assert.include(
      Cli.usage,
      "Exit codes: 0 done (also when the reader of stdout goes away), 1 failed, 2 bad usage, 130 ended by Ctrl-C."
    )
    assert.isTrue(Cli.usage.split("\n").every((line) => line.length <= 120))
  })
})
