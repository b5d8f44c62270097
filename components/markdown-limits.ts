/**
 * What a message's Markdown may cost, decided before it is parsed, by one linear scan of the text.
 *
 * react-markdown + remark-gfm are recursive (micromark's containers, mdast, hast, React's tree):
 * measured in Debian Chromium (react-markdown 10.1, remark-gfm 4.0.1, render + layout of one row,
 * median of 3, 2 cores; `bench/markdown-limits.bench.ts` prints the same table from Node, lower
 * times, same shape, same depths throwing), nesting thousands deep
 * throws "Maximum call stack size exceeded" (quotes 5,000, lists 2,000, quote-in-list 1,000, which
 * also crashed the renderer process outright) and the cost grows much faster than the text:
 *
 *   construct                  depth 16   depth 32   depth 100  > 16 ms from   throws at
 *   block quotes `>>>>`        0.8 ms     1.5 ms     2.7 ms     ~300          5,000
 *   one-line lists `- - -`     2.0 ms     2.9 ms     7.2 ms     ~150          2,000
 *   indented lists             3.7 ms     7.9 ms     37 ms      ~60           (quadratic text)
 *   quote in list `> - > -`    1.8 ms     2.8 ms     39 ms      ~100          1,000 (tab crash)
 *   emphasis `*a *a … a* a*`   1.0 ms     3.9 ms     5.1 ms     ~150          ~5,000
 *   strikethrough `~~a ~~a`    5.3 ms     3.8 ms     8.9 ms     ~150
 *   nested images `![![…`      1.0 ms     2.4 ms     13.5 ms    ~100
 *   nested links, brackets     1.0 ms     1.0 ms     2.7 ms     ~250, ~1,000
 *
 * and per element or character (same setup): dense Markdown prose 3.5 us/char (5,000 chars:
 * 17.7 ms), plain words 0.5 us/char, one long word 0.3 us/char, links 0.05 ms each (100: 5.4 ms,
 * 1,000: 34 ms), images 0.05 ms (100: 4.4 ms), table cells 0.04 ms (200: 8.3 ms, 2,000: 93 ms),
 * paragraphs 0.04-0.06 ms per line (1,000 lines: 62 ms).
 *
 * So a row renders Markdown only inside the budget below (~16 ms, one frame, at worst) and shows
 * anything past it as plain text with a note saying which limit it met. Long messages collapse to
 * a preview; "show all" renders the whole text once asked, under a larger (~50 ms, one click)
 * budget, and as plain text beyond it. The scan over-counts rather than under-counts: a false
 * alarm costs formatting, a miss could cost the page.
 */

export interface MarkdownBudget {
  /** Characters rendered as Markdown; a longer text is cut to a preview (rows) or shown plain. */
  readonly chars: number;
  /** Lines (each a paragraph at worst: 0.04-0.06 ms each). */
  readonly lines: number;
  /** Block nesting: quote markers, list markers and list indentation on one line. */
  readonly blockDepth: number;
  /** Inline nesting in one paragraph: open brackets plus open emphasis delimiters. */
  readonly inlineDepth: number;
  /** Links of every kind: inline, autolinks, bare URLs, e-mail addresses, references (images too). */
  readonly links: number;
  /** Images (each a click-to-load button). */
  readonly images: number;
  /** Table cells (header and body, rows padded to the header's width as GFM does). */
  readonly cells: number;
}

/**
 * A message row: ~16 ms at worst. Depth 16 is 4x what people write (a reply quoting a list in a
 * quote is 3-4) and costs at most 3.7 ms in the table above; 100 links ~6 ms; 200 cells ~8 ms.
 * The preview is kept to about half a screen (1,500 characters, 24 lines: ~5 ms of dense
 * Markdown), well inside the budget, which would allow 3,000-4,000 characters.
 */
export const ROW_BUDGET: MarkdownBudget = {
  chars: 1_500,
  lines: 24,
  blockDepth: 16,
  inlineDepth: 16,
  links: 100,
  images: 50,
  cells: 200,
};

/** A row in the narrow thread pane: a short preview, the same depth limits. */
export const COMPACT_BUDGET: MarkdownBudget = { ...ROW_BUDGET, chars: 400, lines: 8 };

/** "Show all": one render on a click, ~50 ms at worst (12,000 chars of dense Markdown ~40 ms). */
export const EXPANDED_BUDGET: MarkdownBudget = {
  chars: 12_000,
  lines: 400,
  blockDepth: 16,
  inlineDepth: 16,
  links: 300,
  images: 100,
  cells: 800,
};

/** Plain text shown in a row when asked for all of it; the rest is in the inspector (raw JSON). */
export const PLAIN_LIMIT = { chars: 64_000, lines: 2_000 } as const;

/** What a scan counted, measure by measure, to hold against a budget. */
export type MarkdownStats = Readonly<Record<keyof MarkdownBudget, number>>;

export type LimitKind = keyof MarkdownStats;

/** The first limit a text meets, with what was found and what is allowed. */
export interface LimitHit {
  readonly kind: LimitKind;
  readonly found: number;
  readonly limit: number;
}

const WHAT: Record<LimitKind, string> = {
  chars: "characters",
  lines: "lines",
  blockDepth: "levels of quote or list nesting",
  inlineDepth: "levels of bracket or emphasis nesting",
  links: "links",
  images: "images",
  cells: "table cells",
};

/** "nesting 5,000 deep" in words for the note under a message: "5,000 levels of … (limit 16)". */
export function describeLimit(hit: LimitHit): string {
  return `${hit.found.toLocaleString("en-US")} ${WHAT[hit.kind]} (limit ${hit.limit.toLocaleString("en-US")})`;
}

/** Order of the checks: the most dangerous first, so the note names the real problem. */
const CHECKS: readonly LimitKind[] = [
  "blockDepth",
  "inlineDepth",
  "chars",
  "lines",
  "cells",
  "images",
  "links",
];

/** Which limit `text` meets under `budget`, or null when it may be rendered as Markdown. */
export function markdownLimit(text: string, budget: MarkdownBudget): LimitHit | null {
  // Past the length limit the rest is not even scanned: the answer is already "too long".
  if (text.length > budget.chars) return { kind: "chars", found: text.length, limit: budget.chars };
  const stats = markdownStats(text);
  for (const kind of CHECKS) {
    if (stats[kind] > budget[kind]) return { kind, found: stats[kind], limit: budget[kind] };
  }
  return null;
}

/** The start of a long text for a collapsed row: at most `chars` characters and `lines` lines. */
export function previewOf(text: string, budget: Pick<MarkdownBudget, "chars" | "lines">): string {
  let cut = Math.min(text.length, budget.chars);
  let newlines = 0;
  for (let i = 0; i < cut; i++) {
    if (text.charCodeAt(i) === 10 && ++newlines >= budget.lines) {
      cut = i;
      break;
    }
  }
  if (cut === text.length) return text;
  // Cut at a line end when one is near, and never between the halves of a surrogate pair.
  const lineEnd = text.lastIndexOf("\n", cut);
  if (lineEnd > cut * 0.8) cut = lineEnd;
  const c = text.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return text.slice(0, cut);
}

/** Cuts plain text to `PLAIN_LIMIT`-like bounds (characters and lines). */
export function plainOf(text: string, limit: { chars: number; lines: number } = PLAIN_LIMIT): string {
  return previewOf(text, limit);
}

const SPACE = 32;
const TAB = 9;
const GT = 62;

/** One pass over the text: see `MarkdownBudget` for what each count means. */
export function markdownStats(text: string): MarkdownStats {
  const lines = text.split("\n");
  let blockDepth = 0;
  let inlineDepth = 0;
  let cells = 0;
  let tableCols = 0;
  let fence: string | null = null; // the opening fence while inside a fenced code block
  let brackets = 0;
  let emphasis = 0;

  for (const line of lines) {
    const { depth, rest, quotes } = containers(line);
    if (fence !== null) {
      // Code is not parsed: only the quote markers that keep it inside its containers count.
      blockDepth = Math.max(blockDepth, quotes);
      if (closesFence(rest, fence)) fence = null;
      continue;
    }
    blockDepth = Math.max(blockDepth, depth);
    const open = /^(`{3,}|~{3,})/.exec(rest);
    if (open !== null) {
      fence = open[1]!;
      tableCols = 0;
      continue;
    }
    if (rest.trim() === "") {
      // A blank line ends paragraphs (and their inline nesting) and tables.
      brackets = 0;
      emphasis = 0;
      tableCols = 0;
      continue;
    }
    if (tableCols > 0) {
      cells += tableCols; // a body row, padded to the header's width
    } else if (rest.includes("|") && DELIMITER_ROW.test(rest)) {
      tableCols = rest
        .replace(/^\s*\|/, "")
        .replace(/\|\s*$/, "")
        .split("|").length;
      cells += tableCols; // the header row (the delimiter row itself renders nothing)
    }
    // Inline nesting, carried across the lines of one paragraph.
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i]!;
      if (c === "\\") {
        i++; // an escaped character is literal
      } else if (c === "[") {
        brackets++;
      } else if (c === "]") {
        if (brackets > 0) brackets--;
      } else if (c === "*" || c === "_" || c === "~") {
        let j = i;
        while (j < rest.length && rest[j] === c) j++;
        const run = j - i;
        const before = i === 0 ? " " : rest[i - 1]!;
        const after = j >= rest.length ? " " : rest[j]!;
        const left = !isSpace(after) && (!isPunct(after) || isSpace(before) || isPunct(before));
        const right = !isSpace(before) && (!isPunct(before) || isSpace(after) || isPunct(after));
        if (left && (!right || emphasis === 0)) emphasis += run;
        else if (right) emphasis = Math.max(0, emphasis - run);
        i = j - 1;
      }
      inlineDepth = Math.max(inlineDepth, brackets + emphasis);
    }
  }

  const images = count(text, /!\[/g);
  let links = count(text, LINKISH);
  // With a reference definition (`[a]: url`, or a footnote `[^1]: …`) every bracket pair may
  // become a link: count them all.
  if (DEFINITION.test(text)) links += count(text, /\[/g);
  return { chars: text.length, lines: lines.length, blockDepth, inlineDepth, links, images, cells };
}

/** `](` of inline links and images, `<scheme:` autolinks, bare URLs and e-mail addresses (GFM). */
const LINKISH = /\]\(|<(?:https?|mailto|ftp):|https?:\/\/|www\.|[\w.+-]@[\w-]+\./gi;
const DEFINITION = /^[ \t>]*\[[^\]\n]+\]:/m;
const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * The container markers at the start of a line: quote markers (`>`) and list markers (`-`, `+`,
 * `*`, `1.`, `1)`), plus the leading indentation before them at two columns a level (a nested
 * list item needs at least two more), tabs counting to the next multiple of four.
 */
function containers(line: string): { depth: number; rest: string; quotes: number } {
  let i = 0;
  let col = 0;
  while (i < line.length && (line.charCodeAt(i) === SPACE || line.charCodeAt(i) === TAB)) {
    col += line.charCodeAt(i) === TAB ? 4 - (col % 4) : 1;
    i++;
  }
  let markers = 0;
  let quotes = 0;
  for (;;) {
    while (i < line.length && (line.charCodeAt(i) === SPACE || line.charCodeAt(i) === TAB)) i++;
    if (line.charCodeAt(i) === GT) {
      markers++;
      quotes++;
      i++;
      continue;
    }
    const list = /^(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)/.exec(line.slice(i, i + 11));
    if (list === null) break;
    markers++;
    i += list[0].length;
  }
  const depth = markers === 0 ? 0 : markers + Math.floor(col / 2);
  return { depth, rest: line.slice(i), quotes };
}

function closesFence(rest: string, fence: string): boolean {
  const t = rest.trim();
  return t.length >= fence.length && t[0] === fence[0] && /^(`+|~+)$/.test(t);
}

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

function isPunct(c: string): boolean {
  return /[!-/:-@[-`{-~]/.test(c);
}

function count(text: string, re: RegExp): number {
  let n = 0;
  re.lastIndex = 0;
  while (re.exec(text) !== null) n++;
  return n;
}
