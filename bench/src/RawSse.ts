/**
 * The minimum a hand-written client does with a Messages stream, shared by the raw `fetch` and raw `node:http`
 * drivers: split decoded text into lines, `JSON.parse` each `data:` line, and accumulate the events into the final
 * message (text concatenated, tool input concatenated then parsed once at `content_block_stop`). No validation
 * beyond what `JSON.parse` does: this is the floor the libraries are compared with.
 */

interface Block {
  type: string
  text?: string
  input?: unknown
  partial?: string
  [key: string]: unknown
}

interface Accumulated {
  content: Array<Block>
  stop_reason?: unknown
  [key: string]: unknown
}

/** A line-splitting, event-accumulating SSE reader; feed it decoded text with `push`, then call `finish`. */
export const make = () => {
  let buffer = ""
  let message: Accumulated | undefined
  let stopped = false

  const onEvent = (event: Record<string, unknown>) => {
    switch (event.type) {
      case "message_start":
        message = event.message as Accumulated
        message.content = []
        break
      case "content_block_start":
        message!.content[event.index as number] = { ...(event.content_block as Block) }
        break
      case "content_block_delta": {
        const block = message!.content[event.index as number]!
        const delta = event.delta as Record<string, string>
        if (delta.type === "text_delta") block.text += delta.text!
        else if (delta.type === "input_json_delta") block.partial = (block.partial ?? "") + delta.partial_json
        break
      }
      case "content_block_stop": {
        const block = message!.content[event.index as number]!
        if (block.partial !== undefined) {
          block.input = JSON.parse(block.partial)
          delete block.partial
        }
        break
      }
      case "message_delta":
        Object.assign(message!, event.delta as object)
        break
      case "message_stop":
        stopped = true
        break
      case "error":
        throw new Error(`stream error: ${JSON.stringify(event.error)}`)
    }
  }

  return {
    /** Consumes a piece of decoded text; complete lines are handled, the rest is kept. */
    push: (text: string): void => {
      buffer += text
      let start = 0
      let nl = buffer.indexOf("\n", start)
      while (nl !== -1) {
        if (buffer.startsWith("data: ", start)) onEvent(JSON.parse(buffer.slice(start + 6, nl)))
        start = nl + 1
        nl = buffer.indexOf("\n", start)
      }
      buffer = start === 0 ? buffer : buffer.slice(start)
    },
    /** The accumulated message; throws if the stream ended before `message_stop`. */
    finish: (): unknown => {
      if (!stopped || message === undefined) throw new Error("stream ended before message_stop")
      return message
    }
  }
}
