/**
 * Message ids: 22 characters, time-ordered, usable as a subject token (the response subject
 * carries the request id). 8 base-36 characters of milliseconds, then 14 random base-62 ones
 * (~83 bits), from `crypto.getRandomValues`, which every browser context has (randomUUID
 * needs a secure context, and a dashboard opened on a LAN address is not one).
 */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_CHARS = 14;
const pool = new Uint8Array(RANDOM_CHARS * 64);
let poolOffset = pool.length;

export function newId(now = Date.now()): string {
  if (poolOffset + RANDOM_CHARS > pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  let id = now.toString(36).padStart(8, "0");
  for (let i = 0; i < RANDOM_CHARS; i++) id += ALPHABET[pool[poolOffset++]! % 62];
  return id;
}
