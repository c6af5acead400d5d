import { createHash, randomBytes } from "node:crypto"

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

const base62 = (bytes: Uint8Array): string => {
  let out = ""
  for (const byte of bytes) out += alphabet[byte % 62]
  return out
}

/** A fresh id in the API's style: `msg_01…`, `toolu_01…`, `req_01…` (24 characters after the prefix). */
export const random = (prefix: string): string => `${prefix}_01${base62(randomBytes(22))}`

/** An id derived from `seed`, so the same input always yields the same id. */
export const derived = (prefix: string, seed: string): string =>
  `${prefix}_01${base62(createHash("sha256").update(seed).digest().subarray(0, 22))}`
