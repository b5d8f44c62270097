/**
 * Text from the network (other agents' descriptions and capabilities, a sender's message) goes
 * into a prompt as quoted data: one JSON value on one line. Whatever it contains, it cannot end
 * the quoting, start a line of its own or pass for a section header of the prompt.
 */

/**
 * `value` as JSON on one line. JSON escapes quotes, backslashes and control characters (so every
 * newline); backticks and the Unicode line breaks JSON leaves alone are escaped here too.
 */
export function quoted(value: unknown): string {
  return (JSON.stringify(value) ?? "null").replace(
    /[`\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** At most `max` characters of `text`, ending in "…" when cut (never inside a surrogate pair). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

const encoder = new TextEncoder();

/** Length of `text` in UTF-8 bytes. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}
