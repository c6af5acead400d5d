import { NodeRuntime } from "@effect/platform-node"
import { Accumulator, Message, StreamEvent } from "@parley/core"
import { MessagesClient, MessagesError, RateLimit, Retry, Timeout } from "@parley/transport"
import * as NodeHttpClient from "@parley/transport/NodeHttpClient"
import { Console, Effect, Layer, Schedule, Stream } from "effect"

// The policies. Each is optional: without Retry and Timeout layers the defaults below apply; without a
// RateLimit layer there is no client-side admission control.
const RetryLive = Retry.layerSchedule(
  // the SDK-compatible default, plus up to 6 retries of 529 overloaded errors
  Retry.schedule().pipe(
    Schedule.union(Retry.schedule({ maxRetries: 6 }).pipe(Schedule.whileInput((e) => e._tag === "OverloadedError")))
  ),
  { deadline: "5 minutes" }
)
const RateLimitLive = RateLimit.layer({
  // the seeds' Basic tier, one budget per tenant (set with RateLimit.withKey)
  limits: { requestsPerMinute: 50, inputTokensPerMinute: 100_000, maxConcurrent: 10, maxWait: "2 minutes" }
})
const TimeoutLive = Timeout.layer({ idle: "30 seconds" })

// The client reads ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, ... The app, not the library, chooses the HttpClient:
// Parley's node:http client here; its UndiciHttpClient and the platform's NodeHttpClient.layerUndici,
// NodeHttpClient.layer and FetchHttpClient.layer work too. The policies are read when each call starts, so they
// work merged beside the client, as here, or provided to its layer.
const AppLive = Layer.mergeAll(
  MessagesClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layer)),
  RetryLive,
  RateLimitLive,
  TimeoutLive
)

const answer = (tenant: string, question: string) =>
  Effect.gen(function* () {
    const client = yield* MessagesClient.MessagesClient
    const request = { model: "claude-sonnet-4", max_tokens: 512, messages: [Message.user(question)] }
    // per call: more betas, headers, timeouts or another retry policy
    const options = { headers: { "x-tenant": tenant } }
    // print the text as it streams, and keep the final message
    const message = yield* Accumulator.collect(
      client
        .stream(request, options)
        .pipe(
          Stream.tap((event) =>
            StreamEvent.is("content_block_delta")(event) && "text" in event.delta
              ? Console.log(event.delta.text)
              : Effect.void
          )
        )
    )
    return Message.textOf(message)
  }).pipe(
    RateLimit.withKey(`tenant:${tenant}`),
    Effect.catchTag("RateLimitWaitError", () => Effect.succeed("Busy, try again later.")),
    // a failure after text was printed is never retried: `delivered` counts the events the caller had
    Effect.catchIf(
      (error) => MessagesError.isMessagesError(error) && error.delivered > 0,
      (error) => Effect.succeed(`Interrupted: ${error.message}`)
    )
  )

const program = Effect.forEach(["acme", "globex", "initech"], (tenant) => answer(tenant, "Say hi in five words."), {
  concurrency: "unbounded"
}).pipe(Effect.flatMap((answers) => Console.log(answers)))

program.pipe(Effect.provide(AppLive), NodeRuntime.runMain)
