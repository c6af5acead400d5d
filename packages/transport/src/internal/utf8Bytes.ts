/**
 * A string as UTF-8 bytes, for a request body sent as bytes.
 *
 * Why bytes and not the string itself: `node:http` counts a string body's length again and `writev` converts it to
 * UTF-8 on every send, which on a two-byte string (any non-Latin-1 character in the conversation) costs more than
 * encoding it once; and the string can be dropped as soon as it is encoded, while the bytes live outside the JS heap.
 * Measured at 2,000 history messages (780 KB of JSON): 6.3 → 4.6 ms of client CPU per call (bench/RESULTS.md).
 * `Buffer.from` where the runtime has it (Node, Bun, Deno), else `TextEncoder`. A lone surrogate becomes U+FFFD in
 * both, as it would on the wire.
 */
const nativeFrom: ((text: string, encoding: "utf8") => Uint8Array) | undefined = (
  globalThis as { readonly Buffer?: { readonly from?: (text: string, encoding: "utf8") => Uint8Array } }
).Buffer?.from

const encoder = new TextEncoder()

export const utf8Bytes: (text: string) => Uint8Array =
  nativeFrom !== undefined ? (text) => nativeFrom(text, "utf8") : (text) => encoder.encode(text)
