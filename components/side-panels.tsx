"use client";
/**
 * The right-hand panels: a thread end to end (requests, acks, handoffs with their context,
 * growing partial answers, errors and cancels), a message's raw JSON, and the registry
 * (./registry-panel.tsx).
 */
import { useMemo } from "react";
import { threadMessages } from "../lib/store/dashboard-store";
import { MUTED } from "./look";
import { MessageRow } from "./message-row";
import { RawJson } from "./raw-json";
import { useActions, useDashboard } from "./store-context";

export { RegistryPanel } from "./registry-panel";

function PanelHeader({ title, onClose }: { title: string; onClose?: () => void }) {
  return (
    <div className="flex items-center justify-between border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
      <h2 className="min-w-0 truncate text-sm font-semibold" title={title}>
        {title}
      </h2>
      {onClose !== undefined && (
        <button
          type="button"
          onClick={onClose}
          className={`rounded px-1 hover:bg-zinc-100 dark:hover:bg-zinc-800 ${MUTED}`}
          aria-label="close"
        >
          ✕
        </button>
      )}
    </div>
  );
}

export function ThreadPane({ threadId }: { threadId: string }) {
  const messages = useDashboard((s) => s.messages);
  const { openThread } = useActions();
  const items = useMemo(() => threadMessages({ messages }, threadId), [messages, threadId]);
  const agents = [...new Set(items.map((i) => i.message.from))];
  return (
    <section data-testid="thread-pane" className="flex min-h-0 flex-1 flex-col">
      <PanelHeader title={`Thread · ${agents.join(", ")}`} onClose={() => openThread(null)} />
      <div className="min-h-0 flex-1 overflow-y-auto py-2">
        {items.length === 0 && (
          <div className={`px-4 text-sm ${MUTED}`}>This thread is no longer retained.</div>
        )}
        {items.map((i) => (
          <div key={i.seq} data-testid="thread-item" data-type={i.message.type}>
            <MessageRow stored={i} compact />
          </div>
        ))}
      </div>
    </section>
  );
}

export function Inspector({ seq }: { seq: number }) {
  const stored = useDashboard((s) => s.messages.find((m) => m.seq === seq));
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
