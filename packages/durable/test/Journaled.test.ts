import { describe, expect, it } from "@effect/vitest"
import * as Activity from "@effect/workflow/Activity"
import * as Workflow from "@effect/workflow/Workflow"
import * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import { Effect, Schema } from "effect"
import { idempotencyKeyOf } from "../src/internal/journaled.js"

const workflow = Workflow.make({
  name: "keys",
  payload: { runId: Schema.String },
  idempotencyKey: ({ runId }) => runId
})

describe("journaled tool calls", () => {
  it.effect("compute the idempotency key that Activity.idempotencyKey gives, for every execution and name", () =>
    Effect.gen(function* () {
      for (const executionId of ["exec-1", "a0f3c9e1d2b4", "ü-🙂"]) {
        for (const name of ["tool/toolu_01", "tool/c1", "tool/✓"]) {
          const instance = WorkflowEngine.WorkflowInstance.initial(workflow, executionId)
          const provide = Effect.provideService(WorkflowEngine.WorkflowInstance, instance)
          const expected = yield* provide(Activity.idempotencyKey(name))
          expect(yield* provide(idempotencyKeyOf(name))).toBe(expected)
          expect(expected).toMatch(/^[0-9a-f]{32}$/)
        }
      }
    })
  )
})
