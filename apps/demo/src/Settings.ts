/**
 * What the demo runs against, from its command line and the environment (read through the current
 * `ConfigProvider`): the endpoint (the real API with a key, else the offline stand-in) and the model; and the demo's
 * own version. An empty or blank `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL` or `ANTHROPIC_MODEL` counts as unset, as
 * a shell's `ANTHROPIC_API_KEY=` means.
 */
import * as fs from "node:fs"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { CliError, type CliOptions } from "./Cli.js"
import { defaultModel } from "./Model.js"

/** The demo's version: `version` of its `package.json`, which sits beside `src/` and `dist/` alike. */
export const version = (): string => {
  const manifest: unknown = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  return typeof manifest === "object" && manifest !== null && "version" in manifest
    ? String(manifest.version)
    : "unknown"
}

/** Where the model calls go. */
export type Endpoint =
  /** The Messages API, or a compatible gateway at `baseUrl`, with a key. */
  | { readonly _tag: "Api"; readonly apiKey: Redacted.Redacted; readonly baseUrl: string | undefined }
  /**
   * The stand-in server, started in this process: no key, no network. `ignoredBaseUrl` is an `ANTHROPIC_BASE_URL`
   * found without a key (a gateway configured for other tools, say), which the demo names when it starts offline.
   */
  | { readonly _tag: "Standin"; readonly ignoredBaseUrl: string | undefined }

/** The demo's settings for one run. */
export interface Settings {
  readonly endpoint: Endpoint
  readonly model: string
}

/** A variable of the environment: `None` when unset, empty or blank. */
const variable = (name: string): Effect.Effect<Option.Option<string>> =>
  Config.option(Config.string(name)).pipe(Effect.map(Option.filter((value) => value.trim() !== "")), Effect.orDie)

const isHttpUrl = (value: string) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)

/**
 * The settings for a command line. `--base-url` without a key is a {@link CliError} that says what to do, not a
 * silent fall-back to the stand-in; `ANTHROPIC_BASE_URL` without a key is not an error (other tools may share the
 * environment) but is named in the note that says the run is offline.
 */
export const resolve = (cli: CliOptions): Effect.Effect<Settings, CliError> =>
  Effect.gen(function* () {
    const apiKey = yield* variable("ANTHROPIC_API_KEY")
    const envBaseUrl = yield* variable("ANTHROPIC_BASE_URL")
    const model = cli.model ?? Option.getOrElse(yield* variable("ANTHROPIC_MODEL"), () => defaultModel)
    if (cli.baseUrl === undefined && Option.isSome(envBaseUrl) && !isHttpUrl(envBaseUrl.value)) {
      return yield* new CliError({
        message: `ANTHROPIC_BASE_URL must be an http or https URL such as https://api.anthropic.com, not "${envBaseUrl.value}".`
      })
    }
    const baseUrl = cli.baseUrl ?? Option.getOrUndefined(envBaseUrl)
    if (Option.isSome(apiKey)) {
      return { endpoint: { _tag: "Api", apiKey: Redacted.make(apiKey.value), baseUrl }, model }
    }
    if (cli.baseUrl !== undefined) {
      return yield* new CliError({
        message:
          "The --base-url option needs an API key, and ANTHROPIC_API_KEY is not set. Set ANTHROPIC_API_KEY to the " +
          "key for that endpoint, or leave out --base-url to run offline against the stand-in model."
      })
    }
    return { endpoint: { _tag: "Standin", ignoredBaseUrl: Option.getOrUndefined(envBaseUrl) }, model }
  })
