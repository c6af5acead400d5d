import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import * as Content from "../src/Content.js"
import type * as Message from "../src/Message.js"
import type * as Request from "../src/Request.js"
import * as Tokens from "../src/Tokens.js"

const bytes = (...parts: ReadonlyArray<string | ReadonlyArray<number>>): Uint8Array =>
  new Uint8Array(parts.flatMap((part) => (typeof part === "string" ? [...part].map((c) => c.charCodeAt(0)) : part)))

const u16be = (n: number) => [n >> 8, n & 0xff]
const u16le = (n: number) => [n & 0xff, n >> 8]
const u24le = (n: number) => [n & 0xff, (n >> 8) & 0xff, n >> 16]
const u32be = (n: number) => [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]

const png = (width: number, height: number) =>
  bytes([0x89], "PNG\r\n\x1a\n", u32be(13), "IHDR", u32be(width), u32be(height), [8, 6, 0, 0, 0])
const gif = (width: number, height: number) => bytes("GIF89a", u16le(width), u16le(height), [0, 0, 0])
const jpeg = (width: number, height: number) =>
  bytes(
    [0xff, 0xd8],
    [0xff, 0xe0],
    u16be(16),
    "JFIF\0",
    [1, 1, 0, 0, 1, 0, 1, 0, 0],
    [0xff, 0xc0],
    u16be(17),
    [8],
    u16be(height),
    u16be(width),
    [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]
  )
const webpVp8x = (width: number, height: number) =>
  bytes("RIFF", [0, 0, 0, 0], "WEBP", "VP8X", [10, 0, 0, 0], [0, 0, 0, 0], u24le(width - 1), u24le(height - 1))
const webpVp8l = (width: number, height: number) => {
  const bits = ((width - 1) | ((height - 1) << 14)) >>> 0
  return bytes(
    "RIFF",
    [0, 0, 0, 0],
    "WEBP",
    "VP8L",
    [0, 0, 0, 0],
    [0x2f],
    [bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, bits >>> 24]
  )
}
const webpVp8 = (width: number, height: number) =>
  bytes("RIFF", [0, 0, 0, 0], "WEBP", "VP8 ", [0, 0, 0, 0], [0, 0, 0], [0x9d, 0x01, 0x2a], u16le(width), u16le(height))

const image = (data: Uint8Array, mediaType: Content.ImageMediaType = "image/png") =>
  Content.imageBase64(mediaType, Encoding.encodeBase64(data))

describe("Tokens", () => {
  it("estimates text by script", () => {
    assert.strictEqual(Tokens.estimateText(""), 0)
    assert.strictEqual(Tokens.estimateText("abcdefg"), 2) // 7 / 3.5
    assert.strictEqual(Tokens.estimateText("Hello, Claude"), 4) // 13 / 3.5 = 3.71
    assert.strictEqual(Tokens.estimateText("привет"), 3) // 6 / 2
    assert.strictEqual(Tokens.estimateText("你好世界"), 4)
    assert.strictEqual(Tokens.estimateText("😀😀"), 2) // one per emoji, not per UTF-16 unit
    assert.strictEqual(Tokens.estimateText("Hi 你好"), 3) // 3 / 3.5 + 2 = 2.86
  })

  it("reads image sizes from PNG, GIF, JPEG and WebP headers", () => {
    assert.deepStrictEqual(Tokens.imageSize(png(800, 600)), Option.some({ width: 800, height: 600 }))
    assert.deepStrictEqual(Tokens.imageSize(gif(320, 200)), Option.some({ width: 320, height: 200 }))
    assert.deepStrictEqual(Tokens.imageSize(jpeg(1024, 768)), Option.some({ width: 1024, height: 768 }))
    assert.deepStrictEqual(Tokens.imageSize(webpVp8x(640, 480)), Option.some({ width: 640, height: 480 }))
    assert.deepStrictEqual(Tokens.imageSize(webpVp8l(300, 150)), Option.some({ width: 300, height: 150 }))
    assert.deepStrictEqual(Tokens.imageSize(webpVp8(200, 100)), Option.some({ width: 200, height: 100 }))
    assert.deepStrictEqual(Tokens.imageSize(bytes("not an image at all")), Option.none())
    assert.deepStrictEqual(Tokens.imageSize(bytes([0xff, 0xd8, 0xff])), Option.none())
  })

  it("estimates images by (width * height) / 750 after downscaling, 1600 when the size is unknown", () => {
    assert.strictEqual(Tokens.estimateBlock(image(png(750, 100))), 100)
    assert.strictEqual(Tokens.estimateBlock(image(png(800, 600))), 640)
    assert.strictEqual(Tokens.estimateBlock(image(jpeg(1000, 1000), "image/jpeg")), 1334)
    assert.strictEqual(Tokens.estimateImageSize(3136, 200), 210) // scaled to 1568 x 100: 156800 / 750 = 209.07
    assert.strictEqual(Tokens.estimateBlock(image(png(4000, 3000))), 1600)
    assert.strictEqual(Tokens.estimateBlock(Content.imageUrl("https://example.com/a.png")), 1600)
    assert.strictEqual(Tokens.estimateBlock(image(bytes("garbage"))), 1600)
  })

  it("estimates PDFs per page", () => {
    const pdf = (text: string) => Content.pdfDocument(Encoding.encodeBase64(text))
    const twoPages =
      "%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >>\n" +
      "2 0 obj << /Type /Page >>\n3 0 obj << /Type/Page >>\n%%EOF"
    assert.strictEqual(Tokens.estimateBlock(pdf(twoPages)), 2 * Tokens.pdfPageTokens)
    assert.strictEqual(Tokens.estimateBlock(pdf("%PDF-1.7 compressed")), Tokens.pdfPageTokens)
  })

  it("estimates a request: system, messages with their overhead, tools with the tool system prompt", () => {
    const tool: Request.CustomTool = { name: "t", input_schema: { type: "object" } }
    const request: Request.MessagesRequest = {
      model: "claude-sonnet-4-5",
      max_tokens: 10,
      system: "Be brief.", // 9 chars: 3
      messages: [
        { role: "user", content: "Hello" }, // 2 + 4
        { role: "assistant", content: [Content.text("Hi there!")] } // 3 + 4
      ],
      tools: [tool] // {"name":"t","input_schema":{"type":"object"}}: 45 chars: 13, + 346
    }
    assert.strictEqual(JSON.stringify(tool).length, 45)
    assert.strictEqual(Tokens.estimateRequest(request), 3 + 6 + 7 + 13 + Tokens.toolSystemPromptTokens)
    assert.strictEqual(
      Tokens.estimateRequest({
        model: "m",
        messages: [{ role: "user", content: [Content.toolResult("x", "abcdefg")] }]
      }),
      2 + Tokens.messageOverhead
    )
    // a system message without content (beta) is the per-message overhead alone
    const settings: Message.SystemSettingsParam = { role: "system", output_config: { effort: "low" } }
    assert.strictEqual(Tokens.estimateMessage(settings), Tokens.messageOverhead)
    assert.strictEqual(
      Tokens.estimateRequest({ ...request, messages: [settings, ...request.messages] }),
      Tokens.estimateRequest(request) + Tokens.messageOverhead
    )
  })

  it("finds context windows by the longest prefix, in a registry users can extend", () => {
    assert.deepStrictEqual(Tokens.contextWindow("claude-sonnet-4-5-20250929"), Option.some(200_000))
    assert.deepStrictEqual(Tokens.contextWindow("claude-3.5-sonnet"), Option.some(200_000))
    assert.deepStrictEqual(Tokens.contextWindow("claude-opus-4-1-20250805"), Option.some(200_000))
    assert.deepStrictEqual(Tokens.contextWindow("gpt-4o"), Option.none())
    const extended = Tokens.register(Tokens.models, { "my-model": 32_000, "claude-sonnet-4-5": 1_000_000 })
    assert.deepStrictEqual(Tokens.contextWindow("my-model-v2", extended), Option.some(32_000))
    assert.deepStrictEqual(Tokens.contextWindow("claude-sonnet-4-5-20250929", extended), Option.some(1_000_000))
    assert.deepStrictEqual(Tokens.contextWindow("claude-sonnet-4-0", extended), Option.some(200_000))
    assert.deepStrictEqual(Tokens.contextWindow("my-model"), Option.none())
  })

  it.effect("checks a request against the model's context window", () =>
    Effect.gen(function* () {
      const registry = Tokens.register(Tokens.models, { tiny: 100 })
      const request = (text: string, max_tokens: number): Request.MessagesRequest => ({
        model: "tiny-1",
        max_tokens,
        messages: [{ role: "user", content: text }]
      })
      assert.strictEqual(yield* Tokens.checkContextWindow(request("x".repeat(70), 76), registry), 24)
      const error = yield* Effect.flip(Tokens.checkContextWindow(request("x".repeat(70), 77), registry))
      assert.strictEqual(error._tag, "ContextWindowExceeded")
      assert.deepStrictEqual(
        { model: error.model, estimated: error.estimated, window: error.window, maxTokens: error.maxTokens },
        { model: "tiny-1", estimated: 24, window: 100, maxTokens: 77 }
      )
      assert.strictEqual(
        error.message,
        "The request's estimated 24 input tokens + max_tokens 77 exceed the 100-token context window of tiny-1. " +
          "Shorten the conversation or lower max_tokens."
      )
      assert.strictEqual(yield* Tokens.checkContextWindow({ ...request("x".repeat(7), 1), model: "unknown" }), 6)
    })
  )
})
