/**
 * Reading an image's format and dimensions from its first bytes, for the token estimate (`Tokens`) and the
 * request checks (`Validation`) alike: PNG, GIF, JPEG and WebP, from raw bytes or from base64 data decoded on
 * demand (only the header is decoded).
 */

/** The image formats the API accepts, by the media type it names them with. */
export type ImageFormat = "image/jpeg" | "image/png" | "image/gif" | "image/webp"

export const imageFormats: ReadonlyArray<string> = ["image/jpeg", "image/png", "image/gif", "image/webp"]

const base64 = /^[A-Za-z0-9+/]*={0,2}$/

const sextet = (code: number): number =>
  code >= 65 && code <= 90
    ? code - 65
    : code >= 97 && code <= 122
      ? code - 71
      : code >= 48 && code <= 57
        ? code + 4
        : code === 43
          ? 62
          : code === 47
            ? 63
            : 0

/** Bytes read one at a time: `at(i)` is the byte at `i`, or -1 past the end. */
export interface Bytes {
  readonly size: number
  at(i: number): number
  matches(offset: number, bytes: ReadonlyArray<number>): boolean
  u16be(i: number): number
  u16le(i: number): number
  u24le(i: number): number
  u32be(i: number): number
}

/** The readers every byte source shares, over its `at`. */
abstract class Reader implements Bytes {
  abstract readonly size: number
  abstract at(i: number): number
  matches(offset: number, bytes: ReadonlyArray<number>): boolean {
    return bytes.every((byte, i) => this.at(offset + i) === byte)
  }
  u16be(i: number): number {
    return this.at(i) * 256 + this.at(i + 1)
  }
  u16le(i: number): number {
    return this.at(i) + this.at(i + 1) * 256
  }
  u24le(i: number): number {
    return this.at(i) + this.at(i + 1) * 256 + this.at(i + 2) * 65536
  }
  u32be(i: number): number {
    return this.u16be(i) * 65536 + this.u16be(i + 2)
  }
}

/** Raw bytes. */
class RawBytes extends Reader {
  readonly size: number
  constructor(readonly bytes: Uint8Array) {
    super()
    this.size = bytes.length
  }
  at(i: number): number {
    return i >= 0 && i < this.size ? this.bytes[i]! : -1
  }
}

/** The bytes of base64 data, decoded on demand (reading an image's header decodes only the header). */
class Base64Bytes extends Reader {
  readonly size: number
  constructor(readonly data: string) {
    super()
    const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0
    this.size = (data.length / 4) * 3 - padding
  }
  /** The byte at `i`, or -1 past the end. */
  at(i: number): number {
    if (i < 0 || i >= this.size) return -1
    const group = Math.floor(i / 3) * 4
    const bits =
      (sextet(this.data.charCodeAt(group)) << 18) |
      (sextet(this.data.charCodeAt(group + 1)) << 12) |
      (sextet(this.data.charCodeAt(group + 2)) << 6) |
      sextet(this.data.charCodeAt(group + 3))
    return (bits >> (16 - 8 * (i % 3))) & 0xff
  }
}

/** Raw bytes as a byte source. */
export const fromBytes = (bytes: Uint8Array): Bytes => new RawBytes(bytes)

/** Whether a string is plain base64 (whole groups of 4, the base64 alphabet, padding at the end only). */
export const isBase64 = (data: string): boolean => data.length % 4 === 0 && base64.test(data)

/** Plain base64 data as a byte source, decoded on demand. */
export const fromBase64 = (data: string): Bytes => new Base64Bytes(data)

const ascii = (text: string) => Array.from(text, (char) => char.charCodeAt(0))

/** The format the bytes are in, by their magic number; `undefined` for anything else. */
export const sniff = (bytes: Bytes): ImageFormat | undefined =>
  bytes.matches(0, [0xff, 0xd8, 0xff])
    ? "image/jpeg"
    : bytes.matches(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      ? "image/png"
      : bytes.matches(0, ascii("GIF87a")) || bytes.matches(0, ascii("GIF89a"))
        ? "image/gif"
        : bytes.matches(0, ascii("RIFF")) && bytes.matches(8, ascii("WEBP"))
          ? "image/webp"
          : undefined

export interface Dimensions {
  readonly width: number
  readonly height: number
}

/** A JPEG's dimensions, from its first start-of-frame segment (the segments before it are skipped by length). */
const jpegDimensions = (bytes: Bytes): Dimensions | undefined => {
  let p = 2
  while (p + 9 < bytes.size) {
    if (bytes.at(p) !== 0xff) return undefined
    const marker = bytes.at(p + 1)
    if (marker === 0xff) {
      p++ // fill byte
    } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      p += 2 // a marker without a length
    } else if (marker === 0xd9 || marker === 0xda) {
      return undefined // the end, or image data, before any frame header
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.u16be(p + 5), width: bytes.u16be(p + 7) }
    } else {
      const length = bytes.u16be(p + 2)
      if (length < 2) return undefined
      p += 2 + length
    }
  }
  return undefined
}

/** The image's width and height from its header; `undefined` when the header is not there or not understood. */
export const dimensionsOf = (bytes: Bytes, format: ImageFormat): Dimensions | undefined => {
  switch (format) {
    case "image/png":
      return bytes.matches(12, ascii("IHDR")) && bytes.size >= 24
        ? { width: bytes.u32be(16), height: bytes.u32be(20) }
        : undefined
    case "image/gif":
      return bytes.size >= 10 ? { width: bytes.u16le(6), height: bytes.u16le(8) } : undefined
    case "image/webp":
      if (bytes.matches(12, ascii("VP8X")) && bytes.size >= 30) {
        return { width: 1 + bytes.u24le(24), height: 1 + bytes.u24le(27) }
      }
      if (bytes.matches(12, ascii("VP8 ")) && bytes.matches(23, [0x9d, 0x01, 0x2a]) && bytes.size >= 30) {
        return { width: bytes.u16le(26) & 0x3fff, height: bytes.u16le(28) & 0x3fff }
      }
      if (bytes.matches(12, ascii("VP8L")) && bytes.at(20) === 0x2f && bytes.size >= 25) {
        const [b1, b2, b3, b4] = [bytes.at(21), bytes.at(22), bytes.at(23), bytes.at(24)]
        return {
          width: 1 + (((b2 & 0x3f) << 8) | b1),
          height: 1 + (((b4 & 0x0f) << 10) | (b3 << 2) | ((b2 & 0xc0) >> 6))
        }
      }
      return undefined
    case "image/jpeg":
      return jpegDimensions(bytes)
  }
}

/** The format and dimensions of an image, when its header can be read. */
export const read = (bytes: Bytes): { readonly format: ImageFormat; readonly dimensions: Dimensions } | undefined => {
  const format = sniff(bytes)
  const dimensions = format === undefined ? undefined : dimensionsOf(bytes, format)
  return format === undefined || dimensions === undefined ? undefined : { format, dimensions }
}
