"use client";
/**
 * The channel's messages, virtualized: only the rows on screen are in the DOM, so a burst of
 * thousands costs the same as a handful. Sticks to the bottom while you are there; scroll up to
 * read and it stays put, with a button to jump back to the newest.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { visibleMessages } from "../lib/store/dashboard-store";
import { MessageRow } from "./message-row";
import { useDashboard } from "./store-context";

export function MessageList() {
  const messages = useDashboard((s) => s.messages);
  const channel = useDashboard((s) => s.channel);
  const filters = useDashboard((s) => s.filters);
  const rows = useMemo(() => visibleMessages({ messages, channel, filters }), [messages, channel, filters]);
  const parent = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const dragging = useRef(false);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parent.current,
    estimateSize: () => 72,
    overscan: 8,
    getItemKey: (i) => rows[i]!.seq,
  });
  const newest = rows.at(-1)?.seq;

  // Follow the newest message unless the person scrolled away. Keyed on the newest row, not the
  // count: once retention is full the count stays the same while messages keep arriving.
  useEffect(() => {
    if (!follow || newest === undefined) return;
    virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
    // Rows are measured after they render; land on the true bottom once they are.
    const frame = requestAnimationFrame(() => {
      const el = parent.current;
      if (el !== null) el.scrollTop = el.scrollHeight;
    });
    return () => cancelAnimationFrame(frame);
  }, [newest, follow, rows.length, virtualizer]);

  // Only the person stops following (wheel up, keys, dragging the scrollbar): scroll events
  // from the virtualizer correcting row heights must not.
  const leave = () => setFollow(false);
  const nearBottom = (el: HTMLElement) => el.scrollHeight - el.scrollTop - el.clientHeight < 48;

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={parent}
        data-testid="message-list"
        tabIndex={0}
        data-count={rows.length}
        className="h-full overflow-y-auto"
        onWheel={(e) => {
          if (e.deltaY < 0) leave();
          else if (nearBottom(e.currentTarget)) setFollow(true);
        }}
        onKeyDown={(e) => {
          if (["ArrowUp", "PageUp", "Home"].includes(e.key)) leave();
        }}
        onPointerDown={() => (dragging.current = true)}
        onPointerUp={() => (dragging.current = false)}
        onScroll={(e) => {
          const el = e.currentTarget;
          if (nearBottom(el)) setFollow(true);
          else if (dragging.current) leave();
        }}
      >
        {rows.length === 0 && (
          <div className="flex h-full items-center justify-center text-sm text-zinc-500">
            No messages here yet.
          </div>
        )}
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((v) => (
            <div
              key={v.key}
              data-index={v.index}
              ref={virtualizer.measureElement}
              style={{
                position: "absolute",
                top: 0,
                left: 0,
                width: "100%",
                transform: `translateY(${v.start}px)`,
              }}
            >
              <MessageRow stored={rows[v.index]!} />
            </div>
          ))}
        </div>
      </div>
      {!follow && (
        <button
          type="button"
          onClick={() => setFollow(true)}
          className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full bg-sky-600 px-3 py-1 text-xs text-white shadow"
        >
          ↓ newest
        </button>
      )}
    </div>
  );
}
