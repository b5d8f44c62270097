// The mesh's log on JetStream (lib/protocol/log.ts), made by whoever starts a server: `npm start`,
// `npm run nats` and the demo script's private server create the log and members streams for their
// subject root on first run, and bring the log's limits (LOG_MAX_AGE_MS, LOG_MAX_BYTES) up to date
// on every start. They speak as `admin`, a credential minted in memory for a minute from the trust
// chain: the only role that may create, update or purge the two streams.
import type { IdentityAuthority } from "../lib/identity";
import { logLayout, type LogLayout } from "../lib/protocol";
import { ensureLog, forgetMember, type LogLimits, type NatsConnection } from "../lib/transport";
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
  /** Copies of each stream: 3 on a cluster, 1 on a single server (lib/transport `replicasFor`). */
  readonly replicas: number;
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
      const { log, members } = await ensureLog(nc, layout, limits);
      return {
        layout,
        messages: log.state.messages,
        bytes: log.state.bytes,
        members: members.state.messages,
        replicas: log.config.num_replicas,
      };
    });
  } catch (e) {
    throw new LogSetupError(explain(e, url), url, { cause: e });
  }
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
  return `could not create the log on the NATS server at ${url}: ${message}`;
}

/** "12,345 messages, 3.4 MB" */
export function heldText(r: Pick<LogReady, "messages" | "bytes">): string {
  return `${r.messages.toLocaleString("en-US")} messages, ${(r.bytes / 2 ** 20).toFixed(1)} MB`;
}
