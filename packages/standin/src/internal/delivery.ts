import type { ServerResponse } from "node:http"
import * as Effect from "effect/Effect"
import * as Fault from "../Fault.js"

/** A success body before faults: one JSON document, or SSE frames. */
export type Payload =
  | { readonly kind: "json"; readonly body: string }
  | { readonly kind: "sse"; readonly frames: ReadonlyArray<string> }

/** Exactly what goes on the wire for one call. */
export interface Plan {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** Body pieces: one for JSON, one per event for SSE. */
  readonly pieces: ReadonlyArray<string>
  /** Pauses: before the headers, or before the piece at `before` (`pieces.length`: before the end). */
  readonly stalls: ReadonlyArray<{ readonly before: "headers" | number; readonly millis: number | undefined }>
  readonly cut: { readonly afterPieces: number } | { readonly afterBytes: number } | undefined
  /** Pause between SSE pieces, in milliseconds. */
  readonly delayMillis: number
}

/** What every reply carries: the request id and, optionally, the organization id. */
export interface Context {
  readonly requestId: string
  readonly organizationId: string | undefined
  readonly delayMillis: number
  /** Headers sent on every reply (CORS). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

const errorPayload = (
  fault: {
    readonly errorType: string
    readonly message: string
    readonly details?: Readonly<Record<string, unknown>> | undefined
  },
  requestId: string
) =>
  JSON.stringify({
    type: "error",
    error: {
      type: fault.errorType,
      message: fault.message,
      ...(fault.details !== undefined ? { details: fault.details } : {})
    },
    request_id: requestId
  })

const jsonHeaders = (body: string) => ({
  "content-type": "application/json",
  "content-length": String(Buffer.byteLength(body))
})

const sseHeaders = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" }

/** Applies faults (in order; the first status wins) to a payload and decides every byte and pause. */
export const plan = (payload: Payload, faults: ReadonlyArray<Fault.Fault>, context: Context): Plan => {
  const base: Record<string, string> = { "request-id": context.requestId }
  if (context.organizationId !== undefined) base["anthropic-organization-id"] = context.organizationId
  if (context.headers !== undefined) Object.assign(base, context.headers)
  for (const fault of faults) if (fault._tag === "Headers") Object.assign(base, fault.headers)

  const midStream = faults.find((fault): fault is Fault.MidStreamError => fault._tag === "MidStreamError")
  const explicitStatus = faults.find((fault): fault is Fault.Status => fault._tag === "Status")
  const status =
    explicitStatus ??
    (midStream !== undefined && payload.kind === "json"
      ? Fault.error(midStream.errorType, midStream.message)
      : undefined)

  let code = 200
  let headers: Record<string, string>
  let pieces: ReadonlyArray<string>
  if (status !== undefined) {
    const body = errorPayload(status, context.requestId)
    code = status.status
    headers = { ...base, ...status.headers, ...jsonHeaders(body) }
    pieces = [body]
  } else if (payload.kind === "json") {
    const body = faults.some((fault) => fault._tag === "MalformedJson") ? payload.body.slice(0, -1) : payload.body
    headers = { ...base, ...jsonHeaders(body) }
    pieces = [body]
  } else {
    let frames = payload.frames
    if (faults.some((fault) => fault._tag === "MalformedJson")) frames = frames.map(corruptFirst)
    if (midStream !== undefined) {
      const event = { type: "error", error: { type: midStream.errorType, message: midStream.message } }
      frames = [
        ...frames.slice(0, Math.max(0, midStream.afterEvents)),
        `event: error\ndata: ${JSON.stringify(event)}\n\n`
      ]
    }
    headers = { ...base, ...sseHeaders }
    pieces = frames
  }

  const stalls = faults
    .filter((fault): fault is Fault.Stall => fault._tag === "Stall")
    .map((stall) => ({
      before:
        stall.afterEvents === undefined
          ? ("headers" as const)
          : Math.min(Math.max(0, stall.afterEvents), pieces.length),
      millis: stall.millis
    }))
  const truncate = faults.find((fault): fault is Fault.Truncate => fault._tag === "Truncate")
  const cut =
    truncate === undefined
      ? undefined
      : truncate.afterBytes !== undefined
        ? { afterBytes: Math.max(0, truncate.afterBytes) }
        : { afterPieces: Math.min(Math.max(0, truncate.afterEvents ?? 0), pieces.length) }
  return {
    status: code,
    headers,
    pieces,
    stalls,
    cut,
    delayMillis: payload.kind === "sse" && status === undefined ? context.delayMillis : 0
  }
}

const corruptFirst = (frame: string, index: number): string => {
  if (index !== 0) return frame
  const [eventLine = "", dataLine = ""] = frame.split("\n")
  return `${eventLine}\n${dataLine.slice(0, Math.ceil(dataLine.length / 2))}\n\n`
}

const pause = (millis: number | undefined): Effect.Effect<void> =>
  millis === undefined ? Effect.never : millis > 0 ? Effect.sleep(millis) : Effect.void

const write = (res: ServerResponse, chunk: string | Buffer): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    res.write(chunk, () => resume(Effect.void))
  })

/** Carries out a plan on a response; ends it, or destroys the socket where the plan cuts. */
export const execute = (res: ServerResponse, plan: Plan): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (const stall of plan.stalls) if (stall.before === "headers") yield* pause(stall.millis)
    const stallsAt = (index: number) =>
      Effect.forEach(
        plan.stalls.filter((stall) => stall.before === index),
        (stall) => pause(stall.millis),
        { discard: true }
      )
    res.writeHead(plan.status, plan.headers)
    const simple = plan.cut === undefined && plan.delayMillis === 0 && plan.stalls.every((s) => s.before === "headers")
    if (simple) {
      for (const piece of plan.pieces) res.write(piece)
      res.end()
      return
    }
    res.flushHeaders()
    let sent = 0
    for (let index = 0; index < plan.pieces.length; index++) {
      yield* stallsAt(index)
      if (plan.cut !== undefined && "afterPieces" in plan.cut && plan.cut.afterPieces === index) {
        res.destroy()
        return
      }
      if (index > 0 && plan.delayMillis > 0) yield* Effect.sleep(plan.delayMillis)
      const piece = Buffer.from(plan.pieces[index] ?? "")
      if (plan.cut !== undefined && "afterBytes" in plan.cut && sent + piece.length >= plan.cut.afterBytes) {
        const rest = plan.cut.afterBytes - sent
        if (rest > 0) yield* write(res, piece.subarray(0, rest))
        res.destroy()
        return
      }
      yield* write(res, piece)
      sent += piece.length
    }
    yield* stallsAt(plan.pieces.length)
    if (plan.cut !== undefined) {
      res.destroy()
      return
    }
    res.end()
  })
