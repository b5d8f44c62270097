/**
 * The page's session with the bus: the one object in the browser that talks to NATS and to the
 * agents routes. It owns
 *
 * - the person's WebSocket connection, made with the person's own credential (./sign-in.ts), and
 *   its status (connecting, connected, reconnecting, offline, signed out);
 * - the ONE subscription, a tap of `{root}.>`, decoded and handed to the store once per
 *   animation frame (every 100 ms when the tab is hidden and frames stop);
 * - "who is online?", asked at start and after every reconnect, and the registry's clock tick;
 * - history from the log (./history-commands.ts): a backfill at open (after the tap subscribed,
 *   so nothing falls between), older pages, a resume after every reconnect, threads read whole,
 *   search and dry replay;
 * - the person's commands (./commands.ts), whose answers it routes from the tap;
 * - the agents this page runs or may stop: tab agents (each with a credential and a connection of
 *   its own), server agents, and the one list of them.
 *
 * It knows the store only as a `DashboardSink` and imports no UI framework; components/ wires
 * the two together and reaches commands through a context. Lifecycle as `AgentLink`: `close()`
 * is idempotent, `closed` resolves (never rejects) with `null` or the error that ended it.
 */
import { TabAgents, type AgentConnection } from "../../agents/browser/tab-agents";
import type { AgentSpec } from "../../agents/runtime/agent-spec";
import { subjects, type AgentMetadata, type RejectReason, type Subjects } from "../protocol";
import {
  askWhoIsOnline,
  consoleLogger,
  Tap,
  type ConnectOptions,
  type FlushScheduler,
  type Logger,
  type NatsConnection,
  type TapBatch,
  type TappedMessage,
} from "../transport";
import { connectNatsWs } from "../transport/connect-browser";
import { PersonCommands } from "./commands";
import { frameScheduler } from "./frame-scheduler";
import { HistoryCommands } from "./history-commands";
import { IdentityClient, type IdentityError, type IdentityIssuer } from "./identity-client";
import type { LogSink } from "./log-types";
import { OwnedAgentList, type OwnedAgents, type Owner } from "./owned-agents";
import { RenewingCredential } from "./renewing-credential";
import { ServerAgents } from "./server-agents";

/** `signed-out`: the page's session is gone, so its credential cannot be renewed. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline" | "signed-out";

/** Where the session pushes what it learns; the store implements it. */
export interface DashboardSink extends LogSink {
  ingest(batch: readonly TappedMessage[], rejected: readonly RejectReason[]): void;
  setConnection(state: ConnectionState, detail: string): void;
  tick(now: number): void;
  setOwned(owned: OwnedAgents): void;
}

export interface DashboardSessionOptions {
  readonly wsUrl: string;
  readonly root: string;
  /**
   * The person's credential (signInPerson()); its name is the person's. From here on the session
   * owns it: `close()` stops its renewal.
   */
  readonly credential: RenewingCredential;
  /** Who signs the tab agents' keys (default: the dashboard's server, POST /api/identity). */
  readonly issuer?: IdentityIssuer;
  readonly sink: DashboardSink;
  /** Who is online now (the store's registry): tab agents think with it and check names against it. */
  readonly online: () => readonly AgentMetadata[];
  /** Default: WebSocket (`connectNatsWs`); tests in Node pass one that brings its own WebSocket. */
  readonly connect?: (o: ConnectOptions & { servers: string }) => Promise<NatsConnection>;
  /** When batches reach the sink (default: next animation frame, 100 ms fallback). */
  readonly schedule?: FlushScheduler;
  readonly serverAgents?: ServerAgents;
  /** How often the server is asked which agents it runs (ms, default 5 000; 0: never). */
  readonly serverAgentsPollMs?: number;
  /** The registry's clock (ms, default 500). */
  readonly tickMs?: number;
  /** The tab agents' LLM endpoint (default: this page's /api/llm/v1). */
  readonly llmBaseUrl?: string;
  readonly logger?: Logger;
  /** Messages read from the log at open (default 1,000; the store's retention bounds it too). */
  readonly backfill?: number;
}

/** Past this many undelivered messages (a frozen tab), the oldest are dropped and counted. */
const MAX_PENDING = 50_000;
/** Bad messages are counted always, logged only this often: a flood must not flood the console. */
const LOGGED_REJECTIONS = 20;
const SLOW_CONNECT_MS = 3_000;

export class DashboardSession implements AsyncDisposable {
  readonly me: string;
  readonly root: string;
  readonly commands: PersonCommands;
  /** Older messages, threads whole, search and dry replay, from the log. */
  readonly history: HistoryCommands;
  /** Resolves when the session ends: `null` after `close()`, the error if the connection died. */
  readonly closed: Promise<Error | null>;

  private readonly o: DashboardSessionOptions;
  private readonly s: Subjects;
  private readonly log: Logger;
  private readonly tabAgents: TabAgents;
  private readonly issuer: IdentityIssuer;
  private readonly server: ServerAgents;
  private readonly owned: OwnedAgentList;
  private nc: NatsConnection | null = null;
  private tap: Tap | null = null;
  private timers: ReturnType<typeof setInterval>[] = [];
  private logged = 0;
  /** What the connection last reported; shown unless the credential is in trouble. */
  private link: { state: ConnectionState; detail: string } = { state: "connecting", detail: "" };
  private state: "new" | "starting" | "open" | "closing" | "closed" = "new";
  private closing: Promise<void> | undefined;
  private resolveClosed!: (e: Error | null) => void;

  constructor(options: DashboardSessionOptions) {
    this.o = options;
    this.me = options.credential.name;
    this.root = options.root;
    this.s = subjects(options.root);
    this.log = options.logger ?? consoleLogger("dashboard", "warn");
    this.commands = new PersonCommands(this.me, options.root, this.log);
    this.history = new HistoryCommands({
      root: options.root,
      sink: options.sink,
      log: this.log,
      ...(options.backfill === undefined ? {} : { backfill: options.backfill }),
    });
    this.issuer = options.issuer ?? new IdentityClient();
    this.server = options.serverAgents ?? new ServerAgents();
    this.owned = new OwnedAgentList((owned) => options.sink.setOwned(owned));
    this.tabAgents = new TabAgents({
      connect: (name) => this.connectAgent(name),
      root: options.root,
      online: options.online,
      ...(options.llmBaseUrl === undefined ? {} : { llmBaseUrl: options.llmBaseUrl }),
    });
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /**
   * Connects (retrying until the server answers), subscribes, asks who is online and starts the
   * clock. Never rejects: a failure is reported through the sink and ends the session.
   */
  async start(): Promise<void> {
    if (this.state !== "new") return;
    this.state = "starting";
    const { sink, wsUrl, credential } = this.o;
    credential.watch(() => this.show());
    this.every(this.o.serverAgentsPollMs ?? 5_000, () => void this.refreshServerAgents());
    const slow = setTimeout(() => {
      if (this.nc === null) this.report("offline", `cannot reach ${wsUrl}; retrying`);
    }, SLOW_CONNECT_MS);
    try {
      const nc = await (this.o.connect ?? connectNatsWs)({
        servers: wsUrl,
        name: `switchboard-dashboard-${this.me}`,
        timeoutMs: 5_000,
        credentials: credential.credentials,
        extra: { waitOnFirstConnect: true },
      });
      if (this.state !== "starting") return void (await nc.close().catch(() => {}));
      this.nc = nc;
      void nc.closed().then((err) => this.lost(err ?? new Error("the NATS connection closed")));
      this.report("connected", wsUrl);
      this.tap = await Tap.start({
        connection: nc,
        root: this.root,
        schedule: this.o.schedule ?? frameScheduler(),
        maxPending: MAX_PENDING,
        logger: this.log,
        onBatch: (b) => this.take(b),
      });
      this.history.attach(nc); // subscribed first: what the backfill misses, the tap has
      await this.commands.attach(nc);
      if (this.state !== "starting") return;
      this.state = "open";
      this.discover();
      this.every(this.o.tickMs ?? 500, () => sink.tick(Date.now()));
      void this.followStatus(nc);
    } catch (e) {
      if (this.state !== "starting") return; // closed meanwhile: that is not a failure
      const error = e instanceof Error ? e : new Error(String(e));
      this.report("offline", error.message);
      await this.finish(error);
    } finally {
      clearTimeout(slow);
    }
  }

  /** The agents this page may stop, and where each runs. */
  get ownedAgents(): OwnedAgents {
    return this.owned.snapshot;
  }

  /** Starts an agent in this tab or on the server; throws an Error a person can read. */
  async startAgent(spec: AgentSpec, where: Owner): Promise<void> {
    if (this.isEnding()) throw new Error("this page is closing");
    if (where === "tab") {
      const name = await this.tabAgents.start(spec);
      if (this.isEnding()) return void (await this.tabAgents.stop(name)); // closed while it started
      this.owned.add(name, "tab");
    } else {
      await this.server.start(spec);
      this.owned.add(spec.name, "server");
    }
  }

  /** Stops an agent this page may stop; throws an Error a person can read. */
  async stopAgent(name: string): Promise<void> {
    const owner = this.owned.owner(name);
    if (owner === undefined)
      throw new Error(`${name} runs neither in this tab nor on this dashboard's server`);
    if (owner === "tab") {
      this.owned.remove(name);
      await this.tabAgents.stop(name);
    } else {
      await this.server.stop(name);
      this.owned.remove(name);
    }
  }

  /** Stops this tab's agents (they say goodbye), the person's link, the tap and the connection. */
  close(): Promise<void> {
    return this.finish(null);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private isEnding(): boolean {
    return this.state === "closing" || this.state === "closed";
  }

  private async shutDown(): Promise<void> {
    this.state = "closing";
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.history.close();
    await this.tabAgents.stopAll();
    await this.commands.close().catch(() => {});
    await this.tap?.close();
    await this.nc?.close().catch(() => {});
    this.o.credential.close();
  }

  private finish(reason: Error | null): Promise<void> {
    this.closing ??= (async () => {
      await this.shutDown();
      this.state = "closed";
      this.resolveClosed(reason);
    })();
    return this.closing;
  }

  /**
   * The connection ended without us closing it. It retries forever, except when the server
   * refuses its credential twice in a row: typically a JWT that expired because it could not be
   * renewed, which the credential's problem explains better than the client's error.
   */
  private lost(error: Error): void {
    if (this.isEnding()) return;
    const problem = this.o.credential.problem;
    this.report(
      "offline",
      problem === null
        ? error.message
        : `${problem.message} (the connection ended: ${error.message}); reload the page`,
    );
    void this.finish(error);
  }

  /** Records the connection's state and shows it (or the credential's trouble, which wins). */
  private report(state: ConnectionState, detail: string): void {
    this.link = { state, detail };
    this.show();
  }

  /**
   * Signed out wins over any connection state: it is what the person has to act on. A renewal
   * that failed for another reason (the server did not answer) is retried, and said in the detail.
   */
  private show(): void {
    const problem: IdentityError | null = this.o.credential.problem;
    const { state, detail } = this.link;
    const sink = this.o.sink;
    if (problem?.signedOut === true)
      sink.setConnection("signed-out", state === "offline" ? detail : problem.message);
    else if (problem !== null && state === "connected")
      sink.setConnection(state, `${detail}; ${problem.message}; retrying`);
    else sink.setConnection(state, detail);
  }

  /** A connection of its own for a tab agent, with a credential minted for its name. */
  private async connectAgent(name: string): Promise<AgentConnection> {
    const credential = await RenewingCredential.obtain({ issuer: this.issuer, role: "agent", name });
    credential.watch((p) => {
      if (p !== null) this.log.warn(`${name} could not renew its credential: ${p.message}`);
    });
    try {
      const nc = await (this.o.connect ?? connectNatsWs)({
        servers: this.o.wsUrl,
        name: `switchboard-tab-agent-${name}`,
        timeoutMs: 5_000,
        credentials: credential.credentials,
      });
      return {
        connection: nc,
        close: async () => {
          await nc.close().catch(() => {});
          credential.close();
        },
      };
    } catch (e) {
      credential.close();
      throw new Error(`could not connect ${name} to NATS: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
  }

  private every(ms: number, f: () => void): void {
    if (ms <= 0) return;
    f();
    this.timers.push(setInterval(f, ms));
  }

  /** One batch from the tap: all of it to the store, the person's answers to its link. */
  private take(b: TapBatch): void {
    const rejected: RejectReason[] = [];
    for (const r of b.rejected) {
      rejected.push(r.reason);
      if (++this.logged <= LOGGED_REJECTIONS)
        this.log.warn(`dropped message on ${r.subject}: ${r.reason}: ${r.detail}`);
    }
    if (b.dropped > 0) this.log.warn(`the page fell behind: ${b.dropped} messages skipped unread`);
    this.o.sink.ingest(b.messages, rejected);
    for (const m of b.messages) this.commands.deliver(m.subject, m.message);
  }

  /** Asks every online agent to announce itself; the answers join the tap's batches. */
  private discover(): void {
    const nc = this.nc;
    if (nc === null || this.tap === null || nc.isClosed()) return;
    askWhoIsOnline(nc, this.s, this.me); // answers are presence announcements: the tap hears them
  }

  private async followStatus(nc: NatsConnection): Promise<void> {
    const { wsUrl } = this.o;
    for await (const st of nc.status()) {
      if (this.state !== "open") break;
      switch (st.type) {
        case "disconnect":
        case "reconnecting":
          this.history.lost(Date.now());
          this.report("reconnecting", "connection lost; reconnecting");
          break;
        case "reconnect":
          this.report("connected", wsUrl);
          this.discover();
          void this.history.resume();
          break;
        default:
          break;
      }
    }
  }

  private async refreshServerAgents(): Promise<void> {
    const mark = this.owned.mark();
    try {
      this.owned.serverListed(await this.server.list(), mark);
    } catch {
      // the server is restarting or unreachable; the next poll tries again
    }
  }
}
