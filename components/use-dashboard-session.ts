"use client";
/**
 * Opening the dashboard: first the person signs in (a key pair made in this tab, its public key
 * signed into a credential over the page's session cookie), then the store and the session with
 * the bus start under the person's name. Until then the page says what it waits for, or why it
 * cannot go on. The session closes when the page goes away or the config changes.
 */
import { useEffect, useState } from "react";
import {
  DashboardSession,
  IdentityClient,
  personName,
  renamePerson,
  signInPerson,
  type DashboardSink,
} from "../lib/dashboard";
import { onlineAgents } from "../lib/registry/reducer";
import { createDashboardStore, type DashboardStore } from "../lib/store/dashboard-store";

export interface DashboardConfig {
  readonly wsUrl: string;
  readonly root: string;
  readonly retention: number;
  readonly retentionBytes: number;
}

export type Opening =
  | { readonly type: "signing-in"; readonly detail: string }
  | { readonly type: "failed"; readonly message: string }
  | { readonly type: "open"; readonly store: DashboardStore; readonly session: DashboardSession };

declare global {
  interface Window {
    __switchboard?: {
      readonly received: number;
      readonly rendered: number;
      readonly rejected: number;
      readonly status: string;
      readonly retainedBytes: number;
      readonly duplicates: number;
      /** The retained messages in list order, and the resume markers (tests count them). */
      list(): { id: string; from: string; type: string; content: string }[];
      markers(): { total: number; lostAt: number }[];
      /** The last read of the log: how long it took and how many messages it read. */
      readonly history: { status: string; readMs: number; read: number; loaded: number };
    };
  }
}

const SIGNING_IN: Opening = { type: "signing-in", detail: "" };

export function useDashboardSession(config: DashboardConfig): Opening {
  const [opening, setOpening] = useState<Opening>(SIGNING_IN);

  useEffect(() => {
    const abort = new AbortController();
    let session: DashboardSession | undefined;
    const bye = () => void session?.close();
    const issuer = new IdentityClient();
    setOpening(SIGNING_IN);
    signInPerson({
      issuer,
      name: personName,
      rename: renamePerson,
      signal: abort.signal,
      onRetry: (p) => setOpening({ type: "signing-in", detail: `${p.message}; retrying` }),
    }).then(
      (credential) => {
        if (abort.signal.aborted) return credential.close();
        const store = createDashboardStore({
          me: credential.name,
          retention: config.retention,
          retentionBytes: config.retentionBytes,
        });
        session = new DashboardSession({
          wsUrl: config.wsUrl,
          root: config.root,
          credential,
          issuer,
          sink: sinkFor(store),
          online: () => onlineAgents(store.getState().registry).map((e) => e.agent),
        });
        exposeProbe(store);
        setOpening({ type: "open", store, session });
        void session.start();
        // Say goodbye where the browser allows it (the tab's agents first); missed heartbeats
        // cover the rest.
        window.addEventListener("pagehide", bye);
      },
      (e: unknown) => {
        if (!abort.signal.aborted)
          setOpening({ type: "failed", message: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => {
      abort.abort();
      window.removeEventListener("pagehide", bye);
      bye();
    };
  }, [config]);

  return opening;
}

/** The session pushes into the store through this, and only this. */
function sinkFor(store: DashboardStore): DashboardSink {
  const s = store.getState;
  return {
    ingest: (batch, rejected) => s().ingest(batch, rejected),
    setConnection: (state, detail) => s().setConnection(state, detail),
    tick: (now) => s().tick(now),
    setOwned: (owned) => s().setOwned(owned),
    ingestLog: (page, rejected) => s().ingestLog(page, rejected),
    setHistory: (h) => s().setHistory(h),
    setThreadLog: (t) => s().setThreadLog(t),
    setSearch: (u) => s().setSearch(u),
    setReplay: (r) => s().setReplay(r),
  };
}

/** Numbers for benchmarks and tests, read from outside React. */
function exposeProbe(store: DashboardStore): void {
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
    get duplicates() {
      return store.getState().duplicates;
    },
    list: () =>
      store.getState().messages.map(({ message: m }) => ({
        id: m.id,
        from: m.from,
        type: m.type,
        content: m.content,
      })),
    get history() {
      const h = store.getState().history;
      return { status: h.status, readMs: h.readMs, read: h.read, loaded: h.loaded };
    },
    markers: () => store.getState().markers.map((g) => ({ total: g.total, lostAt: g.lostAt })),
  };
}
