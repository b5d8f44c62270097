// The link's share of the guards (issue 12): copies of a task id refused, a thread stop reaching
// broadcast runs and refusing new work in the thread, and W3C trace context on every message of a
// thread, through the log's outbox and on core NATS alike.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRACEPARENT, compose, encodeMessage, newId, spanId, traceId, subjects } from "../../lib/protocol";
import { TaskCanceledError } from "../../lib/transport";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { connection, eventually, link, sleep } from "../helpers";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

const s = subjects("agents");

describe("duplicate task ids", () => {
  it.each(["off", "auto"] as const)(
    "a copy of a running or finished task is refused and counted, not run again (log %s)",
    async (log) => {
      let runs = 0;
      const name = `Worker-${log}`; // the log keeps what was sent to a name: one name per case
      const worker = await link(server.url, name, {
        log,
        maxConcurrentHandlers: 1,
        handlers: {
          request: async () => {
            runs++;
            await sleep(200);
            return "done";
          },
        },
      });
      const asker = await link(server.url, "Asker");
      const nc = await connection(server.url, { role: "agent", name: "Asker", runtime: "process" });
      const m = compose("request", "Asker", {
        to: name,
        content: "once",
        replyTo: s.response("Asker", "x", name),
      });
      m.replyTo = s.response("Asker", m.id, name);
      const bytes = encodeMessage(m);
      nc.publish(s.request(name, "Asker"), bytes); // the task
      await sleep(50);
      nc.publish(s.request(name, "Asker"), bytes); // a copy while it runs: not "overloaded", a duplicate
      await sleep(400);
      nc.publish(s.request(name, "Asker"), bytes); // a copy after it finished
      await sleep(200);
      expect(runs).toBe(1);
      const w = worker.stats;
      if (log === "off") expect(w.rejectedBy.duplicate).toBe(2);
      else expect(w.rejectedBy.duplicate + (w.memory?.duplicates ?? 0)).toBeGreaterThanOrEqual(2);
      expect(w.rejectedBy.overloaded, JSON.stringify(w)).toBe(0);
      await asker.close();
    },
  );
});

describe("a thread stop on the link", () => {
  it("aborts a broadcast run of the thread and refuses sending new work in it", async () => {
    let aborted: unknown;
    const listener = await link(server.url, "Listener", {
      handlers: {
        announcement: (_m, ctx) =>
          new Promise<void>((resolve) => {
            ctx.signal.addEventListener("abort", () => {
              aborted = ctx.signal.reason;
              resolve();
            });
          }),
      },
    });
    const person = await link(server.url, "Pat", { mode: "client" });
    const b = person.broadcast("think about this for a long time");
    await sleep(200);
    person.stopThread(b.threadId, "stop");
    await eventually(() => aborted !== undefined, 1_000);
    expect(aborted).toBeInstanceOf(TaskCanceledError);
    expect(() => listener.sendDirect("Pat", "more", { cause: b })).toThrow(
      /canceled by Pat: stopped the thread: stop/,
    );
    // Other threads are untouched.
    expect(listener.sendDirect("Pat", "elsewhere").type).toBe("direct");
  });
});

describe("trace context", () => {
  it.each(["off", "auto"] as const)(
    "every message of a thread carries a traceparent with the thread's trace id (log %s)",
    async (log) => {
      const worker = await link(server.url, "Tracer", {
        log,
        ackDelayMs: 0,
        handlers: { request: () => sleep(20).then(() => "ok") },
      });
      const asker = await link(server.url, "Asker", { log });
      const seen: { type: string; threadId: string; id: string; trace: string | undefined }[] = [];
      const nc = await connection(server.url);
      nc.subscribe("agents.>", {
        callback: (_e, msg) => {
          const body = msg.json<{ type: string; threadId: string; id: string }>();
          if (body.type === "heartbeat" || body.type === "presence") return;
          seen.push({ ...body, trace: msg.headers?.get(TRACEPARENT) || undefined });
        },
      });
      await nc.flush();
      const thread = newId();
      const r = await asker.request("Tracer", "trace me", { threadId: thread, timeoutMs: 5_000 });
      expect(r.threadId).toBe(thread);
      await eventually(() => seen.some((x) => x.type === "response"), 2_000);
      const kinds = new Set(seen.filter((x) => x.threadId === thread).map((x) => x.type));
      expect(kinds).toEqual(new Set(["request", "ack", "response"]));
      for (const x of seen.filter((x) => x.threadId === thread)) {
        expect(x.trace, x.type).toBe(`00-${traceId(thread)}-${spanId(x.id)}-01`);
      }
      expect(traceId(thread)).toMatch(/^[0-9a-f]{32}$/);
      // A broadcast that starts a thread goes without (a flood's cost), one sent in a thread with one.
      const root = asker.broadcast("news");
      const inThread = asker.broadcast("more news", { threadId: thread });
      await eventually(
        () => seen.some((x) => x.id === inThread.id) && seen.some((x) => x.id === root.id),
        2_000,
      );
      expect(seen.find((x) => x.id === root.id)!.trace).toBeUndefined();
      expect(seen.find((x) => x.id === inThread.id)!.trace).toBe(
        `00-${traceId(thread)}-${spanId(inThread.id)}-01`,
      );
      expect(spanId(r.id)).toMatch(/^[0-9a-f]{16}$/);
      await worker.close();
    },
  );
});

describe("cancels that wait in the log", () => {
  it("a task canceled while its agent was away never runs when the agent is back", async () => {
    const ran: string[] = [];
    const handlers = {
      direct: async (m: { content: string }) => void ran.push(m.content),
      request: async (m: { content: string }) => (ran.push(m.content), "ran"),
    };
    const first = await link(server.url, "Sleeper", { handlers });
    await first.close(); // known to the mesh, away now
    const person = await link(server.url, "Dana", { mode: "client" });
    const direct = person.sendDirect("Sleeper", "canceled direct");
    person.cancel("Sleeper", direct.id, "never mind", direct.threadId);
    const giveUp = new AbortController();
    let queued = false;
    const asked = person.request("Sleeper", "abandoned request", {
      timeoutMs: 20_000,
      signal: giveUp.signal,
      onQueued: () => (queued = true),
    });
    await eventually(() => queued, 5_000);
    giveUp.abort(new Error("the person gave up")); // the link cancels the task it waited for
    await expect(asked).rejects.toThrow("the person gave up");
    person.sendDirect("Sleeper", "kept direct"); // control: delivery itself works
    await sleep(300);
    const back = await link(server.url, "Sleeper", { handlers });
    await eventually(() => ran.includes("kept direct"), 5_000);
    await sleep(500);
    expect(ran).toEqual(["kept direct"]);
    expect(back.stats.handled).toBe(1);
  });
});
