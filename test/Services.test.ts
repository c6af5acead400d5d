import * as Net from "node:net"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Services from "./utils/services.js"

describe("service fixture (test/utils/services.ts)", () => {
  it.live("a port nobody listens on is unavailable, with the reason", () =>
    Effect.gen(function* () {
      const service = yield* Effect.promise(() =>
        Services.probe({ name: "nothing", host: "127.0.0.1", port: 1, hello: "PING\r\n", expect: () => true })
      )
      assert.isFalse(service.available)
      assert.match(service.reason ?? "", /ECONNREFUSED/)
    })
  )

  it.live("a server that accepts but never answers is unavailable after the timeout, not a hang", () =>
    Effect.gen(function* () {
      const server = Net.createServer(() => {})
      const port = yield* Effect.async<number>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as Net.AddressInfo).port)))
      })
      const started = Date.now()
      const service = yield* Effect.promise(() =>
        Services.probe({
          name: "silent",
          host: "127.0.0.1",
          port,
          hello: "PING\r\n",
          expect: () => true,
          timeoutMs: 200
        })
      )
      server.close()
      assert.isFalse(service.available)
      assert.match(service.reason ?? "", /no answer .* within 200 ms/)
      assert.isBelow(Date.now() - started, 1000)
    })
  )
})

const postgres = await Services.postgres()
const redis = await Services.redis()

describe("the project's services", () => {
  Services.live(postgres, "PostgreSQL answers the probe (an SSLRequest) on its port", () =>
    Effect.sync(() => assert.isTrue(postgres.available))
  )
  Services.live(redis, "Redis answers the probe (PING) on its port", () =>
    Effect.sync(() => assert.isTrue(redis.available))
  )
})
