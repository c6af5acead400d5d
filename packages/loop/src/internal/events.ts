import * as Effect from "effect/Effect"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as LoopEvent from "../LoopEvent.js"

/** Where a driver sends its events: `emit` buffers one, `drain` waits until the consumer took all but `limit`. */
export interface Events {
  readonly emit: (event: LoopEvent.LoopEvent) => void
  readonly drain: (limit: number) => Effect.Effect<void>
  /** The buffer's bound: a streamed reply waits for the consumer once this many events are buffered. */
  readonly capacity: number
}

/** A driver's events (see {@link Events}), the mailbox that holds them, and the stream its consumer reads. */
export interface Buffered<E> {
  readonly events: Events
  readonly mailbox: Mailbox.Mailbox<LoopEvent.LoopEvent, E>
  readonly stream: Stream.Stream<LoopEvent.LoopEvent, E>
}

/**
 * Events into a mailbox read by `AgentLoop.stream`'s consumer. `drain` suspends the driver until the consumer has
 * taken enough: each take (a consumer takes every buffered event at once) wakes it. It does not poll, so a driver
 * waiting for a slow consumer costs no CPU.
 */
export const buffered = <E>(capacity: number): Effect.Effect<Buffered<E>> =>
  Effect.map(Mailbox.make<LoopEvent.LoopEvent, E>(), (mailbox) => {
    const size = () => Option.getOrElse(mailbox.unsafeSize(), () => 0)
    /** The driver waiting in `drain` (one driver, so at most one). */
    let waiting: { readonly limit: number; readonly wake: () => void } | undefined
    const taken = () => {
      const waiter = waiting
      if (waiter !== undefined && size() <= waiter.limit) {
        waiting = undefined
        waiter.wake()
      }
    }
    const drain = (limit: number): Effect.Effect<void> =>
      Effect.suspend(() =>
        size() <= limit
          ? Effect.void
          : Effect.async<void>((resume) => {
              waiting = { limit, wake: () => resume(Effect.void) }
              return Effect.sync(() => {
                waiting = undefined
              })
            })
      )
    return {
      events: {
        emit: (event) => {
          mailbox.unsafeOffer(event)
        },
        drain,
        capacity: capacity >= 1 ? Math.floor(capacity) : 1
      },
      mailbox,
      stream: Stream.mapChunks(Mailbox.toStream(mailbox), (chunk) => {
        taken()
        return chunk
      })
    }
  })
