/**
 * Pulls the JSON examples out of the seed documents: documentation pages mixing prose, curl, Python and JavaScript.
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** The seed documents, kept in the repository as the project's own fixtures (their README says what each one is). */
export const seedsDir = path.resolve(import.meta.dirname, "../fixtures/seeds")

/** The seed documents (every `.txt` file; the README describes them). */
export const seedFiles = (): ReadonlyArray<string> =>
  fs
    .readdirSync(seedsDir)
    .filter((name) => name.endsWith(".txt"))
    .sort()

/** The index of the `}` closing the `{` at `start`, skipping braces inside double-quoted strings; -1 if none. */
const closingBrace = (text: string, start: number): number => {
  let depth = 0
  let inString = false
  for (let i = start; i < text.length; i++) {
    const char = text[i]
    if (inString) {
      if (char === "\\") i++
      else if (char === '"') inString = false
    } else if (char === '"') inString = true
    else if (char === "{") depth++
    else if (char === "}" && --depth === 0) return i
  }
  return -1
}

/** Removes `#` and `//` line comments outside strings (Python and JavaScript annotate their literals with them). */
const stripComments = (text: string): string => {
  let out = ""
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (inString) {
      out += char
      if (char === "\\") out += text[++i] ?? ""
      else if (char === '"') inString = false
    } else if (char === "#" || (char === "/" && text[i + 1] === "/")) {
      while (i < text.length && text[i] !== "\n") i++
      out += "\n"
    } else {
      if (char === '"') inString = true
      out += char
    }
  }
  return out
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Every balanced, top-level `{...}` of a text that is JSON (once `#`/`//` comments are removed). A `{...}` that is
 * not JSON (a Python dict with variables, a JS literal with bare keys) is skipped, and the objects inside it are
 * looked at instead. The JSON bodies of `curl -d '...'` / `--data '...'` are found the same way.
 */
export const extractJsonObjects = (text: string): ReadonlyArray<Record<string, unknown>> => {
  const out: Array<Record<string, unknown>> = []
  let i = 0
  while (i < text.length) {
    if (text[i] === "{") {
      const end = closingBrace(text, i)
      if (end !== -1) {
        const candidate = text.slice(i, end + 1)
        const parsed = parse(candidate) ?? parse(stripComments(candidate))
        if (isRecord(parsed)) {
          out.push(parsed)
          i = end + 1
          continue
        }
      }
    }
    i++
  }
  return out
}

/** What a seed example is, by its shape. */
export type Kind =
  | "MessagesRequest"
  | "Message"
  | "ErrorBody"
  | "ToolDefinition"
  | "MessageParam"
  | "ContentBlock"
  | "Other"

/** Classifies an example: a request has model + messages, a response is `type: "message"`, and so on. */
export const classify = (json: Record<string, unknown>): Kind =>
  "model" in json && "messages" in json
    ? "MessagesRequest"
    : json.type === "message"
      ? "Message"
      : json.type === "error"
        ? "ErrorBody"
        : "input_schema" in json
          ? "ToolDefinition"
          : "role" in json && "content" in json
            ? "MessageParam"
            : typeof json.type === "string"
              ? "ContentBlock"
              : "Other"
