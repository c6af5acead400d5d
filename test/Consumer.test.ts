import { execFile } from "node:child_process"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

/**
 * The consumer check (test/consumer/check.mjs) as a test, so that it runs beside the other test files: the packages
 * packed and installed outside the workspace, then used as a user would. Its output names every check.
 */
const root = path.resolve(import.meta.dirname, "..")

describe("consumer check (packed tarballs installed outside the workspace)", () => {
  it.live(
    "every check passes: tarball files, install lines, plain-JS agent, require(), strict tsc, bins, install size",
    () =>
      Effect.async<{ readonly code: number | null; readonly output: string }>((resume) => {
        const child = execFile(
          process.execPath,
          [path.join(root, "test/consumer/check.mjs")],
          { cwd: root, encoding: "utf8", timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) =>
            resume(
              Effect.succeed({ code: error === null ? 0 : (error.code as number | null), output: stdout + stderr })
            )
        )
        return Effect.sync(() => child.kill())
      }).pipe(
        Effect.flatMap(({ code, output }) =>
          Effect.sync(() => {
            console.log(output)
            const failed = output.split("\n").filter((line) => line.includes("FAIL"))
            assert.deepStrictEqual(failed, [], output)
            assert.strictEqual(code, 0, output)
            assert.match(output, /consumer check: passed/)
          })
        )
      ),
    600_000
  )
})
