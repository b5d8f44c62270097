// The dashboard's session against a real nats-server with authentication on, over WebSocket as in
// the page (Node 20 has no WebSocket of its own: the `ws` package stands in): the person's own
// credential and its renewal, what reaches the store through the sink, the person's commands over
// a client link that neither subscribes nor announces itself, tab agents each on a connection and
// credential of their own, the one list of agents this page may stop, and the lifecycle.
//
// Every connection in this file is a WebSocket: the NATS client keeps one process-wide transport
// factory, and a TCP connect would swap it under a WebSocket connection that later reconnects.
// The issuer stands in for POST /api/identity: it signs the tab's public key with the harness's
// trust chain, the way the dashboard's server does.
import { WebSocket as NodeWebSocket } from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startOfflineModel, type OfflineModel } from "../../agents/offline-model";
import {
  DashboardSession,
  IdentityError,
  NotConnectedError,
  RenewingCredential,
  ServerAgents,
  SIGNED_OUT,
  type DashboardSessionOptions,
  type DashboardSink,
  type IdentityIssuer,
  type OwnedAgents,
} from "../../lib/dashboard";
import { compose, encodeMessage, subjects, type RejectReason } from "../../lib/protocol";
import { EMPTY_REGISTRY, onlineAgents, reduceRegistry, type RegistryState } from "../../lib/registry/reducer";
import {
  AgentLink,
  microtaskScheduler,
  RegistryWatcher,
  silentLogger,
  type AgentLinkOptions,
  type ConnectOptions,
  type NatsConnection,
  type TappedMessage,
} from "../../lib/transport";
import { credsText } from "../../lib/transport/connect";
import { connectNatsWs } from "../../lib/transport/connect-browser";
import { startNatsServer, type NatsServerHandle, type TestIdentity } from "../harness/nats-server";
import { eventually, sleep } from "../helpers";

let server: NatsServerHandle;
let model: OfflineModel;
beforeAll(async () => {
  server = await startNatsServer();
  model = await startOfflineModel({ port: 0, streamDelayMs: 2 });
});
afterAll(async () => {
  await model.close();
  await server.stop();
});

/** The page's connector, handed the `ws` package's WebSocket (wsconnect's own option `wsFactory`). */
function wsConnect(c: ConnectOptions & { servers: string }): Promise<NatsConnection> {
  const wsFactory = async (url: string) => ({
    socket: new NodeWebSocket(url) as unknown as WebSocket,
    encrypted: false,
  });
  const extra = { ...c.extra, wsFactory };
  return connectNatsWs({ ...c, extra });
}

/** Signs public keys as the dashboard's server would: persons, and agents that run in a tab. */
function authorityIssuer(ttlMs = 3_600_000): IdentityIssuer & { issued: number } {
  return {
    issued: 0,
    async issue(r) {
      const minted = await server.authority!.mint({
        role: r.role,
        name: r.name,
        ...(r.role === "agent" ? { runtime: "browser" as const } : {}),
        root: "agents",
        ttlMs,
        publicKey: r.publicKey,
      });
      this.issued++;
      return { jwt: minted.jwt, expiresAt: minted.expiresAt };
    },
  };
}

/** A store in miniature: what the session pushed, and the registry it implies. */
class RecordingSink implements DashboardSink {
  messages: TappedMessage[] = [];
  rejected: RejectReason[] = [];
  states: string[] = [];
  details: string[] = [];
  ticks = 0;
  owned: OwnedAgents[] = [];
  registry: RegistryState = EMPTY_REGISTRY;
  ingest(batch: readonly TappedMessage[], rejected: readonly RejectReason[]) {
    for (const { message: m } of batch) {
      if (m.type === "presence" || m.type === "heartbeat")
        this.registry = reduceRegistry(this.registry, { type: "seen", message: m, at: Date.now() });
    }
    this.messages.push(...batch);
    this.rejected.push(...rejected);
  }
  setConnection(state: string, detail: string) {
    this.states.push(state);
    this.details.push(detail);
  }
  tick() {
    this.ticks++;
  }
  setOwned(owned: OwnedAgents) {
    this.owned.push(owned);
  }
  get lastOwned(): OwnedAgents {
    return this.owned.at(-1) ?? {};
  }
  get state(): string | undefined {
    return this.states.at(-1);
  }
  status(name: string) {
    return this.registry.agents[name]?.status;
  }
  // The log's half (history, search, replay): tested with the real store in ./history.test.ts.
  ingestLog() {}
  setHistory() {}
  setThreadLog() {}
  setSearch() {}
  setReplay() {}
}

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close().catch(() => {});
});

/** A connection as `who`, over WebSocket. */
async function connectAs(who: TestIdentity): Promise<NatsConnection> {
  const creds = await server.credentials(who);
  const nc = await wsConnect({ servers: server.wsUrl, reconnectWaitMs: 100, credentials: credsText(creds) });
  open.push(nc);
  return nc;
}

/** An agent on a connection of its own (agents on WebSocket are tab agents: runtime browser). */
async function agent(name: string, options: Partial<Omit<AgentLinkOptions, "connection">> = {}) {
  const connection = await connectAs({ role: "agent", name, runtime: "browser" });
  const l = await AgentLink.start({
    connection,
    agent: { name, runtime: "browser" },
    logger: silentLogger,
    ...options,
  });
  open.push(l);
  return l;
}

/** Everything published under the root, as a person named `name` reads it. */
async function listen(name = "you-listener"): Promise<{ subject: string; body: Record<string, unknown> }[]> {
  const nc = await connectAs({ role: "person", name });
  const got: { subject: string; body: Record<string, unknown> }[] = [];
  nc.subscribe("agents.>", { callback: (_e, m) => void got.push({ subject: m.subject, body: m.json() }) });
  await nc.flush();
  return got;
}

async function watcher(name = "you-watcher") {
  const w = await RegistryWatcher.start({
    connection: await connectAs({ role: "person", name }),
    discoveryMs: 50,
    observerName: name,
  });
  open.push(w);
  return w;
}

let people = 0;
async function session(o: Partial<DashboardSessionOptions> & { issuer?: IdentityIssuer } = {}) {
  const sink = new RecordingSink();
  const issuer = o.issuer ?? authorityIssuer();
  const credential =
    o.credential ??
    (await RenewingCredential.obtain({ issuer, role: "person", name: `you-test${++people}` }));
  const s = new DashboardSession({
    wsUrl: server.wsUrl,
    root: "agents",
    credential,
    issuer,
    sink,
    online: () => onlineAgents(sink.registry).map((e) => e.agent),
    connect: wsConnect,
    schedule: microtaskScheduler,
    serverAgentsPollMs: 0,
    tickMs: 50,
    logger: silentLogger,
    ...o,
  });
  open.push(s);
  await s.start();
  return { s, sink };
}

interface Connz {
  connections: { name?: string; subscriptions_list?: string[]; authorized_user?: string }[];
}

/** The connection named `name`, from the server's monitoring port. */
async function connectionNamed(name: string) {
  const res = await fetch(`${server.monitorUrl}/connz?subs=1&auth=1`);
  const body = (await res.json()) as Connz;
  return body.connections.find((x) => x.name === name);
}

async function gone(name: string): Promise<void> {
  for (let i = 0; (await connectionNamed(name)) !== undefined; i++) {
    if (i > 100) throw new Error(`the connection ${name} is still open`);
    await sleep(20);
  }
}

const tabSpec = {
  name: "Tab-Bot",
  description: "weather in a tab",
  instructions: "Answer weather questions with the get_weather tool.",
  capabilities: ["weather"],
  tools: ["get_weather"],
};

describe("DashboardSession", () => {
  it("feeds the sink: connection, who is online, traffic and bad messages, the clock", async () => {
    await agent("Echo", { handlers: { request: (m) => `echo ${m.content}` } });
    const { sink } = await session();
    expect(sink.states).toEqual(["connected"]);
    // Echo announced itself before the page opened: only "who is online?" can tell the page.
    await eventually(() => sink.status("Echo") === "online");
    const herald = await connectAs({ role: "person", name: "Herald" });
    herald.publish(subjects().all("Herald"), "{not json");
    herald.publish(
      subjects().all("Herald"),
      encodeMessage(compose("announcement", "Herald", { content: "hi" })),
    );
    await eventually(() => sink.messages.some((m) => m.message.content === "hi"));
    expect(sink.rejected).toEqual(["malformed_json"]);
    await eventually(() => sink.ticks >= 2);
  });

  it("connects as the person: its own credential, a WebSocket, nothing of its key sent but the public half", async () => {
    const asked: { role: string; name: string; publicKey: string }[] = [];
    const minting = authorityIssuer();
    const issuer: IdentityIssuer = {
      issue: (r) => {
        asked.push({ ...r });
        return minting.issue(r);
      },
    };
    const { s } = await session({ issuer });
    expect(asked).toEqual([
      { role: "person", name: s.me, publicKey: expect.stringMatching(/^U[A-Z2-7]{55}$/) },
    ]);
    const c = await connectionNamed(`switchboard-dashboard-${s.me}`);
    expect(c?.authorized_user).toBe(asked[0]!.publicKey);
  });

  it("gives the person's commands through a client link: no presence, no subscription of its own", async () => {
    await agent("Streamer", {
      handlers: {
        request: async (m, ctx) => {
          ctx.link.stream(m, "thinking ", 0);
          await sleep(20);
          ctx.link.stream(m, "hard", 1);
          await sleep(20);
          return `answer to ${m.content}`;
        },
      },
    });
    const heard = await listen();
    const { s, sink } = await session();
    const partials: string[] = [];
    const answer = await s.commands.request("Streamer", "why?", { onPartial: (p) => partials.push(p) });
    expect(answer.content).toBe("answer to why?");
    expect(partials).toEqual(["thinking ", "thinking hard"]);
    // The store saw the same answer once, through the tap.
    await eventually(() => sink.messages.filter((m) => m.message.id === answer.id).length === 1);

    const sent = s.commands.broadcast("hello all", { priority: 4 });
    await eventually(() => heard.some((h) => h.body.id === sent.id));

    // The page's connection holds one subscription under the root, the tap: answers to the
    // person do not cross the socket twice.
    const c = await connectionNamed(`switchboard-dashboard-${s.me}`);
    expect(c?.subscriptions_list?.filter((x) => x.startsWith("agents."))).toEqual(["agents.>"]);
    // And the person is never listed: it announced nothing and answers no "who is online?".
    const presence = (h: { subject: string }) => /^agents\.(presence|heartbeat)\./.test(h.subject);
    expect(heard.filter(presence).filter((h) => h.subject.includes(`.${s.me}.`))).toEqual([]);
    const w = await watcher();
    await sleep(200);
    expect(Object.keys(w.state.agents)).not.toContain(s.me);
  });

  it("runs each tab agent on a connection and credential of its own, closed when it stops", async () => {
    const { s, sink } = await session({ llmBaseUrl: model.url });
    await s.startAgent(tabSpec, "tab");
    await eventually(() => sink.status("Tab-Bot") === "online");
    expect(sink.registry.agents["Tab-Bot"]?.agent.runtime).toBe("browser");
    const own = await connectionNamed("switchboard-tab-agent-Tab-Bot");
    const person = await connectionNamed(`switchboard-dashboard-${s.me}`);
    expect(own?.authorized_user).toMatch(/^U/);
    expect(own?.authorized_user).not.toBe(person?.authorized_user);
    const answer = await s.commands.request("Tab-Bot", "What's the weather in Oslo?", { timeoutMs: 15_000 });
    expect(answer.from).toBe("Tab-Bot");

    await s.stopAgent("Tab-Bot");
    await eventually(() => sink.status("Tab-Bot") === "offline");
    await gone("switchboard-tab-agent-Tab-Bot");
  });

  it("refuses a tab agent whose name the issuer will not sign, with the issuer's words", async () => {
    const minting = authorityIssuer();
    const issuer: IdentityIssuer = {
      issue: (r) =>
        r.role === "agent" && r.name === "Weather-Bot"
          ? Promise.reject(new IdentityError("the name Weather-Bot is taken; choose another name", 409))
          : minting.issue(r),
    };
    const { s, sink } = await session({ issuer, llmBaseUrl: model.url });
    await expect(s.startAgent({ ...tabSpec, name: "Weather-Bot" }, "tab")).rejects.toThrow(
      "the name Weather-Bot is taken; choose another name",
    );
    expect(sink.lastOwned).toEqual({});
    expect(await connectionNamed("switchboard-tab-agent-Weather-Bot")).toBeUndefined();
  });

  it("keeps one list of the agents this page may stop: tab agents and server agents", async () => {
    const onServer = new Set<string>(["Started-Elsewhere"]);
    const fake: typeof fetch = async (input, init) => {
      const url = String(input);
      if (init?.method === "POST") {
        onServer.add((JSON.parse(String(init.body)) as { name: string }).name);
        return Response.json({}, { status: 201 });
      }
      if (init?.method === "DELETE") {
        const name = decodeURIComponent(url.split("/").at(-1)!);
        if (!onServer.delete(name))
          return Response.json({ error: `no agent named ${name}` }, { status: 404 });
        return Response.json({ stopped: name });
      }
      return Response.json({ agents: [...onServer].map((name) => ({ name })) });
    };
    const { s, sink } = await session({
      serverAgents: new ServerAgents({ fetch: fake }),
      serverAgentsPollMs: 50,
      llmBaseUrl: model.url,
    });
    await eventually(() => sink.lastOwned["Started-Elsewhere"] === "server");

    await s.startAgent(tabSpec, "tab");
    expect(sink.lastOwned["Tab-Bot"]).toBe("tab");
    await eventually(() => sink.status("Tab-Bot") === "online");
    await expect(s.startAgent(tabSpec, "tab")).rejects.toThrow("an agent named Tab-Bot is already online");

    await s.startAgent({ ...tabSpec, name: "Srv-Bot", tools: [] }, "server");
    expect(sink.lastOwned).toEqual({ "Started-Elsewhere": "server", "Tab-Bot": "tab", "Srv-Bot": "server" });

    await s.stopAgent("Tab-Bot");
    await eventually(() => sink.status("Tab-Bot") === "offline");
    await s.stopAgent("Srv-Bot");
    onServer.delete("Started-Elsewhere"); // stopped from another tab
    await eventually(() => Object.keys(sink.lastOwned).length === 0);
    await expect(s.stopAgent("Srv-Bot")).rejects.toThrow(
      "Srv-Bot runs neither in this tab nor on this dashboard's server",
    );
  });

  it("renews the person's credential at half its life and carries on after the server ends the old one", async () => {
    const issuer = authorityIssuer(3_000);
    const { s, sink } = await session({ issuer });
    await eventually(() => issuer.issued >= 2, 3_000); // renewed after ~1.5 s, same key
    // At 3 s the server closes the connection whose JWT expired; the client reconnects with the new one.
    await eventually(() => sink.states.includes("reconnecting"), 4_000);
    await eventually(() => sink.state === "connected", 3_000);
    const herald = await connectAs({ role: "person", name: "Herald" });
    herald.publish(
      subjects().all("Herald"),
      encodeMessage(compose("announcement", "Herald", { content: "later" })),
    );
    await eventually(() => sink.messages.some((m) => m.message.content === "later"));
    expect(await Promise.race([s.closed, sleep(10).then(() => "open")])).toBe("open");
  });

  it("says signed out when the credential cannot be renewed for want of a session, and why it ended", async () => {
    const minting = authorityIssuer(2_000);
    let signedIn = true;
    const issuer: IdentityIssuer = {
      issue: (r) => (signedIn ? minting.issue(r) : Promise.reject(new IdentityError(SIGNED_OUT, 401))),
    };
    const credential = await RenewingCredential.obtain({
      issuer,
      role: "person",
      name: "you-leaving",
      retryMs: 200,
    });
    signedIn = false;
    const { s, sink } = await session({ issuer, credential });
    await eventually(() => sink.state === "signed-out", 2_000);
    expect(sink.details.at(-1)).toBe(SIGNED_OUT);
    // The JWT expires unrenewed; the server refuses it at reconnect, and the session ends.
    const reason = await s.closed;
    expect(reason).toBeInstanceOf(Error);
    expect(sink.state).toBe("signed-out");
    expect(sink.details.at(-1)).toContain(SIGNED_OUT);
    expect(sink.details.at(-1)).toContain("reload the page");
  });

  it("lists an agent with the runtime its subject names, and drops a presence that claims another", async () => {
    const { sink } = await session();
    const liar = await connectAs({ role: "agent", name: "Liar", runtime: "browser" });
    // Its credential lets it announce only on agents.presence.Liar.browser; the body claims "server".
    const presence = compose("presence", "Liar", {
      content: "",
      agent: {
        name: "Liar",
        description: "",
        capabilities: [],
        tools: [],
        runtime: "server",
        status: "online",
        startedAt: new Date().toISOString(),
        lastSeen: new Date().toISOString(),
        heartbeatMs: 5_000,
      },
    });
    liar.publish(subjects().presence("Liar", "browser"), encodeMessage(presence));
    await eventually(() => sink.rejected.includes("spoofed"));
    expect(sink.registry.agents.Liar).toBeUndefined();
  });

  it("closes idempotently: the tab's agents leave, commands refuse, the connections go", async () => {
    const { s, sink } = await session({ llmBaseUrl: model.url });
    const spec = { name: "Short-Lived", description: "", instructions: "x", capabilities: [], tools: [] };
    await s.startAgent(spec, "tab");
    const w = await watcher();
    await w.waitFor((r) => r.agents["Short-Lived"]?.status === "online", 2_000);
    await Promise.all([s.close(), s.close()]);
    expect(await s.closed).toBeNull();
    await w.waitFor((r) => r.agents["Short-Lived"]?.offlineReason === "announced", 2_000);
    expect(() => s.commands.send("Echo", "still there?")).toThrow(NotConnectedError);
    await expect(s.startAgent({ ...spec, name: "Too-Late" }, "tab")).rejects.toThrow("this page is closing");
    await gone(`switchboard-dashboard-${s.me}`);
    await gone("switchboard-tab-agent-Short-Lived");
    const before = sink.messages.length;
    const herald = await connectAs({ role: "person", name: "Herald" });
    herald.publish(
      subjects().all("Herald"),
      encodeMessage(compose("announcement", "Herald", { content: "late" })),
    );
    await herald.flush();
    await sleep(50);
    expect(sink.messages).toHaveLength(before);
  });

  it("can be closed while it is still trying to connect", async () => {
    const sink = new RecordingSink();
    const issuer = authorityIssuer();
    const s = new DashboardSession({
      wsUrl: "ws://127.0.0.1:1",
      root: "agents",
      credential: await RenewingCredential.obtain({ issuer, role: "person", name: "you-nowhere" }),
      issuer,
      sink,
      online: () => [],
      connect: wsConnect,
      serverAgentsPollMs: 0,
      logger: silentLogger,
    });
    void s.start();
    await sleep(50);
    await s.close();
    expect(await s.closed).toBeNull();
    expect(sink.states).toEqual([]);
  });
});
