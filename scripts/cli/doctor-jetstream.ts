/**
 * Doctor's JetStream check, from the server's monitoring endpoint (`/jsz`, no credential needed;
 * the listener is on loopback): is JetStream on, what may it store, and how much room does its
 * store directory's disk have, and on a cluster its name, size and meta leader. Then the log itself
 * (`checkLog`): its two streams for the root, with their limits and what they hold, and on a cluster
 * how many copies each keeps and whether they are current, read with the CLI's credential
 * (STREAM.INFO, which it may call).
 */
import { statfsSync } from "node:fs";
import { z } from "zod";
import { logLayout } from "../../lib/protocol";
import { replicasFor, type NatsConnection } from "../../lib/transport";
import { connectNats, credsText } from "../../lib/transport/connect";

export const JETSTREAM_FIX = {
  monitor: "nats-server.conf needs `http: 127.0.0.1:8222` (npm start's has it), or pass --monitor URL",
  off: "nats-server.conf needs a `jetstream { store_dir: ... }` block (npm start's has one)",
  disk: "free disk space where JetStream stores (or lower max_file_store in nats-server.conf)",
  leader:
    "JetStream needs a majority of the cluster's nodes up to elect a leader: start the nodes that are down (npm run cluster supervises them; see .data/cluster/node-*/nats-server.log)",
} as const;

/** Below this much free disk, the check warns. */
const LOW_DISK_BYTES = 1024 ** 3;

const Jsz = z.object({
  disabled: z.boolean().optional(),
  config: z.object({ max_memory: z.number(), max_storage: z.number(), store_dir: z.string().optional() }),
  memory: z.number(),
  storage: z.number(),
  streams: z.number(),
  /** Only on a cluster: its name, JetStream's peers (the nodes with JetStream) and the meta leader. */
  meta_cluster: z
    .object({
      name: z.string().optional(),
      leader: z.string().optional(),
      cluster_size: z.number().optional(),
    })
    .optional(),
});

export interface JetStreamResult {
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

export async function checkJetStream(monitorUrl: string, timeoutMs: number): Promise<JetStreamResult> {
  let jsz: z.infer<typeof Jsz>;
  try {
    const res = await fetch(new URL("/jsz", monitorUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok)
      return { ok: false, detail: `${monitorUrl}/jsz answered ${res.status}`, fix: JETSTREAM_FIX.monitor };
    const parsed = Jsz.safeParse(await res.json());
    if (!parsed.success)
      return { ok: false, detail: `${monitorUrl}/jsz is not nats-server's`, fix: JETSTREAM_FIX.monitor };
    jsz = parsed.data;
  } catch (e) {
    return {
      ok: false,
      detail: `no monitoring endpoint at ${monitorUrl} (${(e as Error).message})`,
      fix: JETSTREAM_FIX.monitor,
    };
  }
  if (jsz.disabled === true || jsz.config.store_dir === undefined)
    return { ok: false, detail: "JetStream is off on this server", fix: JETSTREAM_FIX.off };
  const meta = jsz.meta_cluster;
  const clustered =
    meta === undefined
      ? ""
      : `; cluster ${meta.name ?? "(unnamed)"} of ${meta.cluster_size ?? "?"} JetStream nodes, meta leader ${meta.leader || "none"}`;
  const used = `${bytes(jsz.storage)} of ${bytes(jsz.config.max_storage)} on disk, ${bytes(jsz.memory)} of ${bytes(jsz.config.max_memory)} in memory, ${jsz.streams} streams${clustered}`;
  // Without a meta leader no stream can be created, and streams without their own quorum stall.
  if (meta !== undefined && !meta.leader)
    return { ok: false, detail: `on, but without a leader: ${used}`, fix: JETSTREAM_FIX.leader };
  const free = freeBytes(jsz.config.store_dir);
  if (free === undefined)
    return { ok: true, detail: `on: ${used} (store on another machine: free space not checked)` };
  const room = jsz.config.max_storage - jsz.storage;
  const detail = `on: ${used}; ${bytes(free)} free at ${jsz.config.store_dir}`;
  if (free < LOW_DISK_BYTES || free < room)
    return { ok: true, detail, fix: `${JETSTREAM_FIX.disk}: the store may grow ${bytes(room)} more` };
  return { ok: true, detail };
}

/** Free bytes on the disk holding `dir` (or its nearest existing parent); undefined if none here. */
function freeBytes(dir: string): number | undefined {
  for (let d = dir; d !== "/" && d !== "."; d = d.slice(0, Math.max(1, d.lastIndexOf("/")))) {
    try {
      const s = statfsSync(d);
      return s.bavail * s.bsize;
    } catch {
      // not there (yet): try its parent
    }
  }
  return undefined;
}

function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

// ---- the log (lib/protocol/log.ts) ------------------------------------------------------------

export const LOG_FIX = {
  missing:
    "run `npm start` once: it creates the log (as an `admin` credential it mints in memory) and updates its limits on every start; against a server you started otherwise, `npm run nats` does too",
  limits: "restart `npm start` (or `npm run nats`) to apply LOG_MAX_AGE_MS / LOG_MAX_BYTES",
  full: "the log is at LOG_MAX_BYTES: the oldest messages are being dropped; raise it (and max_file_store)",
  replicas:
    "restart `NATS_CLUSTER_NODES=3 npm start` or `npm run cluster` (on real hosts: the script that creates the log): it raises the log's streams to 3 replicas",
  lagging:
    "a copy of the log is behind or its node is down: check that every node runs (each node's /jsz); a node that is back catches up by itself",
  leaderless:
    "the log has no leader: fewer than 2 of its 3 copies are up, so it takes no messages until their nodes are back",
} as const;

const StreamInfo = z.object({
  config: z.object({ max_age: z.number(), max_bytes: z.number(), num_replicas: z.number().optional() }),
  state: z.object({ messages: z.number(), bytes: z.number() }),
  /** On a cluster: the copy that leads, and the others (`current`: caught up with it). */
  cluster: z
    .object({
      name: z.string().optional(),
      leader: z.string().optional(),
      replicas: z
        .array(
          z.object({
            name: z.string(),
            current: z.boolean(),
            offline: z.boolean().optional(),
            lag: z.number().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
const ApiError = z.object({
  error: z.object({ code: z.number(), err_code: z.number().optional(), description: z.string() }),
});

type Info = z.infer<typeof StreamInfo>;

/** A stream's info by JetStream's API (STREAM.INFO, which the cli role may call), or why not. */
async function streamInfo(nc: NatsConnection, stream: string, timeoutMs: number): Promise<Info | string> {
  let body: unknown;
  try {
    body = (await nc.request(`$JS.API.STREAM.INFO.${stream}`, "", { timeout: timeoutMs })).json();
  } catch (e) {
    return `JetStream does not answer (${(e as Error).message})`;
  }
  const info = StreamInfo.safeParse(body);
  if (info.success) return info.data;
  const err = ApiError.safeParse(body);
  return err.success ? err.data.error.description : "not JetStream's answer";
}

export interface LogCheckOptions {
  readonly url: string;
  /** The CLI credential's creds text. */
  readonly creds: string;
  readonly root: string;
  /** What LOG_MAX_AGE_MS / LOG_MAX_BYTES ask for. */
  readonly limits: { readonly maxAgeMs: number; readonly maxBytes: number };
  readonly timeoutMs: number;
}

/** Do the log and members streams of the root exist, with the configured limits, and what do they hold? */
export async function checkLog(o: LogCheckOptions): Promise<JetStreamResult> {
  const layout = logLayout(o.root);
  let nc: NatsConnection;
  try {
    nc = await connectNats({ servers: o.url, timeoutMs: o.timeoutMs, credentials: credsText(o.creds) });
  } catch (e) {
    return { ok: false, detail: `cannot connect to read it: ${(e as Error).message}` };
  }
  try {
    const log = await streamInfo(nc, layout.stream, o.timeoutMs);
    const members = await streamInfo(nc, layout.members, o.timeoutMs);
    if (typeof log === "string" || typeof members === "string") {
      const [name, why] =
        typeof log === "string" ? [layout.stream, log] : [layout.members, members as string];
      const fix = /does not answer/.test(why) ? JETSTREAM_FIX.off : LOG_FIX.missing;
      return { ok: false, detail: `no log for ${o.root}: ${name}: ${why}`, fix };
    }
    const maxAgeMs = log.config.max_age / 1_000_000;
    const held = `${log.state.messages.toLocaleString("en-US")} messages, ${bytes(log.state.bytes)} of ${bytes(log.config.max_bytes)}, kept ${days(maxAgeMs)}`;
    const copies = replication(nc, [
      [layout.stream, log],
      [layout.members, members],
    ]);
    const detail = `${layout.stream}: ${held}; ${layout.members}: ${members.state.messages} known agent presences${copies.detail}`;
    if (copies.problem !== undefined)
      return { ok: copies.problem !== "leaderless", detail, fix: LOG_FIX[copies.problem] };
    if (maxAgeMs !== o.limits.maxAgeMs || log.config.max_bytes !== o.limits.maxBytes)
      return {
        ok: true,
        detail: `${detail} (configured: kept ${days(o.limits.maxAgeMs)}, ${bytes(o.limits.maxBytes)})`,
        fix: LOG_FIX.limits,
      };
    if (log.config.max_bytes > 0 && log.state.bytes >= 0.9 * log.config.max_bytes)
      return { ok: true, detail, fix: LOG_FIX.full };
    return { ok: true, detail };
  } finally {
    await nc.close().catch(() => {});
  }
}

/**
 * On a cluster, how many copies each stream keeps and whether they are caught up: fewer copies
 * than the cluster could hold (`replicasFor`: up to 3) lose the log with one node, a copy that is
 * not current is behind (or its node is down), and a stream without a leader takes no messages.
 * Nothing to say on a single server.
 */
function replication(
  nc: NatsConnection,
  streams: readonly (readonly [string, Info])[],
): { detail: string; problem?: "replicas" | "lagging" | "leaderless" } {
  const clusterName = nc.info?.cluster;
  if (clusterName === undefined) return { detail: "" };
  const could = replicasFor(nc);
  let problem: "replicas" | "lagging" | "leaderless" | undefined;
  const worse = (p: typeof problem) => {
    const rank = { replicas: 1, lagging: 2, leaderless: 3 } as const;
    if (p !== undefined && (problem === undefined || rank[p] > rank[problem])) problem = p;
  };
  const each = streams.map(([name, info]) => {
    const replicas = info.config.num_replicas ?? 1;
    const followers = info.cluster?.replicas ?? [];
    const behind = followers.filter((r) => !r.current || r.offline === true);
    const leader = info.cluster?.leader ?? "";
    if (replicas < could) worse("replicas");
    if (behind.length > 0) worse("lagging");
    if (replicas > 1 && leader === "") worse("leaderless");
    const state =
      replicas === 1
        ? ""
        : `, leader ${leader || "none"}, ${followers.length - behind.length} of ${followers.length} others current` +
          (behind.length === 0
            ? ""
            : ` (behind: ${behind.map((r) => `${r.name}${r.offline === true ? " offline" : ""}${r.lag ? ` ${r.lag} ops` : ""}`).join(", ")})`);
    return `${name} ${replicas} ${replicas === 1 ? "replica" : "replicas"}${state}`;
  });
  const nodes = nc.info?.connect_urls?.length ?? 1;
  return {
    detail: `; cluster ${clusterName} (${nodes} nodes): ${each.join("; ")}`,
    ...(problem ? { problem } : {}),
  };
}

function days(ms: number): string {
  if (ms <= 0) return "forever";
  return ms % 86_400_000 === 0
    ? `${ms / 86_400_000} d`
    : ms % 3_600_000 === 0
      ? `${ms / 3_600_000} h`
      : `${Math.round(ms / 1000)} s`;
}
