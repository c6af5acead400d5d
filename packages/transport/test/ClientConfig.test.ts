import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as ClientConfig from "../src/ClientConfig.js"
import * as MessagesClient from "../src/MessagesClient.js"
import * as Retry from "../src/Retry.js"
import * as L from "./utils/Loopback.js"

const env = (entries: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(entries)))

describe("ClientConfig", () => {
  it.effect("reads every option from the environment", () =>
    Effect.gen(function* () {
      const options = yield* Effect.withConfigProvider(
        ClientConfig.config,
        env({
          ANTHROPIC_API_KEY: L.SENTINEL_KEY,
          ANTHROPIC_BASE_URL: "https://ai.megallm.io",
          ANTHROPIC_API_VERSION: "2026-10-21",
          ANTHROPIC_BETAS: "beta-a, beta-b",
          ANTHROPIC_CUSTOM_HEADERS: "X-One: 1\nX-Two: two",
          ANTHROPIC_MODEL: "claude-sonnet-4",
          ANTHROPIC_TIMEOUT_IDLE: "20 seconds"
        })
      )
      assert.strictEqual(Redacted.value(options.apiKey), L.SENTINEL_KEY)
      assert.notInclude(String(options.apiKey), L.SENTINEL_KEY)
      assert.strictEqual(options.baseUrl, "https://ai.megallm.io")
      assert.strictEqual(options.apiVersion, "2026-10-21")
      assert.strictEqual(options.authMode, "x-api-key")
      assert.deepStrictEqual(options.betas, ["beta-a", "beta-b"])
      assert.deepStrictEqual(options.headers, { "x-one": "1", "x-two": "two" })
      assert.strictEqual(options.defaultModel, "claude-sonnet-4")
      assert.deepStrictEqual(options.timeouts, { idle: Duration.seconds(20) })
    })
  )

  it.effect("defaults the base URL; ANTHROPIC_AUTH_TOKEN means bearer auth; no key is a ConfigError", () =>
    Effect.gen(function* () {
      const bearer = yield* Effect.withConfigProvider(ClientConfig.config, env({ ANTHROPIC_AUTH_TOKEN: "token" }))
      assert.strictEqual(bearer.authMode, "bearer")
      assert.strictEqual(bearer.baseUrl, "https://api.anthropic.com")
      const missing = yield* Effect.flip(Effect.withConfigProvider(ClientConfig.config, env({})))
      assert.include(String(missing), "ANTHROPIC_API_KEY")
    })
  )

  it.scoped("layerConfig builds a working client from the environment", () =>
    Effect.gen(function* () {
      const server = yield* L.start((_, res) => L.json(res, 200, L.message("from env")))
      const context = yield* Layer.build(
        MessagesClient.layerConfig().pipe(
          Layer.provide(Layer.merge(L.HttpLive, Retry.disabled)),
          Layer.provide(
            Layer.setConfigProvider(env({ ANTHROPIC_API_KEY: L.SENTINEL_KEY, ANTHROPIC_BASE_URL: server.url }))
          )
        )
      )
      const client = yield* Effect.provide(MessagesClient.MessagesClient, context)
      L.same(yield* client.create(L.request), L.message("from env"))
      assert.strictEqual(server.received[0]?.headers["x-api-key"], L.SENTINEL_KEY)
    })
  )
})
