/**
 * Dry replay of a thread: its messages, read from the log, shown again one by one at the pace
 * they were stored (1x), four times faster, or at once. Nothing is published and no model is
 * called: it only reads the log and tells the store how many to show. Long pauses are
 * shortened to MAX_PAUSE_MS (said in the pane).
 */
import type { LogHistory } from "./history";
import type { ReplayProgress, ReplaySpeed } from "./log-types";

export const MAX_PAUSE_MS = 5_000;
const FACTOR: Record<ReplaySpeed, number> = { "1x": 1, "4x": 4, instant: 0 };

export async function replayThread(
  history: LogHistory,
  threadId: string,
  speed: ReplaySpeed,
  report: (p: ReplayProgress | null) => void,
  signal: AbortSignal,
): Promise<void> {
  const base = { threadId, speed, detail: "" };
  report({ ...base, status: "loading", shown: 0 });
  const entries = (await history.thread(threadId)).filter((e) => e.message.type !== "stream");
  if (signal.aborted) return;
  if (entries.length === 0) {
    report({ ...base, status: "error", shown: 0, detail: "this thread is not in the log", entries });
    return;
  }
  report({ ...base, status: "playing", shown: 0, entries });
  const factor = FACTOR[speed];
  for (let i = 0; i < entries.length; i++) {
    if (factor > 0 && i > 0) {
      const gap = entries[i]!.storedAt - entries[i - 1]!.storedAt;
      await pause(Math.min(MAX_PAUSE_MS, Math.max(0, gap)) / factor, signal);
    }
    if (signal.aborted) return report({ ...base, status: "stopped", shown: i });
    report({ ...base, status: i === entries.length - 1 ? "done" : "playing", shown: i + 1 });
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
