import type * as Content from "@parley/core/Content"
import * as Message from "@parley/core/Message"
import type * as Request from "@parley/core/Request"
import * as Tokens from "@parley/core/Tokens"

/** The longest prefix of `text` whose estimated tokens fit in `budget`. */
const fit = (text: string, budget: number): string => {
  if (Tokens.estimateText(text) <= budget) return text
  let low = 0
  // no character costs less than 1/3.5 token, so the prefix is at most 3.5 characters a token
  let high = Math.min(text.length, Math.ceil(3.5 * (budget + 1)))
  while (low < high) {
    const mid = Math.ceil((low + high) / 2)
    if (Tokens.estimateText(text.slice(0, mid)) <= budget) low = mid
    else high = mid - 1
  }
  return text.slice(0, low)
}

/** The final assistant turn's text when the request ends with one (a prefill), else `undefined`. */
export const prefillOf = (request: Request.MessagesRequest): string | undefined => {
  const last = request.messages[request.messages.length - 1]
  return last?.role === "assistant" ? Message.textOf(last) : undefined
}

const withoutPrefill = (content: ReadonlyArray<Content.ContentBlock>, prefill: string | undefined) => {
  const first = content[0]
  if (prefill === undefined || prefill === "" || first?.type !== "text") return content
  const text = (first as Content.TextBlock).text
  return text.startsWith(prefill) && text.length > prefill.length
    ? [{ ...first, text: text.slice(prefill.length) } as Content.ContentBlock, ...content.slice(1)]
    : content
}

const stopAt = (
  content: ReadonlyArray<Content.ContentBlock>,
  sequences: ReadonlyArray<string>
): { readonly content: ReadonlyArray<Content.ContentBlock>; readonly sequence: string } | undefined => {
  for (let index = 0; index < content.length; index++) {
    const block = content[index]
    if (block?.type !== "text") continue
    const text = (block as Content.TextBlock).text
    let best: { at: number; sequence: string } | undefined
    for (const sequence of sequences) {
      if (sequence === "") continue
      const at = text.indexOf(sequence)
      if (at >= 0 && (best === undefined || at < best.at)) best = { at, sequence }
    }
    if (best !== undefined) {
      const kept = text.slice(0, best.at)
      return {
        content: [
          ...content.slice(0, index),
          ...(kept === "" ? [] : [{ ...block, text: kept } as Content.ContentBlock])
        ],
        sequence: best.sequence
      }
    }
  }
  return undefined
}

const cutTo = (content: ReadonlyArray<Content.ContentBlock>, budget: number) => {
  const out: Array<Content.ContentBlock> = []
  let left = budget
  for (const block of content) {
    const cost = Tokens.estimateBlock(block)
    if (cost <= left) {
      out.push(block)
      left -= cost
      continue
    }
    if (block.type === "text" && left > 0) {
      const text = fit((block as Content.TextBlock).text, left)
      if (text !== "") out.push({ ...block, text } as Content.ContentBlock)
    } else if (block.type === "thinking" && left > 0) {
      const thinking = fit((block as Content.ThinkingBlock).thinking, left)
      if (thinking !== "") out.push({ ...block, thinking } as Content.ContentBlock)
    }
    return { content: out, cut: true }
  }
  return { content: out, cut: false }
}

/**
 * The reply as the API would deliver it for this request: without the prefill it continues, cut at the first stop
 * sequence (`stop_reason: "stop_sequence"`), and cut to `max_tokens` (`stop_reason: "max_tokens"`, output usage
 * capped at `max_tokens`).
 */
export const honour = (message: Message.Message, request: Request.MessagesRequest): Message.Message => {
  let content = withoutPrefill(message.content, prefillOf(request))
  let stopReason = message.stop_reason
  let stopSequence = message.stop_sequence ?? null
  const stopped = stopAt(content, request.stop_sequences ?? [])
  if (stopped !== undefined) {
    content = stopped.content
    stopReason = "stop_sequence"
    stopSequence = stopped.sequence
  }
  const budget = request.max_tokens
  const cut = cutTo(content, budget)
  if (cut.cut) {
    content = cut.content
    stopReason = "max_tokens"
    stopSequence = null
  }
  const usage =
    message.usage === undefined || message.usage.output_tokens <= budget
      ? message.usage
      : { ...message.usage, output_tokens: budget }
  return {
    ...message,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    ...(usage === undefined ? {} : { usage })
  }
}
