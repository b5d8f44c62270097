/**
 * A list row's height before it has been laid out, from what it will show: the virtualized list
 * places new rows at this height and takes the real one from a ResizeObserver after the
 * browser's own layout, once, so no row is ever measured by reading `offsetHeight` in the middle
 * of a frame (a forced layout per row: the top cost in a CPU profile of a flood).
 * The figures follow message-row.tsx's classes: text-sm with leading-relaxed (22.75 px lines),
 * py-1.5 rows, a 32 px avatar, and system-ui at about 7 px per character.
 */
import type { AgentMessage } from "../lib/protocol";

const EVENT_ROW = 20; // presence, ack, discover, heartbeat, cancel, stop: one text-xs line
const ROW_PADDING = 12;
const HEADER = 20;
const LINE = 22.75;
const PARAGRAPH_GAP = 4;
const TASK_LINE = 16.5;
const HANDOFF_LINE = 18;
const GUTTER = 32 + 12 + 32; // avatar, gap, horizontal padding
const CHAR_PX = 7;
/** Markdown renders at most this much of a row (components/markdown.tsx). */
const MAX_TEXT = 20_000;

const EVENTS = new Set<AgentMessage["type"]>(["presence", "ack", "discover", "heartbeat", "cancel", "stop"]);
const TASKS = new Set<AgentMessage["type"]>(["direct", "request", "handoff"]);

/** A flood row (./flood-row.tsx) shows at most this many lines of text. */
const FLOOD_LINES = 3;

/** Estimated height in px of `m`'s row in a list `width` px wide (`flood`: a flood row). */
export function estimateRowHeight(m: AgentMessage, width: number, flood = false): number {
  if (EVENTS.has(m.type)) return EVENT_ROW;
  const perLine = Math.max(10, Math.floor((Math.max(width, 200) - GUTTER) / CHAR_PX));
  if (flood) {
    const lines = Math.min(FLOOD_LINES, Math.ceil(Math.min(m.content.length, 400) / perLine));
    return Math.round(ROW_PADDING + HEADER + lines * LINE);
  }
  let h = ROW_PADDING + HEADER;
  const text = m.content.length > MAX_TEXT ? m.content.slice(0, MAX_TEXT) : m.content;
  if (text !== "") {
    let lines = 0;
    let paragraphs = 1;
    let start = 0;
    for (;;) {
      const end = text.indexOf("\n", start);
      const len = (end === -1 ? text.length : end) - start;
      if (len === 0) paragraphs++;
      else lines += Math.ceil(len / perLine);
      if (end === -1) break;
      start = end + 1;
    }
    h += lines * LINE + paragraphs * PARAGRAPH_GAP;
  }
  if (TASKS.has(m.type)) h += TASK_LINE;
  if (m.type === "handoff") h += 3 * HANDOFF_LINE;
  if (m.type === "response" && m.status !== "ok") h += HANDOFF_LINE;
  return Math.round(h);
}
