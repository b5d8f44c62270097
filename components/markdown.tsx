"use client";
/**
 * Message text rendered as markdown, safely: raw HTML is shown as text, never parsed; links are
 * limited to http(s)/mailto and open in a new tab without a referrer; images load only after a
 * click, so a message cannot make the page contact any host by being displayed.
 *
 * And boundedly: before anything is parsed, `markdownLimit` (markdown-limits.ts, where the
 * measurements are) decides from a cheap scan whether the text fits a row's budget. Long text
 * collapses to a preview with "show all"; text past a limit (nesting, links, images, table cells)
 * is shown as plain text with a note saying which limit it met; what even "show all" leaves out
 * is in the inspector.
 */
import { memo, useState } from "react";
import ReactMarkdown, { defaultUrlTransform, type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import {
  COMPACT_BUDGET,
  describeLimit,
  EXPANDED_BUDGET,
  markdownLimit,
  plainOf,
  previewOf,
  ROW_BUDGET,
  type LimitHit,
} from "./markdown-limits";
import { revealBidiControls } from "./safe-text";

const SAFE_URL = /^(https?:|mailto:)/i;
/** A word of any length wraps inside the row instead of widening it. */
const PARAGRAPH = "my-0.5 whitespace-pre-wrap break-words [overflow-wrap:anywhere]";

function safeUrl(url: string): string {
  const u = defaultUrlTransform(url);
  return SAFE_URL.test(u) ? u : "";
}

function RemoteImage({ src, alt }: { src: string; alt: string }) {
  const [load, setLoad] = useState(false);
  if (src === "") return <span className="text-zinc-500">[image: {alt}]</span>;
  if (load) return <img src={src} alt={alt} referrerPolicy="no-referrer" className="my-1 max-h-64 rounded" />;
  let host = src;
  try {
    host = new URL(src).host;
  } catch {
    // keep the raw text
  }
  return (
    <button
      type="button"
      data-testid="remote-image"
      onClick={() => setLoad(true)}
      className="my-1 inline-flex items-center gap-1 rounded border border-dashed border-zinc-300 px-2 py-1 text-xs text-zinc-600 hover:bg-zinc-50 dark:border-zinc-700 dark:text-zinc-400 dark:hover:bg-zinc-900"
      title={src}
    >
      🖼 load image{alt === "" ? "" : ` “${alt}”`} from {host}
    </button>
  );
}

const components: Components = {
  a: ({ href, children }) =>
    href === undefined || href === "" ? (
      <span className="underline decoration-dotted">{children}</span>
    ) : (
      <a
        href={href}
        target="_blank"
        rel="noopener noreferrer nofollow"
        className="text-sky-700 underline dark:text-sky-400"
      >
        {children}
      </a>
    ),
  img: ({ src, alt }) => <RemoteImage src={typeof src === "string" ? src : ""} alt={alt ?? ""} />,
  code: ({ children, className }) => (
    <code
      className={`${className ?? ""} rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.85em] dark:bg-zinc-800`}
    >
      {children}
    </code>
  ),
  // Focusable, so a block wider than the row can be scrolled from the keyboard.
  pre: ({ children }) => (
    <pre tabIndex={0} className="my-1 overflow-x-auto rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-900">
      {children}
    </pre>
  ),
  p: ({ children }) => <p className={PARAGRAPH}>{children}</p>,
  ul: ({ children }) => <ul className="my-1 list-disc pl-5">{children}</ul>,
  ol: ({ children }) => <ol className="my-1 list-decimal pl-5">{children}</ol>,
  table: ({ children }) => (
    <div tabIndex={0} className="my-1 max-w-full overflow-x-auto">
      <table className="border-collapse text-xs">{children}</table>
    </div>
  ),
  th: ({ children }) => (
    <th className="border border-zinc-300 px-2 py-0.5 dark:border-zinc-700">{children}</th>
  ),
  td: ({ children }) => (
    <td className="border border-zinc-300 px-2 py-0.5 dark:border-zinc-700">{children}</td>
  ),
};

/** What a row shows: a preview or all of it, as Markdown or (past a limit) as plain text. */
export interface ShownText {
  readonly text: string;
  /** The limit that made it plain text; null when it is rendered as Markdown. */
  readonly limit: LimitHit | null;
  /** Characters of the message not shown (0 when all of it is). */
  readonly hidden: number;
  /** The message is longer than a preview: "show all" / "show less" is offered. */
  readonly long: boolean;
}

/**
 * Pure: what to render for `text` in a row (`compact`: the thread pane), collapsed or not. Bidi
 * embedding, override and isolate controls in what is shown are revealed (‹U+202E›).
 */
export function shownText(text: string, { compact = false, all = false } = {}): ShownText {
  const budget = compact ? COMPACT_BUDGET : ROW_BUDGET;
  const preview = previewOf(text, budget);
  const long = preview.length < text.length;
  if (!long || !all) {
    const limit = markdownLimit(preview, budget);
    return { text: revealBidiControls(preview), limit, hidden: text.length - preview.length, long };
  }
  const limit = markdownLimit(text, EXPANDED_BUDGET);
  const shown = limit === null ? text : plainOf(text);
  return { text: revealBidiControls(shown), limit, hidden: text.length - shown.length, long };
}

const NOTE = "mt-0.5 text-[11px] text-zinc-600 dark:text-zinc-400";

/**
 * A message's text. `onInspect` opens the message in the inspector (where all of it is), offered
 * when a part is not shown.
 */
export const Markdown = memo(function Markdown({
  text,
  compact = false,
  onInspect,
}: {
  text: string;
  compact?: boolean;
  onInspect?: () => void;
}) {
  const [all, setAll] = useState(false);
  const shown = shownText(text, { compact, all });
  return (
    <div
      data-testid="message-content"
      data-render={shown.limit === null ? "markdown" : "plain"}
      className="min-w-0 text-sm leading-relaxed"
    >
      {shown.limit === null ? (
        <ReactMarkdown
          remarkPlugins={[remarkGfm]}
          urlTransform={safeUrl}
          components={components}
          skipHtml={false}
        >
          {shown.text}
        </ReactMarkdown>
      ) : (
        <p className={PARAGRAPH}>{shown.text}</p>
      )}
      {shown.hidden > 0 && <span aria-hidden="true">…</span>}
      {shown.limit !== null && (
        <div data-testid="content-note" data-limit={shown.limit.kind} className={NOTE}>
          shown as plain text: {describeLimit(shown.limit)}
        </div>
      )}
      {(shown.long || (shown.hidden > 0 && onInspect !== undefined)) && (
        <div className={`${NOTE} flex flex-wrap gap-x-3`}>
          {shown.long && (
            <button
              type="button"
              data-testid="show-all"
              aria-expanded={all}
              onClick={() => setAll(!all)}
              className="font-semibold text-sky-800 hover:underline dark:text-sky-300"
            >
              {all ? "show less" : `show all (${shown.hidden.toLocaleString("en-US")} more characters)`}
            </button>
          )}
          {all && shown.hidden > 0 && (
            <span>
              {shown.hidden.toLocaleString("en-US")} characters not shown here
              {onInspect !== undefined && (
                <>
                  {": "}
                  <button
                    type="button"
                    onClick={onInspect}
                    className="font-semibold text-sky-800 hover:underline dark:text-sky-300"
                  >
                    all of it in the inspector
                  </button>
                </>
              )}
            </span>
          )}
        </div>
      )}
    </div>
  );
});
