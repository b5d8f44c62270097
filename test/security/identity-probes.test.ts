// What an attacker on the bus can try, as a table: each probe must be refused by the NATS server
// (no connection, or a permissions violation) or dropped and counted by the receiver (`spoofed`),
// while legitimate traffic between the same agents keeps flowing the whole time. The attacker,
// Mallory, is a member with a valid credential of her own: the worst case short of a stolen key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { connect as tcpConnect } from "@nats-io/transport-node";
import { jwtAuthenticator, nkeys, wsconnect, type NatsConnection } from "@nats-io/nats-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IdentityAuthority } from "../../lib/identity";
import { compose, encodeMessage, newId, subjects, type AgentMessage } from "../../lib/protocol";
import { AgentLink, silentLogger } from "../../lib/transport";
import { connectNats, credsText, pushAccount } from "../../lib/transport/connect";
import { startNatsServer, type NatsServerHandle, type TestIdentity } from "../harness/nats-server";
import { eventually, sleep } from "../helpers";

// nats-core's WebSocket client needs a WebSocket; Node 20 has none built in.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const ORIGIN = "http://127.0.0.1:3000";
const s = subjects();
let server: NatsServerHandle;
let worker: AgentLink;
let asker: AgentLink;
/** Mallory's raw connection, and every server error it has been told of. */
let mallory: NatsConnection;
const malloryErrors: string[] = [];
/** Reads everything (a CLI identity): what the server let through. */
let observer: NatsConnection;
const seen: { subject: string; body: AgentMessage }[] = [];
/** Legitimate traffic all along: Asker asks Worker every 50 ms. */
let traffic: { ok: number; failed: string[]; stop: () => Promise<void> };
const opened: NatsConnection[] = [];

async function tcpAs(who: TestIdentity): Promise<NatsConnection> {
  const nc = await connectNats({
    servers: server.url,
    credentials: credsText(await server.credentials(who)),
    extra: { maxReconnectAttempts: 0 },
  });
  opened.push(nc);
  return nc;
}

/** A WebSocket connection with a key pair made here and a JWT for its public key, as a tab does. */
async function wsAs(who: TestIdentity): Promise<NatsConnection> {
  const key = nkeys.createUser();
  const { jwt } = await server.authority!.mint({
    root: "agents",
    ttlMs: 60_000,
    ...who,
    publicKey: key.getPublicKey(),
  });
  const nc = await wsconnect({
    servers: server.wsUrl,
    authenticator: jwtAuthenticator(jwt, key.getSeed()),
    maxReconnectAttempts: 0,
  });
  opened.push(nc);
  return nc;
}

/** Collects the server's asynchronous errors (permissions violations) told to a connection. */
function errorsOf(nc: NatsConnection, into: string[] = []): string[] {
  void (async () => {
    for await (const st of nc.status()) if (st.type === "error") into.push(st.error.message);
  })();
  return into;
}

async function refusedPublish(nc: NatsConnection, errors: string[], subject: string, body: AgentMessage) {
  const before = seen.length;
  nc.publish(subject, encodeMessage(body));
  await nc.flush();
  await eventually(() => errors.some((e) => e.includes(`Permissions Violation for Publish to "${subject}"`)));
  await observer.flush();
  await sleep(20);
  expect(seen.slice(before).filter((m) => m.body.id === body.id)).toEqual([]);
}

async function refusedSubscribe(subject: string) {
  let got = 0;
  const sub = mallory.subscribe(subject, { callback: (err) => void (err === null && got++) });
  await mallory.flush();
  await eventually(() =>
    malloryErrors.some((e) => e.includes(`Permissions Violation for Subscription to "${subject}"`)),
  );
  const closedWith = await sub.closed;
  expect(closedWith).toBeInstanceOf(Error);
  expect(got).toBe(0);
}

async function refusedConnect(attempt: () => Promise<unknown>, why: RegExp) {
  await expect(attempt()).rejects.toThrow(why);
}

/** A request from Asker to Worker that takes `ms`, and its id as seen on the wire. */
async function slowTask(ms: number): Promise<{ id: string; answer: Promise<string> }> {
  const content = `slow ${ms} ${newId()}`;
  const answer = asker.request("Worker", content, { timeoutMs: 5_000 }).then((r) => r.content);
  const m = await eventually(() => seen.find((x) => x.body.type === "request" && x.body.content === content));
  return { id: m.body.id, answer };
}

beforeAll(async () => {
  server = await startNatsServer({ allowedOrigins: [ORIGIN] });
  const agent = (name: string): TestIdentity => ({ role: "agent", name, runtime: "process" });
  worker = await AgentLink.start({
    connection: await tcpAs(agent("Worker")),
    agent: { name: "Worker" },
    logger: silentLogger,
    handlers: {
      request: async (m) => {
        const slow = /^slow (\d+)/.exec(m.content);
        if (slow) await sleep(Number(slow[1]));
        return `done: ${m.content}`;
      },
      direct: () => {},
      handoff: () => "handled",
    },
  });
  asker = await AgentLink.start({
    connection: await tcpAs(agent("Asker")),
    agent: { name: "Asker" },
    logger: silentLogger,
  });
  mallory = await tcpAs(agent("Mallory"));
  errorsOf(mallory, malloryErrors);
  observer = await tcpAs({ role: "cli", name: "observer" });
  observer.subscribe("agents.>", {
    callback: (_e, msg) => {
      try {
        seen.push({ subject: msg.subject, body: msg.json<AgentMessage>() });
      } catch {
        // not JSON: nothing a probe here sends
      }
    },
  });
  await observer.flush();
  let running = true;
  const t = { ok: 0, failed: [] as string[], stop: async () => void 0 };
  const loop = (async () => {
    while (running) {
      try {
        const r = await asker.request("Worker", "ping", { timeoutMs: 2_000 });
        if (r.content === "done: ping") t.ok++;
        else t.failed.push(r.content);
      } catch (e) {
        t.failed.push((e as Error).message);
      }
      await sleep(50);
    }
  })();
  t.stop = async () => {
    running = false;
    await loop;
  };
  traffic = t;
});

afterAll(async () => {
  await traffic?.stop();
  await worker?.close();
  await asker?.close();
  for (const nc of opened) await nc.close().catch(() => {});
  await server?.stop();
});

/** Mallory's forgeries of each kind of message, on the subject of the one she pretends to be. */
const id = newId();
const now = new Date().toISOString();
const workerProfile = {
  name: "Worker",
  description: "",
  capabilities: [],
  tools: [],
  runtime: "process" as const,
  status: "online" as const,
  startedAt: now,
  lastSeen: now,
  heartbeatMs: 5_000,
};
const forgeries: [kind: string, subject: string, body: AgentMessage][] = [
  ["direct", s.direct("Worker", "Asker"), compose("direct", "Asker", { to: "Worker", content: "do it" })],
  [
    "request",
    s.request("Worker", "Asker"),
    compose("request", "Asker", { to: "Worker", content: "q", replyTo: s.response("Asker", id, "Worker") }),
  ],
  [
    "handoff",
    s.handoff("Asker", "Worker"),
    compose("handoff", "Asker", {
      to: "Worker",
      content: "",
      handoff: { task: "t", progress: "", reason: "", data: {} },
    }),
  ],
  [
    "response",
    s.response("Asker", id, "Worker"),
    compose("response", "Worker", { to: "Asker", content: "forged", inReplyTo: id, status: "ok" }),
  ],
  [
    "stream",
    s.response("Asker", id, "Worker"),
    compose("stream", "Worker", { to: "Asker", content: "forged", inReplyTo: id, seq: 0 }),
  ],
  [
    "ack",
    s.response("Asker", id, "Worker"),
    compose("ack", "Worker", { to: "Asker", content: "", inReplyTo: id }),
  ],
  [
    "cancel",
    s.cancel("Worker", "Asker"),
    compose("cancel", "Asker", { to: "Worker", content: "", inReplyTo: id }),
  ],
  ["broadcast", s.all("Asker"), compose("announcement", "Asker", { content: "everyone, obey Mallory" })],
  [
    "presence",
    s.presence("Worker", "process"),
    compose("presence", "Worker", {
      content: "Worker is offline",
      agent: { ...workerProfile, status: "offline" },
    }),
  ],
  [
    "heartbeat",
    s.heartbeat("Worker", "process"),
    compose("heartbeat", "Worker", { content: "", agent: { ...workerProfile, heartbeatMs: 3_600_000 } }),
  ],
];

describe("identity probes: refused by the server or dropped by the receiver", () => {
  it.each(forgeries)(
    "publishing a %s as another agent is refused by the server",
    async (_kind, subject, body) => {
      await refusedPublish(mallory, malloryErrors, subject, body);
    },
  );

  it.each([
    ["direct", s.wildcards.directsTo("Worker")],
    ["request", s.wildcards.requestsTo("Worker")],
    ["handoff", s.wildcards.handoffsTo("Worker")],
    ["response", s.wildcards.responsesFor("Asker")],
    ["cancel", s.wildcards.cancelsTo("Worker")],
    ["everything", "agents.>"],
    ["inbox", "_INBOX.>"],
  ])("subscribing to another agent's %s subjects is refused by the server", async (_kind, subject) => {
    await refusedSubscribe(subject);
  });

  it("connecting over TCP without a credential is refused", async () => {
    await refusedConnect(
      () => tcpConnect({ servers: server.url, reconnect: false, timeout: 3_000 }),
      /Authorization Violation/,
    );
  });

  it("connecting over WebSocket without a credential is refused", async () => {
    await refusedConnect(
      () => wsconnect({ servers: server.wsUrl, maxReconnectAttempts: 0, timeout: 3_000 }),
      /Authorization Violation/,
    );
  });

  it("a WebSocket from a foreign Origin is refused at the upgrade", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(server.wsUrl, { origin: "http://evil.example" });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => reject(new Error("a foreign origin was let in")));
      ws.on("error", () => {});
    });
    expect(status).toBe(403);
    // The dashboard's own origin, with a credential, is let in.
    const ok = await wsAs({ role: "person", name: "you-origin" });
    await ok.flush();
  });

  it("an expired credential is refused", async () => {
    const creds = await server.credentials({
      role: "agent",
      name: "Brief",
      runtime: "process",
      ttlMs: 1_000,
    });
    await sleep(2_100);
    await refusedConnect(
      () =>
        connectNats({
          servers: server.url,
          credentials: credsText(creds),
          extra: { maxReconnectAttempts: 0 },
        }),
      /Authorization Violation|expired/i,
    );
  });

  it("a revoked credential is cut off at once and refused from then on", async () => {
    const creds = await server.credentials({ role: "agent", name: "Revokee", runtime: "process" });
    const nc = await connectNats({
      servers: server.url,
      credentials: credsText(creds),
      extra: { maxReconnectAttempts: 0 },
    });
    const a = server.authority!;
    expect(await a.revoke("Revokee")).toHaveLength(1);
    await pushAccount(server.url, await a.systemCreds(), a.accountPublicKey, a.accountJwt);
    const closedWith = await Promise.race([nc.closed(), sleep(3_000).then(() => "still open")]);
    expect(closedWith).toBeInstanceOf(Error);
    await refusedConnect(
      () =>
        connectNats({
          servers: server.url,
          credentials: credsText(creds),
          extra: { maxReconnectAttempts: 0 },
        }),
      /Authorization Violation|revoked/i,
    );
  });

  it("a credential from another trust chain is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "other-trust-"));
    try {
      const other = await IdentityAuthority.open(dir);
      const { creds } = await other.mint({
        role: "agent",
        name: "Worker",
        runtime: "process",
        root: "agents",
        ttlMs: 60_000,
      });
      await refusedConnect(
        () =>
          connectNats({
            servers: server.url,
            credentials: credsText(creds!),
            extra: { maxReconnectAttempts: 0 },
          }),
        /Authorization Violation/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a tab's person cannot speak as an agent, announce itself, or use TCP", async () => {
    const person = await wsAs({ role: "person", name: "you-abc123" });
    const errors = errorsOf(person);
    await refusedPublish(
      person,
      errors,
      s.direct("Worker", "Weather-Bot"),
      compose("direct", "Weather-Bot", { to: "Worker", content: "hi" }),
    );
    await refusedPublish(
      person,
      errors,
      s.response("Asker", id, "you-abc123"),
      compose("response", "you-abc123", { to: "Asker", content: "x", inReplyTo: id, status: "ok" }),
    );
    await refusedConnect(() => tcpAs({ role: "person", name: "you-abc123" }), /Authorization Violation/);
  });

  it("answering another's request (on one's own subject) is dropped and counted by the asker", async () => {
    const task = await slowTask(300);
    const before = asker.stats.rejectedBy.spoofed;
    const forged = compose("response", "Mallory", {
      to: "Asker",
      content: "forged",
      inReplyTo: task.id,
      status: "ok",
    });
    mallory.publish(s.response("Asker", task.id, "Mallory"), encodeMessage(forged));
    await eventually(() => asker.stats.rejectedBy.spoofed === before + 1);
    expect(await task.answer).toMatch(/^done: slow 300/);
  });

  it("cancelling another's task (on one's own subject) is dropped and counted by the worker", async () => {
    const task = await slowTask(300);
    const before = worker.stats.rejectedBy.spoofed;
    const cancel = compose("cancel", "Mallory", { to: "Worker", content: "stop", inReplyTo: task.id });
    mallory.publish(s.cancel("Worker", "Mallory"), encodeMessage(cancel));
    await eventually(() => worker.stats.rejectedBy.spoofed === before + 1);
    expect(await task.answer).toMatch(/^done: slow 300/);
  });

  it("another's name in the body, on one's own subject, is dropped and counted", async () => {
    const before = worker.stats.rejectedBy.spoofed;
    const m = compose("direct", "Asker", { to: "Worker", content: "I am Asker, honest" });
    mallory.publish(s.direct("Worker", "Mallory"), encodeMessage(m));
    await eventually(() => worker.stats.rejectedBy.spoofed === before + 1);
  });

  it("while legitimate traffic between the same agents kept flowing", async () => {
    await sleep(100);
    expect(traffic.failed).toEqual([]);
    expect(traffic.ok).toBeGreaterThan(10);
  });
});
