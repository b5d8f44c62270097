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
  const [atBottom, setAtBottom] = useState(true);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parent.current,
    estimateSize: () => 64,
    overscan: 8,
    getItemKey: (i) => rows[i]!.seq,
  });

  useEffect(() => {
    if (atBottom && rows.length > 0) virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
  }, [rows.length, atBottom, virtualizer]);

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={parent}
        data-testid="message-list"
        data-count={rows.length}
        className="h-full overflow-y-auto"
        onScroll={(e) => {
          const el = e.currentTarget;
          setAtBottom(el.scrollHeight - el.scrollTop - el.clientHeight < 48);
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
      {!atBottom && (
        <button
          type="button"
          onClick={() => {
            setAtBottom(true);
            virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
          }}
          className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full bg-sky-600 px-3 py-1 text-xs text-white shadow"
        >
          ↓ newest
        </button>
      )}
    </div>
  );
}
