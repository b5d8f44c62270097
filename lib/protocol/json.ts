/**
 * JSON values as a zod schema. `z.json()` was close to half the cost of validating a whole
 * envelope (a recursive union tried per value); this check does the same job in one pass.
 */
import { z } from "zod";
import { MAX_JSON_DEPTH } from "./limits";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Keys that would reach an object's prototype when a parsed object is copied by assignment. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/**
 * A JSON value with no forbidden key, its objects and arrays nested at most MAX_JSON_DEPTH deep
 * counting from `depth` (where the value sits in the envelope: the codec's limit counts from the
 * envelope's root).
 */
export function isJsonValue(v: unknown, depth = 0): v is JsonValue {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object": {
      if (v === null) return true;
      if (depth > MAX_JSON_DEPTH) return false;
      if (Array.isArray(v)) {
        for (const item of v) if (!isJsonValue(item, depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return false; // Date, Map, class instances
      for (const key in v) {
        if (FORBIDDEN_KEYS.has(key) || !isJsonValue((v as Record<string, unknown>)[key], depth + 1))
          return false;
      }
      return true;
    }
    default:
      return false; // undefined, function, bigint, symbol
  }
}

export const JsonValue = z.custom<JsonValue>((v) => isJsonValue(v), "must be a JSON value");
export const JsonObject = z.record(z.string(), JsonValue);
