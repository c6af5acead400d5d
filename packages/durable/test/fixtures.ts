/** Test fixtures of the durable package: scripted assistant replies and tool calls. */
import type * as Content from "@parley/core/Content"

export { reply } from "../../loop/test/utils/replies.js"

/** A `tool_use` block. */
export const toolUse = (id: string, name: string, input: unknown): Content.ContentBlock =>
  ({ type: "tool_use", id, name, input }) as Content.ContentBlock
