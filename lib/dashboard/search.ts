/**
 * Search over what the log holds, not only what the page retains: text (in the message's
 * content, a handoff's task, or the sender's name), sender, type, thread and a time range.
 * Reads backwards from the end of the range in pages, so the newest matches come first, and
 * stops at MAX_MATCHES matches or after MAX_SCAN messages (saying so). Type and sender narrow
 * on the server where the subject carries them (`next_by_subj` with a filter from
 * lib/protocol/log.ts); text is matched here, after decoding with the tap's decoder.
 */
import { LOG_KIND_OF_TYPE, logFilter, subjects, type AgentMessage } from "../protocol";
import type { LoggedMessage } from "../transport";
import type { LogHistory } from "./history";
import type { LogEntry, SearchProgress, SearchQuery } from "./log-types";

export const MAX_MATCHES = 200;
export const MAX_SCAN = 20_000;
const PAGE = 1_000;

/** Runs `q` over the log, reporting progress through `report`; resolves when done or aborted. */
export async function searchLog(
  history: LogHistory,
  root: string,
  q: SearchQuery,
  report: (p: SearchProgress) => void,
  signal: AbortSignal,
): Promise<void> {
  const reader = history.reader;
  const kind = q.type === "" ? undefined : (LOG_KIND_OF_TYPE as Record<string, string>)[q.type];
  if (q.type !== "" && kind === undefined) {
    report({ status: "done", detail: `${q.type} messages are not kept in the log`, entries: [], scanned: 0 });
    return;
  }
  const filter = kind === undefined ? undefined : safeFilter(root, kind, q.from);
  const s = subjects(root);
  const needle = q.text.trim().toLowerCase();
  const b = await reader.bounds();
  const low = q.since === null ? b.first : Math.max(b.first, await reader.seqAt(q.since));
  const high = q.until === null ? b.last : Math.min(b.last, (await reader.seqAt(q.until)) - 1);
  const found: LogEntry[] = [];
  let scanned = 0;
  let end = high;
  let more = false;
  while (end >= low && scanned < MAX_SCAN && found.length < MAX_MATCHES) {
    if (signal.aborted) return report({ status: "canceled", detail: "" });
    const start = Math.max(low, end - Math.min(PAGE, MAX_SCAN - scanned) + 1);
    const page =
      filter === undefined ? await reader.range(start, end) : await filtered(history, start, end, filter);
    scanned += end - start + 1;
    const candidates = page.filter((m) => {
      if (q.from === "") return true;
      const p = s.parse(m.subject);
      return p !== null && p.from === q.from;
    });
    const matches = history
      .decode(candidates)
      .entries.filter((e) => matchesQuery(e.message, q, needle))
      .reverse();
    for (const m of matches) {
      if (found.length < MAX_MATCHES) found.push(m);
      else more = true;
    }
    end = start - 1;
    report({ status: "running", scanned, entries: found.slice() });
  }
  if (signal.aborted) return report({ status: "canceled", detail: "" });
  const stoppedEarly = end >= low && found.length < MAX_MATCHES;
  report({
    status: "done",
    detail: "",
    scanned,
    stoppedEarly,
    more: more || (end >= low && found.length >= MAX_MATCHES),
    entries: found,
  });
}

function matchesQuery(m: AgentMessage, q: SearchQuery, needle: string): boolean {
  if (q.type !== "" && m.type !== q.type) return false;
  if (q.threadId !== "" && m.threadId !== q.threadId) return false;
  if (needle === "") return true;
  const task = m.type === "handoff" ? m.handoff.task : "";
  return (
    m.content.toLowerCase().includes(needle) ||
    task.toLowerCase().includes(needle) ||
    m.from.toLowerCase().includes(needle)
  );
}

/** The server-side filter, or none when the sender is not a valid name (nothing can match it). */
function safeFilter(root: string, kind: string, from: string): string | undefined {
  try {
    return logFilter(root, kind as Parameters<typeof logFilter>[1], from === "" ? undefined : from);
  } catch {
    return undefined;
  }
}

/** The messages from `start` to `end` whose subject matches `filter`, one hop per match. */
async function filtered(history: LogHistory, start: number, end: number, filter: string) {
  const out: LoggedMessage[] = [];
  let seq = start;
  while (seq <= end) {
    const m = await history.reader.next(seq, filter);
    if (m === null || m.seq > end) break;
    out.push(m);
    seq = m.seq + 1;
  }
  return out;
}
