import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Released from "../src/internal/released.js"

/** Runs `effect` under `Released.scoped` with a finalizer that records the exit its scope was closed with. */
const closedWith = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const seen: Array<Exit.Exit<unknown, unknown>> = []
    const result = yield* Effect.exit(
      Released.scoped(
        Effect.flatMap(Effect.scope, (scope) =>
          Effect.zipRight(
            Scope.addFinalizerExit(scope, (exit) => Effect.sync(() => seen.push(exit))),
            effect
          )
        )
      )
    )
    return { result, seen }
  })

describe("Released", () => {
  it.effect("a succeeding call keeps its value, and its scope is closed with Exit.void (not with the value)", () =>
    Effect.gen(function* () {
      const message = { content: "a whole message" }
      const { result, seen } = yield* closedWith(Effect.succeed(message))
      assert.deepStrictEqual(result, Exit.succeed(message))
      assert.deepStrictEqual(seen, [Exit.void])
    })
  )

  it.effect("a failing call's scope is closed with the failure", () =>
    Effect.gen(function* () {
      const { result, seen } = yield* closedWith(Effect.fail("refused"))
      assert.deepStrictEqual(result, Exit.fail("refused"))
      assert.deepStrictEqual(seen, [Exit.fail("refused")])
    })
  )
})
