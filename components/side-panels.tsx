"use client";
/**
 * The right-hand panels: a thread end to end (requests, acks, handoffs with their context,
 * growing partial answers, errors and cancels), a message's raw JSON, and the registry.
 */
import { useEffect, useMemo, useState } from "react";
import { onlineAgents } from "../lib/registry/reducer";
import { dm } from "../lib/store/channels";
import { threadMessages } from "../lib/store/dashboard-store";
import { ago, avatarColor, initials, MUTED, STATUS_DOT } from "./look";
import { MessageRow } from "./message-row";
import { NewAgentDialog } from "./new-agent-dialog";
import { RawJson } from "./raw-json";
import { Clipped, displayText, Name } from "./safe-text";
import { useActions, useDashboard, useSession } from "./store-context";

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

/** Capabilities (and tools) shown on a card; an agent may declare 64 of each. */
const CHIPS = 6;

const RUNS = {
  process: "runs in a separate process",
  server: "runs on the server",
  browser: "runs in a browser tab",
} as const;

export function RegistryPanel() {
  const registry = useDashboard((s) => s.registry);
  const me = useDashboard((s) => s.me);
  const owned = useDashboard((s) => s.owned);
  const { openChannel } = useActions();
  const session = useSession();
  const [dialog, setDialog] = useState(false);
  const [stopError, setStopError] = useState<string | null>(null);
  async function stop(name: string) {
    setStopError(null);
    try {
      await session.stopAgent(name);
    } catch (e) {
      setStopError(e instanceof Error ? e.message : String(e));
    }
  }
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, []);
  const entries = Object.values(registry.agents).sort(
    (a, b) =>
      Number(a.status === "offline") - Number(b.status === "offline") ||
      a.agent.name.localeCompare(b.agent.name),
  );
  return (
    <section data-testid="registry" className="flex min-h-0 flex-1 flex-col">
      <div className="flex items-center justify-between border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <h2 className="text-sm font-semibold">Agents · {onlineAgents(registry).length} online</h2>
        <button
          type="button"
          data-testid="new-agent"
          onClick={() => setDialog(true)}
          className="rounded bg-sky-700 px-2 py-1 text-xs font-semibold text-white hover:bg-sky-800"
        >
          + New agent
        </button>
      </div>
      {dialog && <NewAgentDialog onClose={() => setDialog(false)} />}
      {stopError !== null && (
        <div className="px-4 py-1 text-xs text-red-700 dark:text-red-400">{displayText(stopError, 300)}</div>
      )}
      <ul className="min-h-0 flex-1 space-y-1 overflow-y-auto p-2">
        {entries.map((e) => {
          const a = e.agent;
          const offline = e.status === "offline";
          return (
            <li
              key={a.name}
              data-testid={`agent-${a.name}`}
              data-status={e.status}
              className={`rounded border border-zinc-200 p-2 text-xs dark:border-zinc-800 ${offline ? "border-dashed bg-zinc-50 dark:bg-zinc-900/60" : ""}`}
            >
              <div className="flex items-center gap-2">
                <div
                  aria-hidden="true"
                  className={`flex h-6 w-6 shrink-0 items-center justify-center rounded text-[10px] font-bold text-white ${offline ? "bg-zinc-600" : avatarColor(a.name)}`}
                >
                  {initials(a.name)}
                </div>
                <button
                  type="button"
                  className="min-w-0 truncate text-sm font-semibold hover:underline"
                  onClick={() => a.name !== me && openChannel(dm(a.name))}
                >
                  <Name text={a.name} />
                </button>
                {a.name === me && <span className={MUTED}>(you)</span>}
                {owned[a.name] !== undefined && !offline && (
                  <button
                    type="button"
                    data-testid={`stop-${a.name}`}
                    onClick={() => void stop(a.name)}
                    title={`stop (started ${owned[a.name] === "tab" ? "in this tab" : "on the server"})`}
                    className="shrink-0 rounded border border-red-300 px-1.5 text-[10px] text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950"
                  >
                    stop
                  </button>
                )}
                <span className={`ml-auto flex shrink-0 items-center gap-1 ${MUTED}`}>
                  <span className={`h-2 w-2 rounded-full ${STATUS_DOT[e.status]}`} />
                  {e.status}
                </span>
              </div>
              {a.description !== "" && (
                <p className="mt-1 text-zinc-600 dark:text-zinc-400">
                  <Clipped text={a.description} max={300} lines={3} />
                </p>
              )}
              <div className="mt-1 flex flex-wrap gap-1">
                {a.capabilities.slice(0, CHIPS).map((c, i) => (
                  <span
                    key={`${i}:${c}`}
                    className="max-w-full truncate rounded bg-sky-50 px-1.5 text-sky-800 dark:bg-sky-950 dark:text-sky-300"
                  >
                    <Name text={c} max={16} />
                  </span>
                ))}
                {a.tools.slice(0, CHIPS).map((t, i) => (
                  <span
                    key={`${i}:${t.name}`}
                    title={displayText(t.description, 300)}
                    className="max-w-full truncate rounded bg-zinc-100 px-1.5 font-mono text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"
                  >
                    <Name text={t.name} max={16} />
                    ()
                  </span>
                ))}
                {(a.capabilities.length > CHIPS || a.tools.length > CHIPS) && (
                  <span className={MUTED}>
                    +{Math.max(0, a.capabilities.length - CHIPS) + Math.max(0, a.tools.length - CHIPS)} more
                  </span>
                )}
              </div>
              <div className={`mt-1 flex flex-wrap gap-x-3 ${MUTED}`}>
                <span data-testid="agent-runtime">{RUNS[a.runtime]}</span>
                {a.model !== undefined && (
                  <span className="min-w-0 truncate">
                    model <Name text={a.model} max={48} />
                  </span>
                )}
                <span>
                  {offline
                    ? `offline since ${ago(e.offlineAt ?? e.lastSeenAt, now)}${e.offlineReason === "missed-heartbeats" ? " (missed heartbeats)" : ""}`
                    : `seen ${ago(e.lastSeenAt, now)}`}
                </span>
              </div>
            </li>
          );
        })}
        {entries.length === 0 && (
          <li className={`p-2 text-xs ${MUTED}`}>Nobody has announced themselves yet.</li>
        )}
      </ul>
    </section>
  );
}
