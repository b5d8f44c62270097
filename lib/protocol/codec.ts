/**
 * Bytes <-> envelope. Decoding never throws: it returns the message or a `DecodeError` whose
 * `reason` is one of `REJECT_REASONS`, so a subscription loop can count, log and drop it.
 */
import type { z } from "zod";
import { InvalidMessageError, MessageTooLargeError } from "./errors";
import { AgentMessage } from "./envelope";
import { fastParse } from "./fast-envelope";
import { FORBIDDEN_KEYS } from "./json";
import { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from "./limits";

/** Why an incoming message was dropped. Decoding finds the first group, the transport the rest. */
export const REJECT_REASONS = [
  "oversized",
  "invalid_utf8",
  "malformed_json",
  "not_an_object",
  "forbidden_key",
  "too_deep",
  "unsupported_version",
  "invalid_envelope",
  // found by the transport, which knows subjects, pending requests and limits:
  "misrouted",
  "spoofed",
  "hop_limit",
  "unknown_request",
  "overloaded",
  "duplicate",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export class DecodeError extends Error {
  override readonly name = "DecodeError";
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
  }
}

export type Decoded =
  { readonly ok: true; readonly message: AgentMessage } | { readonly ok: false; readonly error: DecodeError };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export function decodeMessage(data: Uint8Array, maxBytes = MAX_MESSAGE_BYTES): Decoded {
  if (data.byteLength > maxBytes) {
    return fail("oversized", `${data.byteLength} bytes, over the ${maxBytes}-byte limit`);
  }
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return fail("invalid_utf8", "body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail("malformed_json", `body is not JSON (${(e as Error).message})`);
  }
  return decodeValue(value);
}

/** Validates an already-parsed value (the browser store and route handlers receive objects). */
export function decodeValue(value: unknown): Decoded {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    // The common case, checked in one pass; anything it is unsure of takes the full path below,
    // which also gives every error its reason and message.
    const fast = fastParse(value as Record<string, unknown>);
    if (fast !== undefined) return { ok: true, message: fast };
  }
  return decodeValueFully(value);
}

/** The full path: structure, version, then zod. Exported for the fast path's differential test. */
export function decodeValueFully(value: unknown): Decoded {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    return fail("not_an_object", `body is ${kind}, not an object`);
  }
  const structural = checkStructure(value, 0);
  if (structural !== null) return { ok: false, error: structural };
  const v = (value as { v?: unknown }).v;
  if (v !== PROTOCOL_VERSION) {
    return fail(
      "unsupported_version",
      `protocol version ${JSON.stringify(v) ?? "missing"}, expected ${PROTOCOL_VERSION}`,
    );
  }
  const parsed = AgentMessage.safeParse(value);
  if (!parsed.success) return fail("invalid_envelope", summarize(parsed.error));
  return { ok: true, message: parsed.data };
}

/** Validates and serializes; throws `InvalidMessageError` or `MessageTooLargeError`. */
export function encodeMessage(message: AgentMessage, maxBytes = MAX_MESSAGE_BYTES): Uint8Array {
  let valid = fastParse(message as unknown as Record<string, unknown>);
  if (valid === undefined) {
    const parsed = AgentMessage.safeParse(message);
    if (!parsed.success) {
      throw new InvalidMessageError(
        `invalid ${message.type} message: ${summarize(parsed.error)}`,
        parsed.error,
      );
    }
    // What receivers would refuse as too deep is refused here, before it is sent.
    const structural = checkStructure(parsed.data, 0);
    if (structural !== null)
      throw new InvalidMessageError(`invalid ${message.type} message: ${structural.message}`);
    valid = parsed.data;
  }
  const bytes = encoder.encode(JSON.stringify(valid));
  if (bytes.byteLength > maxBytes) throw new MessageTooLargeError(bytes.byteLength, maxBytes);
  return bytes;
}

function checkStructure(value: object, depth: number): DecodeError | null {
  if (depth > MAX_JSON_DEPTH)
    return new DecodeError("too_deep", `nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === "object" && item !== null) {
        const e = checkStructure(item as object, depth + 1);
        if (e !== null) return e;
      }
    }
    return null;
  }
  for (const key in value) {
    if (FORBIDDEN_KEYS.has(key)) return new DecodeError("forbidden_key", `forbidden key "${key}"`);
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null) {
      const e = checkStructure(item, depth + 1);
      if (e !== null) return e;
    }
  }
  return null;
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}

function fail(reason: RejectReason, message: string): Decoded {
  return { ok: false, error: new DecodeError(reason, message) };
}
