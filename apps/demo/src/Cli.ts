/**
 * The demo's command line: `parley [options] [prompt...]`. The options are one table, {@link flags}: each row is a
 * flag's parsing (`node:util` `parseArgs`), its check and its line of `--help`, so a new flag is a new row (and a
 * field of {@link CliOptions}). A bad flag or value becomes a {@link CliError} whose message is whole sentences.
 */
import { parseArgs } from "node:util"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { defaultModel } from "./Model.js"

/** A command line or setting the demo cannot run with (a usage error: exit code 2). */
export class CliError extends Schema.TaggedError<CliError>()("CliError", { message: Schema.String }) {}

/** One option of the command line. */
export interface Flag {
  /** `boolean` for a switch, `string` for an option with a value. */
  readonly type: "boolean" | "string"
  /** A one-letter alias, e.g. `h` for `-h`. */
  readonly short?: string | undefined
  /** How `--help` names the value, e.g. `<id>`. */
  readonly value?: string | undefined
  /** The option's line in `--help`. */
  readonly help: string
  /** Checks a value: the message of the error for a bad one (whole sentences), else `undefined`. */
  readonly check?: ((value: string) => string | undefined) | undefined
}

const positiveInteger = (flag: string) => (value: string) =>
  /^\d+$/.test(value) && Number(value) > 0
    ? undefined
    : `The ${flag} value must be a positive whole number, not "${value}".`

const nonEmpty = (flag: string) => (value: string) =>
  value.trim() === "" ? `The ${flag} value must not be empty.` : undefined

/** The options, in the order `--help` lists them. */
export const flags = {
  json: { type: "boolean", help: "print the loop's events as JSON lines instead of text" },
  model: {
    type: "string",
    value: "<id>",
    help: `model id (default: $ANTHROPIC_MODEL or ${defaultModel})`,
    check: nonEmpty("--model")
  },
  "max-turns": {
    type: "string",
    value: "<n>",
    help: "model calls per answer before the loop stops (default 25)",
    check: positiveInteger("--max-turns")
  },
  "base-url": {
    type: "string",
    value: "<url>",
    help: "API base URL, with ANTHROPIC_API_KEY (default: $ANTHROPIC_BASE_URL or https://api.anthropic.com)",
    check: (value) =>
      URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
        ? undefined
        : `The --base-url value must be an http or https URL such as https://api.anthropic.com, not "${value}".`
  },
  "no-stream": { type: "boolean", help: "use non-streaming calls" },
  sandbox: {
    type: "string",
    value: "<dir>",
    help: "directory the file tools may read (default: a temporary directory with demo files)",
    check: nonEmpty("--sandbox")
  },
  journal: {
    type: "string",
    value: "<file>",
    help: "run durably, journaled in this SQLite file (prints `run: <id>` on stderr)",
    check: nonEmpty("--journal")
  },
  resume: {
    type: "string",
    value: "<id>",
    help: "continue the journaled run <id> (with --journal), e.g. after its process was killed",
    check: nonEmpty("--resume")
  },
  confirm: {
    type: "boolean",
    help: "with --journal: every tool call waits for `parley approve` or `parley deny` from any process"
  },
  version: { type: "boolean", help: "print the version and exit" },
  help: { type: "boolean", short: "h", help: "show this help and exit" }
} as const satisfies Record<string, Flag>

/** The name of an option of {@link flags}. */
export type FlagName = keyof typeof flags

/**
 * What the command line asks for: a conversation (the default: a prompt, a session, or a durable run), or one of the
 * journal's commands, named by the first argument: `runs` lists the journal's runs; `approve` and `deny` decide a
 * tool call a run waits on.
 */
export type Command =
  | { readonly _tag: "Converse" }
  | { readonly _tag: "Runs" }
  | {
      readonly _tag: "Decide"
      readonly allow: boolean
      readonly runId: string
      readonly callId: string
      readonly reason: string | undefined
    }

/** The parsed command line. */
export interface CliOptions {
  readonly command: Command
  /** The prompt (positional arguments joined with spaces), or `undefined` for a session. */
  readonly prompt: string | undefined
  readonly json: boolean
  readonly model: string | undefined
  readonly maxTurns: number | undefined
  readonly baseUrl: string | undefined
  readonly stream: boolean
  readonly sandbox: string | undefined
  /** The SQLite file of durable runs (`--journal`). */
  readonly journal: string | undefined
  /** The journaled run to continue (`--resume`). */
  readonly resume: string | undefined
  /** Whether tool calls wait for a decision (`--confirm`). */
  readonly confirm: boolean
  readonly version: boolean
  readonly help: boolean
}

const optionColumn = 22

/** The usage text printed by `--help`, its option lines made from {@link flags}. */
export const usage = [
  "Usage: parley [options] [prompt...]",
  "       parley runs --journal <file>                       list the journal's runs",
  "       parley approve --journal <file> <run> <call>       let a waiting tool call run",
  "       parley deny --journal <file> <run> <call> [reason] refuse it",
  "       npm run -s demo -- [options] [prompt...]           (from the repository)",
  "",
  "With a prompt, answers it and exits; without one, starts an interactive session (or, if stdin is not a terminal,",
  "reads one prompt per line). Without ANTHROPIC_API_KEY it runs against the built-in stand-in model, offline.",
  "In a session, Ctrl-C cancels the answer being written; Ctrl-C at the prompt, or Ctrl-D, ends the session.",
  "With --journal the prompt runs durably: a run whose process was killed continues with --resume <id>.",
  "A prompt that is one of the words runs, approve or deny goes after --.",
  "",
  "Options:",
  ...Object.entries(flags).map(([name, flag]: [string, Flag]) => {
    const names = `${flag.short !== undefined ? `-${flag.short}, ` : ""}--${name}${flag.value !== undefined ? ` ${flag.value}` : ""}`
    return `  ${names.padEnd(optionColumn - 2)}${flag.help}`
  }),
  "",
  "Exit codes: 0 done (also when the reader of stdout goes away), 1 failed, 2 bad usage, 130 ended by Ctrl-C."
].join("\n")

/** parseArgs' messages name an option as `'--model <value>'` or `'-x'`: the option alone. */
const optionIn = (message: string): string | undefined => /'(-{1,2}[^' ]+)/.exec(message)?.[1]

/** A parseArgs failure as a whole sentence, by its error code. */
const parseFailure = (error: unknown): string => {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined
  const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)
  const option = optionIn(message)
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option !== undefined) {
    return `Unknown option ${option}. Run with --help for the options, or put a prompt that starts with "-" after --.`
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option !== undefined) {
    return message.includes("argument missing")
      ? `The ${option} option needs a value.`
      : `The ${option} option takes no value.`
  }
  return /[.!?]$/.test(message) ? message : `${message}.`
}

/** The journal's commands, by the word that names them. */
const commands = ["runs", "approve", "deny"] as const

/** Parses the arguments after the command (e.g. `process.argv.slice(2)`). */
export const parse = (args: ReadonlyArray<string>): Either.Either<CliOptions, CliError> => {
  const word = commands.find((name) => name === args[0])
  let parsed: { positionals: Array<string>; values: Record<string, string | boolean | undefined> }
  try {
    parsed = parseArgs({
      args: word === undefined ? [...args] : args.slice(1),
      allowPositionals: true,
      strict: true,
      options: flags
    })
  } catch (error) {
    return Either.left(new CliError({ message: parseFailure(error) }))
  }
  const { positionals, values } = parsed
  for (const [name, flag] of Object.entries(flags) as Array<[FlagName, Flag]>) {
    const value = values[name]
    const problem = typeof value === "string" ? flag.check?.(value) : undefined
    if (problem !== undefined) return Either.left(new CliError({ message: problem }))
  }
  const string = (name: FlagName) => {
    const value = values[name]
    return typeof value === "string" ? value : undefined
  }
  const fail = (message: string) => Either.left(new CliError({ message }))
  const journal = string("journal")
  const resume = string("resume")
  const help = values.help === true
  const version = values.version === true
  let command: Command = { _tag: "Converse" }
  let prompt: string | undefined = positionals.join(" ").trim()
  if (prompt === "") prompt = undefined
  if (word !== undefined && !help && !version) {
    if (journal === undefined) return fail(`The ${word} command needs --journal <file>, the journal of the runs.`)
    if (word === "runs") {
      if (positionals.length > 0) return fail(`The runs command takes no arguments, not "${positionals.join(" ")}".`)
      command = { _tag: "Runs" }
    } else {
      const [runId, callId, ...reason] = positionals
      if (runId === undefined || callId === undefined || (word === "approve" && reason.length > 0)) {
        return fail(
          word === "approve"
            ? "The approve command takes a run id and a call id, e.g. parley approve --journal runs.db run_1 toolu_1."
            : "The deny command takes a run id, a call id and optionally a reason, e.g. parley deny --journal runs.db run_1 toolu_1 not now."
        )
      }
      const because = reason.join(" ").trim()
      command = {
        _tag: "Decide",
        allow: word === "approve",
        runId,
        callId,
        reason: because === "" ? undefined : because
      }
    }
    prompt = undefined
  }
  if (command._tag === "Converse" && !help && !version) {
    if (resume !== undefined && journal === undefined)
      return fail("The --resume option needs --journal <file>, the journal the run is in.")
    if (resume !== undefined && prompt !== undefined)
      return fail("The --resume option continues a run: give it no prompt.")
    if (values.confirm === true && journal === undefined)
      return fail("The --confirm option needs --journal <file>: the decisions are kept in the journal.")
    if (journal !== undefined && resume === undefined && prompt === undefined) {
      return fail("The --journal option runs one prompt durably: give a prompt, or --resume <id> to continue a run.")
    }
  }
  const maxTurns = string("max-turns")
  return Either.right({
    command,
    prompt,
    json: values.json === true,
    model: string("model"),
    maxTurns: maxTurns === undefined ? undefined : Number(maxTurns),
    baseUrl: string("base-url"),
    stream: values["no-stream"] !== true,
    sandbox: string("sandbox"),
    journal,
    resume,
    confirm: values.confirm === true,
    version,
    help
  })
}
