// `npm run cluster` (scripts/cluster.ts): each node's config made from the repo's nats-server.conf
// (its own name, listeners, store and cluster block; the same limits and trust chain on all), and
// the real thing on random ports: three supervised nodes that route to each other, elect a
// JetStream leader, take the same credential on every node, and keep the log on three replicas.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { DEFAULTS } from "../../lib/config";
import { IdentityAuthority } from "../../lib/identity";
import { logLayout } from "../../lib/protocol";
import { connectNats, credsText, pushAccount } from "../../lib/transport/connect";
import {
  busyPorts,
  clusterPorts,
  clusterUrls,
  nodeDir,
  nodeSettings,
  prepareClusterLog,
  startCluster,
  type ClusterNodePorts,
  type RunningCluster,
  waitForCluster,
} from "../../scripts/cluster";
import { natsConfigText, REPO_ROOT } from "../../scripts/nats";

const BASE = readFileSync(join(REPO_ROOT, "nats-server.conf"), "utf8");
const ORIGINS = ["http://127.0.0.1:3000"];

/** `n` ports free right now (bound and released together, so they differ). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

describe("a cluster node's config", () => {
  const ports = clusterPorts();

  it("numbers the nodes' ports from the first node's", () => {
    expect(ports).toEqual([
      { client: 4222, ws: 9222, monitor: 8222, route: 6222 },
      { client: 4223, ws: 9223, monitor: 8223, route: 6223 },
      { client: 4224, ws: 9224, monitor: 8224, route: 6224 },
    ]);
    expect(clusterUrls(ports)).toEqual({
      natsUrl: "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224",
      natsWsUrl: "ws://127.0.0.1:9222,ws://127.0.0.1:9223,ws://127.0.0.1:9224",
      monitorUrls: ["http://127.0.0.1:8222", "http://127.0.0.1:8223", "http://127.0.0.1:8224"],
    });
    expect(nodeDir("/d", 2)).toBe(join("/d", "cluster", "node-2"));
  });

  it("gives each node its own name, listeners, store and routes to the other two", () => {
    const text = natsConfigText(BASE, "/d/cluster/node-1/jetstream", ORIGINS, nodeSettings(1, ports));
    expect(text).toMatch(/^server_name: switchboard-1$/m);
    expect(text).toMatch(/^listen: 127\.0\.0\.1:4223$/m);
    expect(text).toMatch(/^http: 127\.0\.0\.1:8223$/m);
    expect(text).toMatch(/^\s+listen: "127\.0\.0\.1:9223"$/m);
    expect(text).toMatch(/^\s+store_dir: "\/d\/cluster\/node-1\/jetstream"$/m);
    expect(text).toMatch(/^\s+allowed_origins: \["http:\/\/127\.0\.0\.1:3000"\]$/m);
    expect(text).toContain(
      'cluster {\n  name: switchboard\n  listen: "127.0.0.1:6223"\n  routes: ["nats-route://127.0.0.1:6222", "nats-route://127.0.0.1:6224"]\n}',
    );
    // What must be the same on every node stays as the repo's file has it.
    expect(text).toMatch(/^max_payload: 1064960$/m);
    expect(text).toMatch(/^max_control_line: 16KB$/m);
    // No line of the repo's 4222/8222/9222 defaults is left active (only comments may mention them).
    const active = text.split("\n").filter((l) => !l.trimStart().startsWith("#"));
    expect(active.join("\n")).not.toMatch(/:4222\b|:8222\b|:9222\b|server_name: switchboard$/m);
  });

  it("leaves the single server's config as it was", () => {
    const text = natsConfigText(BASE, "/d/jetstream", ORIGINS);
    expect(text).toMatch(/^server_name: switchboard$/m);
    expect(text).toMatch(/^listen: 127\.0\.0\.1:4222$/m);
    expect(text).toMatch(/^\s+listen: "127\.0\.0\.1:9222"$/m);
    const active = text.split("\n").filter((l) => !l.trimStart().startsWith("#"));
    expect(active.join("\n")).not.toMatch(/^\s*cluster\s*\{/m);
  });

  it("refuses a node that is not in the cluster", () => {
    expect(() => nodeSettings(3, ports)).toThrow(RangeError);
  });
});

describe("npm run cluster's nodes on random ports", () => {
  let dir: string;
  let authority: IdentityAuthority;
  let cluster: RunningCluster;
  let ports: ClusterNodePorts[];
  const gaveUp: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cluster-script-"));
    authority = await IdentityAuthority.open(dir);
    const free = await freePorts(12);
    ports = [0, 1, 2].map((i) => ({
      client: free[i * 4]!,
      ws: free[i * 4 + 1]!,
      monitor: free[i * 4 + 2]!,
      route: free[i * 4 + 3]!,
    }));
    cluster = await startCluster({
      dataDir: dir,
      authConfigPath: authority.serverConfigPath,
      origins: ORIGINS,
      ports,
      stdio: () => "ignore",
      log: () => {},
      onGiveUp: (why) => gaveUp.push(why),
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("routes the three nodes, elects a JetStream leader, and keeps the log on three replicas", async () => {
    expect(cluster.readyMs).toBeLessThan(30_000);
    console.log(`cluster ready in ${cluster.readyMs} ms`);
    const t0 = performance.now();
    const limits = { maxAgeMs: DEFAULTS.logMaxAgeMs, maxBytes: DEFAULTS.logMaxBytes };
    const held = await prepareClusterLog(cluster.natsUrl, authority, "agents", limits);
    console.log(`log ready in ${Math.round(performance.now() - t0)} ms`);
    expect(held).toMatchObject({ messages: 0, replicas: 3 });
    // Each node wrote its store where `npm start` looks for it.
    for (const i of [0, 1, 2]) {
      const conf = readFileSync(join(nodeDir(dir, i), "nats-server.conf"), "utf8");
      expect(conf).toContain(`store_dir: ${JSON.stringify(join(nodeDir(dir, i), "jetstream"))}`);
    }
    const admin = await authority.mint({ role: "admin", name: "admin", root: "agents", ttlMs: 60_000 });
    const nc = await connectNats({ servers: cluster.natsUrl, credentials: credsText(admin.creds!) });
    try {
      expect(nc.info?.cluster).toBe("switchboard");
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      const layout = logLayout("agents");
      for (const name of [layout.stream, layout.members, layout.handled]) {
        const info = await jsm.streams.info(name);
        expect(info.config.num_replicas, name).toBe(3);
        expect(info.cluster?.replicas?.length, name).toBe(2);
      }
    } finally {
      await nc.close();
    }
    expect(gaveUp).toEqual([]);
  });

  it("carries a message from one node to another with the same credential", async () => {
    const creds = credsText(
      (await authority.mint({ role: "cli", name: "tester", root: "agents", ttlMs: 60_000 })).creds!,
    );
    const [first, , last] = clusterUrls(ports).natsUrl.split(",");
    const a = await connectNats({ servers: first!, credentials: creds });
    const c = await connectNats({ servers: last!, credentials: creds });
    try {
      const got = new Promise<string>((resolve) =>
        c.subscribe("agents.all.tester", { callback: (_e, m) => resolve(m.string()) }),
      );
      await c.flush();
      // The subscription's interest reaches the other node over the route a moment later: until
      // then a publish there has nobody to go to, so publish until it arrives.
      const again = setInterval(() => a.publish("agents.all.tester", "across"), 100);
      try {
        expect(await got).toBe("across");
      } finally {
        clearInterval(again);
      }
    } finally {
      await a.close();
      await c.close();
    }
  });

  it("applies a revocation pushed to one node on every node (each node resolves the account)", async () => {
    const creds = (
      await authority.mint({
        role: "agent",
        name: "Revokee",
        runtime: "process",
        root: "agents",
        ttlMs: 60_000,
      })
    ).creds!;
    const [first, , last] = clusterUrls(ports).natsUrl.split(",");
    const onLast = await connectNats({
      servers: last!,
      credentials: credsText(creds),
      extra: { maxReconnectAttempts: 0, ignoreClusterUpdates: true },
    });
    expect(await authority.revoke("Revokee")).toHaveLength(1);
    await pushAccount(
      first!,
      await authority.systemCreds(),
      authority.accountPublicKey,
      authority.accountJwt,
    );
    const closedWith = await Promise.race([
      onLast.closed(),
      new Promise((r) => setTimeout(() => r("still open"), 5_000)),
    ]);
    expect(closedWith).toBeInstanceOf(Error);
    // Connecting again is refused; under load the node has once let the connect through and shut
    // it with "Authorization Violation" a moment later (seen in CI): either way, no connection.
    const again = await connectNats({
      servers: last!,
      credentials: credsText(creds),
      extra: { maxReconnectAttempts: 0 },
    }).then(
      (nc) =>
        Promise.race([nc.closed(), new Promise((r) => setTimeout(() => r("still open"), 5_000))]).finally(
          () => void nc.close().catch(() => {}),
        ),
      (e: unknown) => e,
    );
    expect(again).toBeInstanceOf(Error);
  });

  it("refuses to start a second cluster on ports in use, naming them", async () => {
    expect(await busyPorts(ports)).toHaveLength(12);
    await expect(
      startCluster({
        dataDir: dir,
        authConfigPath: authority.serverConfigPath,
        origins: ORIGINS,
        ports,
        log: () => {},
        onGiveUp: () => {},
      }),
    ).rejects.toThrow(/already listens on 127\.0\.0\.1:\d+, .*another nats-server or cluster/);
  });

  it("restarts a node that dies, and the cluster is whole again", async () => {
    const node = cluster.nodes[1]!;
    const before = node.pid!;
    process.kill(before, "SIGKILL");
    const deadline = Date.now() + 15_000;
    while (node.restarts === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(node.pid).not.toBe(before);
    expect(node.restarts).toBe(1);
    await waitForCluster(cluster.monitorUrls, 20_000);
  }, 40_000);
});
