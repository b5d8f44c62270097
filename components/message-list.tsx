"use client";
/**
 * The channel's messages, virtualized: only the rows on screen are in the DOM, so a burst of
 * thousands costs the same as a handful. Sticks to the bottom while you are there; scroll up to
 * read and it stays put, with a button to jump back to the newest.
 *
 * Costs per frame stay flat under a flood (see the README's "Performance > The dashboard"):
 * - a new row is placed at an estimated height (./row-height.ts) and measured once, by a
 *   ResizeObserver after the browser's own layout, never by reading offsetHeight mid-frame;
 * - the list redraws at most 10 times a second while the screen turns over faster than that,
 *   with light rows and no Markdown (./paced-list.ts, ./flood-row.tsx); the store still takes
 *   every message each frame; a calm draw brings full rows back;
 * - a row renders once: `MessageRow` is memoised on the stored message (one object per message
 *   id), and its Markdown with it; the virtualizer keys rows by the message's page key.
 *
 * History: the first row is the history edge ("load older", "beginning of history"); scrolling
 * to the top asks the session for the page before (./history-rows.tsx), and the rows that were
 * on top stay on top when it lands. Where the connection was lost, a marker row says so.
 */
import { defaultRangeExtractor, useVirtualizer, type Range, type Virtualizer } from "@tanstack/react-virtual";
import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { visibleRows, type ListRow, type StoredMessage } from "../lib/store/dashboard-store";
import { FloodRow } from "./flood-row";
import { GapRow, HistoryEdge, useLoadOlder } from "./history-rows";
import { MUTED } from "./look";
import { MessageRow } from "./message-row";
import { pacedList } from "./paced-list";
import { estimateRowHeight } from "./row-height";
import { useStoreApi } from "./store-context";

const DEFAULT_WIDTH = 800;

export function MessageList() {
  const store = useStoreApi();
  const paced = useMemo(() => pacedList(store), [store]);
  const view = useSyncExternalStore(paced.subscribe, paced.getSnapshot, paced.getSnapshot);
  const rows = useMemo(() => visibleRows(view), [view]);
  const loadOlder = useLoadOlder();
  const parent = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const dragging = useRef(false);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const flooding = useRef(view.flooding);
  flooding.current = view.flooding;
  const width = useRef(DEFAULT_WIDTH);
  const followRef = useRef(follow);
  followRef.current = follow;
  const self = useRef<Virtualizer<HTMLDivElement, Element>>(null);
  const virtualizer = useVirtualizer({
    getScrollElement: () => parent.current,
    count: rows.length + 1,
    estimateSize: (i) =>
      i === 0 ? EDGE_PX : estimate(rowsRef.current[i - 1]!, width.current, flooding.current),
    measureElement: measureOnce,
    overscan: 4,
    getItemKey: (i) => (i === 0 ? "edge" : rowKey(rowsRef.current[i - 1]!)),
    // Following, the rows to draw are the last ones, wherever the scroll position still is: the
    // draw mounts exactly them, and the scroll to the end that follows changes nothing.
    rangeExtractor: (range) =>
      followRef.current && self.current !== null
        ? lastRows(self.current, range)
        : defaultRangeExtractor(range),
  });
  self.current = virtualizer;
  const newest = rows.length === 0 ? undefined : rowKey(rows.at(-1)!);
  const firstKey = rows.length === 0 ? undefined : rowKey(rows[0]!);
  const previousFirst = useRef(firstKey);

  useEffect(() => {
    const el = parent.current;
    if (el === null) return;
    const ro = new ResizeObserver(([e]) => {
      if (e !== undefined) width.current = e.contentRect.width;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Follow the newest message unless the person scrolled away. Keyed on the newest row, not the
  // count (once retention is full the count stays the same while messages keep arriving), and
  // on the total height: rows drawn at an estimate (or light during a flood) get their real
  // height a moment later, which moves the end; the list goes after it.
  const total = virtualizer.getTotalSize();
  useLayoutEffect(() => {
    if (!follow || newest === undefined) return;
    virtualizer.scrollToOffset(total, { align: "end" });
  }, [newest, follow, total, virtualizer]);

  // Older rows landed above: keep the row that was on top on top (the person was reading there).
  useLayoutEffect(() => {
    const before = previousFirst.current;
    previousFirst.current = firstKey;
    if (follow || before === undefined || before === firstKey) return;
    const at = rowsRef.current.findIndex((r) => rowKey(r) === before);
    if (at > 0) virtualizer.scrollToIndex(at + 1, { align: "start" });
  }, [firstKey, follow, virtualizer]);

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
        className="h-full overflow-y-auto [overflow-anchor:none]"
        onWheel={(e) => {
          // Wheeling up at the top (where no scroll event comes any more) asks for older ones too.
          if (e.deltaY < 0 && e.currentTarget.scrollTop < TOP_PX) loadOlder(false);
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
          if (el.scrollTop < TOP_PX && !followRef.current) loadOlder(false);
        }}
      >
        <div style={{ height: total, position: "relative" }}>
          {virtualizer.getVirtualItems().map((v) => (
            <Row
              key={v.key}
              index={v.index}
              start={v.start}
              row={v.index === 0 ? null : rows[v.index - 1]!}
              light={view.flooding}
              virtualizer={virtualizer}
            />
          ))}
        </div>
        {rows.length === 0 && (
          <div className={`flex items-center justify-center py-8 text-sm ${MUTED}`}>
            No messages here yet.
          </div>
        )}
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

const EDGE_PX = 36;
const MARKER_PX = 36;
/** Scrolled this close to the top, the page before is asked for. */
const TOP_PX = 40;

const rowKey = (r: ListRow): number | string => (r.kind === "message" ? r.stored.seq : r.marker.key);

function Row({
  index,
  start,
  row,
  light,
  virtualizer,
}: {
  index: number;
  start: number;
  /** null: the history edge, on top. */
  row: ListRow | null;
  light: boolean;
  virtualizer: Virtualizer<HTMLDivElement, Element>;
}) {
  return (
    <div
      data-index={index}
      ref={virtualizer.measureElement}
      style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${start}px)` }}
    >
      {row === null ? (
        <HistoryEdge />
      ) : row.kind === "marker" ? (
        <GapRow marker={row.marker} />
      ) : light ? (
        <FloodRow stored={row.stored} />
      ) : (
        <MessageRow stored={row.stored} />
      )}
    </div>
  );
}

// The virtualizer asks for every row's estimate whenever the list changes; a row's estimate
// changes only with the list's width, so it is computed once per message and width.
const estimates = new WeakMap<StoredMessage, { width: number; flood: boolean; px: number }>();
function estimate(r: ListRow, width: number, flood: boolean): number {
  if (r.kind === "marker") return MARKER_PX;
  const row = r.stored;
  const known = estimates.get(row);
  if (known !== undefined && known.width === width && known.flood === flood) return known.px;
  const px = estimateRowHeight(row.message, width, flood);
  estimates.set(row, { width, flood, px });
  return px;
}

/** The last rows that fill the viewport (sizes as known, no layout read), plus two above. */
function lastRows(v: Virtualizer<HTMLDivElement, Element>, range: Range): number[] {
  const viewport = v.scrollRect?.height ?? 900;
  const out: number[] = [];
  let filled = 0;
  let extra = 2;
  for (let i = range.count - 1; i >= 0; i--) {
    out.push(i);
    if (filled >= viewport && extra-- <= 0) break;
    filled += v.itemSizeCache.get(v.options.getItemKey(i)) ?? v.options.estimateSize(i);
  }
  return out.reverse();
}

/**
 * The virtualizer's row measurement without layout reads: the ResizeObserver's box when it
 * reports one (after layout), otherwise what is known (a previous measurement or the estimate).
 */
function measureOnce(
  el: Element,
  entry: ResizeObserverEntry | undefined,
  v: Virtualizer<HTMLDivElement, Element>,
): number {
  const box = entry?.borderBoxSize?.[0];
  if (box !== undefined) return Math.round(box.blockSize);
  const index = v.indexFromElement(el);
  return v.itemSizeCache.get(v.options.getItemKey(index)) ?? v.options.estimateSize(index);
}
