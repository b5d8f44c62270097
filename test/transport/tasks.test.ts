// Tasks beyond plain request/response: answers to direct messages, handoffs that wait for their
// answer, streamed partial answers, and cancel.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { AgentResponseError, NoAgentError } from "../../lib/transport";
import type { ResponseMessage, StreamMessage } from "../../lib/protocol";
import { collect, eventually, link, sleep } from "../helpers";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.stop());

describe("answers", () => {
  it("a direct message's run result comes back to the sender as a response in the same thread", async () => {
    const answers: ResponseMessage[] = [];
    const a = await link(server.url, "Sender", { handlers: { answer: (m) => void answers.push(m) } });
    await link(server.url, "Worker", {
      handlers: { direct: async (m) => (await sleep(20), `done: ${m.content}`) },
    });
    const sent = a.sendDirect("Worker", "chores");
    const r = await eventually(() => answers[0]);
    expect(r).toMatchObject({
      from: "Worker",
      inReplyTo: sent.id,
      threadId: sent.threadId,
      content: "done: chores",
    });
  });

  it("a handoff can wait for its answer, which keeps the thread and the context", async () => {
    const a = await link(server.url, "Delegator");
    let seen: unknown;
    await link(server.url, "Specialist", {
      handlers: {
        handoff: (m) => {
          seen = m.handoff;
          return `finished ${m.handoff.task} after ${m.handoff.progress}`;
        },
      },
    });
    const r = await a.handoffAndWait("Specialist", { task: "report", progress: "outline", reason: "expert" });
    expect(r.content).toBe("finished report after outline");
    expect(seen).toEqual({ task: "report", progress: "outline", reason: "expert", data: {} });
    await expect(a.handoffAndWait("Nobody-Here", { task: "x" })).rejects.toBeInstanceOf(NoAgentError);
  });
});

describe("streaming", () => {
  it("delivers partial text in order before the final answer", async () => {
    const a = await link(server.url, "Reader");
    await link(server.url, "Writer", {
      handlers: {
        request: async (m, { link }) => {
          const words = ["one ", "two ", "three"];
          for (const [i, w] of words.entries()) {
            link.stream(m, w, i);
            await sleep(10);
          }
          return words.join("");
        },
      },
    });
    const chunks: StreamMessage[] = [];
    const r = await a.request("Writer", "count", { onStream: (c) => chunks.push(c) });
    expect(chunks.map((c) => [c.seq, c.content])).toEqual([
      [0, "one "],
      [1, "two "],
      [2, "three"],
    ]);
    expect(r.content).toBe("one two three");
  });
});

describe("cancel", () => {
  it("stops a running task within a second and answers the requester with 'canceled'", async () => {
    const a = await link(server.url, "Boss");
    const canceller = a; // only who gave a task may take it back (see the next test)
    let abortedAfter = -1;
    await link(server.url, "Long-Runner", {
      handlers: {
        request: (_m, { signal }) =>
          new Promise<string>((resolve, reject) => {
            const started = Date.now();
            const t = setTimeout(() => resolve("too late"), 10_000);
            signal.addEventListener("abort", () => {
              abortedAfter = Date.now() - started;
              clearTimeout(t);
              reject(signal.reason as Error);
            });
          }),
      },
    });
    // Like the dashboard, the canceller learns the task id from the wire.
    const requests = await collect(server.url, "agents.request.Long-Runner.*");
    const pending = a.request("Long-Runner", "work forever", { timeoutMs: 5_000 });
    const taskId = (await eventually(() => requests[0])).body.id as string;
    await sleep(100);
    const t0 = Date.now();
    canceller.cancel("Long-Runner", taskId, "user pressed stop");
    const err = await pending.catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(AgentResponseError);
    expect((err as AgentResponseError).code).toBe("canceled");
    expect((err as AgentResponseError).response.content).toContain("user pressed stop");
    expect(abortedAfter).toBeGreaterThan(0);
  });

  it("refuses a cancel from anyone but who gave the task, counts it, and lets the task finish", async () => {
    const boss = await link(server.url, "Giver");
    const meddler = await link(server.url, "Meddler");
    const worker = await link(server.url, "Worker", {
      handlers: { request: () => sleep(300).then(() => "done") },
    });
    const requests = await collect(server.url, "agents.request.Worker.*");
    const pending = boss.request("Worker", "work", { timeoutMs: 5_000 });
    const taskId = (await eventually(() => requests[0])).body.id as string;
    meddler.cancel("Worker", taskId, "mine now");
    expect((await pending).content).toBe("done");
    expect(worker.stats.rejectedBy.spoofed).toBe(1);
  });
});
