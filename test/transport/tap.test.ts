// The batched tap of `{root}.>` against a real nats-server: batches, decoding and rejections, the
// bounded queue, the root, and the lifecycle.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { compose, encodeMessage, PROTOCOL_VERSION, subjects } from "../../lib/protocol";
import { microtaskScheduler, silentLogger, Tap, type TapBatch, type TapOptions } from "../../lib/transport";
import { connection, eventually } from "../helpers";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.stop());

async function tap(o: Partial<Omit<TapOptions, "connection" | "onBatch">> = {}) {
  const batches: TapBatch[] = [];
  const root = o.root ?? "agents";
  const t = await Tap.start({
    connection: await connection(server.url, { role: "cli", name: "tester", root }),
    schedule: microtaskScheduler,
    logger: silentLogger,
    ...o,
    onBatch: (b) => void batches.push(b),
  });
  const all = () => batches.flatMap((b) => b.messages);
  return { t, batches, all };
}

const hello = (n: number) => compose("announcement", "Herald", { content: `m${n}` });
/** A connection that may speak as Herald (a CLI identity) on `root`. */
const herald = (root = "agents") => connection(server.url, { role: "cli", name: "Herald", root });

describe("Tap", () => {
  it("hands over a burst decoded, in order, in fewer batches than messages", async () => {
    const { t, batches, all } = await tap();
    const pub = await herald();
    for (let i = 0; i < 200; i++) pub.publish(subjects().all("Herald"), encodeMessage(hello(i)));
    await pub.flush();
    await eventually(() => all().length === 200);
    expect(all().map((m) => m.message.content)).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
    expect(all().every((m) => m.subject === "agents.all.Herald")).toBe(true);
    expect(batches.length).toBeLessThan(200);
    expect(t.stats).toMatchObject({ received: 200, decoded: 200, rejected: 0, dropped: 0, pending: 0 });
    await t.close();
  });

  it("hands bad messages over as rejections with their reason, and keeps going", async () => {
    const { t, batches, all } = await tap({ maxMessageBytes: 2_000 });
    const pub = await herald();
    const s = subjects();
    pub.publish(s.direct("Bob", "Herald"), "{not json");
    pub.publish(s.direct("Bob", "Herald"), JSON.stringify({ v: PROTOCOL_VERSION, type: "direct" }));
    pub.publish(s.direct("Bob", "Herald"), `{"__proto__":1,${JSON.stringify(hello(0)).slice(1)}`);
    pub.publish(
      s.all("Herald"),
      encodeMessage(compose("announcement", "Herald", { content: "x".repeat(3_000) })),
    );
    // Herald's own subject, someone else's name in the body: spoofed.
    pub.publish(
      s.all("Herald"),
      encodeMessage(compose("announcement", "Weather-Bot", { content: "trust me" })),
    );
    // The right sender, the wrong kind of message for the subject: misrouted.
    pub.publish(s.direct("Bob", "Herald"), encodeMessage(hello(9)));
    pub.publish(s.all("Herald"), encodeMessage(hello(1)));
    await pub.flush();
    await eventually(() => all().length === 1 && batches.flatMap((b) => b.rejected).length === 6);
    const rejected = batches.flatMap((b) => b.rejected);
    expect(rejected.map((r) => r.reason)).toEqual([
      "malformed_json",
      "invalid_envelope",
      "forbidden_key",
      "oversized",
      "spoofed",
      "misrouted",
    ]);
    expect(rejected[0]).toMatchObject({ subject: "agents.direct.Bob.Herald" });
    expect(rejected[0]!.detail).not.toBe("");
    expect(rejected[4]!.detail).toContain("Weather-Bot");
    expect(all()[0]!.message.content).toBe("m1");
    expect(t.stats.rejected).toBe(6);
    await t.close();
  });

  it("keeps at most maxPending unread messages, dropping the oldest and counting them", async () => {
    let run: (() => void) | undefined;
    const { t, batches, all } = await tap({ maxPending: 5, schedule: (flush) => void (run = flush) });
    const pub = await herald();
    for (let i = 0; i < 23; i++) pub.publish(subjects().all("Herald"), encodeMessage(hello(i)));
    await pub.flush();
    await eventually(() => t.stats.received === 23);
    expect(t.stats).toMatchObject({ pending: 5, dropped: 18 });
    run!();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.dropped).toBe(18);
    expect(all().map((m) => m.message.content)).toEqual(["m18", "m19", "m20", "m21", "m22"]);
    await t.close();
  });

  it("hears only its own root", async () => {
    const { t, all } = await tap({ root: "team1.agents" });
    for (const root of ["agents", "team1.agents", "team1.agentsx"]) {
      const pub = await herald(root);
      pub.publish(subjects(root).all("Herald"), encodeMessage(hello(root === "team1.agents" ? 1 : 0)));
      await pub.flush();
    }
    await eventually(() => all().length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.subject).toBe("team1.agents.>");
    expect(all().map((m) => [m.subject, m.message.content])).toEqual([["team1.agents.all.Herald", "m1"]]);
    await t.close();
  });

  it("takes pushed bytes through the same checks", async () => {
    const { t, all, batches } = await tap();
    const m = hello(7);
    t.push("agents.all.Herald", encodeMessage(m));
    t.push("agents.all.Herald", new TextEncoder().encode("[]"));
    t.push("_INBOX.abc", encodeMessage(m)); // not under the root: nobody vouches for its sender
    await eventually(() => batches.length === 1);
    expect(all()).toEqual([{ subject: "agents.all.Herald", message: m }]);
    expect(batches[0]!.rejected.map((r) => r.reason)).toEqual(["not_an_object", "misrouted"]);
    await t.close();
  });

  it("survives a consumer that throws", async () => {
    const seen: number[] = [];
    const t = await Tap.start({
      connection: await connection(server.url),
      schedule: (flush) => void setTimeout(flush, 0),
      logger: silentLogger,
      onBatch: (b) => {
        seen.push(b.messages.length);
        if (seen.length === 1) throw new Error("consumer bug");
      },
    });
    t.push("agents.all.Herald", encodeMessage(hello(0)));
    await eventually(() => seen.length === 1);
    t.push("agents.all.Herald", encodeMessage(hello(1)));
    await eventually(() => seen.length === 2);
    await t.close();
  });

  it("closes idempotently, stops handing over, and reports a dead connection", async () => {
    const { t, all } = await tap();
    const pub = await herald();
    const closing = [t.close(), t.close()];
    await Promise.all(closing);
    expect(await t.closed).toBeNull();
    pub.publish(subjects().all("Herald"), encodeMessage(hello(0)));
    await pub.flush();
    await new Promise((r) => setTimeout(r, 100));
    expect(all()).toEqual([]);
    t.push("agents.all.Herald", encodeMessage(hello(1)));
    expect(t.stats.received).toBe(0);

    const nc = await connection(server.url);
    const t2 = await Tap.start({ connection: nc, schedule: microtaskScheduler, onBatch: () => {} });
    await nc.close();
    const err = await t2.closed;
    expect(err).toBeInstanceOf(Error);
    await t2.close(); // still fine after the connection went away
  });
});
