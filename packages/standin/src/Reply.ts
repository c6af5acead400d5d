/**
 * What a responder answers for one call: an assistant message (served as JSON, or as SSE when the request asked
 * to stream), or a fault. Messages built here may leave out `model` and `usage`: the server fills them in from the
 * request (the request's model, estimated token counts).
 *
 * @example
 * ```ts
 * import { Fault, Reply } from "@parley/standin"
 *
 * const hello = Reply.text("Hello!")
 * const call = Reply.toolUse([{ name: "calculator", input: { expression: "17 * 23" } }])
 * const limited = Reply.fault(Fault.rateLimited({ retryAfterSeconds: 2 }))
 * const flaky = Reply.withFaults(hello, Fault.truncate({ afterEvents: 4 }))
 * ```
 *
 * @since 0.1.0
 */
import type * as Content from "@parley/core/Content"
import type * as Message from "@parley/core/Message"
import type * as Fault from "./Fault.js"
import * as Ids from "./internal/ids.js"

// =============================================================================
// Models
// =============================================================================

/**
 * An assistant message, optionally delivered with faults (headers, a mid-stream error, a truncation, a stall).
 *
 * @since 0.1.0
 * @category models
 */
export interface MessageReply {
  readonly _tag: "Message"
  readonly message: Message.Message
  readonly faults?: ReadonlyArray<Fault.Fault> | undefined
}

/**
 * A fault instead of a message. Stream-phase faults (mid-stream error, truncation, stall after events) are applied
 * to a short stand-in text message.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultReply {
  readonly _tag: "Fault"
  readonly fault: Fault.Fault
}

/**
 * One reply of a responder.
 *
 * @since 0.1.0
 * @category models
 */
export type Reply = MessageReply | FaultReply

/**
 * Optional message fields for the constructors; absent ones get sensible values (a fresh id, the request's model,
 * `end_turn` or `tool_use`, estimated usage).
 *
 * @since 0.1.0
 * @category models
 */
export interface MessageOptions {
  readonly id?: string | undefined
  readonly model?: string | undefined
  readonly stopReason?: Message.StopReason | undefined
  readonly stopSequence?: string | null | undefined
  readonly usage?: Message.Usage | undefined
}

// =============================================================================
// Constructors
// =============================================================================

/**
 * A reply with a complete message, served as given (the server fills in only a missing `model` or `usage`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const message = (message: Message.Message): MessageReply => ({ _tag: "Message", message })

/**
 * A reply whose message has the given content blocks; the stop reason defaults to `tool_use` when a `tool_use`
 * block is present, `end_turn` otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export const blocks = (content: ReadonlyArray<Content.ContentBlock>, options?: MessageOptions): MessageReply =>
  message({
    id: options?.id ?? Ids.random("msg"),
    type: "message",
    role: "assistant",
    content,
    ...(options?.model !== undefined ? { model: options.model } : {}),
    stop_reason: options?.stopReason ?? (content.some((block) => block.type === "tool_use") ? "tool_use" : "end_turn"),
    stop_sequence: options?.stopSequence ?? null,
    ...(options?.usage !== undefined ? { usage: options.usage } : {})
  })

/**
 * A reply with one text block, stopping with `end_turn`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const text = (text: string, options?: MessageOptions): MessageReply => blocks([{ type: "text", text }], options)

/**
 * One tool call of {@link toolUse}; the id defaults to a fresh `toolu_…`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolCall {
  readonly name: string
  readonly input: unknown
  readonly id?: string | undefined
}

/**
 * A reply calling tools (parallel calls when several), optionally preceded by a text block; stops with `tool_use`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toolUse = (
  calls: ReadonlyArray<ToolCall>,
  options?: MessageOptions & { readonly text?: string | undefined }
): MessageReply =>
  blocks(
    [
      ...(options?.text !== undefined ? [{ type: "text" as const, text: options.text }] : []),
      ...calls.map((call) => ({
        type: "tool_use" as const,
        id: call.id ?? Ids.random("toolu"),
        name: call.name,
        input: call.input
      }))
    ],
    options
  )

/**
 * A reply with a thinking block (its `signature` defaults to a stand-in value) followed by a text block.
 *
 * @since 0.1.0
 * @category constructors
 */
export const thinking = (
  thinking: string,
  answer: string,
  options?: MessageOptions & { readonly signature?: string | undefined }
): MessageReply =>
  blocks(
    [
      { type: "thinking", thinking, signature: options?.signature ?? `standin-signature-${thinking.length}` },
      { type: "text", text: answer }
    ],
    options
  )

/**
 * A reply that is a fault.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fault = (fault: Fault.Fault): FaultReply => ({ _tag: "Fault", fault })

/**
 * The same message delivered with additional faults (applied in order; the first status fault wins).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withFaults = (reply: MessageReply, ...faults: ReadonlyArray<Fault.Fault>): MessageReply => ({
  ...reply,
  faults: [...(reply.faults ?? []), ...faults]
})
