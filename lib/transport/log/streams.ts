/**
 * Creating and updating the log's streams (lib/protocol/log.ts) with their limits. Run by whoever
 * holds an `admin` credential: `npm start` and the test harness on first run, `doctor --fix`.
 * Idempotent: an existing stream is updated to the limits given (a shorter age trims it).
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager, RetentionPolicy, StorageType, type StreamInfo } from "@nats-io/jetstream";
import type { LogLayout } from "../../protocol";

export interface LogLimits {
  /** How long a message is kept (ms). */
  readonly maxAgeMs: number;
  /** What the log may hold (bytes); past it the oldest messages go. */
  readonly maxBytes: number;
  /**
   * Copies of each stream (JetStream replicas); default: `replicasFor` the connection's server,
   * and never fewer than an existing stream keeps (see `upsert`).
   */
  readonly replicas?: number;
}

/**
 * How many copies the log keeps: three on a cluster (one per node of a three-node cluster, the
 * most that Raft needs to survive one node), one on a single server. Read from what the server
 * told the client: a clustered server names its cluster and advertises its peers' client URLs.
 */
export function replicasFor(nc: NatsConnection): number {
  const info = nc.info;
  if (info?.cluster === undefined) return 1;
  return Math.max(1, Math.min(3, info.connect_urls?.length ?? 1));
}

/** The server drops a second message with the same id (`Nats-Msg-Id`) within this window. */
export const DUPLICATE_WINDOW_MS = 120_000;
/** The members stream keeps one presence per (name, runtime): a few thousand agents at most. */
const MEMBERS_MAX_BYTES = 64 * 2 ** 20;

const NS_PER_MS = 1_000_000;

/** Creates the log and members streams, or brings their limits up to date. Returns both infos. */
export async function ensureLog(
  nc: NatsConnection,
  layout: LogLayout,
  limits: LogLimits,
): Promise<{ log: StreamInfo; members: StreamInfo; handled: StreamInfo }> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const num_replicas = limits.replicas ?? replicasFor(nc);
  const keepMore = limits.replicas === undefined;
  const log = await upsert(jsm, keepMore, {
    num_replicas,
    name: layout.stream,
    subjects: [...layout.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: limits.maxAgeMs * NS_PER_MS,
    max_bytes: limits.maxBytes,
    // The server refuses a window longer than the age limit.
    duplicate_window: Math.min(DUPLICATE_WINDOW_MS, limits.maxAgeMs) * NS_PER_MS,
    allow_direct: true,
  });
  const members = await upsert(jsm, keepMore, {
    num_replicas,
    name: layout.members,
    subjects: [...layout.memberSubjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 1,
    max_bytes: MEMBERS_MAX_BYTES,
    allow_direct: true,
  });
  const handled = await upsert(jsm, keepMore, {
    num_replicas,
    name: layout.handled,
    subjects: [...layout.handledSubjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 1,
    max_bytes: MEMBERS_MAX_BYTES * 4,
    max_age: limits.maxAgeMs * NS_PER_MS,
    allow_direct: true,
  });
  return { log, members, handled };
}

type Manager = Awaited<ReturnType<typeof jetstreamManager>>;
type Config = Parameters<Manager["streams"]["add"]>[0] & { name: string };

/**
 * Updates the stream when it exists, else creates it. Info first, not add-then-update: on
 * nats-server 2.9.10 adding a stream that exists checks storage before the name and counts the
 * existing stream's max_bytes again, so a second start with a 1 GiB log under a 2 GB store is
 * refused "insufficient storage resources" (10047) instead of "already in use"
 * (nats-io/nats-server#3321).
 *
 * `keepMore`: an existing stream keeps its replicas when it has more than `config` asks. A node of
 * a three-node cluster that is down when the log is updated (a restart of `npm start`) leaves the
 * others advertising two servers, so `replicasFor` says 2: without this, the update would drop
 * the log's third copy (measured on 2.9.10) and one more failure would stop it.
 */
async function upsert(jsm: Manager, keepMore: boolean, config: Config): Promise<StreamInfo> {
  const existing = await jsm.streams.info(config.name).catch((e: unknown) => {
    if (/not found/i.test((e as Error).message)) return null;
    throw e;
  });
  if (existing === null) return jsm.streams.add(config);
  const replicas = Math.max(config.num_replicas ?? 1, keepMore ? existing.config.num_replicas : 0);
  return jsm.streams.update(config.name, { ...config, num_replicas: replicas });
}

/** Removes every presence of `name` from the members stream: the mesh no longer knows it. */
export async function forgetMember(nc: NatsConnection, layout: LogLayout, name: string): Promise<number> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const r = await jsm.streams.purge(layout.members, { filter: `${layout.root}.presence.${name}.*` });
  return r.purged;
}
