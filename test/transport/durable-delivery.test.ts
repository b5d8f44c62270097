// Delivery that waits and survives: the log on JetStream under SIGKILLed brokers and restarted
// agents (issue 11). Every count here is of what handlers actually ran.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import {
  AgentResponseError,
  NoAgentError,
  RequestTimeoutError,
  type AgentLink,
  type LinkHandlers,
} from "../../lib/transport";
import { OutboxFullError } from "../../lib/transport/log/outbox";
import { forgetMember } from "../../lib/transport/log/streams";
import { connectNats, credsText } from "../../lib/transport/connect";
import { encodeMessage, logLayout, type DirectMessage } from "../../lib/protocol";
import { connection, eventually, link, sleep } from "../helpers";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.stop());

/** Counts how many times each numbered message was handled. */
function counter() {
  const handled = new Map<number, number>();
  const handlers: LinkHandlers = {
    direct: (m: DirectMessage) => {
      const n = Number(m.content);
      handled.set(n, (handled.get(n) ?? 0) + 1);
    },
  };
  return { handled, handlers };
}

describe("delivery that waits", () => {
  it("keeps direct messages for an agent that is away and delivers them when it is back, once", async () => {
    const { handled, handlers } = counter();
    const first = await link(server.url, "Away-1", { handlers });
    await first.close(); // known to the mesh, now away
    const sender = await link(server.url, "Sender-1");
    for (let i = 0; i < 50; i++) sender.sendDirect("Away-1", String(i));
    await eventually(() => sender.stats.memory?.outbox.waiting === 0);
    await sleep(100);
    expect(handled.size).toBe(0);
    await link(server.url, "Away-1", { handlers });
    await eventually(() => handled.size === 50, 5_000);
    await sleep(200);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
  });

  it("queues a request to a known agent that is away and answers it when the agent returns", async () => {
    const serve: LinkHandlers = { request: (m) => `answer to ${m.content}` };
    const first = await link(server.url, "Away-2", { handlers: serve });
    await first.close();
    const asker = await link(server.url, "Asker-2", { ackTimeoutMs: 200 });
    let queued = 0;
    const answer = asker.request("Away-2", "are you back?", { timeoutMs: 10_000, onQueued: () => queued++ });
    await sleep(600);
    expect(queued).toBe(1); // no ack in the window: away, not gone
    await link(server.url, "Away-2", { handlers: serve });
    expect((await answer).content).toBe("answer to are you back?");
  });

  it("still fails at once for a name the mesh has never seen, and for one removed from it", async () => {
    const asker = await link(server.url, "Asker-3");
    let t0 = performance.now();
    await expect(asker.request("Never-Seen", "hello?", { timeoutMs: 5_000 })).rejects.toBeInstanceOf(
      NoAgentError,
    );
    expect(performance.now() - t0).toBeLessThan(100);

    const gone = await link(server.url, "Revoked-3", { handlers: { request: () => "hi" } });
    await gone.close();
    const admin = await server.authority!.mint({
      role: "admin",
      name: "admin",
      root: "agents",
      ttlMs: 60_000,
    });
    const nc = await connectNats({ servers: server.url, credentials: credsText(admin.creds!) });
    expect(await forgetMember(nc, logLayout("agents"), "Revoked-3")).toBeGreaterThan(0);
    await nc.close();
    // The directory remembers a name it found for 10 s: a new asker sees the removal at once.
    const fresh = await link(server.url, "Asker-3b");
    t0 = performance.now();
    await expect(fresh.request("Revoked-3", "hello?", { timeoutMs: 5_000 })).rejects.toBeInstanceOf(
      NoAgentError,
    );
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it("lets a request's own timeout apply while it waits, and drops it unrun once its asker gave up", async () => {
    let ran = 0;
    const serve: LinkHandlers = { request: () => void ran++ };
    const first = await link(server.url, "Away-4", { handlers: serve });
    await first.close();
    const asker = await link(server.url, "Asker-4", { ackTimeoutMs: 100 });
    const err = await asker.request("Away-4", "late", { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    const back = await link(server.url, "Away-4", { handlers: serve });
    await eventually(() => back.stats.memory!.expired === 1);
    expect(ran).toBe(0);
    expect(asker.stats.rejected).toBe(0); // the "expired" answer to a task it gave up on is news, not an attack
  });

  it("answers 'expired' for a task that waited longer than the delivery TTL", async () => {
    const first = await link(server.url, "Away-6", { handlers: { request: () => "ran" } });
    await first.close();
    const asker = await link(server.url, "Asker-6", { ackTimeoutMs: 100 });
    const answer = asker.request("Away-6", "still wanted", { timeoutMs: 10_000 }).catch((e: unknown) => e);
    await sleep(700);
    await link(server.url, "Away-6", { handlers: { request: () => "ran" }, deliveryTtlMs: 500 });
    const err = (await answer) as AgentResponseError;
    expect(err).toBeInstanceOf(AgentResponseError);
    expect(err.code).toBe("expired");
    expect(err.message).toMatch(/longer than the delivery TTL of 500 ms/);
  });

  it("splits one queue between replicas of an agent: each message handled by one of them", async () => {
    const a = counter();
    const b = counter();
    await link(server.url, "Replicated", { handlers: a.handlers });
    await link(server.url, "Replicated", { handlers: b.handlers });
    const sender = await link(server.url, "Sender-5");
    for (let i = 0; i < 400; i++) sender.sendDirect("Replicated", String(i));
    await eventually(() => a.handled.size + b.handled.size === 400, 5_000);
    await sleep(200);
    expect(a.handled.size + b.handled.size).toBe(400);
    for (let i = 0; i < 400; i++) expect((a.handled.get(i) ?? 0) + (b.handled.get(i) ?? 0), `#${i}`).toBe(1);
    expect(a.handled.size).toBeGreaterThan(0);
    expect(b.handled.size).toBeGreaterThan(0);
  });
});

describe("the longest name", () => {
  it("connects an agent named with 64 characters (its credential lists ~4 KB of permissions) and delivers to it", async () => {
    const name = "N".repeat(64);
    const { handled, handlers } = counter();
    await link(server.url, name, { handlers });
    const sender = await link(server.url, "Sender-8");
    sender.sendDirect(name, "1");
    await eventually(() => handled.get(1) === 1);
  });
});

describe("handled once across restarts", () => {
  it("remembers the tasks an agent took across its restart, so a copy delivered to its next run is dropped", async () => {
    const { handled, handlers } = counter();
    const first = await link(server.url, "Remembering", { handlers });
    const sender = await link(server.url, "Sender-7");
    const sent = Array.from({ length: 20 }, (_, i) => sender.sendDirect("Remembering", String(i)));
    await eventually(() => handled.size === 20);
    await first.close(); // saves the ids it took
    // The same envelopes stored again without their Nats-Msg-Id (as after a broker that lost the
    // agent's acks): the next run must take them as seen.
    const raw = await connection(server.url, { role: "agent", name: "Sender-7", runtime: "process" });
    for (const m of sent) raw.publish(`agents.direct.Remembering.Sender-7`, encodeMessage(m));
    await raw.flush();
    const second = await link(server.url, "Remembering", { handlers });
    await eventually(() => second.stats.memory!.duplicates === 20);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
  });
});

describe("nothing lost across broker outages", () => {
  it("delivers 2,000 numbered messages exactly once through two SIGKILLs of the broker and a restart of the agent", async () => {
    const N = 2_000;
    const { handled, handlers } = counter();
    let receiver: AgentLink = await link(server.url, "Drill-Receiver", { handlers });
    const sender = await link(server.url, "Drill-Sender");
    const sendErrors: unknown[] = [];
    const outage = async () => {
      await server.kill("SIGKILL");
      await sleep(300);
      await server.restart();
    };
    const events: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      try {
        sender.sendDirect("Drill-Receiver", String(i));
      } catch (e) {
        sendErrors.push(e);
      }
      if (i === 500 || i === 1_500) events.push(outage());
      if (i === 1_000) {
        events.push(
          (async () => {
            await receiver.close();
            receiver = await link(server.url, "Drill-Receiver", { handlers });
          })(),
        );
      }
      await sleep(4); // ~200 messages a second, as a busy mesh
    }
    await Promise.all(events);
    await eventually(() => handled.size === N, 60_000);
    await sleep(1_000); // redeliveries, if any, would arrive now
    const lost = Array.from({ length: N }, (_, i) => i).filter((i) => !handled.has(i));
    const twice = [...handled].filter(([, n]) => n > 1).map(([i]) => i);
    expect(sendErrors).toEqual([]);
    expect(lost).toEqual([]);
    expect(twice).toEqual([]);
    const out = sender.stats.memory!.outbox;
    expect(out.waiting).toBe(0);
    expect(out.stored).toBe(N);
  }, 120_000);

  it("control: the same outage on core NATS (log off) loses messages, so the test above can fail", async () => {
    const { handled, handlers } = counter();
    await link(server.url, "Core-Receiver", { handlers, log: "off" });
    const sender = await link(server.url, "Core-Sender", { log: "off" });
    let outage: Promise<void> | undefined;
    for (let i = 0; i < 400; i++) {
      sender.sendDirect("Core-Receiver", String(i));
      if (i === 100)
        outage = (async () => {
          await server.kill("SIGKILL");
          await sleep(300);
          await server.restart();
        })();
      await sleep(4);
    }
    await outage;
    await sleep(1_500);
    expect(handled.size).toBeLessThan(400);
  }, 30_000);

  it("holds sends while the server is down, in order, and refuses at once what does not fit", async () => {
    const order: number[] = [];
    await link(server.url, "Ordered-Receiver", {
      handlers: { direct: (m: DirectMessage) => void order.push(parseInt(m.content, 10)) },
    });
    const sender = await link(server.url, "Ordered-Sender", { outboxMaxBytes: 2 ** 20 });
    await server.kill("SIGKILL");
    const body = "x".repeat(10_000);
    let held = 0;
    let full: unknown;
    try {
      for (; held < 1_000; held++) sender.sendDirect("Ordered-Receiver", `${held} ${body}`);
    } catch (e) {
      full = e;
    }
    expect(full).toBeInstanceOf(OutboxFullError);
    expect(held).toBeGreaterThan(90); // ~1 MiB of ~10 KB messages
    expect(held).toBeLessThan(110);
    expect(sender.stats.memory!.outbox.refused).toBe(1);
    await server.restart();
    await eventually(() => order.length === held, 15_000);
    expect(order).toEqual(Array.from({ length: held }, (_, i) => i));
  }, 30_000);
});
