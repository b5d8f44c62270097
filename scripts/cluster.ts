// `npm run cluster`: three nats-servers on this machine, routed into one cluster, with the same
// trust chain as `npm start` (.data/identity: every credential works on every node), JetStream on
// each (.data/cluster/node-{i}/jetstream), each kept running by scripts/nats-supervisor.ts. Once
// the routes are up and JetStream has a meta leader, the log is created or updated on three
// replicas (scripts/log.ts), and the NATS_URL / NATS_WS_URL lists to use are printed. Ctrl-C stops
// the nodes. `NATS_CLUSTER_NODES=3 npm start` runs the same cluster (or uses this one) under the
// whole stack.
//
// Ports: node i listens on the first node's ports + i (clients 4222.., WebSocket 9222..,
// monitoring 8222.., routes 6222..); `--client-port`, `--ws-port`, `--monitor-port` and
// `--route-port` move the first node's.
import { openSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import type { StdioOptions } from "node:child_process";
import { readConfig } from "../lib/config";
import type { IdentityAuthority } from "../lib/identity";
import type { LogLimits } from "../lib/transport";
import { prepareIdentity } from "./identity";
import { heldText, LogSetupError, prepareLog, type LogReady } from "./log";
import {
  dashboardOrigins,
  isPortInUse,
  NATS_HOST,
  NATS_PORT,
  renderNatsConfig,
  type NodePorts,
  type NodeSettings,
} from "./nats";
import { NatsSupervisor } from "./nats-supervisor";

/** Three: Raft needs a majority, so three nodes survive one down (two would survive none). */
export const CLUSTER_SIZE = 3;
export const CLUSTER_NAME = "switchboard";

export interface ClusterNodePorts extends NodePorts {
  readonly route: number;
}

/** The first node's ports; node i listens on each + i. */
export const FIRST_NODE_PORTS: ClusterNodePorts = { client: NATS_PORT, ws: 9222, monitor: 8222, route: 6222 };

/** Every node's ports: the first node's + i. */
export function clusterPorts(
  first: ClusterNodePorts = FIRST_NODE_PORTS,
  nodes = CLUSTER_SIZE,
): ClusterNodePorts[] {
  return Array.from({ length: nodes }, (_, i) => ({
    client: first.client + i,
    ws: first.ws + i,
    monitor: first.monitor + i,
    route: first.route + i,
  }));
}

/** Node i's name, listeners and `cluster` block: it listens for routes on its own port and dials every other node's. */
export function nodeSettings(
  i: number,
  ports: readonly ClusterNodePorts[],
  clusterName = CLUSTER_NAME,
): NodeSettings {
  const own = ports[i];
  if (own === undefined) throw new RangeError(`no node ${i} in a cluster of ${ports.length}`);
  const routes = ports
    .filter((_, j) => j !== i)
    .map((p) => JSON.stringify(`nats-route://${NATS_HOST}:${p.route}`));
  return {
    serverName: `${clusterName}-${i}`,
    ports: own,
    extra: [
      `# This machine's cluster, node ${i} of ${ports.length} (scripts/cluster.ts).`,
      "cluster {",
      `  name: ${clusterName}`,
      `  listen: "${NATS_HOST}:${own.route}"`,
      `  routes: [${routes.join(", ")}]`,
      "}",
    ].join("\n"),
  };
}

/** What NATS_URL, NATS_WS_URL and doctor's --monitor take for the cluster. */
export function clusterUrls(ports: readonly ClusterNodePorts[]): {
  natsUrl: string;
  natsWsUrl: string;
  monitorUrls: string[];
} {
  return {
    natsUrl: ports.map((p) => `nats://${NATS_HOST}:${p.client}`).join(","),
    natsWsUrl: ports.map((p) => `ws://${NATS_HOST}:${p.ws}`).join(","),
    monitorUrls: ports.map((p) => `http://${NATS_HOST}:${p.monitor}`),
  };
}

/** Where node i keeps its config, log and JetStream store. */
export function nodeDir(dataDir: string, i: number): string {
  return join(dataDir, "cluster", `node-${i}`);
}

/** A node as its monitoring endpoint reports it; null when it does not answer. */
export interface NodeState {
  readonly routes: number;
  /** The JetStream meta leader's server name ("" while there is none). */
  readonly leader: string;
}

async function nodeState(monitorUrl: string): Promise<NodeState | null> {
  try {
    const get = (path: string) =>
      fetch(new URL(path, monitorUrl), { signal: AbortSignal.timeout(2_000) }).then((r) => r.json());
    const [routez, jsz] = (await Promise.all([get("/routez"), get("/jsz")])) as [
      { num_routes?: number },
      { meta_cluster?: { leader?: string } },
    ];
    return { routes: routez.num_routes ?? 0, leader: jsz.meta_cluster?.leader ?? "" };
  } catch {
    return null;
  }
}

/** Resolves once every node routes to all the others and JetStream has a meta leader. */
export async function waitForCluster(monitorUrls: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(monitorUrls.map(nodeState));
    const ready = states.every((s) => s !== null && s.routes >= monitorUrls.length - 1 && s.leader !== "");
    if (ready) return;
    if (Date.now() > deadline)
      throw new Error(
        `the cluster is not ready after ${timeoutMs} ms (routes, meta leader per node: ${states
          .map((s, i) => `${monitorUrls[i]} ${s === null ? "down" : `${s.routes}, "${s.leader}"`}`)
          .join("; ")})`,
      );
    await sleep(100);
  }
}

export interface StartClusterOptions {
  /** SWITCHBOARD_DATA_DIR: the nodes live under `{dataDir}/cluster/node-{i}`. */
  readonly dataDir: string;
  /** The trust chain's server settings (IdentityAuthority.serverConfigPath). */
  readonly authConfigPath: string;
  /** Browser origins the WebSocket listeners accept. */
  readonly origins: readonly string[];
  readonly ports?: readonly ClusterNodePorts[];
  /** Default: `{nodeDir}/nats-server.log`. */
  readonly stdio?: (i: number) => StdioOptions;
  readonly log: (line: string) => void;
  /** A node that keeps dying (NatsSupervisor's onGiveUp). */
  readonly onGiveUp: (why: string) => void;
  readonly readyTimeoutMs?: number;
}

export interface RunningCluster {
  readonly nodes: readonly NatsSupervisor[];
  readonly ports: readonly ClusterNodePorts[];
  readonly natsUrl: string;
  readonly natsWsUrl: string;
  readonly monitorUrls: readonly string[];
  /** How long the nodes took to route and elect a JetStream leader (ms). */
  readonly readyMs: number;
  /** Stops every node (SIGTERM: JetStream flushes). */
  stop(): Promise<void>;
}

/** Every port the cluster needs that something already listens on. */
export async function busyPorts(ports: readonly ClusterNodePorts[]): Promise<number[]> {
  const all = ports.flatMap((p) => [p.client, p.ws, p.monitor, p.route]);
  const busy = await Promise.all(all.map((p) => isPortInUse(NATS_HOST, p)));
  return all.filter((_, i) => busy[i]);
}

/** Starts every node under a supervisor and waits until the cluster is ready. */
export async function startCluster(o: StartClusterOptions): Promise<RunningCluster> {
  const ports = o.ports ?? clusterPorts();
  const busy = await busyPorts(ports);
  if (busy.length > 0)
    throw new Error(
      `something already listens on ${busy.map((p) => `${NATS_HOST}:${p}`).join(", ")}: another nats-server or cluster? stop it, or move the cluster's ports`,
    );
  const t0 = performance.now();
  const nodes: NatsSupervisor[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    // One by one: NatsSupervisor waits for each client port, and routes dial the others until they answer.
    for (const [i, p] of ports.entries()) {
      const dir = nodeDir(o.dataDir, i);
      const configPath = renderNatsConfig(dir, o.authConfigPath, o.origins, nodeSettings(i, ports));
      const logFile = () => {
        const fd = openSync(join(dir, "nats-server.log"), "a", 0o600);
        return ["ignore", fd, fd] as StdioOptions;
      };
      nodes.push(
        await NatsSupervisor.start({
          configPath,
          host: NATS_HOST,
          port: p.client,
          stdio: o.stdio?.(i) ?? logFile(),
          log: (line) => o.log(`node ${i}: ${line}`),
          onGiveUp: (why) => o.onGiveUp(`node ${i}: ${why}`),
        }),
      );
    }
    const urls = clusterUrls(ports);
    await waitForCluster(urls.monitorUrls, o.readyTimeoutMs);
    return { nodes, ports, ...urls, readyMs: Math.round(performance.now() - t0), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * prepareLog on a cluster: right after the meta leader is elected, the first stream create can
 * still time out while the leader settles, and on a restart each stream waits for its own leader
 * (measured: up to ~17 s after the nodes started, with 2.9.10), so it is tried again for up to
 * `timeoutMs`. `onRetry` hears the first failure (to say why the start pauses).
 */
export async function prepareClusterLog(
  url: string,
  authority: IdentityAuthority,
  root: string,
  limits: LogLimits,
  timeoutMs = 45_000,
  onRetry?: (why: string) => void,
): Promise<LogReady> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await prepareLog(url, authority, root, limits);
    } catch (e) {
      if (!(e instanceof LogSetupError) || Date.now() > deadline) throw e;
      if (attempt === 0) onRetry?.(e.message);
      await sleep(250);
    }
  }
}

function portOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65_535)
    throw new Error(`--${name} must be a port number, got "${String(v)}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "client-port": { type: "string" },
      "ws-port": { type: "string" },
      "monitor-port": { type: "string" },
      "route-port": { type: "string" },
    },
  });
  const config = readConfig(process.env);
  const dataDir = resolve(config.dataDir);
  const ports = clusterPorts({
    client: portOption(values, "client-port", FIRST_NODE_PORTS.client),
    ws: portOption(values, "ws-port", FIRST_NODE_PORTS.ws),
    monitor: portOption(values, "monitor-port", FIRST_NODE_PORTS.monitor),
    route: portOption(values, "route-port", FIRST_NODE_PORTS.route),
  });
  const { authority } = await prepareIdentity(dataDir, config.subjectRoot);
  let cluster: RunningCluster | undefined;
  const fail = (message: string) => {
    console.error(`[cluster] ${message}`);
    void (cluster?.stop() ?? Promise.resolve()).then(() => process.exit(1));
  };
  // From the start: a Ctrl-C while the log waits for its leaders must stop the nodes too.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => void (cluster?.stop() ?? Promise.resolve()).then(() => process.exit(0)));
  }
  try {
    cluster = await startCluster({
      dataDir,
      authConfigPath: authority.serverConfigPath,
      origins: dashboardOrigins(config.port),
      ports,
      log: (line) => console.log(`[cluster] ${line}`),
      onGiveUp: (why) => fail(`${why}; see ${join(dataDir, "cluster")}/node-*/nats-server.log`),
    });
    console.log(`[cluster] ${ports.length} nodes routed, JetStream leader elected in ${cluster.readyMs} ms`);
    const limits = { maxAgeMs: config.logMaxAgeMs, maxBytes: config.logMaxBytes };
    const held = await prepareClusterLog(
      cluster.natsUrl,
      authority,
      config.subjectRoot,
      limits,
      undefined,
      (why) => console.log(`[cluster] the log is not ready yet (${why}); waiting for its leaders`),
    );
    console.log(`[cluster] log: ${held.layout.stream} holds ${heldText(held)}, on ${held.replicas} replicas`);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
    return;
  }
  console.log(
    [
      "[cluster] ready. Point everything at it:",
      `  NATS_URL=${cluster.natsUrl}`,
      `  NATS_WS_URL=${cluster.natsWsUrl}`,
      `  NATS_MONITOR_URL=${cluster.monitorUrls[0]}  (one per node: ${cluster.monitorUrls.join(", ")})`,
      ...(ports[0]!.client === FIRST_NODE_PORTS.client
        ? ["  or run the stack on it: NATS_CLUSTER_NODES=3 npm start (in another terminal)"]
        : []),
      `  node logs and JetStream: ${join(dataDir, "cluster")}/node-{0,1,2}. Ctrl-C stops the nodes.`,
    ].join("\n"),
  );
}

const entry = process.argv[1];
if (entry && realpathSync(entry) === fileURLToPath(import.meta.url)) await main();
