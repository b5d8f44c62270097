"use client";
/**
 * The right-hand panels: a thread end to end (requests, acks, handoffs with their context,
 * growing partial answers, errors and cancels), a message's raw JSON, and the registry
 * (./registry-panel.tsx).
 */
import type { DashboardState } from "../lib/store/dashboard-store";
import { MUTED } from "./look";
import { RawJson } from "./raw-json";
import { PanelHeader } from "./panel-header";
import { useActions, useDashboard } from "./store-context";

export { RegistryPanel } from "./registry-panel";
export { SearchPanel } from "./search-panel";
export { ThreadPane } from "./thread-pane";

export function Inspector({ seq }: { seq: number }) {
  const stored = useDashboard((s) => shownMessage(s, seq));
  const { inspect } = useActions();
  return (
    <section data-testid="inspector" className="flex min-h-0 flex-1 flex-col">
      <PanelHeader title="Message" onClose={() => inspect(null)} />
      {stored === undefined ? (
        <div className={`p-4 text-sm ${MUTED}`}>This message is no longer retained.</div>
      ) : (
        <div className="min-h-0 flex-1 overflow-auto p-4 text-xs">
          <div className={`mb-1 font-semibold ${MUTED}`}>subject</div>
          <div data-testid="inspector-subject" className="mb-3 break-all font-mono">
            {stored.subject}
          </div>
          <div className={`mb-1 font-semibold ${MUTED}`}>envelope</div>
          <RawJson value={stored.message} />
        </div>
      )}
    </section>
  );
}

/** A message on screen by its page key: retained, or read from the log for a pane. */
function shownMessage(s: DashboardState, seq: number) {
  const is = (m: { seq: number }) => m.seq === seq;
  return (
    s.messages.find(is) ??
    s.threadLog?.items.find(is) ??
    s.search.results.find(is) ??
    s.replay?.items.find(is)
  );
}
