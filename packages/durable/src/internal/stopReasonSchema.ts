/** The loop's `StopReason` as a Schema, so a finished run's reason can be journaled and read back in another process. */
import { StopReason } from "@parley/loop"
import * as Schema from "effect/Schema"

const Plain = Schema.Union(
  Schema.TaggedStruct("EndTurn", {}),
  Schema.TaggedStruct("StopSequence", { sequence: Schema.NullOr(Schema.String) }),
  Schema.TaggedStruct("Refusal", {}),
  Schema.TaggedStruct("ContextWindowExceeded", {}),
  Schema.TaggedStruct("MaxTokens", {}),
  Schema.TaggedStruct("Other", { stopReason: Schema.NullOr(Schema.String) }),
  Schema.TaggedStruct("MaxTurns", { limit: Schema.Number }),
  Schema.TaggedStruct("TokenBudget", { limit: Schema.Number, used: Schema.Number }),
  Schema.TaggedStruct("Deadline", { limit: Schema.DurationFromMillis }),
  Schema.TaggedStruct("RepeatedCall", { tool: Schema.String, count: Schema.Number }),
  Schema.TaggedStruct("Stopped", {}),
  Schema.TaggedStruct("AwaitingApproval", { ids: Schema.Array(Schema.String) }),
  Schema.TaggedStruct("UserStop", { reason: Schema.String })
)

const toStopReason = (plain: typeof Plain.Type): StopReason.StopReason => {
  switch (plain._tag) {
    case "EndTurn":
      return StopReason.EndTurn()
    case "StopSequence":
      return StopReason.StopSequence({ sequence: plain.sequence })
    case "Refusal":
      return StopReason.Refusal()
    case "ContextWindowExceeded":
      return StopReason.ContextWindowExceeded()
    case "MaxTokens":
      return StopReason.MaxTokens()
    case "Other":
      return StopReason.Other({ stopReason: plain.stopReason })
    case "MaxTurns":
      return StopReason.MaxTurns({ limit: plain.limit })
    case "TokenBudget":
      return StopReason.TokenBudget({ limit: plain.limit, used: plain.used })
    case "Deadline":
      return StopReason.Deadline({ limit: plain.limit })
    case "RepeatedCall":
      return StopReason.RepeatedCall({ tool: plain.tool, count: plain.count })
    case "Stopped":
      return StopReason.Stopped()
    case "AwaitingApproval":
      return StopReason.AwaitingApproval({ ids: plain.ids })
    case "UserStop":
      return StopReason.UserStop({ reason: plain.reason })
  }
}

/** A `StopReason` encoded as a tagged JSON object (a deadline's limit in milliseconds). */
export const StopReasonSchema: Schema.Schema<StopReason.StopReason, typeof Plain.Encoded> = Schema.transform(
  Plain,
  Schema.declare((u: unknown): u is StopReason.StopReason => typeof u === "object" && u !== null && "_tag" in u),
  { strict: false, decode: (plain) => toStopReason(plain), encode: (reason) => reason as typeof Plain.Type }
)
