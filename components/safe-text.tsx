/**
 * Text that came over the bus (names, descriptions, capabilities, tool and model names, error
 * codes and messages), made fit for display: bounded, rendered as text (React escapes it), and
 * with the invisible characters that can disguise it made visible: zero-width characters and bidi
 * controls (an override can make "exe.txt" read as "txt.exe"). Names are also isolated in
 * `<bdi>`, so right-to-left text in one cannot reorder what stands beside it.
 */

/**
 * Zero-width space/joiners and marks (U+200B-U+200F), bidi embeddings and overrides
 * (U+202A-U+202E), bidi isolates (U+2066-U+2069), the word joiner and invisible operators
 * (U+2060-U+2064), the BOM (U+FEFF), and C0/C1 controls other than tab, newline and carriage return.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
  /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|[\0-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/g;

/** `U+202E` as a short visible mark: ‹U+202E›. */
function mark(c: string): string {
  return `‹U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}›`;
}

/** Replaces invisible and bidi control characters with a visible ‹U+XXXX› mark. */
export function revealInvisible(s: string): string {
  return s.replace(INVISIBLE, mark);
}

/**
 * For message text, where zero-width joiners (emoji, Indic scripts) and direction marks (Arabic,
 * Hebrew) are legitimate: only the embedding, override and isolate controls are revealed, the
 * characters that make displayed text read differently from what was written ("Trojan Source").
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

export function revealBidiControls(s: string): string {
  return s.replace(BIDI_CONTROLS, mark);
}

/** True when `s` holds a character `revealInvisible` would replace. */
export function hasInvisible(s: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(s);
  INVISIBLE.lastIndex = 0;
  return found;
}

/**
 * At most `max` characters (never splitting a surrogate pair), with "…" when cut. Works on the
 * revealed text, so what is counted is what is seen.
 */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = Math.max(0, max - 1);
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${s.slice(0, cut)}…`;
}

/**
 * A name or label for display: invisible characters revealed, whitespace runs (newlines
 * included) folded to one space, cut to `max` characters. Only the first `4 * max` characters
 * are looked at, so a megabyte costs no more than a line.
 */
export function displayName(s: string, max = 64): string {
  const head = s.length > max * 4 ? s.slice(0, max * 4) : s;
  return clip(revealInvisible(head).replace(/\s+/g, " "), max);
}

/** Like `displayName`, keeping line breaks (for descriptions and error messages). */
export function displayText(s: string, max = 300): string {
  const head = s.length > max * 4 ? s.slice(0, max * 4) : s;
  return clip(revealInvisible(head), max);
}

/**
 * A name from the bus: isolated (`<bdi>`), invisible characters revealed, cut with an ellipsis
 * past `max`; the whole name (revealed, up to 1,000 characters) is in the tooltip when cut or
 * when it hid something.
 */
export function Name({ text, max = 64, className }: { text: string; max?: number; className?: string }) {
  const shown = displayName(text, max);
  const full = shown === text ? undefined : displayName(text, 1_000);
  return (
    <bdi className={className} title={full}>
      {shown}
    </bdi>
  );
}

/**
 * Free text from the bus (a description, an error message): revealed, cut to `max` characters
 * with the whole (up to 4,000) in the tooltip, and kept to `lines` lines on screen by CSS.
 */
export function Clipped({
  text,
  max = 300,
  lines = 3,
  className = "",
}: {
  text: string;
  max?: number;
  lines?: 1 | 2 | 3 | 4 | 6;
  className?: string;
}) {
  const shown = displayText(text, max);
  const full = shown === text ? undefined : displayText(text, 4_000);
  return (
    <span
      dir="auto"
      className={`${CLAMP[lines]} whitespace-pre-line break-words [overflow-wrap:anywhere] ${className}`}
      title={full}
    >
      {shown}
    </span>
  );
}

// Literal class names, so Tailwind finds them.
const CLAMP = {
  1: "line-clamp-1",
  2: "line-clamp-2",
  3: "line-clamp-3",
  4: "line-clamp-4",
  6: "line-clamp-6",
} as const;
