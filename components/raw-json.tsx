"use client";
/**
 * A message's raw envelope in the inspector: the place where all of a message is "one click
 * away". Up to 1 MiB of content can become several megabytes of JSON (every control character is
 * six once escaped), and laying out that much text takes the main thread for a long while, so
 * the first 64 KiB are shown and the rest on a click. Invisible and bidi control characters are
 * written as JSON escapes (`\u202e`): still the same JSON, and nothing in it is hidden or
 * reordered.
 */
import { useMemo, useState } from "react";
import { MUTED } from "./look";

/** Characters of JSON laid out before "show all". */
export const JSON_PREVIEW_CHARS = 65_536;

const HIDDEN = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/** `JSON.stringify(value, null, 2)` with invisible and bidi controls written as `\uXXXX`. */
export function rawJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    HIDDEN,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function RawJson({ value }: { value: unknown }) {
  const json = useMemo(() => rawJson(value), [value]);
  const [all, setAll] = useState(false);
  const cut = !all && json.length > JSON_PREVIEW_CHARS;
  return (
    <>
      <pre
        data-testid="inspector-json"
        className="whitespace-pre-wrap break-all rounded bg-zinc-100 p-2 font-mono dark:bg-zinc-900"
      >
        {cut ? `${json.slice(0, JSON_PREVIEW_CHARS)}…` : json}
      </pre>
      {json.length > JSON_PREVIEW_CHARS && (
        <div className={`mt-1 ${MUTED}`}>
          {cut
            ? `${(json.length - JSON_PREVIEW_CHARS).toLocaleString("en-US")} more characters `
            : `${json.length.toLocaleString("en-US")} characters `}
          <button
            type="button"
            data-testid="inspector-show-all"
            onClick={() => setAll(!all)}
            className="font-semibold text-sky-800 hover:underline dark:text-sky-300"
          >
            {cut ? "show all" : "show less"}
          </button>
        </div>
      )}
    </>
  );
}
