"use client";
/**
 * A message row drawn during a flood (see ./paced-list.ts): the same place, sender, kind and
 * time as a full row, and the first lines of the text as plain text, with no Markdown, actions
 * or task state. Rows on screen for a tenth of a second cannot be read; the calm draw after the
 * flood replaces the ones still on screen with full rows. Same data attributes as a full row,
 * so tools and tests find it the same way.
 */
import { memo } from "react";
import type { StoredMessage } from "../lib/store/dashboard-store";
import { avatarColor, badgeClass, clock, initials, MUTED } from "./look";
import { revealBidiControls } from "./safe-text";

/** Enough text for the three lines shown. */
const SHOWN_CHARS = 400;
const EVENTS = new Set(["presence", "ack", "discover", "heartbeat", "cancel", "stop"]);

export const FloodRow = memo(function FloodRow({ stored }: { stored: StoredMessage }) {
  const m = stored.message;
  const attributes = { "data-testid": "message", "data-id": m.id, "data-type": m.type, "data-from": m.from };
  if (EVENTS.has(m.type)) {
    return (
      <div {...attributes} className={`truncate px-4 py-0.5 pl-[3.75rem] text-xs ${MUTED}`}>
        <span className="mr-2 font-mono">{clock(stored.receivedAt)}</span>
        {m.from} · {m.type}
      </div>
    );
  }
  const to = "to" in m ? m.to : undefined;
  return (
    <div {...attributes} className="flex gap-3 px-4 py-1.5">
      <div
        className={`mt-0.5 flex h-8 w-8 shrink-0 items-center justify-center rounded text-xs font-bold text-white ${avatarColor(m.from)}`}
      >
        {initials(m.from)}
      </div>
      <div className="min-w-0 flex-1">
        <div className="flex items-baseline gap-x-2 text-sm">
          <span className="font-semibold">{m.from}</span>
          {to !== undefined && <span className={`text-xs ${MUTED}`}>→ {to}</span>}
          <span
            className={`rounded px-1.5 text-[10px] font-semibold uppercase tracking-wide ${badgeClass(m.type)}`}
          >
            {m.type}
          </span>
          <span className={`text-xs ${MUTED}`}>{clock(Date.parse(m.timestamp))}</span>
        </div>
        <p
          data-testid="message-content"
          className="line-clamp-3 whitespace-pre-wrap break-words text-sm leading-relaxed"
        >
          {revealBidiControls(
            m.content.length > SHOWN_CHARS ? `${m.content.slice(0, SHOWN_CHARS)}…` : m.content,
          )}
        </p>
      </div>
    </div>
  );
});
