// Tasks taken live (sent when the log could not store them, lib/transport/log/outbox.ts) are
// handled once across an agent's replicas: the replica that took one tells the others, which drop
// the stored copy when the consumer they share delivers it to them. On a real nats-server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream } from "@nats-io/jetstream";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { compose, encodeMessage, type DirectMessage } from "../../lib/protocol";
import type { AgentLink } from "../../lib/transport";
import { connection, eventually, link, sleep } from "../helpers";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.stop());

describe("tasks taken live", () => {
  it("are handled once across replicas when their stored copy reaches another replica", async () => {
    const handled = new Map<string, number>();
    const byReplica = [0, 0];
    const replica = (i: number) =>
      link(server.url, "Lv-Rep", {
        handlers: {
          direct: (m: DirectMessage) => {
            handled.set(m.content, (handled.get(m.content) ?? 0) + 1);
            byReplica[i]!++;
          },
        },
      });
    const replicas: AgentLink[] = [await replica(0), await replica(1)];
    const sender = await connection(server.url, { role: "agent", name: "Lv-Sender", runtime: "process" });
    const N = 40;
    const tasks = Array.from({ length: N }, (_, i) =>
      compose("direct", "Lv-Sender", { to: "Lv-Rep", content: String(i) }),
    );
    // First the live copies (the queue group splits them between the replicas)...
    for (const m of tasks) sender.publish("agents.live.Lv-Rep.Lv-Sender", encodeMessage(m));
    await sender.flush();
    await eventually(() => handled.size === N, 5_000);
    expect(byReplica.every((n) => n > 0)).toBe(true);
    await sleep(100); // the replicas' notices go out every 20 ms
    // ...then, as when the log is back, the stored copies, which the shared consumer hands to either.
    const js = jetstream(sender, { checkAPI: false });
    for (const m of tasks)
      await js.publish("agents.direct.Lv-Rep.Lv-Sender", encodeMessage(m), { msgID: m.id });
    const dropped = () => replicas.reduce((n, r) => n + r.stats.memory!.duplicates, 0);
    await eventually(() => dropped() === N, 5_000);
    await sleep(300);
    expect([...handled.values()].filter((n) => n !== 1)).toEqual([]);
    expect(handled.size).toBe(N);
  });

  it("counts a malformed notice between replicas and goes on working", async () => {
    const got: string[] = [];
    const target = await link(server.url, "Lv-Notice", {
      handlers: { direct: (m: DirectMessage) => void got.push(m.content) },
    });
    // Only the agent's own credentials may publish there: a broken replica, say.
    const twin = await connection(server.url, { role: "agent", name: "Lv-Notice", runtime: "process" });
    const before = target.stats.rejectedBy.invalid_envelope;
    twin.publish("agents.taken.Lv-Notice", "not a list of ids");
    twin.publish("agents.taken.Lv-Notice", JSON.stringify(["ok-id", "has.a.dot"]));
    await twin.flush();
    await eventually(() => target.stats.rejectedBy.invalid_envelope === before + 2);
    const sender = await link(server.url, "Lv-Notice-Sender");
    sender.sendDirect("Lv-Notice", "still here");
    await eventually(() => got.includes("still here"), 5_000);
  });
});
