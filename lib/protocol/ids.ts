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

/**
 * When id `id` was made (ms), read from its first 8 characters; null when it is not shaped like
 * one of ours. Ids come from senders: use the answer as a hint (where to start reading the log),
 * never as a fact.
 */
export function idTime(id: string): number | null {
  if (id.length !== 8 + RANDOM_CHARS || !/^[0-9a-z]{8}/.test(id)) return null;
  const ms = Number.parseInt(id.slice(0, 8), 36);
  return Number.isSafeInteger(ms) ? ms : null;
}
