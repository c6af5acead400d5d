// A strict TypeScript consumer of Parley (check.mjs type-checks it under node16 and bundler resolution, then runs it).
import { Content, Conversation, Message, Tool, Toolkit } from "@parley/core"
import type * as Model from "@parley/core/Model"
import type * as Request from "@parley/core/Request"
import { DurableAgent, DurableEngine, ToolCall } from "@parley/durable"
import { AgentLoop, type LoopResult, StopReason } from "@parley/loop"
import { McpToolkit } from "@parley/mcp"
import { RedisStore } from "@parley/ratelimit-redis"
import { Reply, Responder, StandinServer } from "@parley/standin"
import { MessagesClient, type MessagesError, RateLimit, Retry } from "@parley/transport"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
// effect's modules by path, as Parley's declarations import them: the barrel would add 66 declaration files to check
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

const calculator = Tool.make("calculator", {
  description: "Evaluates a product of two integers",
  input: Schema.Struct({ expression: Schema.String }),
  output: Schema.Number,
  failure: Schema.Struct({ reason: Schema.String })
})
const toolkit = Toolkit.make(calculator).handle({
  calculator: ({ expression }) => {
    const match = /^(\d+) \* (\d+)$/.exec(expression)
    return match?.[1] !== undefined && match[2] !== undefined
      ? Effect.succeed(Number(match[1]) * Number(match[2]))
      : Effect.fail({ reason: `not a product: ${expression}` })
  }
})

/** The tools of an MCP server on stdio (built, not run: nothing here starts the server). */
export const mcpTools: Effect.Effect<Toolkit.Handled, McpToolkit.McpError> = Effect.scoped(
  Effect.flatMap(McpToolkit.connectStdio({ command: "mcp-server" }), (client) =>
    McpToolkit.toolkit(client, { prefix: "mcp_" })
  )
)

/** A limiter shared by every process through Redis (built, not connected: nothing here runs it). */
export const SharedRateLimit: Layer.Layer<RateLimit.RateLimiter> = RateLimit.layerStore({
  limits: { requests: { limit: 5, per: "1 second", burst: 2 }, concurrency: 2 }
}).pipe(Layer.provide(RedisStore.layer({ url: "redis://127.0.0.1:6379", onUnavailable: "fail-closed" })))

/** A durable agent on a SQLite journal (built, not run: nothing here opens the file). */
const durable = DurableAgent.make("consumer", { model: "claude-sonnet-4-5", toolkit, notRerunnable: ["calculator"] })
export const durableRun: Effect.Effect<DurableAgent.Outcome, unknown, Model.Model> = Effect.gen(function* () {
  const runId = yield* DurableAgent.start(durable, { prompt: "What is 17 * 23?" })
  yield* Effect.map(ToolCall.idempotencyKey, (key: string | undefined) => key)
  return yield* DurableAgent.wait(durable, runId)
}).pipe(
  Effect.provide(DurableAgent.layer(durable).pipe(Layer.provideMerge(DurableEngine.sqlite({ filename: "runs.db" })))),
  Effect.scoped
)

const request: Request.MessagesRequest = { model: "claude-sonnet-4-5", max_tokens: 64, messages: [Message.user("Hi")] }
const check: Effect.Effect<Conversation.Conversation, unknown> = Conversation.appendUser(Conversation.make(), [
  Content.text("What is 17 * 23?")
])

const program: Effect.Effect<LoopResult.LoopResult, unknown> = Effect.gen(function* () {
  const standin = yield* StandinServer.start({
    responder: Responder.script([
      Reply.toolUse([{ name: "calculator", input: { expression: "17 * 23" } }]),
      Reply.text("17 * 23 = 391.")
    ])
  })
  const client = MessagesClient.layer({ apiKey: Redacted.make("offline"), baseUrl: standin.url }).pipe(
    Layer.provide(Layer.merge(NodeHttpClient.layer, Retry.disabled))
  )
  yield* check
  const result = yield* AgentLoop.run({ model: request.model, prompt: "What is 17 * 23?", toolkit }).pipe(
    Effect.provide(client)
  )
  const reason: string = StopReason.describe(result.stopReason)
  if (reason.length === 0) return yield* Effect.die("no stop reason")
  return result
}).pipe(Effect.scoped)

const onError = (error: MessagesError.MessagesError | unknown): string => String(error)

Effect.runPromise(program).then(
  (result) => console.log(result.text),
  (error: unknown) => {
    console.error(onError(error))
    process.exitCode = 1
  }
)
