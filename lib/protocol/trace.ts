/**
 * W3C Trace Context for the mesh: every message of a thread carries a `traceparent` header
 * (`00-{trace-id}-{span-id}-01`) so an OpenTelemetry collector can join a thread's messages into
 * one trace. Both ids are derived, not stored: the trace id from the thread id (every message of
 * a thread shares it, whoever sends it, with no state to pass along), the span id from the
 * message id. Four (trace) or two (span) 32-bit FNV-1a lanes with different seeds, computed in
 * one pass and finished with a mixing step; an all-zero id (invalid) becomes 1.
 *
 * https://www.w3.org/TR/trace-context/#traceparent-header
 */
export const TRACEPARENT = "traceparent";

const PRIME = 0x01000193;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function mix(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

function hex8(h: number): string {
  return HEX[h >>> 24]! + HEX[(h >>> 16) & 255]! + HEX[(h >>> 8) & 255]! + HEX[h & 255]!;
}

function nonZero(id: string): string {
  return id.charCodeAt(0) === 48 && /^0+$/.test(id) ? `${id.slice(0, -1)}1` : id;
}

// A link sends many messages of one thread in a row (a stream's chunks, a run's answer): the last
// thread's trace id is kept.
let lastThread = "";
let lastTrace = "";

/** The trace id of a thread: 32 lowercase hex digits. */
export function traceId(threadId: string): string {
  if (threadId === lastThread) return lastTrace;
  let a = 0x811c9dc5;
  let b = 0x6a09e667;
  let c = 0xbb67ae85;
  let d = 0x3c6ef372;
  for (let i = 0; i < threadId.length; i++) {
    const k = threadId.charCodeAt(i);
    a = Math.imul(a ^ k, PRIME);
    b = Math.imul(b ^ k, PRIME);
    c = Math.imul(c ^ k, PRIME);
    d = Math.imul(d ^ k, PRIME);
  }
  lastTrace = nonZero(hex8(mix(a)) + hex8(mix(b)) + hex8(mix(c)) + hex8(mix(d)));
  lastThread = threadId;
  return lastTrace;
}

/** The span id of a message: 16 lowercase hex digits. */
export function spanId(messageId: string): string {
  let a = 0x811c9dc5;
  let b = 0x6a09e667;
  for (let i = 0; i < messageId.length; i++) {
    const k = messageId.charCodeAt(i);
    a = Math.imul(a ^ k, PRIME);
    b = Math.imul(b ^ k, PRIME);
  }
  return nonZero(hex8(mix(a)) + hex8(mix(b)));
}

/** The `traceparent` header value for a message of a thread. */
export function traceparent(threadId: string, messageId: string): string {
  return `00-${traceId(threadId)}-${spanId(messageId)}-01`;
}
