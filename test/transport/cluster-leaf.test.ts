// A remote site joining the cluster as a leaf node (issue 13, optional): its nats-server has no
// JetStream and makes one outbound connection to the cluster with a `leaf` credential; agents on
// it are held to their own credentials by that server, talk with agents on the cluster both ways,
// use the cluster's log (a message to an agent that is away waits for it), and show in a registry
// on a cluster node. The configuration is the README's example (test/harness/nats-cluster.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startNatsCluster, type NatsClusterHandle } from "../harness/nats-cluster";
import type { NatsServerHandle } from "../harness/nats-server";
import {
  AgentLink,
  RegistryWatcher,
  silentLogger,
  type LinkHandlers,
  type NatsConnection,
} from "../../lib/transport";
import { connectNats, credsText } from "../../lib/transport/connect";
import type { DirectMessage } from "../../lib/protocol";
import { eventually } from "../helpers";

let cluster: NatsClusterHandle;
let leaf: NatsServerHandle;
beforeAll(async () => {
  cluster = await startNatsCluster();
  leaf = await cluster.startLeaf();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close().catch(() => {});
});

async function connect(servers: string, who: Parameters<NatsClusterHandle["credentials"]>[0]) {
  const nc = await connectNats({ servers, credentials: credsText(await cluster.credentials(who)) });
  open.push({ close: () => nc.close() });
  return nc;
}

async function linkAt(servers: string, name: string, handlers: LinkHandlers = {}): Promise<AgentLink> {
  const nc = await connect(servers, { role: "agent", name, runtime: "process" });
  const l = await AgentLink.start({ connection: nc, agent: { name }, logger: silentLogger, handlers });
  open.push(l);
  return l;
}

describe("a remote site on a leaf node", () => {
  it("talks with the cluster both ways and uses its log", async () => {
    const got: string[] = [];
    const remote = await linkAt(leaf.url, "Site-Agent", {
      request: (m) => `site answers ${m.content}`,
      direct: (m: DirectMessage) => void got.push(m.content),
    });
    expect(remote.stats.memory).not.toBeNull(); // the cluster's log, through the leaf connection
    const home = await linkAt(cluster.nodes[1]!.url, "Home-Agent", {
      request: (m) => `home answers ${m.content}`,
    });

    const t = performance.now();
    expect((await remote.request("Home-Agent", "from the site", { timeoutMs: 5_000 })).content).toBe(
      "home answers from the site",
    );
    const firstMs = performance.now() - t;
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t1 = performance.now();
      await remote.request("Home-Agent", `again ${i}`, { timeoutMs: 5_000 });
      warm.push(performance.now() - t1);
    }
    const warmMs = warm.sort((a, b) => a - b)[2]!;
    expect((await home.request("Site-Agent", "from home", { timeoutMs: 5_000 })).content).toBe(
      "site answers from home",
    );

    // Away and back: the message waits in the cluster's log and reaches the site's agent when it returns.
    await remote.close();
    home.sendDirect("Site-Agent", "while you were away");
    await eventually(() => home.stats.memory!.outbox.waiting === 0, 5_000);
    await linkAt(leaf.url, "Site-Agent", { direct: (m: DirectMessage) => void got.push(m.content) });
    await eventually(() => got.includes("while you were away"), 10_000);
    console.log(
      `leaf: a request from the site's agent to one on the cluster: first ${firstMs.toFixed(0)} ms, then ${warmMs.toFixed(1)} ms (median of 5)`,
    );
  });

  it("shows the site's agent in a registry on the cluster, and holds it to its own name", async () => {
    await linkAt(leaf.url, "Site-Listed");
    const nc: NatsConnection = await connect(cluster.nodes[2]!.url, { role: "cli", name: "watcher" });
    const watcher = await RegistryWatcher.start({
      connection: nc,
      observerName: "watcher",
      logger: silentLogger,
    });
    open.push(watcher);
    await watcher.waitFor((s) => s.agents["Site-Listed"]?.status === "online", 5_000);

    // The leaf server enforces the site's clients' credentials itself: speaking as another is refused.
    const mallory = await connect(leaf.url, { role: "agent", name: "Site-Mallory", runtime: "process" });
    const errors: string[] = [];
    void (async () => {
      for await (const s of mallory.status()) if (s.type === "error") errors.push(String(s.error));
    })();
    mallory.publish("agents.direct.Site-Listed.Home-Agent", "spoofed");
    await mallory.flush().catch(() => {});
    await eventually(() => errors.some((e) => /Permissions Violation/i.test(e)), 5_000);
  });
});
