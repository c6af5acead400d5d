/**
 * The demo's command line: `demo [options] [prompt...]`. Parsed with `node:util` `parseArgs`; a bad flag or value
 * becomes a {@link CliError} with a one-line message.
 */
import { parseArgs } from "node:util"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/** The usage text printed by `--help`. */
export const usage = `Usage: npm run demo -- [options] [prompt...]

With a prompt, answers it and exits; without one, starts an interactive session (or, if stdin is not a terminal,
reads one prompt per line). Without ANTHROPIC_API_KEY it runs against the built-in stand-in model, offline.

Options:
  --json              print the loop's events as JSON lines instead of text
  --model <id>        model id (default: $ANTHROPIC_MODEL or claude-sonnet-4-5)
  --max-turns <n>     model calls per answer before the loop stops (default 25)
  --base-url <url>    API base URL (default: $ANTHROPIC_BASE_URL or https://api.anthropic.com)
  --no-stream         use non-streaming calls
  --sandbox <dir>     directory the file tools may read (default: a temporary directory with demo files)
  -h, --help          show this help`

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
  readonly help: boolean
}

/** A command line that cannot be run: unknown flag, missing or invalid value. */
export class CliError extends Schema.TaggedError<CliError>()("CliError", { message: Schema.String }) {}

/** Parses the arguments after `node main.ts`. */
export const parse = (args: ReadonlyArray<string>): Either.Either<CliOptions, CliError> => {
  try {
    const { positionals, values } = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: "boolean", default: false },
        model: { type: "string" },
        "max-turns": { type: "string" },
        "base-url": { type: "string" },
        "no-stream": { type: "boolean", default: false },
        sandbox: { type: "string" },
        help: { type: "boolean", short: "h", default: false }
      }
    })
    const rawTurns = values["max-turns"]
    const maxTurns = rawTurns === undefined ? undefined : Number(rawTurns)
    if (maxTurns !== undefined && !(Number.isInteger(maxTurns) && maxTurns > 0)) {
      return Either.left(new CliError({ message: `--max-turns must be a positive integer, got "${rawTurns}"` }))
    }
    const baseUrl = values["base-url"]
    if (baseUrl !== undefined && !URL.canParse(baseUrl)) {
      return Either.left(new CliError({ message: `--base-url must be a URL, got "${baseUrl}"` }))
    }
    const prompt = positionals.join(" ").trim()
    return Either.right({
      prompt: prompt === "" ? undefined : prompt,
      json: values.json,
      model: values.model,
      maxTurns,
      baseUrl,
      stream: !values["no-stream"],
      sandbox: values.sandbox,
      help: values.help
    })
  } catch (error) {
    // parseArgs throws TypeErrors with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION and a one-line message.
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error)
    return Either.left(new CliError({ message }))
  }
}
