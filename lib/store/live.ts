/**
 * The page's live link to NATS over WebSocket. One subscription to `{root}.>` feeds the store;
 * bytes are decoded and handed over in one batch per animation frame (or every 100 ms when the
 * tab is hidden and frames stop), so a burst costs one render, not one per message. The page
 * also joins the mesh as a person (`runtime: "browser"`) to send, ask, hand off and broadcast.
 */
import { decodeMessage, newId, subjects, type RejectReason } from "../protocol";
import { AgentLink, askWhoIsOnline, consoleLogger, type NatsConnection } from "../transport";
import { connectNatsWs } from "../transport/connect-browser";
import type { DashboardStore, Incoming } from "./dashboard-store";

export interface LiveOptions {
  readonly wsUrl: string;
  readonly root: string;
  readonly store: DashboardStore;
}

/** Past this many undelivered messages (a frozen tab), the oldest are dropped and counted. */
const MAX_PENDING = 50_000;

export class LiveConnection {
  link: AgentLink | null = null;
  private nc: NatsConnection | null = null;
  private pending: { subject: string; data: Uint8Array }[] = [];
  private scheduled = false;
  private logged = 0;
  private closed = false;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly o: LiveOptions) {}

  async start(): Promise<void> {
    const { store, wsUrl } = this.o;
    const slow = setTimeout(() => {
      if (this.nc === null) store.getState().setConnection("offline", `cannot reach ${wsUrl}; retrying`);
    }, 3_000);
    try {
      this.nc = await connectNatsWs({
        servers: wsUrl,
        name: `switchboard-dashboard-${store.getState().me}`,
        timeoutMs: 5_000,
        extra: { waitOnFirstConnect: true },
      });
    } finally {
      clearTimeout(slow);
    }
    if (this.closed) {
      await this.nc.close();
      return;
    }
    store.getState().setConnection("connected", wsUrl);
    const s = subjects(this.o.root);
    this.nc.subscribe(s.wildcards.all, {
      callback: (err, msg) => {
        if (err === null) this.enqueue(msg.subject, msg.data);
      },
    });
    await this.nc.flush();
    this.discover();
    this.ticker = setInterval(() => store.getState().tick(Date.now()), 500);
    void this.followStatus();
    this.link = await AgentLink.start({
      connection: this.nc,
      root: this.o.root,
      agent: {
        name: store.getState().me,
        description: "a person using the Switchboard dashboard",
        runtime: "browser",
      },
      logger: consoleLogger(store.getState().me, "warn"),
      requestTimeoutMs: 60_000,
    });
  }

  /** The NATS connection, once connected (agents started in this tab use it). */
  get connection(): NatsConnection | null {
    return this.nc;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ticker);
    await this.link?.close().catch(() => {});
    await this.nc?.close().catch(() => {});
  }

  /** Asks every online agent to announce itself (at start and after every reconnect). */
  private discover(): void {
    if (this.nc === null) return;
    askWhoIsOnline(this.nc, subjects(this.o.root), this.o.store.getState().me, (msg) =>
      this.enqueue(msg.subject, msg.data),
    );
  }

  private async followStatus(): Promise<void> {
    const nc = this.nc!;
    const { store } = this.o;
    for await (const st of nc.status()) {
      switch (st.type) {
        case "disconnect":
        case "reconnecting":
          store.getState().setConnection("reconnecting", "connection lost; reconnecting");
          break;
        case "reconnect":
          store.getState().setConnection("connected", this.o.wsUrl);
          this.discover();
          break;
        case "close":
          store.getState().setConnection("offline", "connection closed");
          break;
        default:
          break;
      }
    }
  }

  private enqueue(subject: string, data: Uint8Array): void {
    this.pending.push({ subject, data });
    if (this.pending.length > MAX_PENDING) this.pending.splice(0, this.pending.length - MAX_PENDING);
    if (this.scheduled) return;
    this.scheduled = true;
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      this.flush();
    };
    requestAnimationFrame(run);
    setTimeout(run, 100);
  }

  private flush(): void {
    this.scheduled = false;
    const raw = this.pending;
    this.pending = [];
    const batch: Incoming[] = [];
    const rejected: RejectReason[] = [];
    for (const { subject, data } of raw) {
      const d = decodeMessage(data);
      if (d.ok) batch.push({ subject, message: d.message });
      else {
        rejected.push(d.error.reason);
        // Logged a few times, counted always (the sidebar shows the count): a flood of bad
        // messages must not become a flood of console lines.
        if (++this.logged <= 20)
          console.warn(`[dashboard] dropped message on ${subject}: ${d.error.reason}: ${d.error.message}`);
      }
    }
    this.o.store.getState().ingest(batch, rejected);
  }
}

/** A name for this tab's person on the mesh: kept across reloads, different in each tab. */
export function personName(): string {
  const key = "switchboard.me";
  try {
    const saved = sessionStorage.getItem(key);
    if (saved !== null && /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(saved)) return saved;
    const name = `you-${newId().slice(-6)}`;
    sessionStorage.setItem(key, name);
    return name;
  } catch {
    return `you-${newId().slice(-6)}`;
  }
}
