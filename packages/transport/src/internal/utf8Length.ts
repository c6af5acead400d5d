/**
 * The UTF-8 length of a string in bytes, for the `content-length` of a body sent as the string itself.
 *
 * Why: `Buffer.byteLength` where the runtime has it (Node, Bun, Deno) is native, ~8× faster than counting in JS (0.5
 * vs 4 ms on a 780 KB body with non-ASCII text); elsewhere `TextEncoder` counts natively too, at the cost of a copy.
 */
const nativeByteLength: ((text: string, encoding: "utf8") => number) | undefined = (
  globalThis as { readonly Buffer?: { readonly byteLength?: (text: string, encoding: "utf8") => number } }
).Buffer?.byteLength

const encoder = new TextEncoder()

export const utf8Length: (text: string) => number =
  nativeByteLength !== undefined ? (text) => nativeByteLength(text, "utf8") : (text) => encoder.encode(text).length
