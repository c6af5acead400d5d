import type * as Content from "@parley/core/Content"
import * as Message from "@parley/core/Message"
import type * as Request from "@parley/core/Request"
import * as Ids from "./ids.js"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }
type JsonSchema = Record<string, unknown>

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const resolve = (schema: JsonSchema, root: JsonSchema): JsonSchema => {
  const ref = schema["$ref"]
  if (typeof ref !== "string" || !ref.startsWith("#/")) return schema
  let target: unknown = root
  for (const part of ref.slice(2).split("/")) target = isObject(target) ? target[part] : undefined
  return isObject(target) ? target : {}
}

const sampleString = (schema: JsonSchema, hint: string): string => {
  switch (schema["format"]) {
    case "date-time":
      return new Date(0).toISOString()
    case "date":
      return "1970-01-01"
    case "time":
      return "00:00:00Z"
    case "email":
      return "user@example.com"
    case "uri":
    case "url":
      return "https://example.com"
    case "uuid":
      return "00000000-0000-4000-8000-000000000000"
  }
  const min = typeof schema["minLength"] === "number" ? schema["minLength"] : 0
  const max = typeof schema["maxLength"] === "number" ? schema["maxLength"] : Number.POSITIVE_INFINITY
  const text = hint.length > 0 ? hint : "stand-in"
  return text.padEnd(min, ".").slice(0, max)
}

const sampleNumber = (schema: JsonSchema, integer: boolean): number => {
  const min =
    typeof schema["minimum"] === "number"
      ? schema["minimum"]
      : typeof schema["exclusiveMinimum"] === "number"
        ? schema["exclusiveMinimum"] + (integer ? 1 : 0.5)
        : undefined
  const max =
    typeof schema["maximum"] === "number"
      ? schema["maximum"]
      : typeof schema["exclusiveMaximum"] === "number"
        ? schema["exclusiveMaximum"] - (integer ? 1 : 0.5)
        : undefined
  const value = min !== undefined ? min : max !== undefined && max < 0 ? max : 0
  return integer ? Math.ceil(value) : value
}

/**
 * A value valid for a JSON Schema of the kinds structured outputs and tools use (objects with required properties,
 * strings, numbers, booleans, arrays, enums, `const`, `anyOf`/`oneOf`, local `$ref`s). `hint` fills free strings.
 */
export const sample = (schema: unknown, hint: string, root: unknown = schema, depth = 0): Json => {
  if (!isObject(schema) || depth > 32) return null
  const node = resolve(schema, isObject(root) ? root : {})
  if ("const" in node) return node["const"] as Json
  if (Array.isArray(node["enum"]) && node["enum"].length > 0) return node["enum"][0] as Json
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    const options = node[key]
    if (Array.isArray(options) && options.length > 0) {
      const pick = options.find((option) => isObject(option) && option["type"] !== "null") ?? options[0]
      return sample(pick, hint, root, depth + 1)
    }
  }
  const declared = node["type"]
  const type = Array.isArray(declared) ? (declared.find((t) => t !== "null") ?? declared[0]) : declared
  switch (type) {
    case "string":
      return sampleString(node, hint)
    case "integer":
      return sampleNumber(node, true)
    case "number":
      return sampleNumber(node, false)
    case "boolean":
      return true
    case "null":
      return null
    case "array": {
      const count = typeof node["minItems"] === "number" ? node["minItems"] : 1
      const max = typeof node["maxItems"] === "number" ? node["maxItems"] : count
      return Array.from({ length: Math.min(count, max) }, () => sample(node["items"], hint, root, depth + 1))
    }
    default: {
      const properties = isObject(node["properties"]) ? node["properties"] : {}
      const required = Array.isArray(node["required"]) ? node["required"].map(String) : Object.keys(properties)
      const out: Record<string, Json> = {}
      for (const key of required) out[key] = sample(properties[key], hint, root, depth + 1)
      return out
    }
  }
}

const thinkingEnabled = (request: Request.MessagesRequest): boolean => {
  const type = request.thinking?.type
  return type === "enabled" || type === "adaptive"
}

const formatSchema = (request: Request.MessagesRequest): unknown => {
  const format = request.output_config?.format ?? request.output_format
  return format?.type === "json_schema" ? (format as unknown as { readonly schema: unknown }).schema : undefined
}

/**
 * The reply with what the request asked for: a thinking block (with a signature) first when thinking is enabled and
 * the reply has none, and, for a final text reply under `output_config.format`, text that is JSON valid for the
 * schema (the reply's own text when it already is JSON, else a sample filled from it).
 */
export const apply = (message: Message.Message, request: Request.MessagesRequest): Message.Message => {
  let content: ReadonlyArray<Content.ContentBlock> = message.content
  const schema = formatSchema(request)
  if (schema !== undefined && !content.some((block) => block.type === "tool_use")) {
    const text = Message.textOf(message)
    let json: string
    try {
      const parsed: unknown = JSON.parse(text)
      json = isObject(parsed) ? text : JSON.stringify(sample(schema, text.trim()))
    } catch {
      json = JSON.stringify(sample(schema, text.trim()))
    }
    content = [...content.filter((block) => block.type !== "text"), { type: "text", text: json }]
  }
  if (thinkingEnabled(request) && !content.some((block) => block.type === "thinking")) {
    const thinking = "The stand-in planner read the conversation and chose its reply by rule."
    content = [{ type: "thinking", thinking, signature: Ids.random("sig") }, ...content]
  }
  return { ...message, content }
}
