import type * as Message from "@parley/core/Message"

/** An assistant message as a scripted model answers: `content` with `stop_reason`, and its usage. */
export const reply = (
  content: Message.Message["content"],
  stop_reason: string,
  usage: { readonly input_tokens: number; readonly output_tokens: number } = { input_tokens: 10, output_tokens: 5 }
): Message.Message => ({
  id: "msg_scripted",
  type: "message",
  role: "assistant",
  content,
  stop_reason,
  stop_sequence: null,
  usage
})
