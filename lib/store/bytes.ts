/**
 * About how many bytes a decoded message holds in the browser's heap, so retention can be
 * bounded in bytes and not only in count (5,000 messages of up to 1 MiB each would be 5 GB).
 * An estimate, cheap enough for every message: characters of every string (the heap keeps
 * Latin-1 text at one byte a character, the rest at two; counting one keeps the estimate cheap
 * and close for agent traffic), plus a fixed cost per string, property, object and array.
 */
const STRING = 16;
const PROPERTY = 8;
const OBJECT = 32;
const NUMBER = 8;
/** A stored message's own record (seq, subject, channels, times) beside the message. */
export const RECORD_BYTES = 160;

export function approxBytes(value: unknown, depth = 0): number {
  if (typeof value === "string") return STRING + value.length;
  if (typeof value !== "object" || value === null) return NUMBER;
  // Decoded messages are at most 32 levels deep (the protocol's limit); stop well past it.
  if (depth > 64) return OBJECT;
  let n = OBJECT;
  if (Array.isArray(value)) {
    for (const item of value) n += PROPERTY + approxBytes(item, depth + 1);
    return n;
  }
  for (const key in value) {
    n += PROPERTY + key.length + approxBytes((value as Record<string, unknown>)[key], depth + 1);
  }
  return n;
}
