// The link's modes and its one settle path: a client link sends and asks without joining the
// mesh, can be fed its answers by a tap, and every task is answered exactly once, however it ends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { AgentLink, AgentResponseError, silentLogger } from "../../lib/transport";
import { decodeMessage, MAX_MESSAGE_BYTES, type ResponseMessage } from "../../lib/protocol";
import { collect, connection, eventually, link, sleep } from "../helpers";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.stop());

describe("a client link", () => {
  it("asks and sends without presence, heartbeats, discover answers or task subscriptions", async () => {
    const seen = await collect(server.url, "agents.>");
    await link(server.url, "Answerer", {
      handlers: { request: (m) => `re: ${m.content}`, direct: () => "ok" },
    });
    const client = await link(server.url, "cli-abc123", { mode: "client", heartbeatMs: 100 });
    expect(client.mode).toBe("client");
    const r = await client.request("Answerer", "ping");
    expect(r.content).toBe("re: ping");
    await sleep(300); // three heartbeat intervals: a member would have beaten by now
    const mine = seen.filter((m) => m.body.from === "cli-abc123");
    expect(mine.map((m) => m.body.type)).toEqual(["request"]);
    // Nobody serves its name: a request to it fails at once, as to a name nobody holds.
    const other = await link(server.url, "Other");
    await expect(other.request("cli-abc123", "hello?", { timeoutMs: 5_000 })).rejects.toThrow(
      /no agent named cli-abc123/,
    );
  });

  it("with an external inbox, takes its answers from a tap on the same connection", async () => {
    await link(server.url, "Echo", { handlers: { request: (m) => m.content.toUpperCase() } });
    const nc = await connection(server.url, { role: "cli", name: "you-tap123" });
    const client = await AgentLink.start({
      connection: nc,
      agent: { name: "you-tap123" },
      mode: "client",
      inbox: "external",
      logger: silentLogger,
    });
    let tapped = 0;
    nc.subscribe("agents.>", {
      callback: (_e, msg) => {
        tapped++;
        const d = decodeMessage(msg.data);
        if (d.ok) client.deliver(msg.subject, d.message);
      },
    });
    await nc.flush();
    const r = await client.request("Echo", "quiet");
    expect(r.content).toBe("QUIET");
    // One copy of each message crossed the socket: the link has no subscription of its own.
    expect(client.stats.received).toBeGreaterThan(0);
    expect(client.stats.received).toBeLessThanOrEqual(tapped);
    // A message for someone else handed to deliver() is ignored, not misrouted into a request.
    const before = client.stats.received;
    client.deliver("agents.response.Someone-Else.abc", r);
    expect(client.stats.received).toBe(before);
    await client.close();
  });
});

describe("one settle path", () => {
  it("a canceled task is answered once, with 'canceled'; the handler's late answer is dropped", async () => {
    const answers = await collect(server.url, "agents.response.Asker.>");
    let finished = false;
    await link(server.url, "Slow", {
      handlers: {
        request: async () => {
          await sleep(200);
          finished = true;
          return "too late";
        },
      },
    });
    const asker = await link(server.url, "Asker");
    const ac = new AbortController();
    const pending = asker.request("Slow", "work", { signal: ac.signal, timeoutMs: 5_000 });
    await sleep(80);
    asker.cancel(
      "Slow",
      (await eventually(() => answers.find((a) => a.body.type === "ack")))!.body.inReplyTo as string,
    );
    await expect(pending).rejects.toBeInstanceOf(AgentResponseError);
    await eventually(() => finished);
    await sleep(50);
    const responses = answers.filter((a) => a.body.type === "response");
    expect(responses).toHaveLength(1);
    expect(responses[0]!.body).toMatchObject({ status: "canceled", error: { code: "canceled" } });
  });

  it("an answer over the size limit arrives cut to fit, with a note of how much is missing", async () => {
    const long = "é".repeat(MAX_MESSAGE_BYTES); // 2 bytes each: twice the limit
    await link(server.url, "Verbose", {
      handlers: {
        request: () => long,
        direct: async () => "y".repeat(MAX_MESSAGE_BYTES),
      },
    });
    const asker = await link(server.url, "Asker2");
    const r = await asker.request("Verbose", "talk", { timeoutMs: 5_000 });
    const [, kept, dropped] = /^(é+)\n\n\[truncated: (\d+) bytes\]$/.exec(r.content) ?? [];
    expect(kept).toBeDefined();
    expect(kept!.length * 2 + Number(dropped)).toBe(MAX_MESSAGE_BYTES * 2); // every byte accounted for
    expect(kept!.length).toBeGreaterThan(MAX_MESSAGE_BYTES * 0.45); // most of the room used
    const answers: ResponseMessage[] = [];
    const sender = await link(server.url, "Sender2", { handlers: { answer: (m) => void answers.push(m) } });
    sender.sendDirect("Verbose", "talk more");
    const a = await eventually(() => answers[0]);
    expect(a.status).toBe("ok");
    expect(a.content).toMatch(/^y+\n\n\[truncated: \d+ bytes\]$/);
  });

  it("an answer whose metadata alone is over the limit becomes an 'answer_too_large' error", async () => {
    await link(server.url, "Heavy", {
      handlers: { request: () => ({ content: "hi", metadata: { blob: "z".repeat(MAX_MESSAGE_BYTES) } }) },
    });
    const asker = await link(server.url, "Asker3");
    const failed = await asker.request("Heavy", "talk", { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AgentResponseError);
    expect((failed as AgentResponseError).code).toBe("answer_too_large");
  });
});
