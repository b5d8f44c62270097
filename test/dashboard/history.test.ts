// The dashboard's history against a real nats-server with its log (JetStream), over WebSocket as
// in the page, with the real store as the session's sink: the backfill at open (subscribe first,
// then read, then drop copies by id), older pages to the log's start, hostile bytes in the log
// dropped and counted like live ones, a thread read whole, search, dry replay that publishes
// nothing, and the resume after a broker restart (every message once, and a marker).
//
// Every connection here is a WebSocket (see session.test.ts: the NATS client keeps one
// process-wide transport factory).
import { WebSocket as NodeWebSocket } from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DashboardSession,
  RenewingCredential,
  type DashboardSink,
  type IdentityIssuer,
} from "../../lib/dashboard";
import { compose, encodeMessage, subjects } from "../../lib/protocol";
import { createDashboardStore, visibleRows, type DashboardStore } from "../../lib/store/dashboard-store";
import {
  AgentLink,
  microtaskScheduler,
  type AgentLinkOptions,
  silentLogger,
  type ConnectOptions,
  type NatsConnection,
} from "../../lib/transport";
import { credsText } from "../../lib/transport/connect";
import { connectNatsWs } from "../../lib/transport/connect-browser";
import { startNatsServer, type NatsServerHandle, type TestIdentity } from "../harness/nats-server";
import { eventually, sleep } from "../helpers";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

function wsConnect(c: ConnectOptions & { servers: string }): Promise<NatsConnection> {
  const wsFactory = async (url: string) => ({
    socket: new NodeWebSocket(url) as unknown as WebSocket,
    encrypted: false,
  });
  const extra = { ...c.extra, wsFactory };
  return connectNatsWs({ ...c, extra });
}

const issuer: IdentityIssuer = {
  async issue(r) {
    const minted = await server.authority!.mint({
      role: r.role,
      name: r.name,
      ...(r.role === "agent" ? { runtime: "browser" as const } : {}),
      root: "agents",
      ttlMs: 3_600_000,
      publicKey: r.publicKey,
    });
    return { jwt: minted.jwt, expiresAt: minted.expiresAt };
  },
};

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close().catch(() => {});
});

async function connectAs(who: TestIdentity, reconnectWaitMs = 100): Promise<NatsConnection> {
  const creds = await server.credentials(who);
  const nc = await wsConnect({ servers: server.wsUrl, reconnectWaitMs, credentials: credsText(creds) });
  open.push(nc);
  return nc;
}

/** An agent in a tab (agents on WebSocket run in a browser), with the log's outbox. */
async function agent(name: string, handlers: AgentLinkOptions["handlers"] = {}) {
  const connection = await connectAs({ role: "agent", name, runtime: "browser" });
  const l = await AgentLink.start({
    connection,
    agent: { name, runtime: "browser" },
    logger: silentLogger,
    handlers,
  });
  open.push(l);
  return l;
}

/** The store as the page wires it (components/use-dashboard-session.ts). */
function sinkFor(store: DashboardStore): DashboardSink {
  const s = store.getState;
  return {
    ingest: (b, r) => s().ingest(b, r),
    setConnection: (st, d) => s().setConnection(st, d),
    tick: (n) => s().tick(n),
    setOwned: (o) => s().setOwned(o),
    ingestLog: (p, r) => s().ingestLog(p, r),
    setHistory: (h) => s().setHistory(h),
    setThreadLog: (t) => s().setThreadLog(t),
    setSearch: (u) => s().setSearch(u),
    setReplay: (r) => s().setReplay(r),
  };
}

let people = 0;
async function page(o: { backfill?: number; reconnectWaitMs?: number; retention?: number } = {}) {
  const name = `you-hist${++people}`;
  const store = createDashboardStore({ me: name, retention: o.retention ?? 5_000 });
  const s = new DashboardSession({
    wsUrl: server.wsUrl,
    root: "agents",
    credential: await RenewingCredential.obtain({ issuer, role: "person", name }),
    issuer,
    sink: sinkFor(store),
    online: () => [],
    connect: (c) => wsConnect({ ...c, reconnectWaitMs: o.reconnectWaitMs ?? 100 }),
    schedule: microtaskScheduler,
    serverAgentsPollMs: 0,
    tickMs: 0,
    logger: silentLogger,
    ...(o.backfill === undefined ? {} : { backfill: o.backfill }),
  });
  open.push(s);
  await s.start();
  await s.history.ready;
  return { s, store };
}

const contents = (store: DashboardStore, channel = "all" as const) =>
  visibleRows({ ...store.getState(), channel }).flatMap((r) =>
    r.kind === "message" ? [r.stored.message.content] : [],
  );

describe("history", () => {
  it("shows what was said before the page opened, in every channel, and drops bad bytes from the log", async () => {
    const tag = `t${Date.now()}`;
    const herald = await agent("Herald");
    await agent("Echo", { request: (m) => `echo ${m.content}` });
    for (let i = 0; i < 5; i++) herald.broadcast(`${tag} news ${i}`);
    herald.sendDirect("Echo", `${tag} hello Echo`);
    const answer = await herald.request("Echo", `${tag} ping`);
    expect(answer.content).toBe(`echo ${tag} ping`);
    // A body that claims another sender: stored by the log, never shown.
    const liar = await connectAs({ role: "agent", name: "Liar", runtime: "browser" });
    liar.publish(
      subjects().all("Liar"),
      encodeMessage(compose("announcement", "Herald", { content: `${tag} spoofed` })),
    );
    await liar.flush();
    await sleep(200); // the outbox's acks

    const { store } = await page();
    const s = store.getState();
    expect(contents(store).filter((c) => c.startsWith(tag))).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${tag} news ${i}`),
    );
    expect(contents(store, "requests" as "all").filter((c) => c.includes(tag))).toEqual([
      `${tag} ping`,
      `echo ${tag} ping`,
    ]);
    expect(
      visibleRows({ ...s, channel: "dm:Echo" })
        .flatMap((r) => (r.kind === "message" ? [r.stored.message.content] : []))
        .filter((c) => c.includes(tag)),
    ).toEqual([`${tag} hello Echo`, `${tag} ping`, `echo ${tag} ping`]);
    expect(s.rejected.spoofed).toBe(1);
    expect(s.messages.some((m) => m.message.content === `${tag} spoofed`)).toBe(false);
    expect(s.history.status).toBe("idle");
    const tagged = s.messages.filter((m) => m.message.content.includes(tag));
    expect(tagged.every((m) => m.logSeq !== undefined)).toBe(true);
    expect(s.unread.requests).toBeUndefined(); // history is not news
  });

  it("gives each kind of channel its newest messages, however much other traffic came after", async () => {
    const tag = `busy${Date.now()}`;
    const herald = await agent("Busy-Herald");
    await agent("Busy-Sink", { direct: () => undefined });
    for (let i = 0; i < 3; i++) herald.broadcast(`${tag} news ${i}`);
    for (let i = 0; i < 400; i++) herald.sendDirect("Busy-Sink", `${tag} chatter ${i}`);
    await eventually(() => herald.stats.memory?.outbox.waiting === 0);
    const { store } = await page({ backfill: 100 });
    // The newest 100 of the log are all chatter; #all still opens with its three broadcasts.
    expect(contents(store).filter((c) => c.startsWith(`${tag} news`))).toEqual(
      [0, 1, 2].map((i) => `${tag} news ${i}`),
    );
  });

  it("takes every message once while traffic flows during the backfill", async () => {
    const tag = `flow${Date.now()}`;
    const herald = await agent("Flow-Herald");
    let sent = 0;
    const pump = (async () => {
      for (; sent < 300; sent++) {
        herald.broadcast(`${tag} ${sent}`);
        if (sent % 10 === 0) await sleep(5);
      }
    })();
    await eventually(() => sent >= 100, 5_000);
    const { store } = await page({ backfill: 5_000 });
    await pump;
    await eventually(() => contents(store).filter((c) => c.startsWith(tag)).length >= 300, 5_000);
    await sleep(200);
    const mine = contents(store).filter((c) => c.startsWith(tag));
    expect(mine).toEqual(Array.from({ length: 300 }, (_, i) => `${tag} ${i}`));
  });

  it("loads older pages until the log's start", async () => {
    const tag = `old${Date.now()}`;
    const herald = await agent("Old-Herald");
    for (let i = 0; i < 120; i++) herald.broadcast(`${tag} ${i}`);
    await sleep(300);
    const { s, store } = await page({ backfill: 50 });
    const count = () => contents(store).filter((c) => c.startsWith(tag)).length;
    expect(count()).toBe(50);
    expect(store.getState().history.atStart).toBe(false);
    for (let i = 0; i < 200 && !store.getState().history.atStart; i++) await s.history.loadOlder();
    expect(store.getState().history.atStart).toBe(true);
    expect(contents(store).filter((c) => c.startsWith(tag))).toEqual(
      Array.from({ length: 120 }, (_, i) => `${tag} ${i}`),
    );
  });

  it("opens an old thread whole, searches the log, and replays a thread without publishing", async () => {
    const tag = `thr${Date.now()}`;
    const asker = await agent("Asker");
    await agent("Answerer", { request: (m) => `answer to ${m.content}` });
    const answer = await asker.request("Answerer", `${tag} question`);
    // Newer traffic of every kind, so the thread is past what the page reads at open.
    for (let i = 0; i < 80; i++) asker.broadcast(`${tag} filler ${i}`);
    for (let i = 0; i < 25; i++) await asker.request("Answerer", `later ${i}`);
    await sleep(300);
    const { s, store } = await page({ backfill: 20 });
    expect(store.getState().messages.some((m) => m.message.id === answer.id)).toBe(false);

    await s.history.openThread(answer.threadId);
    const t = store.getState().threadLog;
    expect(t?.status).toBe("done");
    // (an ack, when the agent sends one, is in the thread too)
    expect(t?.items.map((m) => m.message.type).filter((x) => x !== "ack")).toEqual(["request", "response"]);

    await s.history.search({
      text: `${tag} question`,
      from: "",
      type: "",
      threadId: "",
      since: null,
      until: null,
    });
    expect(store.getState().search.status).toBe("done");
    // Newest first; the answer quotes the question.
    expect(store.getState().search.results.map((m) => m.message.content)).toEqual([
      `answer to ${tag} question`,
      `${tag} question`,
    ]);
    await s.history.search({
      text: tag,
      from: "Answerer",
      type: "response",
      threadId: "",
      since: null,
      until: null,
    });
    expect(store.getState().search.results.map((m) => m.message.content)).toEqual([
      `answer to ${tag} question`,
    ]);

    const observer = await connectAs({ role: "person", name: "you-observer" });
    let published = 0;
    observer.subscribe("agents.>", {
      callback: (_e, m) => void (m.subject.includes(".heartbeat.") || published++),
    });
    await observer.flush();
    await s.history.replay(answer.threadId, "instant");
    const r = store.getState().replay;
    expect(r?.status).toBe("done");
    expect(r?.shown).toBe(r?.items.length);
    expect(r?.items.map((m) => m.message.type).filter((x) => x !== "ack")).toEqual(["request", "response"]);
    await observer.flush();
    expect(published).toBe(0);
  });

  it("recovers what a broker restart made it miss: every message once, and a marker", async () => {
    const tag = `gap${Date.now()}`;
    // The page reconnects slowly, the publisher quickly: what is sent in between is only in the log.
    const { store } = await page({ reconnectWaitMs: 1_500 });
    const herald = await agent("Gap-Herald");
    let sent = 0;
    const pump = (async () => {
      for (; sent < 200; sent++) {
        herald.broadcast(`${tag} ${sent}`);
        await sleep(15);
      }
    })();
    await eventually(() => sent >= 50, 5_000);
    await server.restart();
    await pump;
    await eventually(() => store.getState().markers.length === 1, 15_000);
    await eventually(() => contents(store).filter((c) => c.startsWith(tag)).length >= 200, 15_000);
    await sleep(300);
    const mine = contents(store).filter((c) => c.startsWith(tag));
    expect(new Set(mine).size).toBe(mine.length);
    expect(mine.map((c) => Number(c.split(" ")[1])).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, i) => i),
    );
    const marker = store.getState().markers[0]!;
    expect(marker.total).toBeGreaterThan(0);
    expect(visibleRows({ ...store.getState(), channel: "all" }).some((r) => r.kind === "marker")).toBe(true);
  });
});
