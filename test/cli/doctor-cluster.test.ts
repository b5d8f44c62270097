// Doctor on a three-node cluster (scripts/cli/doctor-jetstream.ts): JetStream's check names the
// cluster, its size and meta leader; the log check shows each stream's replicas and whether the
// other copies are current, and warns when the log keeps fewer copies than the cluster could hold
// or a copy is behind (its node down). With two of three nodes down JetStream has no leader, and
// the JetStream check fails with what to do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../lib/config";
import { logLayout } from "../../lib/protocol";
import { ensureLog } from "../../lib/transport";
import { connectNats, credsText } from "../../lib/transport/connect";
import { checkJetStream, checkLog, JETSTREAM_FIX, LOG_FIX } from "../../scripts/cli/doctor-jetstream";
import { startNatsCluster, type NatsClusterHandle } from "../harness/nats-cluster";

const limits = { maxAgeMs: DEFAULTS.logMaxAgeMs, maxBytes: DEFAULTS.logMaxBytes };
let cluster: NatsClusterHandle;
beforeAll(async () => {
  cluster = await startNatsCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

const check = async (root = "agents", url = cluster.url) =>
  checkLog({
    url,
    creds: (await cluster.authority.mint({ role: "cli", name: "cli", root, ttlMs: 60_000 })).creds!,
    root,
    limits,
    timeoutMs: 3_000,
  });

/** Polls `body` until `done` holds of its result (or `timeoutMs` passes); the last result. */
async function until<T>(body: () => Promise<T>, done: (t: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await body();
    if (done(t) || Date.now() > deadline) return t;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("doctor on a cluster", () => {
  it("names the cluster, its size and meta leader, and the log's three current copies", async () => {
    const js = await checkJetStream(cluster.nodes[0]!.monitorUrl, 3_000);
    expect(js.ok).toBe(true);
    expect(js.detail).toMatch(/; cluster switchboard of 3 JetStream nodes, meta leader sb-node-[0-2]/);
    const r = await until(check, (r) => r.fix === undefined);
    expect(r).toMatchObject({ ok: true });
    expect(r.fix).toBeUndefined();
    expect(r.detail).toMatch(
      /; cluster switchboard \(3 nodes\): SB_agents 3 replicas, leader sb-node-[0-2], 2 of 2 others current; SB_agents_members 3 replicas, leader sb-node-[0-2], 2 of 2 others current$/,
    );
  });

  it("warns when the log keeps fewer copies than the cluster could hold, and passes once raised", async () => {
    const admin = await cluster.authority.mint({ role: "admin", name: "admin", root: "solo", ttlMs: 60_000 });
    const nc = await connectNats({ servers: cluster.url, credentials: credsText(admin.creds!) });
    try {
      await ensureLog(nc, logLayout("solo"), { ...limits, replicas: 1 });
    } finally {
      await nc.close();
    }
    const one = await check("solo");
    expect(one).toMatchObject({ ok: true, fix: LOG_FIX.replicas });
    expect(one.detail).toMatch(/: SB_solo 1 replica; SB_solo_members 1 replica$/);
    await cluster.createLog("solo"); // what npm start / npm run cluster do on every start
    const three = await until(
      () => check("solo"),
      (r) => r.fix === undefined,
    );
    expect(three.fix).toBeUndefined();
    expect(three.detail).toMatch(/SB_solo 3 replicas, leader sb-node-[0-2], 2 of 2 others current/);
  });

  it("warns while a node is down (a copy is behind), and passes again when it is back", async () => {
    const node = cluster.nodes[2]!;
    await node.kill();
    const url = cluster.nodes[0]!.url;
    const down = await until(
      () => check("agents", url),
      (r) => r.fix === LOG_FIX.lagging,
    );
    expect(down).toMatchObject({ ok: true, fix: LOG_FIX.lagging });
    expect(down.detail).toMatch(/1 of 2 others current \(behind: sb-node-2/);
    await node.restart();
    await cluster.ready();
    const back = await until(
      () => check("agents", url),
      (r) => r.fix === undefined,
    );
    expect(back.fix).toBeUndefined();
  }, 60_000);

  it("fails JetStream's check with two of three nodes down: no meta leader", async () => {
    const [survivor, b, c] = cluster.nodes;
    await Promise.all([b!.kill(), c!.kill()]);
    try {
      const r = await until(
        () => checkJetStream(survivor!.monitorUrl, 3_000),
        (r) => !r.ok,
        30_000,
      );
      expect(r).toMatchObject({ ok: false, fix: JETSTREAM_FIX.leader });
      expect(r.detail).toMatch(/^on, but without a leader: .*meta leader none$/);
    } finally {
      await Promise.all([b!.restart(), c!.restart()]);
    }
    await cluster.ready(30_000);
    expect((await checkJetStream(survivor!.monitorUrl, 3_000)).ok).toBe(true);
  }, 90_000);
});
