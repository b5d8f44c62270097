// Playwright fixtures. `stack` (one per worker) is the whole system on free ports: a harness
// nats-server, the offline model, the demo agents in their own process, and `next start` pointed
// at the server's WebSocket; `baseURL` comes from it. Its subject root is the worker option
// `subjectRoot` (SWITCHBOARD_SUBJECT_ROOT; a project in playwright.config.ts sets another one).
// `mesh` (one per test) gives Node-side NATS links and raw publishing under that root, closed
// after the test. `dashboard` is the page object on a fresh page.
import { test as base, expect } from "@playwright/test";
import { startOfflineModel, type OfflineModel } from "../agents/offline-model";
import { compose, encodeMessage, subjects, type AgentMessage } from "../lib/protocol";
import { AgentLink, silentLogger, type AgentLinkOptions, type NatsConnection } from "../lib/transport";
import { connectNats } from "../lib/transport/connect";
import { startNatsServer, type NatsServerHandle } from "../test/harness/nats-server";
import { DashboardPage } from "./dashboard-page";
import { startDemoAgents, startNext, tail, type ManagedProcess } from "./stack";

export interface Stack {
  readonly baseURL: string;
  /** The subject root everything in this stack uses. */
  readonly root: string;
  readonly natsUrl: string;
  readonly wsUrl: string;
  readonly nats: NatsServerHandle;
  readonly model: OfflineModel;
  readonly agents: ManagedProcess;
  readonly next: ManagedProcess;
}

export interface Mesh {
  /** A Node AgentLink on its own connection to the stack's server. */
  link(name: string, options?: Partial<Omit<AgentLinkOptions, "connection" | "agent">>): Promise<AgentLink>;
  /** A bare connection (closed after the test). */
  connection(): Promise<NatsConnection>;
  /**
   * Publishes on a subject without an AgentLink (no presence, no routing checks) and flushes: an
   * envelope is validated and encoded, bytes or a string go out exactly as given.
   */
  publishRaw(subject: string, message: AgentMessage | Uint8Array | string): Promise<void>;
  /** Builds and publishes a broadcast from `from` (no presence, no link). */
  broadcast(from: string, content: string): Promise<AgentMessage>;
}

/** Worker options, set per project in playwright.config.ts. */
export interface StackOptions {
  /** SWITCHBOARD_SUBJECT_ROOT for the demo agents, the server and the page (default "agents"). */
  readonly subjectRoot: string;
}

export const test = base.extend<
  { mesh: Mesh; dashboard: DashboardPage; stackLogs: void },
  StackOptions & { stack: Stack }
>({
  subjectRoot: ["agents", { scope: "worker", option: true }],

  stack: [
    async ({ subjectRoot }, use) => {
      const cleanups: (() => Promise<unknown>)[] = [];
      const cleanup = async () => {
        for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
      };
      let stack: Stack;
      try {
        const nats = await startNatsServer();
        cleanups.push(() => nats.stop());
        const model = await startOfflineModel({ port: 0, streamDelayMs: 2 });
        cleanups.push(() => model.close());
        const agents = await startDemoAgents(nats.url, model.url, subjectRoot);
        cleanups.push(() => agents.stop());
        const next = await startNext({
          wsUrl: nats.wsUrl,
          natsUrl: nats.url,
          llmBaseUrl: model.url,
          subjectRoot,
        });
        cleanups.push(() => next.process.stop());
        stack = {
          baseURL: next.baseURL,
          root: subjectRoot,
          natsUrl: nats.url,
          wsUrl: nats.wsUrl,
          nats,
          model,
          agents,
          next: next.process,
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
    let shared: NatsConnection | undefined;
    const connection = async () => {
      const nc = await connectNats({ servers: stack.natsUrl, reconnectWaitMs: 100, name: "e2e" });
      open.push(nc);
      return nc;
    };
    const mesh: Mesh = {
      connection,
      async link(name, options = {}) {
        const l = await AgentLink.start({
          connection: await connection(),
          root: stack.root,
          agent: { name },
          logger: silentLogger,
          ...options,
        });
        open.push(l);
        return l;
      },
      async publishRaw(subject, message) {
        shared ??= await connection();
        const data =
          typeof message === "string" || message instanceof Uint8Array ? message : encodeMessage(message);
        shared.publish(subject, data);
        await shared.flush();
      },
      async broadcast(from, content) {
        const m = compose("announcement", from, { content });
        await mesh.publishRaw(subjects(stack.root).all(), m);
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
