"use client";
/**
 * The dashboard: channels on the left, the channel's messages and the composer in the middle,
 * and the registry, a thread or a message's raw JSON on the right.
 */
import { useEffect, useMemo, useState } from "react";
import { DashboardSession, personName, type AgentTemplate, type DashboardSink } from "../lib/dashboard";
import { onlineAgents } from "../lib/registry/reducer";
import { createDashboardStore, type DashboardStore } from "../lib/store/dashboard-store";
import { Composer } from "./composer";
import { ErrorBoundary } from "./error-boundary";
import { FilterBar } from "./filter-bar";
import { MessageList } from "./message-list";
import { Inspector, RegistryPanel, ThreadPane } from "./side-panels";
import { Sidebar } from "./sidebar";
import { StoreProvider, useDashboard } from "./store-context";
import { ThemeToggle } from "./theme-toggle";

const NO_TEMPLATES: readonly AgentTemplate[] = [];

export interface DashboardConfig {
  readonly wsUrl: string;
  readonly root: string;
  readonly retention: number;
  readonly retentionBytes: number;
}

declare global {
  interface Window {
    __switchboard?: {
      readonly received: number;
      readonly rendered: number;
      readonly rejected: number;
      readonly status: string;
      readonly retainedBytes: number;
    };
  }
}

/**
 * `initialTemplates`: definitions the "New agent" dialog offers (the page passes the demo agents;
 * components do not import agents/).
 */
export function Dashboard({
  initialConfig,
  initialTemplates = NO_TEMPLATES,
}: {
  initialConfig: DashboardConfig;
  initialTemplates?: readonly AgentTemplate[];
}) {
  const [ctx, setCtx] = useState<{ store: DashboardStore; session: DashboardSession } | null>(null);

  useEffect(() => {
    const store = createDashboardStore({
      me: personName(),
      retention: initialConfig.retention,
      retentionBytes: initialConfig.retentionBytes,
    });
    const session = new DashboardSession({
      wsUrl: initialConfig.wsUrl,
      root: initialConfig.root,
      me: store.getState().me,
      sink: sinkFor(store),
      online: () => onlineAgents(store.getState().registry).map((e) => e.agent),
    });
    setCtx({ store, session });
    void session.start();
    // Numbers for benchmarks and tests, read from outside React.
    window.__switchboard = {
      get received() {
        return store.getState().received;
      },
      get rendered() {
        return store.getState().messages.length;
      },
      get rejected() {
        return Object.values(store.getState().rejected).reduce((a, b) => a + (b ?? 0), 0);
      },
      get status() {
        return store.getState().connection.status;
      },
      get retainedBytes() {
        return store.getState().retainedBytes;
      },
    };
    // Say goodbye where the browser allows it (the tab's agents first); missed heartbeats cover
    // the rest.
    const bye = () => void session.close();
    window.addEventListener("pagehide", bye);
    return () => {
      window.removeEventListener("pagehide", bye);
      void session.close();
    };
  }, [initialConfig]);

  const value = useMemo(() => ctx && { ...ctx, templates: initialTemplates }, [ctx, initialTemplates]);
  if (value === null) return <div className="p-6 text-sm text-zinc-500 dark:text-zinc-400">Starting…</div>;
  return (
    <StoreProvider value={value}>
      <ErrorBoundary what="dashboard" pane>
        <Layout />
      </ErrorBoundary>
    </StoreProvider>
  );
}

/**
 * Each pane has its own error boundary: a pane that fails shows one line with "retry" and the
 * others keep working (rows have their own, in MessageRow).
 */
function Layout() {
  const threadId = useDashboard((s) => s.threadId);
  const inspected = useDashboard((s) => s.inspected);
  return (
    <div data-testid="dashboard" className="flex h-screen overflow-hidden">
      <ErrorBoundary what="channel list" pane>
        <Sidebar />
      </ErrorBoundary>
      <main className="flex min-w-0 flex-1 flex-col">
        <ErrorBoundary what="filter bar">
          <FilterBar right={<ThemeToggle />} />
        </ErrorBoundary>
        <ErrorBoundary what="message list" pane>
          <MessageList />
        </ErrorBoundary>
        <ErrorBoundary what="composer">
          <Composer />
        </ErrorBoundary>
      </main>
      <aside
        aria-label={threadId !== null ? "thread" : inspected !== null ? "message details" : "agents"}
        className="flex w-[22rem] shrink-0 flex-col border-l border-zinc-200 dark:border-zinc-800 max-lg:hidden"
      >
        {threadId !== null ? (
          <ErrorBoundary what="thread" resetKey={threadId} pane>
            <ThreadPane threadId={threadId} />
          </ErrorBoundary>
        ) : inspected !== null ? (
          <ErrorBoundary what="inspector" resetKey={inspected} pane>
            <Inspector seq={inspected} />
          </ErrorBoundary>
        ) : (
          <ErrorBoundary what="registry" pane>
            <RegistryPanel />
          </ErrorBoundary>
        )}
      </aside>
    </div>
  );
}

/** The session pushes into the store through this, and only this. */
function sinkFor(store: DashboardStore): DashboardSink {
  const s = store.getState;
  return {
    ingest: (batch, rejected) => s().ingest(batch, rejected),
    setConnection: (state, detail) => s().setConnection(state, detail),
    tick: (now) => s().tick(now),
    setOwned: (owned) => s().setOwned(owned),
  };
}
