// The mesh's log on JetStream (lib/protocol/log.ts), made by whoever starts a server: `npm start`,
// `npm run nats` and the demo script's private server create the log and members streams for their
// subject root on first run, and bring the log's limits (LOG_MAX_AGE_MS, LOG_MAX_BYTES) up to date
// on every start. They speak as `admin`, a credential minted in memory for a minute from the trust
// chain: the only role that may create, update or purge the two streams.
import type { IdentityAuthority } from "../lib/identity";
import { logLayout, type LogLayout } from "../lib/protocol";
import { ensureLog, forgetMember, LogReader, type LogLimits, type NatsConnection } from "../lib/transport";
import { connectNats, credsText } from "../lib/transport/connect";

/** How long the in-memory admin credential lives: long enough for a few API calls. */
const ADMIN_TTL_MS = 60_000;
export const ADMIN_NAME = "admin";

/** The log could not be made: JetStream is off, or the server refused the admin credential. */
export class LogSetupError extends Error {
  override readonly name = "LogSetupError";
  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface LogReady {
  readonly layout: LogLayout;
  /** Messages and bytes the log holds now (0 on first run). */
  readonly messages: number;
  readonly bytes: number;
  /** The members stream: one presence per (name, runtime). */
  readonly members: number;
  /** Set when the log exists but its limits could not be brought up to date. */
  readonly warning?: string;
}

/** Runs `body` on a connection as `admin` of `root`, closed afterwards. */
export async function asAdmin<T>(
  url: string,
  authority: IdentityAuthority,
  root: string,
  body: (nc: NatsConnection, layout: LogLayout) => Promise<T>,
): Promise<T> {
  const layout = logLayout(root);
  const admin = await authority.mint({ role: "admin", name: ADMIN_NAME, root, ttlMs: ADMIN_TTL_MS });
  const nc = await connectNats({
    servers: url,
    name: "switchboard-admin",
    timeoutMs: 5_000,
    credentials: credsText(admin.creds!),
    extra: { maxReconnectAttempts: 0 },
  });
  try {
    return await body(nc, layout);
  } finally {
    await nc.close().catch(() => {});
  }
}

/** Creates the log of `root` on the server at `url`, or updates its limits. */
export async function prepareLog(
  url: string,
  authority: IdentityAuthority,
  root: string,
  limits: LogLimits,
): Promise<LogReady> {
  try {
    return await asAdmin(url, authority, root, async (nc, layout) => {
      try {
        const { log, members } = await ensureLog(nc, layout, limits);
        return {
          layout,
          messages: log.state.messages,
          bytes: log.state.bytes,
          members: members.state.messages,
        };
      } catch (e) {
        return await keptAsItWas(nc, layout, e);
      }
    });
  } catch (e) {
    throw new LogSetupError(explain(e, url), url, { cause: e });
  }
}

/**
 * Works around a failure of ensureLog on nats-server 2.9.10: it first tries to *add* the stream,
 * and the server checks the new stream's max_bytes against what is left of max_file_store before
 * it sees that the stream exists, counting the existing stream's reservation as well (1 GiB log +
 * 1 GiB again > 2 GB): "insufficient storage resources available" (10047) instead of "already in
 * use", so ensureLog never reaches its update. An update alone works. Until ensureLog updates
 * first, an existing log is used as it is, and the caller is told its limits were not changed.
 */
async function keptAsItWas(nc: NatsConnection, layout: LogLayout, e: unknown): Promise<LogReady> {
  if (!/insufficient storage/i.test((e as Error)?.message ?? "")) throw e;
  const log = await new LogReader(nc, layout).bounds().catch(() => null);
  // The members stream read the same way (a LogReader only asks for the stream's info here).
  const members = await new LogReader(nc, { ...layout, stream: layout.members }).bounds().catch(() => null);
  if (log === null || members === null) throw e; // really no room to create it
  return {
    layout,
    messages: log.messages,
    bytes: log.bytes,
    members: members.messages,
    warning: `its limits were not updated (nats-server refused: ${(e as Error).message}; see scripts/log.ts); it keeps the ones it had`,
  };
}

/** Forgets `name` in the members stream of `root`; the count of presences removed. */
export function forgetMemberAt(
  url: string,
  authority: IdentityAuthority,
  root: string,
  name: string,
): Promise<number> {
  return asAdmin(url, authority, root, (nc, layout) => forgetMember(nc, layout, name));
}

/** A JetStream failure in words: off (no one answers the API), refused, or something else. */
function explain(e: unknown, url: string): string {
  const message = (e as Error)?.message ?? String(e);
  const chain = [message, String((e as { cause?: Error })?.cause?.message ?? "")].join(" ");
  if (/no responders|503|jetstream not enabled/i.test(chain))
    return `JetStream is off on the NATS server at ${url}: the log needs it (nats-server.conf needs a \`jetstream { store_dir: ... }\` block; npm start's has one)`;
  if (/authorization|permissions/i.test(chain))
    return `the NATS server at ${url} refused the admin credential (${message}): it runs on another trust chain (SWITCHBOARD_DATA_DIR)`;
  if (/timeout/i.test(chain))
    return `JetStream does not answer on the NATS server at ${url} (${message}): it is off there, and the log needs it (nats-server.conf needs a \`jetstream { store_dir: ... }\` block; npm start's has one)`;
  // LOG_MAX_AGE_MS may be 60 s, but ensureLog's duplicate window is 120 s and may not be longer.
  if (/duplicates window/i.test(chain))
    return `the log's age limit is shorter than its duplicate window (${message}): set LOG_MAX_AGE_MS to 120000 or more`;
  return `could not create the log on the NATS server at ${url}: ${message}`;
}

/** "12,345 messages, 3.4 MB" */
export function heldText(r: Pick<LogReady, "messages" | "bytes">): string {
  return `${r.messages.toLocaleString("en-US")} messages, ${(r.bytes / 2 ** 20).toFixed(1)} MB`;
}
