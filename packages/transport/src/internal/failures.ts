import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as Duration from "effect/Duration"
import { ConnectionError, MalformedResponseError, TimeoutError, type TimeoutPhase } from "../MessagesError.js"
import type { ResponseMeta } from "../ResponseMeta.js"

/** The client's typed errors for failures of the call itself, with their messages in one place. */
export type Phase = TimeoutPhase

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** The system error code somewhere in a cause chain (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...). */
export const codeOf = (cause: unknown): string | undefined => {
  let current = cause
  for (let depth = 0; depth < 4 && isRecord(current); depth++) {
    if (typeof current.code === "string") return current.code
    current = current.cause
  }
  return undefined
}

/** `, request-id X` when there is one. */
export const requestIdNote = (requestId: string | undefined): string =>
  requestId === undefined ? "" : `, request-id ${requestId}`

/** The text with its first letter upper-cased. */
export const capitalize = (text: string): string => (text === "" ? text : text[0]!.toUpperCase() + text.slice(1))

/** A connection failure of a request to `origin`. */
export const connectionError = (origin: string, error: HttpClientError.HttpClientError): ConnectionError => {
  if (error._tag === "RequestError" && error.reason !== "Transport") {
    return new ConnectionError({
      code: error.reason,
      message: `The request to ${origin} could not be made (${error.reason}).`
    })
  }
  const code = codeOf(error.cause)
  const what = error._tag === "RequestError" ? "The connection failed" : "The connection broke while reading the body"
  return new ConnectionError({
    ...(code === undefined ? {} : { code }),
    message: `${what} (${origin}): ${code ?? "transport error"}.`
  })
}

/** A timeout of `phase` after `timeout`. */
export const timeoutError = (phase: Phase, timeout: Duration.Duration, requestId?: string): TimeoutError => {
  const after = Duration.format(timeout)
  const what = {
    headers: `No response headers arrived within ${after}`,
    "first-event": `No stream event arrived within ${after} of the response headers`,
    idle: `The stream was silent for ${after}`,
    total: `The call did not finish within ${after}`
  }[phase]
  return new TimeoutError({
    phase,
    timeout,
    ...(requestId === undefined ? {} : { requestId }),
    message: `${what} (the ${phase} timeout${requestIdNote(requestId)}).`
  })
}

/** A response the client cannot read; `what` is a sentence without its final period. */
export const malformed = (meta: ResponseMeta, what: string): MalformedResponseError =>
  new MalformedResponseError({
    status: meta.status,
    ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }),
    message: `${capitalize(what)} (HTTP ${meta.status}${requestIdNote(meta.requestId)}).`
  })
