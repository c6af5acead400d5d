import { Fault, Reply, Responder, StandinServer } from "@parley/standin"
import * as Effect from "effect/Effect"

const program = Effect.gen(function* () {
  const standin = yield* StandinServer.start({
    responder: Responder.script([
      Reply.toolUse([{ name: "calculator", input: { expression: "17 * 23" } }]),
      Reply.withFaults(Reply.text("17 * 23 = 391."), Fault.midStreamError(4, "overloaded_error")),
      Reply.text("17 * 23 = 391.")
    ]),
    faults: Fault.firstCalls(1, Fault.rateLimited({ retryAfterSeconds: 1 }))
  })
  // give standin.url to the client under test, then inspect what it sent:
  const sent = standin.requests() // [{ method, path, headers (keys redacted), body }]
  console.log(standin.url.startsWith("http://127.0.0.1:"), sent.length, standin.openConnections())
}).pipe(Effect.scoped)

await Effect.runPromise(program)
