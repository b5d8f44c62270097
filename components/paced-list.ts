/**
 * What the message list draws, paced: the store takes every batch once per animation frame, but
 * when more messages arrived since the list was last drawn than fit on the screen (the screen
 * turns over faster than anyone can read it), the list is redrawn at most FLOOD_MS apart. Each
 * redraw mounts a screenful of rows (Markdown included), so during a flood the list costs ~10
 * screens a second whatever the rate, and the rest of the main thread goes to taking messages
 * in. A change of channel or filters, or a quiet stream, is drawn at once.
 */
import type { DashboardState, DashboardStore } from "../lib/store/dashboard-store";

/** More new messages than this since the last draw is a flood (about a screenful of rows). */
const FLOOD_ROWS = 12;
const FLOOD_MS = 100;

export type ListView = Pick<DashboardState, "messages" | "channel" | "filters">;

export interface PacedList {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): ListView;
}

export function pacedList(store: DashboardStore): PacedList {
  const pick = (s: DashboardState): ListView => ({
    messages: s.messages,
    channel: s.channel,
    filters: s.filters,
  });
  let view = pick(store.getState());
  let drawnReceived = store.getState().received;
  let drawnAt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const listeners = new Set<() => void>();

  const draw = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const s = store.getState();
    drawnReceived = s.received;
    drawnAt = performance.now();
    const next = pick(s);
    if (next.messages === view.messages && next.channel === view.channel && next.filters === view.filters)
      return;
    view = next;
    for (const l of listeners) l();
  };

  let unsubscribe: (() => void) | null = null;
  const start = () =>
    store.subscribe((s, prev) => {
      if (s.channel !== prev.channel || s.filters !== prev.filters) return draw();
      if (s.messages === prev.messages || timer !== null) return;
      const wait = s.received - drawnReceived > FLOOD_ROWS ? drawnAt + FLOOD_MS - performance.now() : 0;
      if (wait <= 0) draw();
      else timer = setTimeout(draw, wait);
    });

  return {
    subscribe(onChange) {
      listeners.add(onChange);
      if (unsubscribe === null) {
        view = pick(store.getState());
        unsubscribe = start();
      }
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0 && unsubscribe !== null) {
          unsubscribe();
          unsubscribe = null;
          if (timer !== null) clearTimeout(timer);
          timer = null;
        }
      };
    },
    getSnapshot: () => view,
  };
}
