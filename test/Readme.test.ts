import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Planner from "@parley/standin/Planner"
import * as StandinServer from "@parley/standin/StandinServer"
import * as Effect from "effect/Effect"

/**
 * Every README example is a file under test/examples (type-checked by `tsc -b` through tsconfig.root.json). A README
 * marks it with `<!-- example: test/examples/x.ts -->` before a ```ts block, and may mark the block after it with
 * `<!-- output -->`. This test keeps the README text equal to the file, runs the file, and checks what it prints.
 * `<!-- example: x.ts standin -->` runs the file with ANTHROPIC_BASE_URL pointing at a stand-in server (planner
 * responder) that the test starts, so examples written for the real endpoint run offline.
 */
const root = path.resolve(import.meta.dirname, "..")

const readmes = [
  "README.md",
  ...["packages", "apps"].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir))
      .map((name) => path.join(dir, name, "README.md"))
      .filter((file) => fs.existsSync(path.join(root, file)))
  )
]

interface Example {
  readonly readme: string
  readonly file: string
  readonly code: string
  readonly output: string | undefined
  readonly standin: boolean
}

const examples: Array<Example> = readmes.flatMap((readme) => {
  const text = fs.readFileSync(path.join(root, readme), "utf8")
  const pattern =
    /<!-- example: (\S+)( standin)? -->\n```ts\n([\s\S]*?)```\n(?:\n[^\n<]*\n)?(?:\n?<!-- output -->\n```[a-z]*\n([\s\S]*?)```)?/g
  return [...text.matchAll(pattern)].map((match) => ({
    readme,
    file: match[1] ?? "",
    standin: match[2] !== undefined,
    code: match[3] ?? "",
    output: match[4]
  }))
})

describe("README examples", () => {
  it("the root README has its example", () => {
    assert.isTrue(examples.some((example) => example.readme === "README.md"))
  })

  for (const example of examples) {
    it.scoped(`${example.readme}: ${example.file} is the README's code, and runs`, () =>
      Effect.gen(function* () {
        const source = fs.readFileSync(path.join(root, example.file), "utf8")
        assert.strictEqual(example.code, source)
        const env: Record<string, string | undefined> = {
          ...process.env,
          ANTHROPIC_API_KEY: "",
          ANTHROPIC_BASE_URL: ""
        }
        if (example.standin) {
          const standin = yield* StandinServer.start({ responder: Planner.make() })
          env["ANTHROPIC_API_KEY"] = "sk-readme-example"
          env["ANTHROPIC_BASE_URL"] = standin.url
        }
        const stdout = yield* run(path.join(root, example.file), env)
        if (example.output !== undefined) assert.strictEqual(stdout, example.output)
      })
    )
  }
})

const run = (file: string, env: Record<string, string | undefined>) =>
  Effect.async<string, Error>((resume) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", file],
      { cwd: root, encoding: "utf8", env, timeout: 60_000 },
      (error, stdout, stderr) =>
        resume(error ? Effect.fail(new Error(`${error.message}\n${stderr}`)) : Effect.succeed(stdout))
    )
    return Effect.sync(() => child.kill())
  })
