"use client";
/**
 * The React binding of the dashboard: the store (state, read with narrow selectors) and the
 * session (the only way to talk to the bus or the agents routes), given through one context.
 */
import { createContext, useContext, type ReactNode } from "react";
import { useStore } from "zustand";
import type { AgentTemplate, DashboardSession } from "../lib/dashboard";
import type { DashboardActions, DashboardState, DashboardStore } from "../lib/store/dashboard-store";

interface Ctx {
  readonly store: DashboardStore;
  readonly session: DashboardSession;
  /** Definitions the "New agent" dialog offers to start from (handed in by the page). */
  readonly templates: readonly AgentTemplate[];
}

const StoreContext = createContext<Ctx | null>(null);

export function StoreProvider({ value, children }: { value: Ctx; children: ReactNode }) {
  return <StoreContext.Provider value={value}>{children}</StoreContext.Provider>;
}

function useCtx(): Ctx {
  const ctx = useContext(StoreContext);
  if (ctx === null) throw new Error("StoreProvider is missing");
  return ctx;
}

/** The store itself, for components that pace their own reads (the message list). */
export function useStoreApi(): DashboardStore {
  return useCtx().store;
}

export function useDashboard<T>(selector: (s: DashboardState & DashboardActions) => T): T {
  return useStore(useCtx().store, selector);
}

/** What only the session writes (components/dashboard.tsx wires it); components read it. */
type SessionWrites =
  | "ingest"
  | "ingestLog"
  | "setHistory"
  | "setThreadLog"
  | "setSearch"
  | "setReplay"
  | "setConnection"
  | "tick"
  | "setOwned";

/** The store's view actions: channel, thread, inspector, filters, drafts. */
export function useActions(): Omit<DashboardActions, SessionWrites> {
  return useCtx().store.getState();
}

/** Commands to the bus and the agents this page runs: the session, never the store. */
export function useSession(): DashboardSession {
  return useCtx().session;
}

export function useTemplates(): readonly AgentTemplate[] {
  return useCtx().templates;
}
