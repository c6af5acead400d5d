import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Accumulator from "@parley/core/Accumulator"
import type * as Message from "@parley/core/Message"
import type * as StreamEvent from "@parley/core/StreamEvent"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import {
  afterContent,
  type FailureContext,
  fromErrorEvent,
  type MessagesError,
  StreamTruncatedError
} from "../MessagesError.js"
import type * as RateLimit from "../RateLimit.js"
import type * as Timeout from "../Timeout.js"
import * as BodyReader from "./bodyReader.js"
import type * as CallTimer from "./callTimer.js"
import * as Failures from "./failures.js"
import * as RequestScope from "./requestScope.js"
import * as StreamReader from "./streamReader.js"

/** What the call's timer reports when a deadline passes: the phase and its timeout, or the drain grace. */
export type Expiry = readonly [Failures.Phase, Duration.Duration] | "drain"

/**
 * One HTTP exchange of a streaming call after its response headers, as an explicit state: the request's scope and
 * timer, the body's reader, the events read but not yet handed on (the head, held back until it holds content so
 * that a failure before it can be retried), and how many events reached the caller.
 */
export interface StreamCall {
  readonly request: Scope.CloseableScope
  readonly timer: CallTimer.CallTimer<Expiry>
  readonly context: FailureContext
  readonly timeouts: Timeout.Policy
  /** The clock time (ms) after which the stream's total timeout applies. */
  readonly deadline: number
  readonly pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<HttpClientError.ResponseError>>
  readonly reader: StreamReader.Reader
  readonly ticket: RateLimit.Ticket | undefined
  /** Events read and not yet handed on. */
  held: Array<StreamEvent.StreamEvent> | undefined
  /** The failure that follows the held events. */
  failure: MessagesError | undefined
  /** Events handed on to the caller. */
  delivered: number
  /** The body was read to its end, so the request needs no abort. */
  completed: boolean
  /** The first event was read (the first-event timeout applies until then, the idle timeout after). */
  started: boolean
}

/** How long (ms, on the call's clock) a body may take to end after `message_stop` before it is aborted instead. */
export const drainGraceMillis = 250

/** Starts reading a response's body. */
export const make = (options: {
  readonly request: Scope.CloseableScope
  readonly timer: CallTimer.CallTimer<Expiry>
  readonly context: FailureContext
  readonly timeouts: Timeout.Policy
  readonly deadline: number
  readonly response: HttpClientResponse.HttpClientResponse
  readonly ticket: RateLimit.Ticket | undefined
}): Effect.Effect<StreamCall, never, Scope.Scope> =>
  Effect.map(pullOf(options.response), (pull) => ({
    request: options.request,
    timer: options.timer,
    context: options.context,
    timeouts: options.timeouts,
    deadline: options.deadline,
    pull,
    reader: StreamReader.make(),
    ticket: options.ticket,
    held: undefined,
    failure: undefined,
    delivered: 0,
    completed: false,
    started: false
  }))

/** The body's reads: through the response's own reader when it has one, else `Stream.toPull` of its stream. */
const pullOf = (response: HttpClientResponse.HttpClientResponse) => {
  const reader = BodyReader.of(response)
  return reader === undefined ? Stream.toPull(response.stream) : Effect.succeed(reader)
}

/** The typed error of a reader's failure. */
const typed = (call: StreamCall, failure: StreamReader.Failure): MessagesError => {
  const meta = call.context.meta
  const error =
    failure._tag === "ErrorEvent"
      ? fromErrorEvent(call.context, failure.error)
      : failure._tag === "Malformed"
        ? Failures.malformed(meta, failure.problem)
        : new StreamTruncatedError({
            ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }),
            message: `${failure.what} before message_stop${meta.requestId === undefined ? "" : ` (request-id ${meta.requestId})`}.`
          })
  return error
}

/** The timeout of a wait in `phase` now: the phase's own, or the rest of the stream's total when that is nearer. */
const limitOf = (call: StreamCall, phase: "first-event" | "idle", now: number) => {
  const limit = phase === "first-event" ? call.timeouts.firstEvent : call.timeouts.idle
  const left = call.deadline - now
  return Duration.toMillis(limit) <= left
    ? ([now + Duration.toMillis(limit), [phase, limit]] as const)
    : ([now + Math.max(0, left), ["total", call.timeouts.streamTotal]] as const)
}

/** Notes the usage the reader saw, for the rate limiter. */
const settle = (call: StreamCall) => {
  if (call.ticket !== undefined && call.reader.usageChanged) {
    const usage = call.reader.usage
    call.ticket.settle({
      ...(usage.inputTokens === undefined ? {} : { inputTokens: usage.inputTokens }),
      ...(usage.outputTokens === undefined ? {} : { outputTokens: usage.outputTokens })
    })
  }
}

/**
 * Reads until at least one event is complete or the stream fails: the events (possibly none) and the failure that
 * follows them (with `delivered` still 0: the caller's count is set where the failure reaches it).
 */
const readSome = (
  call: StreamCall
): Effect.Effect<{ readonly events: Array<StreamEvent.StreamEvent>; readonly failure: MessagesError | undefined }> =>
  Effect.suspend(() => {
    const phase = call.started ? "idle" : "first-event"
    const [at, expiry] = limitOf(call, phase, call.timer.now())
    call.timer.arm(at, expiry)
    const loop: Effect.Effect<{
      readonly events: Array<StreamEvent.StreamEvent>
      readonly failure: MessagesError | undefined
    }> = Effect.matchEffect(call.pull, {
      onFailure: (cause) => {
        const expired = call.timer.expired()
        if (expired !== undefined && expired !== "drain") {
          call.reader.status = "failed"
          return Effect.succeed({
            events: [],
            failure: Failures.timeoutError(expired[0], expired[1], call.context.meta.requestId)
          })
        }
        const output = Option.isSome(cause)
          ? StreamReader.broken(call.reader, Failures.codeOf(cause.value.cause))
          : StreamReader.end(call.reader)
        if (call.reader.status === "ended") call.completed = true
        return Effect.succeed({
          events: output.events,
          failure: output.failure === undefined ? undefined : typed(call, output.failure)
        })
      },
      onSuccess: (chunks) => {
        let events: Array<StreamEvent.StreamEvent> | undefined
        for (const bytes of chunks) {
          const output = StreamReader.push(call.reader, bytes)
          settle(call)
          if (output.events.length > 0) {
            if (events === undefined) events = output.events
            else for (let i = 0; i < output.events.length; i++) events.push(output.events[i]!)
          }
          if (output.failure !== undefined) {
            return Effect.succeed({ events: events ?? [], failure: typed(call, output.failure) })
          }
          if (call.reader.status !== "open") break
        }
        if (events !== undefined) return Effect.succeed({ events, failure: undefined })
        return loop
      }
    })
    return Effect.map(loop, (result) => {
      call.timer.disarm()
      call.started = true
      return result
    })
  })

/**
 * Reads the head: up to the first content event (or the end of the stream). A failure before it fails the attempt,
 * so the retry policy may repeat it; the events read are held for the caller.
 */
export const readHead = (call: StreamCall): Effect.Effect<StreamCall, MessagesError> =>
  Effect.suspend(() => {
    const loop: Effect.Effect<StreamCall, MessagesError> = Effect.flatMap(readSome(call), ({ events, failure }) => {
      if (events.length > 0) {
        if (call.held === undefined) call.held = events
        else for (let i = 0; i < events.length; i++) call.held.push(events[i]!)
      }
      if (failure !== undefined) {
        if (!call.reader.content) return Effect.fail(failure)
        call.failure = failure
        return Effect.succeed(call)
      }
      if (call.reader.content || call.reader.status !== "open") return Effect.succeed(call)
      return loop
    })
    return loop
  })

/**
 * After `message_stop` the server ends the body. Reading on to that end, when it comes at once, lets the connection
 * go back to the pool (aborting the request would close it: one more connection, and TLS handshake, per stream). A
 * body that does not end within the grace period is aborted instead.
 */
const drain = (call: StreamCall): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (call.completed || call.reader.status === "failed") return Effect.void
    call.timer.arm(call.timer.now() + drainGraceMillis, "drain")
    const rest: Effect.Effect<void> = Effect.matchEffect(call.pull, {
      onFailure: (cause) => {
        if (Option.isNone(cause) && call.timer.expired() === undefined) call.completed = true
        return Effect.void
      },
      onSuccess: () => rest
    })
    return Effect.tap(rest, () => call.timer.disarm())
  })

/**
 * The next chunk for the caller: the held head first, then a chunk per read; `undefined` at the end (after
 * `message_stop` and the drained body). A failure comes after the events before it, with `delivered` set.
 */
export const next = (
  call: StreamCall
): Effect.Effect<Chunk.Chunk<StreamEvent.StreamEvent> | undefined, MessagesError> =>
  Effect.suspend(() => {
    if (call.held !== undefined) {
      const events = call.held
      call.held = undefined
      call.delivered += events.length
      return Effect.succeed(Chunk.unsafeFromArray(events))
    }
    if (call.failure !== undefined) {
      const failure = afterContent(call.failure, call.delivered)
      call.failure = undefined
      call.reader.status = "failed"
      return Effect.fail(failure)
    }
    if (call.reader.status !== "open") return Effect.as(drain(call), undefined)
    return Effect.flatMap(readSome(call), ({ events, failure }) => {
      if (failure !== undefined) call.failure = failure
      if (events.length > 0) {
        call.delivered += events.length
        return Effect.succeed(Chunk.unsafeFromArray(events))
      }
      return next(call)
    })
  })

/** Ends the exchange: the request is left alone when its body was read to the end, aborted otherwise. */
export const finish = (call: StreamCall): Effect.Effect<void> =>
  Effect.suspend(() => {
    call.timer.stop()
    return RequestScope.finish(call.request, call.completed)
  })

/**
 * Reads the whole stream into one message, for a caller that receives no events (`createStreaming`): every failure
 * has `delivered` 0, so the retry policy may repeat the call; events that do not form a message fail with
 * `MalformedResponseError`.
 */
export const collect = (call: StreamCall): Effect.Effect<Message.Message, MessagesError> => {
  const accumulator = Accumulator.make()
  const add = (events: ReadonlyArray<StreamEvent.StreamEvent>): MessagesError | undefined => {
    for (let i = 0; i < events.length; i++) {
      const error = accumulator.add(events[i]!)
      if (error !== undefined) {
        return Failures.malformed(call.context.meta, `the events do not form a message: ${error.message}`)
      }
    }
    return undefined
  }
  const finishMessage = (): Effect.Effect<Message.Message, MessagesError> => {
    const result = accumulator.finish()
    return result._tag === "Right"
      ? Effect.succeed(result.right)
      : Effect.fail(Failures.malformed(call.context.meta, `the events do not form a message: ${result.left.message}`))
  }
  const loop: Effect.Effect<Message.Message, MessagesError> = Effect.suspend(() => {
    if (call.reader.status !== "open") return Effect.zipRight(drain(call), finishMessage())
    return Effect.flatMap(readSome(call), ({ events, failure }) => {
      const invalid = add(events)
      if (invalid !== undefined) return Effect.fail(invalid)
      return failure === undefined ? loop : Effect.fail(failure)
    })
  })
  return Effect.suspend(() => {
    const held = call.held
    call.held = undefined
    const invalid = held === undefined ? undefined : add(held)
    if (invalid !== undefined) return Effect.fail(invalid)
    if (call.failure !== undefined) return Effect.fail(call.failure)
    return loop
  })
}
