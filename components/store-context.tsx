"use client";
/** The React binding of the dashboard store: a context and a narrow-selector hook. */
import { createContext, useContext, type ReactNode } from "react";
import { useStore } from "zustand";
import type { DashboardActions, DashboardState, DashboardStore } from "../lib/store/dashboard-store";
import type { LiveConnection } from "../lib/store/live";
import type { TabAgents } from "../agents/browser/tab-agents";

interface Ctx {
  readonly store: DashboardStore;
  readonly live: LiveConnection;
  readonly tabAgents: TabAgents;
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

export function useDashboard<T>(selector: (s: DashboardState & DashboardActions) => T): T {
  return useStore(useCtx().store, selector);
}

export function useActions(): DashboardActions {
  return useCtx().store.getState();
}

export function useLive(): LiveConnection {
  return useCtx().live;
}

export function useTabAgents(): TabAgents {
  return useCtx().tabAgents;
}
