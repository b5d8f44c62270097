// The dashboard's session against a real nats-server (over TCP here; the page uses WebSocket):
// what reaches the store through the sink, the person's commands over a client link that
// neither subscribes nor announces itself, the one list of agents this page may stop, and the
// lifecycle.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startOfflineModel, type OfflineModel } from "../../agents/offline-model";
import {
  DashboardSession,
  NotConnectedError,
  ServerAgents,
  type DashboardSessionOptions,
  type DashboardSink,
  type OwnedAgents,
} from "../../lib/dashboard";
import { compose, encodeMessage, subjects, type RejectReason } from "../../lib/protocol";
import { EMPTY_REGISTRY, onlineAgents, reduceRegistry, type RegistryState } from "../../lib/registry/reducer";
import { microtaskScheduler, RegistryWatcher, silentLogger, type TappedMessage } from "../../lib/transport";
import { connectNats } from "../../lib/transport/connect";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { collect, connection, eventually, link, sleep } from "../helpers";

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

/** A store in miniature: what the session pushed, and the registry it implies. */
class RecordingSink implements DashboardSink {
  messages: TappedMessage[] = [];
  rejected: RejectReason[] = [];
  states: string[] = [];
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
  setConnection(state: string) {
    this.states.push(state);
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
  status(name: string) {
    return this.registry.agents[name]?.status;
  }
}

const sessions: DashboardSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});

let people = 0;
async function session(o: Partial<DashboardSessionOptions> = {}) {
  const sink = new RecordingSink();
  const s = new DashboardSession({
    wsUrl: server.url,
    root: "agents",
    me: `you-test${++people}`,
    sink,
    online: () => onlineAgents(sink.registry).map((e) => e.agent),
    connect: (c) => connectNats(c),
    schedule: microtaskScheduler,
    serverAgentsPollMs: 0,
    tickMs: 50,
    logger: silentLogger,
    ...o,
  });
  sessions.push(s);
  await s.start();
  return { s, sink };
}

/** The subscriptions of the connection named `name`, from the server's monitoring port. */
async function subscriptionsOf(name: string): Promise<string[] | undefined> {
  const res = await fetch(`${server.monitorUrl}/connz?subs=1`);
  const body = (await res.json()) as { connections: { name?: string; subscriptions_list?: string[] }[] };
  const c = body.connections.find((x) => x.name === name);
  return c === undefined ? undefined : (c.subscriptions_list ?? []);
}

describe("DashboardSession", () => {
  it("feeds the sink: connection, who is online, traffic and bad messages, the clock", async () => {
    await link(server.url, "Echo", { handlers: { request: (m) => `echo ${m.content}` } });
    const { sink } = await session();
    expect(sink.states).toEqual(["connected"]);
    // Echo announced itself before the page opened: only "who is online?" can tell the page.
    await eventually(() => sink.status("Echo") === "online");
    const pub = await connection(server.url);
    pub.publish(subjects().all(), "{not json");
    pub.publish(subjects().all(), encodeMessage(compose("announcement", "Herald", { content: "hi" })));
    await eventually(() => sink.messages.some((m) => m.message.content === "hi"));
    expect(sink.rejected).toEqual(["malformed_json"]);
    await eventually(() => sink.ticks >= 2);
  });

  it("gives the person's commands through a client link: no presence, no subscription of its own", async () => {
    await link(server.url, "Streamer", {
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
    const heard = await collect(server.url, "agents.>");
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
    const subs = await subscriptionsOf(`switchboard-dashboard-${s.me}`);
    expect(subs?.filter((x) => x.startsWith("agents."))).toEqual(["agents.>"]);
    // And the person is never listed: it announced nothing and answers no "who is online?".
    const mine = (h: { subject: string }) => h.subject.endsWith(`.${s.me}`); // presence, heartbeat
    expect(heard.filter(mine)).toEqual([]);
    const watcher = await RegistryWatcher.start({
      connection: await connection(server.url),
      discoveryMs: 100,
    });
    await sleep(200);
    expect(Object.keys(watcher.state.agents)).not.toContain(s.me);
    await watcher.close();
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

    const spec = {
      name: "Tab-Bot",
      description: "weather in a tab",
      instructions: "Answer weather questions with the get_weather tool.",
      capabilities: ["weather"],
      tools: ["get_weather"],
    };
    await s.startAgent(spec, "tab");
    expect(sink.lastOwned["Tab-Bot"]).toBe("tab");
    await eventually(() => sink.status("Tab-Bot") === "online");
    const answer = await s.commands.request("Tab-Bot", "What's the weather in Oslo?", { timeoutMs: 15_000 });
    expect(answer.from).toBe("Tab-Bot");
    await expect(s.startAgent(spec, "tab")).rejects.toThrow("an agent named Tab-Bot is already online");

    await s.startAgent({ ...spec, name: "Srv-Bot", tools: [] }, "server");
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

  it("closes idempotently: the tab's agents leave, commands refuse, the connection goes", async () => {
    const { s, sink } = await session({ llmBaseUrl: model.url });
    const spec = { name: "Short-Lived", description: "", instructions: "x", capabilities: [], tools: [] };
    await s.startAgent(spec, "tab");
    const watcher = await RegistryWatcher.start({
      connection: await connection(server.url),
      discoveryMs: 50,
    });
    await watcher.waitFor((r) => r.agents["Short-Lived"]?.status === "online", 2_000);
    await Promise.all([s.close(), s.close()]);
    expect(await s.closed).toBeNull();
    await watcher.waitFor((r) => r.agents["Short-Lived"]?.offlineReason === "announced", 2_000);
    await watcher.close();
    expect(() => s.commands.send("Echo", "still there?")).toThrow(NotConnectedError);
    await expect(s.startAgent({ ...spec, name: "Too-Late" }, "tab")).rejects.toThrow("this page is closing");
    for (let i = 0; (await subscriptionsOf(`switchboard-dashboard-${s.me}`)) !== undefined; i++) {
      if (i > 50) throw new Error("the page's connection is still open");
      await sleep(20);
    }
    const before = sink.messages.length;
    const pub = await connection(server.url);
    pub.publish(subjects().all(), encodeMessage(compose("announcement", "Herald", { content: "late" })));
    await pub.flush();
    await sleep(50);
    expect(sink.messages).toHaveLength(before);
  });

  it("can be closed while it is still trying to connect", async () => {
    const sink = new RecordingSink();
    const s = new DashboardSession({
      wsUrl: "nats://127.0.0.1:1",
      root: "agents",
      me: "you-nowhere",
      sink,
      online: () => [],
      connect: (c) => connectNats(c),
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
