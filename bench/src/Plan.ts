/**
 * What `npm run bench` runs: the drivers, the measured cases with their sizes (full and `--quick`), and the
 * targets the results are checked against.
 */
import type { Entry } from "./Build.js"
import type { Scenario } from "./Scenario.js"

/** A driver as the runner starts it: a compiled entry point and extra arguments. */
export interface Driver {
  /** Name in tables and in `--drivers`. */
  readonly name: string
  /** What it is, for the table legend. */
  readonly description: string
  readonly entry: Entry
  /** The compiled file to run instead of `entry`'s output (another revision's driver: `--before <rev>`). */
  readonly file?: string | undefined
  readonly args: ReadonlyArray<string>
  /** Run only when named in `--drivers` (keeps the default run under 10 minutes on 2 cores). */
  readonly optional?: boolean | undefined
}

/** The driver every ratio is computed against. */
export const baseline = "fetch"

/** The Parley driver the targets are checked on. */
export const parley = "parley"

/**
 * The drivers of the transport comparisons (a)–(d) and of the cold start (g), in the order they are interleaved.
 * Parley runs on both of its HttpClients (`parley`: `NodeHttpClient`, `parley-undici`: `UndiciHttpClient`); on the
 * platform's HttpClients it is optional: `--drivers fetch,sdk,parley,parley-platform-undici,parley-platform-node,parley-platform-fetch`.
 */
export const drivers: ReadonlyArray<Driver> = [
  { name: "fetch", description: "raw `fetch` (undici), minimal SSE loop: the baseline", entry: "fetch", args: [] },
  { name: "node-http", description: "raw `node:http`, minimal SSE loop: the floor", entry: "node-http", args: [] },
  {
    name: "sdk",
    description: "`@anthropic-ai/sdk` (`maxRetries: 0`, `messages.stream().finalMessage()`)",
    entry: "sdk",
    args: []
  },
  {
    name: "parley",
    description: "Parley `MessagesClient` on its `NodeHttpClient` (node:http, keep-alive)",
    entry: "parley",
    args: ["--variant", "parley"]
  },
  {
    name: "parley-undici",
    description: "Parley `MessagesClient` on its `UndiciHttpClient` (undici's `Dispatcher.request`)",
    entry: "parley",
    args: ["--variant", "parley-undici"]
  },
  {
    name: "parley-platform-undici",
    description: "Parley `MessagesClient` on the platform's `NodeHttpClient.layerUndici`",
    entry: "parley",
    args: ["--variant", "undici"],
    optional: true
  },
  {
    name: "parley-platform-node",
    description: "Parley `MessagesClient` on `NodeHttpClient.layer` (node:http)",
    entry: "parley",
    args: ["--variant", "node"],
    optional: true
  },
  {
    name: "parley-platform-fetch",
    description: "Parley `MessagesClient` on `FetchHttpClient.layer` (global fetch)",
    entry: "parley",
    args: ["--variant", "fetch"],
    optional: true
  }
]

/** The cold-start row of a process that only imports what every client built on Effect loads. */
export const importFloor = "import effect/Schema + @effect/platform HttpClient"

/** One measured case of the transport comparison. */
export interface Case {
  /** Key in `--only` and in results. */
  readonly key: string
  /** The row title in RESULTS.md. */
  readonly title: string
  readonly scenario: Scenario
  readonly args: ReadonlyArray<string>
  /** What the primary time is, for the table header. */
  readonly measures: string
}

/** Sizes of one run of the whole plan. */
export interface Plan {
  readonly reps: number
  readonly cases: ReadonlyArray<Case>
  readonly loopTurns: number
  readonly conversationTurns: number
  readonly rateLimitCalls: number
  readonly rateLimitReps: number
  /** Repetitions of the plain-JS consumer's cold start (`cold-consumer`): many, as one run takes under a second. */
  readonly consumerReps: number
}

/** The plan: full by default, smaller with `quick`. */
export const make = (options: { readonly quick: boolean; readonly reps?: number | undefined }): Plan => {
  const q = options.quick
  return {
    reps: options.reps ?? (q ? 2 : 5),
    cases: [
      {
        key: "create-c1",
        title: "(a) non-streaming create, concurrency 1",
        scenario: "create",
        args: ["--concurrency", "1", "--requests", q ? "200" : "500"],
        measures: `wall time of ${q ? 200 : 500} requests`
      },
      {
        key: "create-c64",
        title: "(a) non-streaming create, concurrency 64",
        scenario: "create",
        args: ["--concurrency", "64", "--requests", q ? "1000" : "3000"],
        measures: `wall time of ${q ? 1000 : 3000} requests`
      },
      {
        key: "history-2000",
        title: "(a′) one turn of a 2,000-message conversation: create, concurrency 1",
        scenario: "history",
        args: ["--history", "2000", "--requests", q ? "100" : "300"],
        measures: `client CPU time per call (user + system, ${q ? 100 : 300} sequential calls; the request holds 2,000 history messages, 780 KB of JSON)`
      },
      {
        key: "stream-50k",
        title: "(b) one stream of 50,000 text deltas",
        scenario: "stream",
        args: ["--deltas", "50000", "--times", q ? "1" : "3"],
        measures: "time to the accumulated, verified message (median of the process's streams)"
      },
      {
        key: "streams-256",
        title: "(c) 256 concurrent streams of 500 deltas",
        scenario: "streams",
        args: ["--streams", "256", "--deltas", "500"],
        measures: "wall time until all 256 messages are accumulated and verified"
      },
      {
        key: "tool-2000",
        title: "(d) tool_use input in 2,000 input_json_delta pieces",
        scenario: "tool",
        args: ["--pieces", "2000", "--times", q ? "5" : "20"],
        measures: `time to the parsed input (median of ${q ? 5 : 20} sequential streams)`
      }
    ],
    loopTurns: q ? 200 : 1000,
    conversationTurns: 10_000,
    rateLimitCalls: q ? 20 : 100,
    rateLimitReps: 1,
    consumerReps: options.reps ?? (q ? 3 : 15)
  }
}

/** The payload ids the server precomputes for a plan. */
export const payloads = ["json-1000", "limited-1000", "text-50000", "text-500", "tool-2000"] as const

/** The targets of the issue, checked in RESULTS.md. */
export const targets = {
  ratioCreateC64: 1.0,
  ratioStream: 1.0,
  ratioTool: 1.0,
  /** Client CPU per call at 2,000 history messages, as a multiple of the raw `node:http` loop's (issue 13, item 8). */
  historyCpuToNodeHttp: 1.5,
  loopOverheadMs: 0.2,
  conversationEncodeMs: 50,
  coldStartMs: 500,
  /** The plain-JS consumer's process start to first answer, as a multiple of the SDK consumer's (median). */
  consumerToSdk: 1.0,
  rateLimitShare: 0.95
} as const
