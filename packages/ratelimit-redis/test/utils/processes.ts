/**
 * Real processes and servers for the Redis store's tests: a loopback Messages server that enforces limits the way
 * the API does (429 beyond them), worker processes (`worker.ts`), and a redis-server of the test's own on another
 * port, to kill and restart without touching the shared one.
 */
import * as ChildProcess from "node:child_process"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Job } from "./worker.js"

const root = Path.resolve(import.meta.dirname, "../../../..")

/** A loopback server enforcing `limit` requests per `per` ms (sliding, at arrival) and `concurrency` in flight. */
export interface Enforcing {
  readonly url: string
  /** Arrival times (ms, `performance.now()`) of the requests admitted. */
  readonly arrivals: Array<number>
  readonly rateLimited: () => number
  readonly maxInFlight: () => number
}

const message = JSON.stringify({
  id: "msg_01",
  type: "message",
  role: "assistant",
  content: [{ type: "text", text: "ok" }],
  model: "claude-test",
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 1 }
})

export const enforcingServer = (options: {
  readonly limit: number
  readonly per: number
  readonly concurrency: number
  /** How long each answer takes (ms). */
  readonly delay: number
}): Effect.Effect<Enforcing, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: Http.Server; enforcing: Enforcing }>((resume) => {
      const arrivals: Array<number> = []
      let rateLimited = 0
      let inFlight = 0
      let maxInFlight = 0
      const server = Http.createServer((req, res) => {
        const now = performance.now()
        req.resume()
        req.on("end", () => {
          let inWindow = 0
          for (let i = arrivals.length - 1; i >= 0 && arrivals[i]! > now - options.per; i--) inWindow++
          if (inWindow >= options.limit || inFlight >= options.concurrency) {
            rateLimited++
            res.writeHead(429, { "content-type": "application/json", "retry-after": "1" })
            res.end(JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "slow down" } }))
            return
          }
          arrivals.push(now)
          inFlight++
          maxInFlight = Math.max(maxInFlight, inFlight)
          setTimeout(() => {
            inFlight--
            res.writeHead(200, { "content-type": "application/json", "request-id": "req_1" })
            res.end(message)
          }, options.delay)
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as Net.AddressInfo
        resume(
          Effect.succeed({
            server,
            enforcing: {
              url: `http://127.0.0.1:${port}`,
              arrivals,
              rateLimited: () => rateLimited,
              maxInFlight: () => maxInFlight
            }
          })
        )
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ enforcing }) => enforcing))

/** A worker process running `job`; its JSON lines, and the process to kill. */
export interface Worker {
  readonly child: ChildProcess.ChildProcess
  /** Waits for the first line with `field`. */
  readonly await: (field: string) => Effect.Effect<unknown>
}

export const spawnWorker = (job: Job): Effect.Effect<Worker, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = ChildProcess.spawn(
        process.execPath,
        ["--import", "tsx", Path.join(import.meta.dirname, "worker.ts"), JSON.stringify(job)],
        {
          cwd: root,
          env: { ...process.env, TSX_TSCONFIG_PATH: Path.join(root, "tsconfig.dev.json") },
          stdio: ["ignore", "pipe", "pipe"]
        }
      )
      const lines: Array<Record<string, unknown>> = []
      const waiters: Array<() => void> = []
      let buffer = ""
      let stderr = ""
      child.stdout.setEncoding("utf8").on("data", (data: string) => {
        buffer += data
        let newline = buffer.indexOf("\n")
        while (newline >= 0) {
          lines.push(JSON.parse(buffer.slice(0, newline)))
          buffer = buffer.slice(newline + 1)
          newline = buffer.indexOf("\n")
        }
        for (const wake of waiters.splice(0)) wake()
      })
      child.stderr.setEncoding("utf8").on("data", (data: string) => {
        stderr += data
      })
      child.on("exit", () => {
        for (const wake of waiters.splice(0)) wake()
      })
      const find = (field: string) => lines.find((line) => field in line || "error" in line)
      return {
        child,
        await: (field: string) =>
          Effect.async<unknown>((resume) => {
            const check = () => {
              const line = find(field)
              if (line !== undefined) {
                if ("error" in line) resume(Effect.dieMessage(`worker failed: ${String(line.error)}\n${stderr}`))
                else resume(Effect.succeed(line[field]))
              } else if (child.exitCode !== null || child.signalCode !== null) {
                resume(Effect.dieMessage(`worker exited (${child.exitCode ?? child.signalCode}):\n${stderr}`))
              } else waiters.push(check)
            }
            check()
          })
      }
    }),
    ({ child }) =>
      Effect.sync(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      })
  )

/** A redis-server of the test's own on `port`, not persisting anything; `kill` it (SIGKILL) and `start` it again. */
export interface OwnRedis {
  readonly url: string
  readonly kill: Effect.Effect<void>
  readonly start: Effect.Effect<void>
}

const answersPing = (port: number) =>
  Effect.async<boolean>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    const done = (ok: boolean) => {
      socket.destroy()
      resume(Effect.succeed(ok))
    }
    socket.on("connect", () => socket.write("PING\r\n"))
    socket.on("data", (data: Buffer) => done(data.toString().startsWith("+PONG")))
    socket.on("error", () => done(false))
  })

export const ownRedis = (port: number): Effect.Effect<OwnRedis, never, Scope.Scope> =>
  Effect.gen(function* () {
    let child: ChildProcess.ChildProcess | undefined
    const start = Effect.gen(function* () {
      child = ChildProcess.spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
        { stdio: "ignore" }
      )
      for (let i = 0; i < 200; i++) {
        if (yield* answersPing(port)) return
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 25)))
      }
      return yield* Effect.dieMessage(`redis-server on ${port} did not start`)
    })
    const kill = Effect.gen(function* () {
      const running = child
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
      yield* Effect.async<void>((resume) => {
        running.once("exit", () => resume(Effect.void))
        running.kill("SIGKILL")
      })
    })
    yield* Effect.addFinalizer(() => kill)
    yield* start
    return { url: `redis://127.0.0.1:${port}`, kill, start }
  })
