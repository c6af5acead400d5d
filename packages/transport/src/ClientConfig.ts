/**
 * The options of a `MessagesClient`, from code ({@link ClientOptions}) or from the environment ({@link config}).
 * The same client works against `https://api.anthropic.com` and against compatible gateways (such as the one in
 * the seeds, `https://ai.megallm.io`) by changing only the base URL and the key.
 *
 * @since 0.1.0
 */
import * as ApiVersions from "@parley/core/ApiVersion"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Timeout from "./Timeout.js"

/**
 * The `anthropic-version` values the client speaks: core's `ApiVersion`, whose `rules` table says what each
 * changes (under `2026-10-21` a request is checked before it is sent).
 *
 * @since 0.1.0
 * @category models
 */
export type ApiVersion = ApiVersions.ApiVersion

/**
 * How the key is sent: `x-api-key: <key>` (the API's own scheme, as in the seeds) or `Authorization: Bearer <key>`
 * (OAuth tokens and some gateways).
 *
 * @since 0.1.0
 * @category models
 */
export type AuthMode = "x-api-key" | "bearer"

/**
 * Everything a client needs.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions {
  /** The API key (or bearer token). It is sent only in its header and never appears in errors, logs or spans. */
  readonly apiKey: Redacted.Redacted
  /** Where the API is; `/v1/messages` is appended. Default `https://api.anthropic.com`. */
  readonly baseUrl?: string | undefined
  /** The `anthropic-version` header. Default `2023-06-01`. */
  readonly apiVersion?: ApiVersion | undefined
  /** How the key is sent. Default `x-api-key`. */
  readonly authMode?: AuthMode | undefined
  /** Beta flags, sent comma-separated in `anthropic-beta`. Default none. */
  readonly betas?: ReadonlyArray<string> | undefined
  /** Extra headers sent with every request (they cannot replace auth, version or betas). Default none. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** The model of a request that has none. Default none (such a request fails with `ValidationError`). */
  readonly defaultModel?: string | undefined
  /** Timeouts of this client, over the `Timeout` policy in context (or its defaults). */
  readonly timeouts?: Timeout.Options | undefined
  /** The rate-limit key of this client's calls when neither `RateLimit.withKey` nor the limiter's `key` sets one. Default `"default"`. */
  readonly rateLimitKey?: string | undefined
}

/**
 * The default base URL.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.anthropic.com"

/**
 * The default API version.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultApiVersion: ApiVersion = ApiVersions.defaultVersion

const optional = <A>(config: Config.Config<A>) => Config.map(Config.option(config), Option.getOrUndefined)

const list = (text: string): Array<string> =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")

const headerLines = (text: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":")
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return out
}

const durationOf = (name: string) => optional(Config.duration(name))

/**
 * The options from the environment:
 *
 * - `ANTHROPIC_API_KEY`: the key (`x-api-key`); or `ANTHROPIC_AUTH_TOKEN`: a token sent as `Authorization: Bearer`
 *   (as the SDK reads them). One of the two is required.
 * - `ANTHROPIC_BASE_URL` (default `https://api.anthropic.com`), `ANTHROPIC_API_VERSION` (`2023-06-01` or
 *   `2026-10-21`), `ANTHROPIC_AUTH_MODE` (`x-api-key` or `bearer`, overrides the choice above).
 * - `ANTHROPIC_BETAS`: comma-separated beta flags. `ANTHROPIC_CUSTOM_HEADERS`: `Name: value` lines.
 * - `ANTHROPIC_MODEL`: the default model.
 * - `ANTHROPIC_TIMEOUT_HEADERS`, `ANTHROPIC_TIMEOUT_FIRST_EVENT`, `ANTHROPIC_TIMEOUT_IDLE`,
 *   `ANTHROPIC_TIMEOUT_STREAM_TOTAL`, `ANTHROPIC_TIMEOUT_NON_STREAMING`: durations such as `30 seconds`.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<ClientOptions> = Config.all({
  apiKey: optional(Config.redacted("ANTHROPIC_API_KEY")),
  authToken: optional(Config.redacted("ANTHROPIC_AUTH_TOKEN")),
  baseUrl: Config.withDefault(Config.string("ANTHROPIC_BASE_URL"), defaultBaseUrl),
  apiVersion: optional(Config.literal(...ApiVersions.ApiVersion.literals)("ANTHROPIC_API_VERSION")),
  authMode: optional(Config.literal("x-api-key", "bearer")("ANTHROPIC_AUTH_MODE")),
  betas: optional(Config.map(Config.string("ANTHROPIC_BETAS"), list)),
  headers: optional(Config.map(Config.string("ANTHROPIC_CUSTOM_HEADERS"), headerLines)),
  defaultModel: optional(Config.string("ANTHROPIC_MODEL")),
  headersTimeout: durationOf("ANTHROPIC_TIMEOUT_HEADERS"),
  firstEvent: durationOf("ANTHROPIC_TIMEOUT_FIRST_EVENT"),
  idle: durationOf("ANTHROPIC_TIMEOUT_IDLE"),
  streamTotal: durationOf("ANTHROPIC_TIMEOUT_STREAM_TOTAL"),
  nonStreaming: durationOf("ANTHROPIC_TIMEOUT_NON_STREAMING")
}).pipe(
  Config.mapOrFail((env) => {
    const apiKey = env.apiKey ?? env.authToken
    if (apiKey === undefined) {
      return Either.left(
        ConfigError.MissingData(
          ["ANTHROPIC_API_KEY"],
          "Set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN for bearer auth)"
        )
      )
    }
    const timeouts: { -readonly [K in keyof Timeout.Options]: Timeout.Options[K] } = {}
    if (env.headersTimeout !== undefined) timeouts.headers = env.headersTimeout
    if (env.firstEvent !== undefined) timeouts.firstEvent = env.firstEvent
    if (env.idle !== undefined) timeouts.idle = env.idle
    if (env.streamTotal !== undefined) timeouts.streamTotal = env.streamTotal
    if (env.nonStreaming !== undefined) timeouts.nonStreaming = env.nonStreaming
    const options: ClientOptions = {
      apiKey,
      baseUrl: env.baseUrl,
      apiVersion: env.apiVersion,
      authMode: env.authMode ?? (env.apiKey === undefined ? "bearer" : "x-api-key"),
      betas: env.betas,
      headers: env.headers,
      defaultModel: env.defaultModel,
      timeouts
    }
    return Either.right(options)
  })
)
