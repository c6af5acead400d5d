import * as Effect from "effect/Effect"
import type * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import type * as LoopEvent from "../LoopEvent.js"

/** Where a driver sends its events: `emit` buffers one, `drain` waits until the consumer took all but `limit`. */
export interface Events {
  readonly emit: (event: LoopEvent.LoopEvent) => void
  readonly drain: (limit: number) => Effect.Effect<void>
  /** The buffer's bound: a streamed reply waits for the consumer when more events than this are buffered. */
  readonly capacity: number
}

/**
 * Events into a mailbox read by `AgentLoop.stream`'s consumer. `drain` yields to the scheduler until the consumer
 * has taken enough (a consumer takes a whole buffered chunk at once and handles it before it yields again).
 */
export const fromMailbox = <E>(mailbox: Mailbox.Mailbox<LoopEvent.LoopEvent, E>, capacity: number): Events => {
  const size = () => Option.getOrElse(mailbox.unsafeSize(), () => 0)
  const drain = (limit: number): Effect.Effect<void> =>
    Effect.suspend(() => (size() <= limit ? Effect.void : Effect.zipRight(Effect.yieldNow(), drain(limit))))
  return {
    emit: (event) => {
      mailbox.unsafeOffer(event)
    },
    drain,
    capacity
  }
}
