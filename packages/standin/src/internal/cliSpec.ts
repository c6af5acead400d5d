import type * as Content from "@parley/core/Content"
import * as Either from "effect/Either"
import * as Fault from "../Fault.js"
import * as Reply from "../Reply.js"

/**
 * One fault of the command line or a script file: `KIND[@CALLS]`.
 *
 * KIND: an HTTP status (`429`, `500`, `529`, ...); `rate-limit[:SECONDS]` (429 with `retry-after`); `overloaded`
 * (529); `mid-stream-error[:EVENTS]` (an SSE `error` event after that many events, default 3); `truncate[:EVENTS]`
 * (cut after that many events, default 3); `stall[:MILLIS]` (before the headers; default forever); `malformed`.
 * CALLS (1-based, counting every valid call): `N`, `N-M`, `N-` (from N on), `*` (every call, the default).
 */
export const faultKinds =
  "STATUS | rate-limit[:SECONDS] | overloaded | mid-stream-error[:EVENTS] | truncate[:EVENTS] | stall[:MILLIS] | malformed"

const count = (text: string | undefined, fallback: number, what: string): Either.Either<number, string> => {
  if (text === undefined || text === "") return Either.right(fallback)
  const value = Number(text)
  return Number.isInteger(value) && value >= 0
    ? Either.right(value)
    : Either.left(`${what} must be a whole number, got "${text}"`)
}

/** The fault a KIND names. */
export const parseKind = (kind: string): Either.Either<Fault.Fault, string> => {
  const [name = "", argument] = kind.split(":", 2)
  if (/^\d{3}$/.test(name)) return Either.right(Fault.status(Number(name)))
  switch (name) {
    case "rate-limit":
      return argument === undefined
        ? Either.right(Fault.rateLimited())
        : Either.map(count(argument, 0, "rate-limit SECONDS"), (seconds) =>
            Fault.rateLimited({ retryAfterSeconds: seconds })
          )
    case "overloaded":
      return Either.right(Fault.overloaded())
    case "mid-stream-error":
      return Either.map(count(argument, 3, "mid-stream-error EVENTS"), (events) => Fault.midStreamError(events))
    case "truncate":
      return Either.map(count(argument, 3, "truncate EVENTS"), (events) => Fault.truncate({ afterEvents: events }))
    case "stall":
      return argument === undefined
        ? Either.right(Fault.stall("forever"))
        : Either.map(count(argument, 0, "stall MILLIS"), (millis) => Fault.stall(millis))
    case "malformed":
      return Either.right(Fault.malformedJson())
    default:
      return Either.left(`unknown fault "${kind}"; expected ${faultKinds}`)
  }
}

/** A server-wide fault policy from `KIND[@CALLS]`. */
export const parseFault = (spec: string): Either.Either<Fault.Policy, string> => {
  const at = spec.lastIndexOf("@")
  const kind = at < 0 ? spec : spec.slice(0, at)
  const calls = at < 0 ? "*" : spec.slice(at + 1)
  const range = /^(?:(\*)|(\d+)(?:(-)(\d*))?)$/.exec(calls)
  if (range === null) return Either.left(`fault "${spec}": CALLS must be N, N-M, N- or *, got "${calls}"`)
  const from = range[1] !== undefined ? 1 : Number(range[2])
  const to =
    range[1] !== undefined || (range[3] !== undefined && range[4] === "") ? undefined : Number(range[4] ?? range[2])
  if (from < 1 || (to !== undefined && to < from)) return Either.left(`fault "${spec}": calls count from 1`)
  return Either.map(
    Either.mapLeft(parseKind(kind), (message) => `fault "${spec}": ${message}`),
    (fault) => Fault.calls(from - 1, to, fault)
  )
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** One scripted reply of a script file. */
const parseReply = (entry: unknown, index: number): Either.Either<Reply.Reply, string> => {
  const where = `replies[${index}]`
  if (typeof entry === "string") return Either.right(Reply.text(entry))
  if (!isRecord(entry)) return Either.left(`${where} must be a string or an object`)
  const faults: Array<Fault.Fault> = []
  const listed = entry["faults"] ?? []
  if (!Array.isArray(listed)) return Either.left(`${where}.faults must be an array of fault kinds`)
  for (const kind of listed) {
    const fault = parseKind(String(kind))
    if (Either.isLeft(fault)) return Either.left(`${where}.faults: ${fault.left}`)
    faults.push(fault.right)
  }
  let reply: Reply.MessageReply
  if (typeof entry["fault"] === "string") {
    const fault = parseKind(entry["fault"])
    return Either.isLeft(fault) ? Either.left(`${where}.fault: ${fault.left}`) : Either.right(Reply.fault(fault.right))
  } else if (Array.isArray(entry["tool_use"])) {
    const calls = entry["tool_use"]
      .filter(isRecord)
      .map((call) => ({ name: String(call["name"]), input: call["input"] ?? {} }))
    reply = Reply.toolUse(calls, typeof entry["text"] === "string" ? { text: entry["text"] } : undefined)
  } else if (Array.isArray(entry["content"])) {
    reply = Reply.blocks(entry["content"] as ReadonlyArray<Content.ContentBlock>)
  } else if (typeof entry["text"] === "string") {
    reply = Reply.text(entry["text"])
  } else {
    return Either.left(`${where} needs "text", "tool_use", "content" or "fault"`)
  }
  return Either.right(faults.length === 0 ? reply : Reply.withFaults(reply, ...faults))
}

/** A script file: `{ "replies": [...], "faults": ["429@2", ...] }`, or just the array of replies. */
export interface ScriptFile {
  readonly replies: ReadonlyArray<Reply.Reply> | undefined
  readonly faults: ReadonlyArray<Fault.Policy>
}

export const parseScript = (json: unknown): Either.Either<ScriptFile, string> => {
  const body = Array.isArray(json) ? { replies: json } : json
  if (!isRecord(body))
    return Either.left('a script file holds an array of replies or { "replies": [...], "faults": [...] }')
  const replies: Array<Reply.Reply> = []
  if (body["replies"] !== undefined) {
    if (!Array.isArray(body["replies"])) return Either.left('"replies" must be an array')
    for (const [index, entry] of body["replies"].entries()) {
      const reply = parseReply(entry, index)
      if (Either.isLeft(reply)) return Either.left(reply.left)
      replies.push(reply.right)
    }
  }
  const faults: Array<Fault.Policy> = []
  const listed = body["faults"] ?? []
  if (!Array.isArray(listed)) return Either.left('"faults" must be an array of KIND[@CALLS] strings')
  for (const spec of listed) {
    const policy = parseFault(String(spec))
    if (Either.isLeft(policy)) return Either.left(policy.left)
    faults.push(policy.right)
  }
  return Either.right({ replies: body["replies"] === undefined ? undefined : replies, faults })
}
