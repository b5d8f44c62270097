"use client";
/**
 * The dashboard: channels on the left, the channel's messages and the composer in the middle,
 * and the registry, a thread or a message's raw JSON on the right. It opens once the tab's person
 * has signed in (./use-dashboard-session.ts); until then a line says why it waits.
 */
import { useMemo } from "react";
import type { AgentTemplate, DashboardSession } from "../lib/dashboard";
import type { DashboardStore } from "../lib/store/dashboard-store";
import { Composer } from "./composer";
import { ErrorBoundary } from "./error-boundary";
import { FilterBar } from "./filter-bar";
import { MessageList } from "./message-list";
import { Inspector, RegistryPanel, SearchPanel, ThreadPane } from "./side-panels";
import { Sidebar } from "./sidebar";
import { SignInStatus } from "./sign-in-status";
import { StoreProvider, useDashboard } from "./store-context";
import { ThemeToggle } from "./theme-toggle";
import { useDashboardSession, type DashboardConfig } from "./use-dashboard-session";

export type { DashboardConfig };

const NO_TEMPLATES: readonly AgentTemplate[] = [];

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
  const opening = useDashboardSession(initialConfig);
  if (opening.type !== "open") return <SignInStatus opening={opening} />;
  return <Opened store={opening.store} session={opening.session} templates={initialTemplates} />;
}

function Opened(props: {
  store: DashboardStore;
  session: DashboardSession;
  templates: readonly AgentTemplate[];
}) {
  const { store, session, templates } = props;
  const value = useMemo(() => ({ store, session, templates }), [store, session, templates]);
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
  const searching = useDashboard((s) => s.search.open);
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
        aria-label={
          threadId !== null
            ? "thread"
            : inspected !== null
              ? "message details"
              : searching
                ? "search history"
                : "agents"
        }
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
        ) : searching ? (
          <ErrorBoundary what="search" pane>
            <SearchPanel />
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
