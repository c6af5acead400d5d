import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Usage from "@parley/core/Usage"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Cli from "../src/Cli.js"
import { defaultModel } from "../src/Model.js"
import * as Settings from "../src/Settings.js"
import { root, withEnv } from "./helpers.js"

const cli = (args: ReadonlyArray<string>) => Either.getOrThrow(Cli.parse(args))

const resolve = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Settings.resolve(cli(args)).pipe(withEnv(env), Effect.either)

/** The official SDK's `Model` type (the version in the lockfile), as its list of model ids. */
const sdkModels = (): ReadonlyArray<string> => {
  const types = fs.readFileSync(
    path.join(root, "node_modules/@anthropic-ai/sdk/resources/messages/messages.d.ts"),
    "utf8"
  )
  const union = /export type Model = ([^;]+);/.exec(types)?.[1] ?? ""
  return [...union.matchAll(/'([^']+)'/g)].map((match) => match[1]!)
}

/** The SDK's deprecated models (it warns when one is used). */
const sdkDeprecated = (): string =>
  fs.readFileSync(path.join(root, "node_modules/@anthropic-ai/sdk/internal/data/deprecated-models.js"), "utf8")

describe("Settings", () => {
  it("the default model is in the official SDK's model list, not deprecated, and priced by core", () => {
    const models = sdkModels()
    assert.isAbove(models.length, 5)
    assert.include(models, defaultModel)
    assert.notInclude(models, "claude-sonnet-4-5")
    assert.notInclude(sdkDeprecated(), `'${defaultModel}'`)
    assert.isTrue(Usage.costOf(defaultModel, Usage.empty).priced)
  })

  it.effect(
    "a key selects the API, with --base-url over ANTHROPIC_BASE_URL; the model from --model, the env, the default",
    () =>
      Effect.gen(function* () {
        const api = yield* resolve(["--base-url", "https://a.example.com"], {
          ANTHROPIC_API_KEY: "sk-1",
          ANTHROPIC_BASE_URL: "https://b.example.com",
          ANTHROPIC_MODEL: "claude-haiku-4-5"
        })
        assert.isTrue(Either.isRight(api))
        const settings = Either.getOrThrow(api)
        assert.strictEqual(settings.model, "claude-haiku-4-5")
        assert.strictEqual(settings.endpoint._tag, "Api")
        if (settings.endpoint._tag === "Api") {
          assert.strictEqual(Redacted.value(settings.endpoint.apiKey), "sk-1")
          assert.strictEqual(settings.endpoint.baseUrl, "https://a.example.com")
          assert.notInclude(String(settings.endpoint.apiKey), "sk-1")
        }
        const model = Either.getOrThrow(yield* resolve(["--model", "claude-opus-4-7"], { ANTHROPIC_MODEL: "x" }))
        assert.strictEqual(model.model, "claude-opus-4-7")
        const fallback = Either.getOrThrow(yield* resolve([], { ANTHROPIC_MODEL: " " }))
        assert.deepStrictEqual(fallback, {
          endpoint: { _tag: "Standin", ignoredBaseUrl: undefined },
          model: defaultModel
        })
      })
  )

  it.effect("an empty or blank key is unset; --base-url then is an error, ANTHROPIC_BASE_URL is only named", () =>
    Effect.gen(function* () {
      for (const key of ["", "   "]) {
        const offline = Either.getOrThrow(
          yield* resolve([], { ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: "http://gw" })
        )
        assert.deepStrictEqual(offline.endpoint, { _tag: "Standin", ignoredBaseUrl: "http://gw" })
        const refused = yield* resolve(["--base-url", "http://gw"], { ANTHROPIC_API_KEY: key })
        assert.isTrue(Either.isLeft(refused) && refused.left instanceof Cli.CliError)
      }
    })
  )

  it("--version's version is the package's", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "apps/demo/package.json"), "utf8")) as {
      version: string
    }
    assert.strictEqual(Settings.version(), manifest.version)
  })
})
