"use client";
/**
 * Message text rendered as markdown, safely: raw HTML is shown as text, never parsed; links are
 * limited to http(s)/mailto and open in a new tab without a referrer; images load only after a
 * click, so a message cannot make the page contact any host by being displayed.
 */
import { memo, useState } from "react";
import ReactMarkdown, { defaultUrlTransform, type Components } from "react-markdown";
import remarkGfm from "remark-gfm";

const SAFE_URL = /^(https?:|mailto:)/i;

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
  pre: ({ children }) => (
    <pre className="my-1 overflow-x-auto rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-900">{children}</pre>
  ),
  p: ({ children }) => <p className="my-0.5 whitespace-pre-wrap break-words">{children}</p>,
  ul: ({ children }) => <ul className="my-1 list-disc pl-5">{children}</ul>,
  ol: ({ children }) => <ol className="my-1 list-decimal pl-5">{children}</ol>,
  table: ({ children }) => <table className="my-1 border-collapse text-xs">{children}</table>,
  th: ({ children }) => (
    <th className="border border-zinc-300 px-2 py-0.5 dark:border-zinc-700">{children}</th>
  ),
  td: ({ children }) => (
    <td className="border border-zinc-300 px-2 py-0.5 dark:border-zinc-700">{children}</td>
  ),
};

const MAX_RENDERED = 20_000;

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const shown =
    text.length > MAX_RENDERED
      ? `${text.slice(0, MAX_RENDERED)}\n\n… (${text.length - MAX_RENDERED} more characters; see the inspector)`
      : text;
  return (
    <div data-testid="message-content" className="text-sm leading-relaxed">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        urlTransform={safeUrl}
        components={components}
        skipHtml={false}
      >
        {shown}
      </ReactMarkdown>
    </div>
  );
});
