// The log's permissions, probed as an attacker would: Mallory is an agent with a valid credential
// of her own, Pat a person's tab. Each probe is a JetStream call the server must refuse
// (permissions violation, so the call times out or errors) while Victim's queued messages stay
// Victim's: at the end Victim comes back and gets every one of them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { logLayout, type DirectMessage } from "../../lib/protocol";
import { LogReader, type NatsConnection } from "../../lib/transport";
import { connectNats, credsText } from "../../lib/transport/connect";
import { startNatsServer, type NatsServerHandle, type TestIdentity } from "../harness/nats-server";
import { eventually, link } from "../helpers";

const log = logLayout("agents");
let server: NatsServerHandle;
const opened: NatsConnection[] = [];

async function as(who: TestIdentity, inboxPrefix?: string): Promise<NatsConnection> {
  const nc = await connectNats({
    servers: server.url,
    credentials: credsText(await server.credentials(who)),
    ...(inboxPrefix === undefined ? {} : { extra: { inboxPrefix } }),
  });
  opened.push(nc);
  return nc;
}

beforeAll(async () => {
  server = await startNatsServer();
  // Victim is known and away, with 20 messages waiting in its queue.
  const victim = await link(server.url, "Victim", { handlers: { direct: () => {} } });
  await victim.close();
  const sender = await link(server.url, "Sender");
  for (let i = 0; i < 20; i++) sender.sendDirect("Victim", `secret ${i}`);
  await eventually(() => sender.stats.memory?.outbox.waiting === 0);
});
afterAll(async () => {
  for (const nc of opened) await nc.close().catch(() => {});
  await server.stop();
});

const refused = /permission|timeout|TIMEOUT|503|no responders/i;

describe("the log's permissions", () => {
  it("refuses an agent a consumer on another agent's inbox, under any name", async () => {
    const nc = await as({ role: "agent", name: "Mallory", runtime: "process" });
    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 1_000 });
    for (const [name, filter] of [
      ["direct-Mallory", "agents.direct.Victim.*"], // her own consumer's name, Victim's filter
      ["direct-Victim", "agents.direct.Victim.*"], // Victim's consumer itself
      ["spy", "agents.>"],
    ] as const) {
      await expect(
        jsm.consumers.add(log.stream, {
          durable_name: name,
          filter_subject: filter,
          ack_policy: AckPolicy.Explicit,
        }),
        name,
      ).rejects.toThrow(refused);
    }
    // Control: the same calls for her own inbox work, so the refusals above are the permissions'.
    const own = await jsm.consumers.add(log.stream, {
      durable_name: "direct-Mallory",
      filter_subject: "agents.direct.Mallory.*",
      ack_policy: AckPolicy.Explicit,
    });
    expect(own.name).toBe("direct-Mallory");
  });

  it("refuses an agent a pull from another agent's queue, and reading the whole log", async () => {
    const nc = await as({ role: "agent", name: "Mallory", runtime: "process" });
    const js = jetstream(nc, { checkAPI: false, timeout: 1_000 });
    await expect(js.consumers.get(log.stream, "direct-Victim")).rejects.toThrow(refused);
    await expect(new LogReader(nc, log).get(1)).rejects.toThrow(refused);
  });

  it("refuses reading another identity's inbox, where JetStream answers it", async () => {
    const errors: string[] = [];
    const nc = await as({ role: "agent", name: "Mallory", runtime: "process" });
    void (async () => {
      for await (const st of nc.status()) if (st.type === "error") errors.push(st.error.message);
    })();
    nc.subscribe("_INBOX_Victim.>");
    await nc.flush();
    await eventually(() =>
      errors.some((e) => e.includes('Permissions Violation for Subscription to "_INBOX_Victim.>"')),
    );
  });

  it("lets a person read the whole log, but create no consumer (none could reach an agent's queue)", async () => {
    const nc = await as({ role: "cli", name: "Pat" });
    const reader = new LogReader(nc, log);
    expect((await reader.bounds()).messages).toBeGreaterThanOrEqual(20);
    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 1_000 });
    await expect(
      jsm.consumers.add(log.stream, {
        durable_name: "direct-Victim",
        filter_subject: "agents.direct.Victim.*",
      }),
    ).rejects.toThrow(refused);
    await expect(
      jetstream(nc, { checkAPI: false, timeout: 1_000 }).consumers.get(log.stream, "direct-Victim"),
    ).rejects.toThrow(refused);
  });

  it("refuses everyone but the admin changing or purging the streams", async () => {
    for (const who of [
      { role: "agent", name: "Mallory", runtime: "process" },
      { role: "cli", name: "Pat" },
    ] as TestIdentity[]) {
      const jsm = await jetstreamManager(await as(who), { checkAPI: false, timeout: 1_000 });
      await expect(jsm.streams.purge(log.stream), who.name).rejects.toThrow(refused);
      await expect(jsm.streams.delete(log.members), who.name).rejects.toThrow(refused);
      await expect(jsm.streams.update(log.stream, { max_age: 1 }), who.name).rejects.toThrow(refused);
    }
  });

  it("after all of it, Victim comes back and gets every message that waited for it, once", async () => {
    const got: DirectMessage[] = [];
    await link(server.url, "Victim", { handlers: { direct: (m) => void got.push(m) } });
    await eventually(() => got.length === 20);
    expect(new Set(got.map((m) => m.content)).size).toBe(20);
  });
});
