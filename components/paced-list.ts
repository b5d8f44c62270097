/**
 * What the message list draws, paced. The store takes every batch once per animation frame; the
 * list draws a change of channel or filters at once, and a few new messages (up to QUIET_ROWS
 * since the last draw) on the next frame. More than that waits until FLOOD_MS after the last
 * draw. A draw that finds more than a screenful of new rows (FLOOD_ROWS: the screen turns over
 * faster than anyone can read it) is a flood: `flooding` tells the list to draw light rows (no
 * Markdown). A flood that stops is followed by one calm draw, FLOOD_MS later, with full rows.
 *
 * Why: each redraw mounts a screenful of new rows; with Markdown that was ~20 ms of CPU per
 * redraw in a profile at 16,000 msg/s. Paced and light, the list costs about the same whatever
 * the rate, and the rest of the main thread goes to taking messages in.
 */
import type { DashboardState, DashboardStore } from "../lib/store/dashboard-store";

/** Up to this many new messages are drawn on the next frame. */
const QUIET_ROWS = 3;
/** More new messages than this at a draw is a flood (about a screenful of rows). */
const FLOOD_ROWS = 12;
/** The least time between draws when more than QUIET_ROWS arrive. */
const FLOOD_MS = 100;

export interface ListView extends Pick<DashboardState, "messages" | "markers" | "channel" | "filters"> {
  readonly flooding: boolean;
}

export interface PacedList {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): ListView;
}

export function pacedList(store: DashboardStore): PacedList {
  const pick = (s: DashboardState, flooding: boolean): ListView => ({
    messages: s.messages,
    markers: s.markers,
    channel: s.channel,
    filters: s.filters,
    flooding,
  });
  let view = pick(store.getState(), false);
  let drawnReceived = store.getState().received;
  let drawnAt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const listeners = new Set<() => void>();

  const draw = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const s = store.getState();
    const flooding = s.received - drawnReceived > FLOOD_ROWS;
    drawnReceived = s.received;
    drawnAt = performance.now();
    // After a flooded draw, look again once the pace allows: either more came (drawn then) or
    // the stream calmed down (one calm draw, full rows).
    if (flooding) timer = setTimeout(draw, FLOOD_MS);
    const next = pick(s, flooding);
    if (
      next.messages === view.messages &&
      next.markers === view.markers &&
      next.channel === view.channel &&
      next.filters === view.filters &&
      next.flooding === view.flooding
    )
      return;
    view = next;
    for (const l of listeners) l();
  };

  const start = () =>
    store.subscribe((s, prev) => {
      if (s.channel !== prev.channel || s.filters !== prev.filters) return draw();
      if (s.messages === prev.messages || timer !== null) return;
      const wait = s.received - drawnReceived > QUIET_ROWS ? drawnAt + FLOOD_MS - performance.now() : 0;
      if (wait <= 0) draw();
      else timer = setTimeout(draw, wait);
    });

  let unsubscribe: (() => void) | null = null;
  return {
    subscribe(onChange) {
      listeners.add(onChange);
      if (unsubscribe === null) {
        view = pick(store.getState(), false);
        drawnReceived = store.getState().received;
        unsubscribe = start();
      }
      return () => {
        listeners.delete(onChange);
        if (listeners.size > 0 || unsubscribe === null) return;
        unsubscribe();
        unsubscribe = null;
        if (timer !== null) clearTimeout(timer);
        timer = null;
      };
    },
    getSnapshot: () => view,
  };
}
