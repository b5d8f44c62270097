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
): Promise<{ log: StreamInfo; members: StreamInfo }> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const log = await upsert(jsm, {
    name: layout.stream,
    subjects: [...layout.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: limits.maxAgeMs * NS_PER_MS,
    max_bytes: limits.maxBytes,
    duplicate_window: DUPLICATE_WINDOW_MS * NS_PER_MS,
    allow_direct: true,
  });
  const members = await upsert(jsm, {
    name: layout.members,
    subjects: [...layout.memberSubjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 1,
    max_bytes: MEMBERS_MAX_BYTES,
    allow_direct: true,
  });
  return { log, members };
}

type Manager = Awaited<ReturnType<typeof jetstreamManager>>;
type Config = Parameters<Manager["streams"]["add"]>[0] & { name: string };

async function upsert(jsm: Manager, config: Config): Promise<StreamInfo> {
  try {
    return await jsm.streams.add(config);
  } catch (e) {
    // "stream name already in use with a different configuration": update it instead.
    if (!/already in use/i.test((e as Error).message)) throw e;
    return jsm.streams.update(config.name, config);
  }
}

/** Removes every presence of `name` from the members stream: the mesh no longer knows it. */
export async function forgetMember(nc: NatsConnection, layout: LogLayout, name: string): Promise<number> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const r = await jsm.streams.purge(layout.members, { filter: `${layout.root}.presence.${name}.*` });
  return r.purged;
}
