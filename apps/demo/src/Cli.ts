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
  version: { type: "boolean", help: "print the version and exit" },
  help: { type: "boolean", short: "h", help: "show this help and exit" }
} as const satisfies Record<string, Flag>

/** The name of an option of {@link flags}. */
export type FlagName = keyof typeof flags

/** The parsed command line. */
export interface CliOptions {
  /** The prompt (positional arguments joined with spaces), or `undefined` for a session. */
  readonly prompt: string | undefined
  readonly json: boolean
  readonly model: string | undefined
  readonly maxTurns: number | undefined
  readonly baseUrl: string | undefined
  readonly stream: boolean
  readonly sandbox: string | undefined
  readonly version: boolean
  readonly help: boolean
}

const optionColumn = 22

/** The usage text printed by `--help`, its option lines made from {@link flags}. */
export const usage = [
  "Usage: parley [options] [prompt...]",
  "       npm run -s demo -- [options] [prompt...]   (from the repository)",
  "",
  "With a prompt, answers it and exits; without one, starts an interactive session (or, if stdin is not a terminal,",
  "reads one prompt per line). Without ANTHROPIC_API_KEY it runs against the built-in stand-in model, offline.",
  "In a session, Ctrl-C cancels the answer being written; Ctrl-C at the prompt, or Ctrl-D, ends the session.",
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

/** Parses the arguments after the command (e.g. `process.argv.slice(2)`). */
export const parse = (args: ReadonlyArray<string>): Either.Either<CliOptions, CliError> => {
  let parsed: { positionals: Array<string>; values: Record<string, string | boolean | undefined> }
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: flags })
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
  const maxTurns = string("max-turns")
  const prompt = positionals.join(" ").trim()
  return Either.right({
    prompt: prompt === "" ? undefined : prompt,
    json: values.json === true,
    model: string("model"),
    maxTurns: maxTurns === undefined ? undefined : Number(maxTurns),
    baseUrl: string("base-url"),
    stream: values["no-stream"] !== true,
    sandbox: string("sandbox"),
    version: values.version === true,
    help: values.help === true
  })
}
