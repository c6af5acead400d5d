import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"

/**
 * Every README example is a file under test/examples (type-checked by `tsc -b` through tsconfig.root.json). A README
 * marks it with `<!-- example: test/examples/x.ts -->` before a ```ts block, and may mark the block after it with
 * `<!-- output -->`. This test keeps the README text equal to the file, runs the file, and checks what it prints.
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
}

const examples: Array<Example> = readmes.flatMap((readme) => {
  const text = fs.readFileSync(path.join(root, readme), "utf8")
  const pattern =
    /<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```\n(?:\n[^\n<]*\n)?(?:\n?<!-- output -->\n```[a-z]*\n([\s\S]*?)```)?/g
  return [...text.matchAll(pattern)].map((match) => ({
    readme,
    file: match[1] ?? "",
    code: match[2] ?? "",
    output: match[3]
  }))
})

describe("README examples", () => {
  it("the root README has its example", () => {
    assert.isTrue(examples.some((example) => example.readme === "README.md"))
  })

  for (const example of examples) {
    it(`${example.readme}: ${example.file} is the README's code, and runs`, () => {
      const source = fs.readFileSync(path.join(root, example.file), "utf8")
      assert.strictEqual(example.code, source)
      const stdout = execFileSync(process.execPath, ["--import", "tsx", path.join(root, example.file)], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, ANTHROPIC_API_KEY: "", ANTHROPIC_BASE_URL: "" },
        timeout: 60_000
      })
      if (example.output !== undefined) assert.strictEqual(stdout, example.output)
    }, 60_000)
  }
})
