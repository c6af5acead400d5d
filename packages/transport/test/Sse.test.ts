import { assert, describe, it } from "@effect/vitest"
import * as Sse from "../src/internal/sse.js"

/** Parses `pieces` fed one after the other; returns `[event, data]` pairs. */
const parse = (pieces: ReadonlyArray<string>, end = true): Array<[string, string]> => {
  const parser = Sse.make()
  const out: Array<[string, string]> = []
  const onEvent = (data: string) => out.push([parser.event(), data])
  for (const piece of pieces) parser.feed(piece, onEvent)
  if (end) parser.end()
  return out
}

const sample = [
  ": a comment\n",
  "event: message_start\n",
  'data: {"type":"message_start"}\n',
  "\n",
  "event: ping\n",
  'data: {"type": "ping"}\n',
  "\n",
  "data: first line\n",
  "data: second line\n",
  "id: 7\n",
  "retry: 100\n",
  "unknown-field: x\n",
  "\n",
  "event:no-space\n",
  "data:no-space\n",
  "\n"
].join("")

const expected: Array<[string, string]> = [
  ["message_start", '{"type":"message_start"}'],
  ["ping", '{"type": "ping"}'],
  ["message", "first line\nsecond line"],
  ["no-space", "no-space"]
]

describe("Sse", () => {
  it("parses events, several data lines, comments and unknown fields", () => {
    assert.deepStrictEqual(parse([sample]), expected)
  })

  it("gives the same events for every split of the input, down to 1-character pieces", () => {
    assert.deepStrictEqual(parse(sample.split("")), expected)
    for (let at = 0; at <= sample.length; at++) {
      assert.deepStrictEqual(parse([sample.slice(0, at), sample.slice(at)]), expected, `split at ${at}`)
    }
  })

  it("accepts CRLF and CR line endings, including a CRLF split across pieces", () => {
    const crlf = sample.replaceAll("\n", "\r\n")
    assert.deepStrictEqual(parse([crlf]), expected)
    assert.deepStrictEqual(parse(crlf.split("")), expected)
    assert.deepStrictEqual(parse([sample.replaceAll("\n", "\r")]), expected)
    assert.deepStrictEqual(parse(["data: a\r", "\n\r", "\n"]), [["message", "a"]])
  })

  it("ignores an event without data, and resets the event name after each event", () => {
    assert.deepStrictEqual(parse(["event: lonely\n\ndata: x\n\n"]), [["message", "x"]])
  })

  it("discards a last event without its blank line when the text ends, as the SSE rules say", () => {
    assert.deepStrictEqual(parse(['event: message_stop\ndata: {"type":"message_stop"}'], false), [])
    assert.deepStrictEqual(parse(['event: message_stop\ndata: {"type":"message_stop"}']), [])
    assert.deepStrictEqual(parse(['data: {"a":1}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n']), [
      ["message", '{"a":1}']
    ])
  })

  it("keeps data with colons and leading spaces after the first", () => {
    assert.deepStrictEqual(parse(["data:  two spaces: and a colon\n\n"]), [["message", " two spaces: and a colon"]])
  })

  it("parses one 64 KiB piece and the same text in 1-character pieces to the same 1,000 events", () => {
    const events = Array.from({ length: 1000 }, (_, i) => `event: e${i % 3}\ndata: ${"x".repeat(40)}${i}\n\n`).join("")
    assert.isAbove(events.length, 50_000)
    const whole = parse([events])
    assert.strictEqual(whole.length, 1000)
    assert.deepStrictEqual(whole[999], ["e0", `${"x".repeat(40)}999`])
    assert.deepStrictEqual(parse(events.split("")), whole)
  })
})
