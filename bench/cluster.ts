// The cluster rows of `npm run bench` (issue 13): request/reply with the requester on node A and
// the responder (a separate process, ./peer.ts) on node B of a three-node cluster, against raw
// NATS request/reply across the same two nodes, interleaved rounds. Every client is pinned to its
// node (one URL, cluster updates ignored) and checks which server it landed on.
//
// The ratio row is core request/reply on both sides: that is the like-for-like comparison with a
// raw `nc.request` across the route. Its agents use a subject root with no log (CORE_ROOT): on a
// logged root the server stores every request and response in the three-replica stream whatever
// the client does, and the row would measure JetStream replication (0.29-0.36 of raw when tried,
// with requester and responder on the same node too), not the layer. The durable figure (a request
// through the log on "agents", stored on three replicas) is reported beside it, labelled, as a
// ratio to the same raw baseline: what a request costs on a cluster with the log, not a like-for-like.
import { fork } from "node:child_process";
import { AgentLink, silentLogger, type NatsConnection } from "../lib/transport";
import { connectNats, credsText } from "../lib/transport/connect";
import { startNatsCluster } from "../test/harness/nats-cluster";
import { command, waitFor } from "./ipc";
import { sequential } from "./measure";
import { CONTENT, METADATA, rawMessage } from "./payload";

const enc = new TextEncoder();
const HOUR = 3_600_000;
const DURABLE_RESPONDER = "Bench-Durable-Responder";
/** A root with no log: core NATS only. */
const CORE_ROOT = "bench";

export interface ClusterFigures {
  /** requests a second per round: raw `nc.request` from node A to a responder on node B */
  readonly raw: number[];
  /** the agent layer on core NATS, same nodes */
  readonly agent: number[];
  /** the agent layer through the log (three replicas), same nodes; fewer requests per round */
  readonly durable: number[];
  readonly rawP99: number[];
  readonly agentP99: number[];
  /** "requester node -> responder node", as the servers reported their names */
  readonly path: string;
}

export async function benchCluster(
  rounds: number,
  o: { seq: number; durable: number },
): Promise<ClusterFigures> {
  const cluster = await startNatsCluster();
  const [a, b] = cluster.nodes;
  const peer = fork(new URL("./peer.ts", import.meta.url).pathname, [b!.url], {
    execArgv: ["--import", "tsx"],
  });
  const closers: (() => Promise<unknown>)[] = [];
  try {
    await waitFor(peer, (m) => (m as { ready?: boolean }).ready === true);
    const who = (name: string, root = "agents") =>
      cluster.credentials({ role: "agent", name, runtime: "process", ttlMs: HOUR, root });
    const raw = await cluster.authority.mintRaw(
      "raw",
      ["bench.raw.>", "_INBOX_raw.>"],
      ["bench.raw.>", "_INBOX_raw.>"],
      HOUR,
    );
    await command(peer, {
      cmd: "creds",
      creds: {
        raw,
        "Bench-Responder": await who("Bench-Responder", CORE_ROOT),
        [DURABLE_RESPONDER]: await who(DURABLE_RESPONDER),
      },
    });
    const far =
      (await command(peer, { cmd: "responders", root: CORE_ROOT, durable: DURABLE_RESPONDER })).servers ?? [];
    closers.push(() => command(peer, { cmd: "teardown" }));

    const pinned = async (creds: string): Promise<NatsConnection> => {
      const nc = await connectNats({
        servers: a!.url,
        credentials: credsText(creds),
        extra: { ignoreClusterUpdates: true },
      });
      closers.unshift(() => nc.close());
      return nc;
    };
    const nc = await pinned(raw);
    const link = await AgentLink.start({
      connection: await pinned(await who("Bench-Requester", CORE_ROOT)),
      agent: { name: "Bench-Requester" },
      root: CORE_ROOT,
      logger: silentLogger,
      log: "off",
    });
    closers.unshift(() => link.close());
    const durableLink = await AgentLink.start({
      connection: await pinned(await who("Bench-Durable-Requester")),
      agent: { name: "Bench-Durable-Requester" },
      logger: silentLogger,
    });
    closers.unshift(() => durableLink.close());
    if (durableLink.stats.memory === null) throw new Error("the cluster benchmark's link found no log");

    const near = [nc, link.nc, durableLink.nc].map((c) => c.info?.server_name ?? "?");
    const path = `${[...new Set(near)].join("+")} -> ${[...new Set(far)].join("+")}`;
    if (new Set(near).size !== 1 || new Set(far).size !== 1 || near[0] === far[0])
      throw new Error(`the cluster benchmark's clients are not on two nodes: ${path}`);

    const rawRequest = (i: number) =>
      nc
        .request("bench.raw.request", enc.encode(JSON.stringify(rawMessage(i))), { timeout: 5_000 })
        .then((m) => JSON.parse(m.string()) as unknown);
    const agentRequest = () =>
      link.request("Bench-Responder", CONTENT, { metadata: METADATA, timeoutMs: 5_000 });
    const durableRequest = () =>
      durableLink.request(DURABLE_RESPONDER, CONTENT, { metadata: METADATA, timeoutMs: 10_000 });

    await sequential(1_000, rawRequest);
    await sequential(1_000, agentRequest);
    await sequential(200, durableRequest);
    const out: ClusterFigures = { raw: [], agent: [], durable: [], rawP99: [], agentP99: [], path };
    for (let r = 0; r < rounds; r++) {
      const rs = await sequential(o.seq, rawRequest);
      const as = await sequential(o.seq, agentRequest);
      out.raw.push(rs.rate);
      out.agent.push(as.rate);
      out.rawP99.push(rs.p99);
      out.agentP99.push(as.p99);
      out.durable.push((await sequential(o.durable, durableRequest)).rate);
    }
    return out;
  } finally {
    for (const close of closers) await close().catch(() => {});
    peer.kill();
    await cluster.stop();
  }
}
