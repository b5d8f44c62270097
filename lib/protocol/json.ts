/**
 * JSON values as a zod schema. `z.json()` was close to half the cost of validating a whole
 * envelope (a recursive union tried per value); this check does the same job in one pass.
 */
import { z } from "zod";
import { MAX_JSON_DEPTH } from "./limits";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonValue(v: unknown, depth = 0): v is JsonValue {
  // A recursion guard; the envelope's own limit, counted from its root, is enforced by the codec.
  if (depth > MAX_JSON_DEPTH) return false;
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object": {
      if (v === null) return true;
      if (Array.isArray(v)) {
        for (const item of v) if (!isJsonValue(item, depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return false; // Date, Map, class instances
      for (const key in v) {
        if (!isJsonValue((v as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false; // undefined, function, bigint, symbol
  }
}

export const JsonValue = z.custom<JsonValue>((v) => isJsonValue(v), "must be a JSON value");
export const JsonObject = z.record(z.string(), JsonValue);
