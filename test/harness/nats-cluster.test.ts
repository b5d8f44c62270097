// The cluster harness itself: three nodes, one trust chain, the log on three replicas, and a
// message published on one node received on another.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { logLayout } from "../../lib/protocol";
import { connectNats, credsText } from "../../lib/transport/connect";
import { startNatsCluster, type NatsClusterHandle } from "./nats-cluster";

let cluster: NatsClusterHandle;
beforeAll(async () => {
  cluster = await startNatsCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describe("the cluster harness", () => {
  it("routes between three nodes with one trust chain, and keeps the log on three replicas", async () => {
    const [a, , c] = cluster.nodes;
    const creds = await cluster.credentials({ role: "cli", name: "tester" });
    const ncA = await connectNats({ servers: a!.url, credentials: credsText(creds) });
    const ncC = await connectNats({ servers: c!.url, credentials: credsText(creds) });
    try {
      const got = new Promise<string>((resolve) =>
        ncC.subscribe("agents.all.tester", { callback: (_e, m) => resolve(m.string()) }),
      );
      await ncC.flush();
      // Node C's interest reaches A over the route a moment after C has it: publish until it lands.
      const timer = setInterval(() => ncA.publish("agents.all.tester", "across the cluster"), 50);
      try {
        expect(await got).toBe("across the cluster");
      } finally {
        clearInterval(timer);
      }
      expect(ncA.info?.cluster).toBe("switchboard");
      const admin = await cluster.authority.mint({
        role: "admin",
        name: "admin",
        root: "agents",
        ttlMs: 60_000,
      });
      const ncAdmin = await connectNats({ servers: cluster.url, credentials: credsText(admin.creds!) });
      try {
        const jsm = await jetstreamManager(ncAdmin, { checkAPI: false });
        const layout = logLayout("agents");
        for (const name of [layout.stream, layout.members, layout.handled]) {
          const info = await jsm.streams.info(name);
          expect(info.config.num_replicas, name).toBe(3);
          expect((info.cluster?.replicas ?? []).length, name).toBe(2);
        }
      } finally {
        await ncAdmin.close();
      }
    } finally {
      await ncA.close();
      await ncC.close();
    }
  });
});
