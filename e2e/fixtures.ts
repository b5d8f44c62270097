// Playwright fixtures. `stack` (one per worker) is the whole system on free ports, with
// authentication on as under `npm start`: a harness nats-server (its own trust chain; the
// WebSocket listener admits only the dashboard's origin), the identities `npm start` prepares
// (scripts/identity.ts), the offline model, the demo agents in their own process, and
// `next start` with a login token. The worker logs a browser in once (./sign-in.ts) and every
// context it makes carries that session cookie (`storageState`). `baseURL` comes from the stack.
// Its subject root is the worker option `subjectRoot` (a project in playwright.config.ts sets
// another one). With the worker option `natsCluster` (`test.use({ natsCluster: true })` in a spec)
// the harness server is a three-node cluster instead (test/harness/nats-cluster.ts): everything
// gets every node's URL, node 0 first, and the log has three replicas.
//
// `mesh` (one per test) gives Node-side identities under that root, closed after the test: each
// link and connection has a credential of its own, and `publishRaw` publishes as the sender its
// subject names, since the server lets nobody publish in another's name.
import { dirname } from "node:path";
import { test as base, expect } from "@playwright/test";
import { startOfflineModel, type OfflineModel } from "../agents/offline-model";
import { compose, encodeMessage, subjects, type AgentMessage, type AgentRuntime } from "../lib/protocol";
import { AgentLink, silentLogger, type AgentLinkOptions, type NatsConnection } from "../lib/transport";
import { connectNats, credsText } from "../lib/transport/connect";
import { prepareIdentity } from "../scripts/identity";
import { startNatsCluster, type NatsClusterHandle } from "../test/harness/nats-cluster";
import { startNatsServer, type NatsServerHandle, type TestIdentity } from "../test/harness/nats-server";
import { DashboardPage } from "./dashboard-page";
import { signIn, type StorageState } from "./sign-in";
import { dashboardToken, freePort, startDemoAgents, startNext, tail, type ManagedProcess } from "./stack";

export interface Stack {
  readonly baseURL: string;
  /** The subject root everything in this stack uses. */
  readonly root: string;
  /** NATS_URL of the agents and the server: one URL, or a cluster's, comma-separated. */
  readonly natsUrl: string;
  /** NATS_WS_URL of the page: one URL, or a cluster's, comma-separated (node 0 first). */
  readonly wsUrl: string;
  /** The server; on a cluster its node 0 (credentials from it are good on every node). */
  readonly nats: NatsServerHandle;
  /** The cluster, with the worker option `natsCluster`; null on a single server. */
  readonly cluster: NatsClusterHandle | null;
  /** The trust chain and creds files (SWITCHBOARD_DATA_DIR of the agents and `next start`). */
  readonly dataDir: string;
  readonly model: OfflineModel;
  readonly agents: ManagedProcess;
  readonly next: ManagedProcess;
  /** The logged-in browser state (the session cookie): for contexts a test makes itself. */
  readonly storageState: StorageState;
  /** The login token, already used once by the worker's sign-in. */
  readonly token: string;
}

export interface Mesh {
  /**
   * A Node AgentLink on its own connection, with a credential for `name` (an agent in a process;
   * a CLI identity in client mode).
   */
  link(name: string, options?: Partial<Omit<AgentLinkOptions, "connection" | "agent">>): Promise<AgentLink>;
  /**
   * A bare connection as `name` (role cli: reads everything under `root`, default the stack's,
   * and speaks only as `name`), closed after the test.
   */
  connection(name: string, o?: { root?: string }): Promise<NatsConnection>;
  /**
   * Publishes on a subject without an AgentLink (no presence, no routing checks) and flushes, as
   * the sender the subject names (an agent of the subject's runtime for presence and heartbeats,
   * in a process otherwise): an envelope is validated and encoded, bytes or a string go out
   * exactly as given.
   */
  publishRaw(subject: string, message: AgentMessage | Uint8Array | string): Promise<void>;
  /** Builds and publishes a broadcast from `from` (no presence, no link). */
  broadcast(from: string, content: string): Promise<AgentMessage>;
}

/** Worker options, set per project in playwright.config.ts. */
export interface StackOptions {
  /** SWITCHBOARD_SUBJECT_ROOT for the demo agents, the server and the page (default "agents"). */
  readonly subjectRoot: string;
  /** Run the stack on a three-node NATS cluster instead of one server (default false). */
  readonly natsCluster: boolean;
}

export const test = base.extend<
  { mesh: Mesh; dashboard: DashboardPage; stackLogs: void },
  StackOptions & { stack: Stack }
>({
  subjectRoot: ["agents", { scope: "worker", option: true }],
  natsCluster: [false, { scope: "worker", option: true }],

  stack: [
    async ({ subjectRoot, natsCluster, browser }, use) => {
      const cleanups: (() => Promise<unknown>)[] = [];
      const cleanup = async () => {
        for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
      };
      let stack: Stack;
      try {
        // The page's origin must be known before the NATS server starts: its WebSocket listener
        // admits that origin only.
        const port = await freePort();
        const allowedOrigins = [`http://127.0.0.1:${port}`];
        const cluster = natsCluster
          ? await startNatsCluster({ allowedOrigins, logRoots: [subjectRoot] })
          : null;
        const nats = cluster?.nodes[0] ?? (await startNatsServer({ allowedOrigins }));
        cleanups.push(() => (cluster ?? nats).stop());
        const natsUrl = cluster?.url ?? nats.url;
        const wsUrl = cluster?.wsUrls.join(",") ?? nats.wsUrl;
        // A cluster's trust chain is its own (`{dataDir}/identity`), shared by every node.
        const dataDir = cluster === null ? nats.dataDir : dirname(cluster.authority.dir);
        await prepareIdentity(dataDir, subjectRoot);
        const model = await startOfflineModel({ port: 0, streamDelayMs: 2 });
        cleanups.push(() => model.close());
        const agents = await startDemoAgents({ natsUrl, llmBaseUrl: model.url, subjectRoot, dataDir });
        cleanups.push(() => agents.stop());
        const token = dashboardToken();
        const next = await startNext({
          port,
          dataDir,
          dashboardToken: token,
          wsUrl,
          natsUrl,
          llmBaseUrl: model.url,
          subjectRoot,
        });
        cleanups.push(() => next.process.stop());
        stack = {
          baseURL: next.baseURL,
          root: subjectRoot,
          natsUrl,
          wsUrl,
          nats,
          cluster,
          dataDir,
          model,
          agents,
          next: next.process,
          storageState: await signIn(browser, next.baseURL, token),
          token,
        };
      } catch (e) {
        await cleanup();
        throw e;
      }
      await use(stack);
      await cleanup();
    },
    { scope: "worker", timeout: 120_000 },
  ],

  baseURL: async ({ stack }, use) => {
    await use(stack.baseURL);
  },

  // Every context the fixtures make is logged in.
  storageState: async ({ stack }, use) => {
    await use(stack.storageState);
  },

  // On failure, attach what the servers printed: the UI's problem is often visible there.
  stackLogs: [
    async ({ stack }, use, testInfo) => {
      await use();
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach("next-start.log", { body: tail(stack.next.output(), 20_000) });
        await testInfo.attach("demo-agents.log", { body: tail(stack.agents.output(), 20_000) });
      }
    },
    { auto: true },
  ],

  mesh: async ({ stack }, use) => {
    const open: { close(): Promise<unknown> }[] = [];
    const connectAs = async (who: TestIdentity) => {
      const creds = await stack.nats.credentials({ root: stack.root, ...who });
      const nc = await connectNats({
        servers: stack.natsUrl,
        reconnectWaitMs: 100,
        name: `e2e-${who.name}`,
        credentials: credsText(creds),
      });
      open.push(nc);
      return nc;
    };
    /** One connection per sender and runtime, made when first published as. */
    const senders = new Map<string, Promise<NatsConnection>>();
    const sender = (name: string, runtime: AgentRuntime) => {
      const key = `${name}/${runtime}`;
      let nc = senders.get(key);
      if (nc === undefined) {
        nc = connectAs({ role: "agent", name, runtime });
        senders.set(key, nc);
      }
      return nc;
    };
    const s = subjects(stack.root);
    const mesh: Mesh = {
      connection: (name, o = {}) =>
        connectAs({ role: "cli", name, ...(o.root === undefined ? {} : { root: o.root }) }),
      async link(name, options = {}) {
        const who: TestIdentity =
          options.mode === "client" ? { role: "cli", name } : { role: "agent", name, runtime: "process" };
        const l = await AgentLink.start({
          connection: await connectAs(who),
          root: stack.root,
          agent: { name },
          logger: silentLogger,
          ...options,
        });
        open.push(l);
        return l;
      },
      async publishRaw(subject, message) {
        const parsed = s.parse(subject);
        if (parsed === null) throw new Error(`publishRaw: ${subject} is not a subject under ${stack.root}`);
        // An agent may publish every kind of message in its own name; only presence and
        // heartbeats name a runtime, and the credential must have the same.
        const runtime =
          parsed.kind === "presence" || parsed.kind === "heartbeat" ? parsed.runtime : "process";
        const nc = await sender(parsed.from, runtime);
        const data =
          typeof message === "string" || message instanceof Uint8Array ? message : encodeMessage(message);
        nc.publish(subject, data);
        await nc.flush();
      },
      async broadcast(from, content) {
        const m = compose("announcement", from, { content });
        await mesh.publishRaw(s.all(from), m);
        return m;
      },
    };
    await use(mesh);
    // Links before connections: a link announces offline over its connection before that closes.
    for (const c of open.splice(0).reverse()) await c.close().catch(() => {});
  },

  dashboard: async ({ page }, use) => {
    await use(new DashboardPage(page));
  },
});

export { expect };

/** A short unique token, so a test finds its own messages among everything else on the page. */
export function nonce(): string {
  return Math.random().toString(36).slice(2, 8);
}
