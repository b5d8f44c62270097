// A throwaway three-node nats-server cluster for integration tests: the same trust chain on every
// node (one account, the same credentials work everywhere), cluster routes between them on
// random ports, WebSocket and JetStream on each, and the log created with three replicas once
// JetStream has a leader. Each node can be killed and restarted on its own ports, so failover and
// rolling restarts can be exercised. Each node also listens for leaf nodes, and `startLeaf()`
// adds a remote site's nats-server joined through one outbound leaf connection.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULTS } from "../../lib/config";
import { IdentityAuthority } from "../../lib/identity/authority";
import { logLayout } from "../../lib/protocol";
import { credsText, connectNats } from "../../lib/transport/connect";
import { ensureLog, type LogLimits } from "../../lib/transport/log/streams";
import { findNatsServer, INSTALL_HELP } from "../../scripts/nats-binary";
import { NatsServer, trackForExit, type NatsServerHandle, type TestIdentity } from "./nats-server";

export interface NatsClusterHandle {
  readonly nodes: readonly NatsServerHandle[];
  /** Every node's client URL, comma-separated: what NATS_URL holds for a cluster. */
  readonly url: string;
  readonly urls: readonly string[];
  readonly wsUrls: readonly string[];
  readonly authority: IdentityAuthority;
  credentials(who: TestIdentity): Promise<string>;
  /** Creates (or updates) the log of `root`; replicas follow the cluster (three). */
  createLog(root?: string, limits?: LogLimits): Promise<void>;
  /** Resolves when every live node routes to every other live one and JetStream has a leader. */
  ready(timeoutMs?: number): Promise<void>;
  /**
   * Starts a leaf node: a nats-server of a remote site, without JetStream, that joins the
   * cluster through one outbound connection to any node (with a `leaf` credential) and serves
   * its own clients with the same trust chain. Resolves once the leaf connection is up.
   */
  startLeaf(): Promise<NatsServerHandle>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartNatsClusterOptions {
  /** Default 3. */
  readonly nodes?: number;
  /** Roots whose log is created at start (default `["agents"]`). */
  readonly logRoots?: readonly string[];
  /** WebSocket origins each node accepts (default: any). */
  readonly allowedOrigins?: string[];
}

const HOST = "127.0.0.1";

/** `n` ports free right now (bound and released: a small race, fine for tests). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, HOST, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * The cluster block of node `i`: its route port, and routes to every other node; with `leafPort`,
 * where it accepts leaf nodes.
 */
export function clusterConfig(
  i: number,
  routePorts: readonly number[],
  name = "switchboard",
  leafPort?: number,
): string {
  const routes = routePorts.filter((_, j) => j !== i).map((p) => `"nats-route://${HOST}:${p}"`);
  return [
    `server_name: sb-node-${i}`,
    `cluster { name: ${name}, listen: "${HOST}:${routePorts[i]}", routes: [${routes.join(", ")}] }`,
    leafPort === undefined ? "" : `leafnodes { listen: "${HOST}:${leafPort}" }`,
  ].join("\n");
}

/**
 * A remote site's server: no JetStream (it uses the cluster's), one leaf connection to any of
 * `hubs` for the mesh's account (`account`: its public key, which operator mode requires).
 */
export function leafConfig(hubs: readonly string[], credsPath: string, account: string): string {
  const urls = hubs.map((u) => JSON.stringify(u)).join(", ");
  return [
    "server_name: sb-leaf",
    `default_js_domain: { ${account}: "" }`,
    `leafnodes { remotes: [ { urls: [${urls}], account: ${account}, credentials: ${JSON.stringify(credsPath)} } ] }`,
  ].join("\n");
}

class NatsCluster implements NatsClusterHandle {
  private readonly leaves: NatsServer[] = [];

  constructor(
    readonly nodes: readonly NatsServer[],
    readonly authority: IdentityAuthority,
    private readonly dir: string,
    private readonly bin: string,
    private readonly leafPorts: readonly number[],
  ) {}

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }
  get url(): string {
    return this.urls.join(",");
  }
  get wsUrls(): string[] {
    return this.nodes.map((n) => n.wsUrl);
  }

  async credentials(who: TestIdentity): Promise<string> {
    return (await this.authority.mint({ root: "agents", ttlMs: 3_600_000, ...who })).creds!;
  }

  async createLog(root = "agents", limits?: LogLimits): Promise<void> {
    const admin = await this.authority.mint({ role: "admin", name: "admin", root, ttlMs: 60_000 });
    const nc = await connectNats({ servers: this.url, credentials: credsText(admin.creds!) });
    try {
      // Right after the meta leader is elected a stream create can still time out: retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          await ensureLog(
            nc,
            logLayout(root),
            limits ?? { maxAgeMs: DEFAULTS.logMaxAgeMs, maxBytes: DEFAULTS.logMaxBytes },
          );
          return;
        } catch (e) {
          if (attempt >= 20) throw e;
          await sleep(250);
        }
      }
    } finally {
      await nc.close();
    }
  }

  async ready(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const live = this.nodes.filter((n) => n.running);
    for (;;) {
      const states = await Promise.all(live.map((n) => nodeState(n.monitorUrl)));
      const routed = states.every((s) => s !== null && s.routes >= live.length - 1);
      const led = states.every((s) => s !== null && s.leader !== "");
      if (routed && led) return;
      if (Date.now() > deadline)
        throw new Error(`cluster not ready within ${timeoutMs} ms: ${JSON.stringify(states)}`);
      await sleep(100);
    }
  }

  async startLeaf(): Promise<NatsServerHandle> {
    const dir = join(this.dir, `leaf-${this.leaves.length}`);
    mkdirSync(dir);
    const minted = await this.authority.mint({
      role: "leaf",
      name: "site-a",
      root: "agents",
      ttlMs: 3_600_000,
    });
    const credsPath = join(dir, "leaf.creds");
    writeFileSync(credsPath, minted.creds!, { mode: 0o600 });
    const hubs = this.leafPorts.map((p) => `nats-leaf://${HOST}:${p}`);
    const leaf = new NatsServer(
      this.bin,
      dir,
      {
        jetstream: false,
        maxPayload: 1024 * 1024 + 16 * 1024,
        config: leafConfig(hubs, credsPath, this.authority.accountPublicKey),
        auth: true,
        allowedOrigins: [],
        logRoots: [],
      },
      this.authority,
    );
    trackForExit(leaf);
    this.leaves.push(leaf);
    await leaf.start();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const leafz = await fetch(`${leaf.monitorUrl}/leafz`)
        .then((r) => r.json() as Promise<{ leafnodes?: number }>)
        .catch(() => null);
      if ((leafz?.leafnodes ?? 0) >= 1) return leaf;
      if (Date.now() > deadline) throw new Error(`the leaf node did not connect to the cluster within 10 s`);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.leaves, ...this.nodes].map((n) => n.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Routes and JetStream meta leader as a node's monitoring endpoint reports them; null when down. */
async function nodeState(monitorUrl: string): Promise<{ routes: number; leader: string } | null> {
  try {
    const [routez, jsz] = await Promise.all([
      fetch(`${monitorUrl}/routez`).then((r) => r.json() as Promise<{ num_routes?: number }>),
      fetch(`${monitorUrl}/jsz`).then((r) => r.json() as Promise<{ meta_cluster?: { leader?: string } }>),
    ]);
    return { routes: routez.num_routes ?? 0, leader: jsz.meta_cluster?.leader ?? "" };
  } catch {
    return null;
  }
}

export async function startNatsCluster(o: StartNatsClusterOptions = {}): Promise<NatsClusterHandle> {
  const bin = findNatsServer();
  if (!bin) throw new Error(INSTALL_HELP);
  const n = o.nodes ?? 3;
  const dir = mkdtempSync(join(tmpdir(), "switchboard-cluster-"));
  const authority = await IdentityAuthority.open(dir);
  const ports = await freePorts(2 * n);
  const routePorts = ports.slice(0, n);
  const leafPorts = ports.slice(n);
  const nodes = routePorts.map((_, i) => {
    const nodeDir = join(dir, `node-${i}`);
    mkdirSync(nodeDir);
    const node = new NatsServer(
      bin,
      nodeDir,
      {
        jetstream: true,
        maxPayload: 1024 * 1024 + 16 * 1024,
        config: clusterConfig(i, routePorts, "switchboard", leafPorts[i]),
        auth: true,
        allowedOrigins: o.allowedOrigins ?? [],
        logRoots: [],
      },
      authority,
    );
    trackForExit(node);
    return node;
  });
  const cluster = new NatsCluster(nodes, authority, dir, bin, leafPorts);
  try {
    await Promise.all(nodes.map((node) => node.start()));
    await cluster.ready();
    for (const root of o.logRoots ?? ["agents"]) await cluster.createLog(root);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
