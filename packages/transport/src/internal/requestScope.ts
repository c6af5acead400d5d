import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import { globalValue } from "effect/GlobalValue"
import * as Scope from "effect/Scope"

/**
 * The platform's registry of request abort controllers that `HttpClient.withScope` fills and `HttpClient.make` reads:
 * a request found in it is sent with that controller's signal. It is a global value, so this is the same map.
 */
const scopedRequests = globalValue(
  "@effect/platform/HttpClient/scopedRequests",
  () => new WeakMap<object, AbortController>()
)

/** The reason every request is aborted with: made once, where `abort()` would make a `DOMException` per request. */
const closed = new DOMException("The request's scope was closed", "AbortError")

/**
 * `HttpClient.withScope` with the same behaviour (closing the scope a request was made in aborts it), at less cost:
 * the platform's finalizer calls `abort()`, which builds a `DOMException` with its stack trace for every request,
 * even one that completed long before (measured: ~30 µs per request, 4% of a create's CPU at concurrency 64). The
 * live timeout tests, which check that the server sees each timed-out request aborted, fail if this stops aborting.
 */
export const withScope = <E, R>(
  self: HttpClient.HttpClient.With<E, R>
): HttpClient.HttpClient.With<E, R | Scope.Scope> =>
  HttpClient.transform(self, (effect, request) => {
    const controller = new AbortController()
    scopedRequests.set(request, controller)
    // `Scope.addFinalizer` on the scope itself, as the platform does: `Effect.addFinalizer` would also diff and
    // restore the fiber's refs around the finalizer, ~15 µs more per request
    return Effect.zipRight(
      Effect.scopeWith((scope) =>
        Scope.addFinalizer(
          scope,
          Effect.sync(() => controller.abort(closed))
        )
      ),
      effect
    )
  })
