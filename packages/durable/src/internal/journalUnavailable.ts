/**
 * The journal could not be written or read while a run executed (the database went away, a table is missing, the
 * disk is full). Raised as a defect inside the workflow, so that no part of the loop mistakes it for a tool's or
 * the model's failure; `DurableAgent.wait` reports it as a `JournalError`. The run stays where its journal ends
 * and continues when an engine runs it again.
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import type * as Option from "effect/Option"

export class JournalUnavailable extends Data.TaggedError("JournalUnavailable")<{
  readonly operation: string
  readonly message: string
}> {}

/** The defect as a `JournalUnavailable`: itself, or a new one saying what `operation` could not do. */
export const fromDefect =
  (operation: string) =>
  (defect: unknown): JournalUnavailable =>
    defect instanceof JournalUnavailable
      ? defect
      : new JournalUnavailable({
          operation,
          message: defect instanceof Error ? `${defect.message}${causeText(defect)}` : String(defect)
        })

const causeText = (error: Error): string =>
  error.cause instanceof Error && error.cause.message !== error.message ? `: ${error.cause.message}` : ""

/** The `JournalUnavailable` a cause died with, if any. */
export const find = (cause: Cause.Cause<unknown>): Option.Option<JournalUnavailable> =>
  Chunk.findFirst(Cause.defects(cause), (defect): defect is JournalUnavailable => defect instanceof JournalUnavailable)
