import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"

/**
 * Each request of a call runs in a scope of its own, through the platform's public `HttpClient.withScope`: closing
 * that scope aborts the request, which is how a timeout, an interruption or an abandoned stream ends it.
 *
 * A request whose exchange completed (its whole body read) is not closed but left to the garbage collector with its
 * scope: closing it would only call `abort()` on a finished request, which builds a `DOMException` with a stack
 * trace each time (bench/RESULTS.md has the cost).
 */
export const client = <E, R>(http: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R | Scope.Scope> =>
  HttpClient.withScope(http)

/** A request's scope. */
export const open: Effect.Effect<Scope.CloseableScope> = Scope.make()

/** Aborts the request of `scope` (if it is still in flight) and runs the scope's other finalizers. */
export const abort = (scope: Scope.CloseableScope): Effect.Effect<void> => Scope.close(scope, Exit.void)

/** Ends a request's scope after its exchange: left alone when `completed`, aborted otherwise. */
export const finish = (scope: Scope.CloseableScope, completed: boolean): Effect.Effect<void> =>
  completed ? Effect.void : abort(scope)
