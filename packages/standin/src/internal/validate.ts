import type { IncomingHttpHeaders } from "node:http"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Fault from "../Fault.js"

/** How the server checks credentials. */
export interface AuthOptions {
  readonly requireAuth: boolean
  readonly apiKey: Redacted.Redacted | undefined
}

const single = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  typeof value === "string" ? value : value?.[0]

const presentedKey = (headers: IncomingHttpHeaders): Either.Either<string | undefined, Fault.Status> => {
  const apiKey = single(headers["x-api-key"])
  if (apiKey !== undefined && apiKey !== "") return Either.right(apiKey)
  const authorization = single(headers.authorization)
  if (authorization === undefined || authorization === "") return Either.right(undefined)
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
  return match?.[1] !== undefined
    ? Either.right(match[1])
    : Either.left(
        Fault.status(401, { message: 'invalid authorization header: expected "Authorization: Bearer <key>"' })
      )
}

/** The 401/400 the API answers for missing credentials or a missing `anthropic-version`, if any. */
export const checkHeaders = (headers: IncomingHttpHeaders, auth: AuthOptions): Fault.Status | undefined => {
  const key = presentedKey(headers)
  if (Either.isLeft(key)) return key.left
  if (auth.requireAuth || auth.apiKey !== undefined) {
    if (key.right === undefined) return Fault.status(401, { message: "x-api-key header is required" })
    if (auth.apiKey !== undefined && key.right !== Redacted.value(auth.apiKey)) {
      return Fault.status(401, { message: "invalid x-api-key" })
    }
  }
  const version = single(headers["anthropic-version"])
  if (version === undefined || version === "")
    return Fault.status(400, { message: "anthropic-version: header is required" })
  if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) {
    return Fault.status(400, { message: `anthropic-version: ${JSON.stringify(version)} is not a valid version` })
  }
  return undefined
}

/** Parses a request body as JSON; a malformed body becomes the API's 400. */
export const parseJson = (raw: string): Either.Either<unknown, Fault.Status> => {
  if (raw.trim() === "") return Either.left(Fault.status(400, { message: "The request body is empty; expected JSON." }))
  try {
    return Either.right(JSON.parse(raw))
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return Either.left(Fault.status(400, { message: `The request body is not valid JSON: ${reason}` }))
  }
}

const expected = /^Expected (.*), actual (.*)$/s

/**
 * One line naming the problem, in the API's `path: problem` style: the deepest issue wins, a missing field reads
 * "Field required", and the alternatives of a union at the same path are merged (`Expected "user" | "assistant"`).
 */
export const describe = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const depth = Math.max(...issues.map((issue) => issue.path.length))
  const deepest = issues.filter((issue) => issue.path.length === depth)
  const chosen =
    deepest.find((issue) => issue._tag === "Missing") ??
    deepest.find((issue) => issue.path[issue.path.length - 1] !== "type") ??
    deepest[0]
  if (chosen === undefined) return error.message
  const path = chosen.path.map(String).join(".")
  const prefix = path === "" ? "" : `${path}: `
  if (chosen._tag === "Missing") return `${prefix}Field required`
  const samePath = deepest.filter((issue) => issue._tag === "Type" && issue.path.map(String).join(".") === path)
  const parts = samePath.map((issue) => expected.exec(issue.message))
  if (samePath.length > 1 && parts.every((part) => part !== null)) {
    // Each issue names one member or a union of several; the widest first, each literal once.
    const unions = parts.map((part) => (part?.[1] ?? "").split(" | ")).sort((a, b) => b.length - a.length)
    const alternatives = [...new Set(unions.flat())].join(" | ")
    return `${prefix}Expected ${alternatives}, actual ${parts[0]?.[2]}`
  }
  return `${prefix}${chosen.message}`
}

/** Decodes a parsed body with a wire schema; a mismatch becomes the API's 400 naming the problem. */
export const decode = <A, I>(schema: Schema.Schema<A, I>, body: unknown): Either.Either<A, Fault.Status> =>
  typeof body !== "object" || body === null || Array.isArray(body)
    ? Either.left(Fault.status(400, { message: "The request body must be a JSON object." }))
    : Either.mapLeft(Schema.decodeUnknownEither(schema)(body), (error) =>
        Fault.status(400, { type: "invalid_request_error", message: describe(error) })
      )

/** The 400 the API answers for a body that is not declared as JSON, if any. */
export const checkContentType = (headers: IncomingHttpHeaders): Fault.Status | undefined => {
  const type = single(headers["content-type"])
  if (type === undefined || type === "") {
    return Fault.status(400, { message: "Content-Type header is required; expected application/json." })
  }
  const media = type.split(";")[0]?.trim().toLowerCase() ?? ""
  return media === "application/json" || /^application\/[\w.+-]*\+json$/.test(media)
    ? undefined
    : Fault.status(400, {
        message: `Content-Type ${JSON.stringify(type)} is not supported; expected application/json.`
      })
}

/** How deep a request body may nest arrays and objects; deeper bodies get a 400 before any decoding. */
export const maxDepth = 256

/** Whether `value` nests arrays and objects deeper than `max`; iterative, so safe at any depth. */
export const tooDeep = (value: unknown, max: number = maxDepth): boolean => {
  if (typeof value !== "object" || value === null) return false
  const nodes: Array<unknown> = [value]
  const depths: Array<number> = [1]
  while (nodes.length > 0) {
    const node = nodes.pop() as object
    const depth = depths.pop() as number
    if (depth > max) return true
    for (const item of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof item === "object" && item !== null) {
        nodes.push(item)
        depths.push(depth + 1)
      }
    }
  }
  return false
}

/** The 400 for a body nested deeper than {@link maxDepth}. */
export const tooDeepFault = (): Fault.Status =>
  Fault.status(400, { message: `The request body is nested more than ${maxDepth} levels deep.` })

/** The API's 400 for the first top-level field the endpoint does not take, if any. */
export const checkFields = (body: unknown, known: ReadonlyArray<string>): Fault.Status | undefined => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined
  const unknown = Object.keys(body).find((key) => !known.includes(key))
  return unknown === undefined
    ? undefined
    : Fault.status(400, { message: `${unknown}: Extra inputs are not permitted` })
}

/** The API's 400 for a `max_tokens` that is not a positive integer, if it is not. */
export const checkMaxTokens = (value: number): Fault.Status | undefined =>
  !Number.isInteger(value)
    ? Fault.status(400, { message: "max_tokens: Input should be a valid integer" })
    : value < 1
      ? Fault.status(400, { message: "max_tokens: Input should be greater than or equal to 1" })
      : undefined

/** The API's 400 for a sampling parameter out of its range or a blank stop sequence, if any. */
export const checkRanges = (request: {
  readonly temperature?: number | undefined
  readonly top_p?: number | undefined
  readonly top_k?: number | undefined
  readonly stop_sequences?: ReadonlyArray<string> | undefined
}): Fault.Status | undefined => {
  const between = (name: string, value: number | undefined, low: number, high: number) =>
    value === undefined
      ? undefined
      : value < low
        ? `${name}: Input should be greater than or equal to ${low}`
        : value > high
          ? `${name}: Input should be less than or equal to ${high}`
          : undefined
  const problem =
    between("temperature", request.temperature, 0, 1) ??
    between("top_p", request.top_p, 0, 1) ??
    (request.top_k !== undefined && !Number.isInteger(request.top_k)
      ? "top_k: Input should be a valid integer"
      : between("top_k", request.top_k, 0, Number.POSITIVE_INFINITY)) ??
    (request.stop_sequences?.some((sequence) => sequence.trim() === "") === true
      ? "stop_sequences: each stop sequence must contain non-whitespace"
      : undefined)
  return problem === undefined ? undefined : Fault.status(400, { message: problem })
}
