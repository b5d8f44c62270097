"use client";
/**
 * The dashboard: channels on the left, the channel's messages and the composer in the middle,
 * and the registry, a thread or a message's raw JSON on the right.
 */
import { useEffect, useState } from "react";
import { createDashboardStore, type DashboardStore } from "../lib/store/dashboard-store";
import { LiveConnection, personName } from "../lib/store/live";
import { Composer } from "./composer";
import { FilterBar } from "./filter-bar";
import { MessageList } from "./message-list";
import { Inspector, RegistryPanel, ThreadPane } from "./side-panels";
import { Sidebar } from "./sidebar";
import { StoreProvider, useDashboard } from "./store-context";
import { ThemeToggle } from "./theme-toggle";
import { TabAgents } from "../agents/browser/tab-agents";

export interface DashboardConfig {
  readonly wsUrl: string;
  readonly root: string;
  readonly retention: number;
}

declare global {
  interface Window {
    __switchboard?: {
      readonly received: number;
      readonly rendered: number;
      readonly rejected: number;
      readonly status: string;
    };
  }
}

export function Dashboard({ initialConfig }: { initialConfig: DashboardConfig }) {
  const [ctx, setCtx] = useState<{
    store: DashboardStore;
    live: LiveConnection;
    tabAgents: TabAgents;
  } | null>(null);

  useEffect(() => {
    const store = createDashboardStore({ me: personName(), retention: initialConfig.retention });
    const live = new LiveConnection({ wsUrl: initialConfig.wsUrl, root: initialConfig.root, store });
    const tabAgents = new TabAgents(live, store, initialConfig.root);
    setCtx({ store, live, tabAgents });
    live.start().catch((e: unknown) => store.getState().setConnection("offline", String(e)));
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
    };
    // Say goodbye where the browser allows it (agents of this tab first); missed heartbeats
    // cover the rest.
    const bye = () => void tabAgents.stopAll().finally(() => live.close());
    window.addEventListener("pagehide", bye);
    const servers = watchServerAgents(store);
    return () => {
      window.removeEventListener("pagehide", bye);
      clearInterval(servers);
      void tabAgents.stopAll().finally(() => live.close());
    };
  }, [initialConfig]);

  if (ctx === null) return <div className="p-6 text-sm text-zinc-500">Starting…</div>;
  return (
    <StoreProvider value={ctx}>
      <Layout />
    </StoreProvider>
  );
}

function Layout() {
  const threadId = useDashboard((s) => s.threadId);
  const inspected = useDashboard((s) => s.inspected);
  return (
    <div data-testid="dashboard" className="flex h-screen overflow-hidden">
      <Sidebar />
      <main className="flex min-w-0 flex-1 flex-col">
        <FilterBar right={<ThemeToggle />} />
        <MessageList />
        <Composer />
      </main>
      <aside className="flex w-[22rem] shrink-0 flex-col border-l border-zinc-200 dark:border-zinc-800 max-lg:hidden">
        {threadId !== null ? (
          <ThreadPane threadId={threadId} />
        ) : inspected !== null ? (
          <Inspector seq={inspected} />
        ) : (
          <RegistryPanel />
        )}
      </aside>
    </div>
  );
}

/** Keeps `owned` up to date with the agents this dashboard's server runs (they can be stopped). */
function watchServerAgents(store: DashboardStore): ReturnType<typeof setInterval> {
  const refresh = async () => {
    try {
      const r = await fetch("/api/agents");
      if (!r.ok) return;
      const { agents } = (await r.json()) as { agents: { name: string }[] };
      const owned: Record<string, "tab" | "server"> = {};
      for (const [n, w] of Object.entries(store.getState().owned)) if (w === "tab") owned[n] = w;
      for (const a of agents) owned[a.name] = "server";
      store.getState().setOwned(owned);
    } catch {
      // the server is restarting; try again at the next tick
    }
  };
  void refresh();
  return setInterval(() => void refresh(), 5_000);
}
