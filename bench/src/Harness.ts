/**
 * The driver side of the benchmark: the command line every driver accepts, the scenarios a plain `Client` is put
 * through, verification of what it received, and the JSON line a driver prints for the runner. Every driver is its
 * own process (`node .out/dist/<driver>.mjs <scenario> --url <base> [options]`) so that CPU time and peak RSS
 * belong to one client.
 *
 * This module must not import `effect`: the raw drivers use it, and their cold start and memory are measured.
 */
import { parseArgs } from "node:util"
import type * as Message from "@parley/core/Message"
import * as Payloads from "./Payloads.js"
import type { Metrics, Scenario } from "./Scenario.js"
import { scenarios } from "./Scenario.js"
import * as Stats from "./Stats.js"

/** What every driver is told on its command line. */
export interface DriverOptions {
  readonly scenario: Scenario
  /** Base URL of the server, without the payload id. */
  readonly url: string
  readonly requests: number
  readonly concurrency: number
  readonly deltas: number
  readonly streams: number
  readonly pieces: number
  readonly times: number
  readonly chars: number
  readonly turns: number
  /** The messages before the question in the `history` scenario's request. */
  readonly history: number
  /** A driver-specific variant, e.g. the HttpClient Parley runs on (`undici` | `node`). */
  readonly variant: string
}

/** Parses a driver's command line: `<scenario> --url <base> [--requests n] [--concurrency n] ...`. */
export const parseOptions = (argv: ReadonlyArray<string> = process.argv.slice(2)): DriverOptions => {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      url: { type: "string", default: "" },
      requests: { type: "string", default: "2000" },
      concurrency: { type: "string", default: "1" },
      deltas: { type: "string", default: "50000" },
      streams: { type: "string", default: "256" },
      pieces: { type: "string", default: "2000" },
      times: { type: "string", default: "3" },
      chars: { type: "string", default: "1000" },
      turns: { type: "string", default: "1000" },
      history: { type: "string", default: "2000" },
      variant: { type: "string", default: "" }
    }
  })
  const scenario = positionals[0]
  if (scenario === undefined || !(scenarios as ReadonlyArray<string>).includes(scenario)) {
    throw new Error(`usage: <driver> <${scenarios.join("|")}> --url <base> [options]; got ${String(scenario)}`)
  }
  const int = (name: string, raw: string) => {
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`)
    return n
  }
  return {
    scenario: scenario as Scenario,
    url: values.url.replace(/\/$/, ""),
    requests: int("requests", values.requests),
    concurrency: int("concurrency", values.concurrency),
    deltas: int("deltas", values.deltas),
    streams: int("streams", values.streams),
    pieces: int("pieces", values.pieces),
    times: int("times", values.times),
    chars: int("chars", values.chars),
    turns: int("turns", values.turns),
    history: int("history", values.history),
    variant: values.variant
  }
}

/**
 * A client reduced to the two calls the transport scenarios make; `url` is the base URL including the payload id,
 * `request` the request to create (default `Payloads.requestBody(false)`).
 */
export interface Client {
  readonly create: (url: string, request?: object) => Promise<unknown>
  readonly stream: (url: string) => Promise<unknown>
}

/** The base URL of a payload on the server. */
export const payloadUrl = (options: DriverOptions, id: string): string => `${options.url}/${id}`

/** Runs `count` calls of `call` with at most `concurrency` in flight; resolves with each call's latency in ms. */
export const pool = async (count: number, concurrency: number, call: () => Promise<void>): Promise<Array<number>> => {
  const latencies = new Array<number>(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      const start = performance.now()
      await call()
      latencies[i] = performance.now() - start
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return latencies
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** Structural equality of JSON values. */
export const jsonEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
  if (!isRecord(a) || !isRecord(b) || Array.isArray(b)) return false
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => jsonEqual(a[k], b[k]))
}

/**
 * Checks a received message against the payload's: same stop reason, same blocks in order, exact text, exact tool
 * id, name and input. Extra fields a client adds (e.g. `citations: null`) are ignored. Throws on a mismatch.
 */
export const verify = (received: unknown, expected: Message.Message): void => {
  const fail = (what: string) => new Error(`verification failed: ${what}`)
  const content = isRecord(received) ? received.content : undefined
  if (!isRecord(received) || !Array.isArray(content)) throw fail("not a message")
  if (received.stop_reason !== expected.stop_reason) throw fail(`stop_reason ${String(received.stop_reason)}`)
  if (content.length !== expected.content.length) throw fail(`${content.length} blocks`)
  for (const [i, block] of expected.content.entries()) {
    const got: unknown = content[i]
    if (!isRecord(got) || got.type !== block.type) throw fail(`block ${i} type`)
    for (const key of ["text", "id", "name", "input"] as const) {
      if (key in block && !jsonEqual((got as Record<string, unknown>)[key], (block as Record<string, unknown>)[key])) {
        throw fail(`block ${i} ${key}`)
      }
    }
  }
}

/** The expected final message of a payload, with its id as served. */
export const expected = (id: string): Message.Message => {
  const parsed = Payloads.parseId(id)
  if (parsed === undefined) throw new Error(`unknown payload ${id}`)
  return Payloads.message(parsed)
}

/** Payload ids used by each transport scenario. */
export const payloadIds = (options: DriverOptions) => ({
  create: `json-${options.chars}`,
  history: `json-${options.chars}`,
  cold: `json-${options.chars}`,
  stream: `text-${options.deltas}`,
  streams: `text-${options.deltas}`,
  tool: `tool-${options.pieces}`,
  ratelimit: `limited-${options.chars}`
})

/** The metrics of `create`: `requests` calls in `wallMs`. */
export const createMetrics = (options: DriverOptions, latencies: ReadonlyArray<number>, wallMs: number): Metrics => ({
  primaryMs: wallMs,
  reqPerSec: (options.requests * 1000) / wallMs,
  ...Stats.latencies(latencies)
})

/**
 * The metrics of `history`: CPU time per call (the client's work for one turn of a long conversation: encoding the
 * request, sending it, reading the reply), and the wall time per call.
 */
export const historyMetrics = (options: DriverOptions, measured: Metrics, wallMs: number): Metrics => ({
  ...measured,
  primaryMs: (measured.cpuMs ?? Number.NaN) / options.requests,
  wallPerCallMs: wallMs / options.requests,
  bodyKb: Buffer.byteLength(JSON.stringify(Payloads.historyRequest(options.history))) / 1024
})

/** The metrics of `stream` and `tool`: the median time of one stream, and its events per second. */
export const streamMetrics = (options: DriverOptions, latencies: ReadonlyArray<number>): Metrics => {
  const ms = Stats.median(latencies)
  const events = options.scenario === "stream" ? options.deltas : options.pieces
  return { primaryMs: ms, eventsPerSec: (events * 1000) / ms, ...Stats.latencies(latencies) }
}

/** The metrics of `streams`: `streams` concurrent streams of `deltas` events in `wallMs`. */
export const streamsMetrics = (options: DriverOptions, latencies: ReadonlyArray<number>, wallMs: number): Metrics => ({
  primaryMs: wallMs,
  eventsPerSec: (options.streams * options.deltas * 1000) / wallMs,
  ...Stats.latencies(latencies)
})

/**
 * Runs one transport scenario (`create`, `history`, `stream`, `streams`, `tool`, `cold`) through a promise-based client:
 * warm-up first (except `cold`), then the measured part, verifying every response.
 */
export const runTransport = async (client: Client, options: DriverOptions): Promise<Metrics> => {
  switch (options.scenario) {
    case "create": {
      const id = payloadIds(options).create
      const url = payloadUrl(options, id)
      const want = expected(id)
      const once = async () => verify(await client.create(url), want)
      await pool(Math.min(300, options.requests), options.concurrency, once)
      return measure(async () => {
        const start = performance.now()
        const latencies = await pool(options.requests, options.concurrency, once)
        return createMetrics(options, latencies, performance.now() - start)
      })
    }
    case "history": {
      const id = payloadIds(options).history
      const url = payloadUrl(options, id)
      const want = expected(id)
      const request = Payloads.historyRequest(options.history)
      const once = async () => verify(await client.create(url, request), want)
      await pool(Math.min(100, options.requests), 1, once)
      let wallMs = 0
      const metrics = await measure(async () => {
        const start = performance.now()
        const latencies = await pool(options.requests, 1, once)
        wallMs = performance.now() - start
        return Stats.latencies(latencies)
      })
      return historyMetrics(options, metrics, wallMs)
    }
    case "stream":
    case "tool": {
      const id = options.scenario === "stream" ? payloadIds(options).stream : payloadIds(options).tool
      const url = payloadUrl(options, id)
      const want = expected(id)
      const once = async () => verify(await client.stream(url), want)
      await pool(options.scenario === "stream" ? 1 : 3, 1, once)
      return measure(async () => {
        return streamMetrics(options, await pool(options.times, 1, once))
      })
    }
    case "streams": {
      const id = payloadIds(options).streams
      const url = payloadUrl(options, id)
      const want = expected(id)
      const once = async () => verify(await client.stream(url), want)
      await pool(options.streams, options.streams, once)
      return measure(async () => {
        const start = performance.now()
        const latencies = await pool(options.streams, options.streams, once)
        return streamsMetrics(options, latencies, performance.now() - start)
      })
    }
    case "cold": {
      const id = payloadIds(options).cold
      const importedMs = performance.now()
      verify(await client.create(payloadUrl(options, id)), expected(id))
      return { importedMs, responseMs: performance.now() }
    }
    default:
      throw new Error(`scenario ${options.scenario} is not a transport scenario`)
  }
}

/**
 * The metrics of the rate-limiter scenario, from the calls' outcomes and the fan-out's wall time. `achievedShare` is
 * the time a perfect client needs for the successful calls (`Payloads.idealLimitedMs`) over the time taken: 1 means
 * the whole allowed rate was used.
 */
export const rateMetrics = (succeeded: number, failed: number, wallMs: number): Metrics => ({
  primaryMs: wallMs,
  succeeded,
  failed,
  achievedRate: (succeeded * 1000) / wallMs,
  idealMs: Payloads.idealLimitedMs(succeeded),
  achievedShare: Payloads.idealLimitedMs(succeeded) / wallMs
})

/**
 * The rate-limiter scenario for a promise-based client: `requests` calls, `concurrency` at a time, against the
 * limited payload; a call that still fails after the client's own retries counts as failed.
 */
export const runRateLimit = async (create: (url: string) => Promise<unknown>, options: DriverOptions) => {
  const id = payloadIds(options).ratelimit
  const url = payloadUrl(options, id)
  const want = expected(id)
  let failed = 0
  const start = performance.now()
  await pool(options.requests, options.concurrency, async () => {
    try {
      verify(await create(url), want)
    } catch {
      failed++
    }
  })
  return rateMetrics(options.requests - failed, failed, performance.now() - start)
}

/** Runs `body` and adds the CPU time it used (`cpuMs`, user + system). */
export const measure = async (body: () => Promise<Metrics>): Promise<Metrics> => {
  const before = process.cpuUsage()
  const metrics = await body()
  const cpu = process.cpuUsage(before)
  return { ...metrics, cpuMs: (cpu.user + cpu.system) / 1000 }
}

/**
 * A driver's `main`: parses the command line, runs `run`, prints one JSON line (`{ driver, scenario, metrics }`
 * plus the process's total CPU and peak RSS) and exits; on failure prints the error on stderr and exits 1.
 */
export const main = (driver: string, run: (options: DriverOptions) => Promise<Metrics>): void => {
  const go = async () => {
    const options = parseOptions()
    const metrics = await run(options)
    const cpu = process.cpuUsage()
    const result = {
      driver,
      scenario: options.scenario,
      metrics: {
        ...metrics,
        processCpuMs: (cpu.user + cpu.system) / 1000,
        maxRssMb: process.resourceUsage().maxRSS / 1024
      }
    }
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))
  }
  go().catch((error: unknown) => {
    process.stderr.write(`${driver}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  })
}
