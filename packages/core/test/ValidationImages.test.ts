import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Content from "../src/Content.js"
import type * as Request from "../src/Request.js"
import * as Tokens from "../src/Tokens.js"
import * as Validation from "../src/Validation.js"

// Images as the API reads them: the magic number says the format, the header the dimensions. The headers below are
// built byte by byte; the small images are complete, valid files.

const bytes = (...parts: ReadonlyArray<string | ReadonlyArray<number>>): Uint8Array =>
  new Uint8Array(parts.flatMap((part) => (typeof part === "string" ? [...part].map((c) => c.charCodeAt(0)) : part)))

const u16be = (n: number) => [n >> 8, n & 0xff]
const u16le = (n: number) => [n & 0xff, n >> 8]
const u24le = (n: number) => [n & 0xff, (n >> 8) & 0xff, n >> 16]
const u32be = (n: number) => [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]
const u32le = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]

const png = (width: number, height: number) =>
  bytes([0x89], "PNG\r\n\x1a\n", u32be(13), "IHDR", u32be(width), u32be(height), [8, 6, 0, 0, 0], u32be(0))
const gif = (width: number, height: number) => bytes("GIF89a", u16le(width), u16le(height), [0, 0, 0])
/** A JPEG whose frame header comes after a JFIF and an EXIF segment, as cameras write them. */
const jpeg = (width: number, height: number, exif = 0) =>
  bytes(
    [0xff, 0xd8],
    [0xff, 0xe0],
    u16be(16),
    "JFIF\0",
    [1, 1, 0, 0, 1, 0, 1, 0, 0],
    [0xff, 0xe1],
    u16be(exif + 8),
    "Exif\0\0",
    new Array<number>(exif).fill(0xff),
    [0xff, 0xc0],
    u16be(17),
    [8],
    u16be(height),
    u16be(width),
    [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
    [0xff, 0xd9]
  )
const riff = (chunk: string, payload: ReadonlyArray<number>) =>
  bytes("RIFF", u32le(4 + 8 + payload.length), "WEBP", chunk, u32le(payload.length), payload)
const webpExtended = (width: number, height: number) =>
  riff("VP8X", [0x10, 0, 0, 0, ...u24le(width - 1), ...u24le(height - 1)])
const webpLossy = (width: number, height: number) =>
  riff("VP8 ", [0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, ...u16le(width), ...u16le(height), 0, 0])
const webpLossless = (width: number, height: number) => {
  const bits = (width - 1) | ((height - 1) << 14)
  return riff("VP8L", [0x2f, ...u32le(bits >>> 0), 0, 0])
}

const base64 = (data: Uint8Array) => Buffer.from(data).toString("base64")

// Complete 1x1 images (the usual smallest valid files of each format).
const tiny = {
  "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "image/gif": "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
  "image/jpeg":
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////" +
    "////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=",
  "image/webp": "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="
} as const

type MediaType = keyof typeof tiny
const mediaTypes = Object.keys(tiny) as ReadonlyArray<MediaType>

const image = (mediaType: MediaType, data: string) => Content.imageBase64(mediaType, data)

const request = (content: ReadonlyArray<Content.ContentBlock>): Request.MessagesRequest => ({
  model: "claude-sonnet-4-5",
  max_tokens: 100,
  messages: [{ role: "user", content: [...content, Content.text("What is this?")] }]
})

const result = (candidate: Request.MessagesRequest) =>
  Effect.runSync(Effect.either(Validation.validateRequest(candidate)))

const failure = (candidate: Request.MessagesRequest) =>
  Effect.runSync(Effect.flip(Validation.validateRequest(candidate)))

const error = (fields: { rule: Validation.Rule; turn?: number; block?: number; message: string }) =>
  new Validation.ValidationError(fields)

describe("images", () => {
  it("accepts complete images whose media_type is right, and data it cannot read", () => {
    for (const mediaType of mediaTypes) {
      const ok = request([image(mediaType, tiny[mediaType])])
      assert.strictEqual(Effect.runSync(Validation.validateRequest(ok)), ok)
    }
    // not base64, or not an image format the linter reads: left for the API to judge
    for (const data of ["base64_encoded_image_data", "", "data:image/png;base64,iVBORw0KGgo=", "AAAA"]) {
      assert.strictEqual(result(request([image("image/png", data)]))._tag, "Right")
    }
  })

  it("ImageMediaTypeMismatch: the bytes are another of the four formats than media_type", () => {
    // API: "messages.0.content.0.image.source.base64.data: Image does not match the provided media type image/png"
    assert.deepStrictEqual(
      failure(request([image("image/png", tiny["image/jpeg"])])),
      error({
        rule: "ImageMediaTypeMismatch",
        turn: 0,
        block: 0,
        message:
          "messages[0].content[0]: the image data is image/jpeg but media_type says image/png; set media_type to " +
          "image/jpeg"
      })
    )
    for (const actual of mediaTypes) {
      for (const declared of mediaTypes) {
        const outcome = result(request([image(declared, tiny[actual])]))
        if (actual === declared) assert.strictEqual(outcome._tag, "Right")
        else assert.strictEqual(outcome._tag === "Left" && outcome.left.rule, "ImageMediaTypeMismatch")
      }
    }
  })

  it("ImageTooLarge: more than 5 MB decoded", () => {
    // docs: "The maximum allowed image file size is 5MB per image"
    const padded = (size: number) => {
      const data = new Uint8Array(size)
      data.set(png(16, 16))
      return base64(data)
    }
    const limit = Validation.limits.imageBytes
    assert.strictEqual(result(request([image("image/png", padded(limit))]))._tag, "Right")
    assert.deepStrictEqual(
      failure(request([image("image/png", padded(limit + 1))])),
      error({
        rule: "ImageTooLarge",
        turn: 0,
        block: 0,
        message:
          `messages[0].content[0]: the image is ${limit + 1} bytes; the API accepts at most 5 MB (${limit} bytes) ` +
          "per image"
      })
    )
  })

  it("ImageDimensionsTooLarge: more than 8000 px on a side, read from PNG, GIF, JPEG and WebP headers", () => {
    // docs: "If you submit an image larger than 8000x8000 px, it will be rejected"
    assert.deepStrictEqual(
      failure(request([image("image/jpeg", base64(jpeg(8001, 600, 40_000)))])),
      error({
        rule: "ImageDimensionsTooLarge",
        turn: 0,
        block: 0,
        message: "messages[0].content[0]: the image is 8001x600 px; scale it to at most 8000 px on each side"
      })
    )
    const formats: ReadonlyArray<readonly [MediaType, (w: number, h: number) => Uint8Array, number]> = [
      ["image/png", png, 100_000],
      ["image/gif", gif, 65_535],
      ["image/jpeg", (w, h) => jpeg(w, h, 100), 65_535],
      ["image/webp", webpExtended, 1 << 24],
      ["image/webp", webpLossy, 16_383],
      ["image/webp", webpLossless, 16_384]
    ]
    FastCheck.assert(
      FastCheck.property(
        FastCheck.constantFrom(...formats).chain(([mediaType, make, max]) =>
          FastCheck.tuple(
            FastCheck.constant(mediaType),
            FastCheck.constant(make),
            FastCheck.oneof(FastCheck.integer({ min: 1, max }), FastCheck.integer({ min: 7990, max: 8010 })),
            FastCheck.oneof(FastCheck.integer({ min: 1, max }), FastCheck.integer({ min: 7990, max: 8010 }))
          )
        ),
        ([mediaType, make, width, height]) => {
          const outcome = result(request([image(mediaType, base64(make(width, height)))]))
          if (Math.max(width, height) > 8000) {
            assert.deepStrictEqual(outcome._tag === "Left" ? [outcome.left.rule, outcome.left.message] : outcome, [
              "ImageDimensionsTooLarge",
              `messages[0].content[0]: the image is ${width}x${height} px; scale it to at most 8000 px on each side`
            ])
          } else {
            assert.strictEqual(outcome._tag, "Right")
          }
        }
      ),
      { numRuns: 600 }
    )
  })

  it("checks images inside tool results too", () => {
    const inResult: Request.MessagesRequest = {
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [
        { role: "user", content: "Screenshot?" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "screenshot", input: {} }] },
        {
          role: "user",
          content: [Content.toolResult("t1", [Content.text("Here"), image("image/png", base64(png(9000, 10)))])]
        }
      ]
    }
    assert.deepStrictEqual(
      failure(inResult),
      error({
        rule: "ImageDimensionsTooLarge",
        turn: 2,
        block: 0,
        message: "messages[2].content[0].content[1]: the image is 9000x10 px; scale it to at most 8000 px on each side"
      })
    )
  })

  it("TooManyImages: more than 100 images in a request, tool results included", () => {
    // docs: "You can include up to 100 images in a single request" (API)
    const url = Content.imageUrl("https://example.com/ant.jpg")
    const withImages = (top: number, nested: number): Request.MessagesRequest => ({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [
        { role: "user", content: [...new Array<Content.ContentBlock>(top).fill(url), Content.text("Look")] },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "more", input: {} }] },
        { role: "user", content: [Content.toolResult("t1", new Array<Content.ToolResultContent>(nested).fill(url))] }
      ]
    })
    assert.strictEqual(result(withImages(60, 40))._tag, "Right")
    assert.deepStrictEqual(
      failure(withImages(60, 41)),
      error({
        rule: "TooManyImages",
        turn: 2,
        block: 0,
        message: "messages[2].content[0].content[40]: a request may hold at most 100 images; this is image 101"
      })
    )
  })

  it("the token estimate reads the same header as the checks: one reader for every format", () => {
    const samples: ReadonlyArray<readonly [MediaType, Uint8Array, number, number]> = [
      ["image/png", png(1200, 800), 1200, 800],
      ["image/gif", gif(640, 480), 640, 480],
      ["image/jpeg", jpeg(3000, 2000, 40_000), 3000, 2000],
      ["image/webp", webpExtended(9001, 12), 9001, 12],
      ["image/webp", webpLossy(300, 200), 300, 200],
      ["image/webp", webpLossless(1568, 1568), 1568, 1568]
    ]
    for (const [mediaType, data, width, height] of samples) {
      assert.deepStrictEqual(Option.getOrUndefined(Tokens.imageSize(data)), { width, height })
      const block = image(mediaType, base64(data))
      assert.strictEqual(Tokens.estimateBlock(block), Tokens.estimateImageSize(width, height))
      const checked = result(request([block]))
      assert.strictEqual(checked._tag === "Left" && checked.left.rule === "ImageDimensionsTooLarge", width > 8000)
    }
  })
})
