/**
 * Starting measured processes: each driver run is a fresh `node` process whose whole wall time the runner measures
 * and whose last stdout line (the driver's JSON report) is decoded with a Schema. A run that exits non-zero, prints
 * no valid report or exceeds its time limit becomes a failed run with the reason, never a crash of the runner.
 */
import * as ChildProcess from "node:child_process"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { scenarios } from "./Scenario.js"

/** The JSON line every driver prints on success. */
export const DriverReport = Schema.Struct({
  driver: Schema.String,
  scenario: Schema.Literal(...scenarios),
  metrics: Schema.Record({ key: Schema.String, value: Schema.Number })
})

/** A decoded driver report. */
export type DriverReport = typeof DriverReport.Type

const decodeReport = Schema.decodeUnknownEither(Schema.parseJson(DriverReport))

/** The outcome of one measured process. */
export type Outcome =
  | {
      readonly _tag: "Ok"
      readonly report: DriverReport
      readonly wallMs: number
      /** From spawn to the first byte the process wrote on stdout (a consumer's answer). */
      readonly firstOutputMs: number | undefined
    }
  | { readonly _tag: "Failed"; readonly reason: string; readonly wallMs: number }

/**
 * Runs `node <args>` in `cwd` and decodes its report. The process is killed (by its own pid) after `timeoutMs`.
 */
export const run = (
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly timeoutMs: number }
): Promise<Outcome> =>
  new Promise((resolve) => {
    const start = performance.now()
    const child = ChildProcess.spawn(process.execPath, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    let timedOut = false
    let firstOutputMs: number | undefined
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      firstOutputMs ??= performance.now() - start
      stdout += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, options.timeoutMs)
    const finish = (reason: string | undefined) => {
      clearTimeout(timer)
      const wallMs = performance.now() - start
      if (reason !== undefined) return resolve({ _tag: "Failed", reason, wallMs })
      const line = stdout.trim().split("\n").pop() ?? ""
      const decoded = decodeReport(line)
      resolve(
        Either.isRight(decoded)
          ? { _tag: "Ok", report: decoded.right, wallMs, firstOutputMs }
          : {
              _tag: "Failed",
              reason: `invalid report: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`,
              wallMs
            }
      )
    }
    child.on("error", (error) => finish(`could not start: ${error.message}`))
    child.on("close", (code, signal) => {
      if (timedOut) return finish(`timed out after ${options.timeoutMs} ms`)
      if (code !== 0) {
        const tail = stderr.trim().split("\n").slice(0, 3).join(" | ")
        return finish(`exit ${code ?? signal}: ${tail.slice(0, 400)}`)
      }
      finish(undefined)
    })
  })
