import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Accumulator from "@parley/core/Accumulator"
import * as Model from "@parley/core/Model"
import * as Loop from "@parley/loop"
import * as ScriptedModel from "@parley/loop/testing/ScriptedModel"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { reply } from "./utils/replies.js"

const root = path.resolve(import.meta.dirname, "..")
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8")
const sources = (dir: string): ReadonlyArray<string> =>
  fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? sources(path.join(dir, entry.name))
        : entry.name.endsWith(".ts")
          ? [path.join(dir, entry.name)]
          : []
    )

describe("the loop depends on core's model port only (issue 13, item 1)", () => {
  it("no transport in its dependencies, its project references or its sources", () => {
    const manifest = JSON.parse(read("package.json"))
    assert.deepStrictEqual(Object.keys(manifest.dependencies), ["@parley/core"])
    assert.notInclude(JSON.stringify(manifest), "@parley/transport")
    assert.deepStrictEqual(JSON.parse(read("tsconfig.src.json")).references, [{ path: "../core/tsconfig.src.json" }])
    const files = sources("src")
    assert.include(files, path.join("src", "AgentLoop.ts"))
    for (const file of files) assert.notInclude(read(file), "@parley/transport", file)
  })

  it("the test double is in its own entry point, not in the barrel", () => {
    assert.deepStrictEqual(Object.keys(Loop).sort(), [
      "AgentLoop",
      "Approval",
      "Hooks",
      "LoopError",
      "LoopEvent",
      "LoopOptions",
      "LoopResult",
      "RepeatedCallGuard",
      "Step",
      "StopReason",
      "StructuredAnswer"
    ])
    assert.notInclude(read("src/index.ts"), "testing")
    const exports = JSON.parse(read("package.json")).exports
    assert.deepStrictEqual(exports["./*"].import, "./dist/*.js")
    assert.isTrue(fs.existsSync(path.join(root, "src/testing/ScriptedModel.ts")))
  })

  it.effect(
    "ScriptedModel is the port: create and stream answer in order, streams fold back, requests are kept",
    () => {
      const first = reply([{ type: "text", text: "Hello there, how are you today?" }], "end_turn")
      const second = reply([{ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } }], "tool_use")
      const scripted = ScriptedModel.fromMessages([first, second], { chunks: { textChunkSize: 4, jsonChunkSize: 3 } })
      return Effect.gen(function* () {
        const model = yield* Model.Model
        const request = (text: string) => ({
          model: "m",
          max_tokens: 16,
          messages: [{ role: "user" as const, content: text }]
        })
        assert.deepStrictEqual(yield* model.create(request("one")), first)
        const events = yield* Stream.runCollect(model.stream(request("two")))
        const accumulator = Accumulator.make()
        for (const event of events) assert.isUndefined(accumulator.add(event))
        assert.deepStrictEqual(yield* accumulator.finish(), second)
        // {"a":1,"b":2} in pieces of 3 characters
        assert.strictEqual([...events].filter((event) => event.type === "content_block_delta").length, 5)
        assert.deepStrictEqual(
          scripted.requests().map((sent) => sent.messages[0]!.content),
          ["one", "two"]
        )
        const beyond = yield* Effect.flip(model.create(request("three")))
        assert.strictEqual(beyond._tag, "ModelFailure")
        assert.strictEqual(beyond.message, "The script has no reply for call 3 (it has 2).")
      }).pipe(Effect.provide(ScriptedModel.layer(scripted)))
    }
  )
})
