/**
 * Connection settings shared by the Node and browser connectors. The client's defaults give up
 * reconnecting after 10 tries x 2 s; agents and dashboards must outlive a server restart, so
 * reconnecting never stops here (except on an authorization error twice in a row: a revoked or
 * expired credential that nobody renewed; the connection then closes with that error).
 */
import { credsAuthenticator, jwtAuthenticator, type ConnectionOptions } from "@nats-io/nats-core";
import { inboxPrefix, isAgentName } from "../protocol";

/**
 * Who the connection is. Read again at every (re)connect, so a renewed credential takes effect
 * the next time the server asks (it closes a connection whose JWT expired).
 */
export type Credentials =
  /** A creds file's text (JWT + seed), e.g. `.data/creds/Weather-Bot.creds`. */
  | { readonly creds: () => string }
  /** A user JWT and the seed of its key pair (a browser keeps its seed to itself). */
  | { readonly jwt: () => string; readonly seed: Uint8Array };

export interface ConnectOptions {
  /**
   * Server URL(s): an array, or one string with the URLs of a cluster's nodes separated by commas
   * (as NATS_URL and NATS_WS_URL may hold them); default lib/config DEFAULTS (natsUrl in Node,
   * natsWsUrl in the browser). The client fails over between them, and learns the others a
   * cluster advertises.
   */
  servers?: string | string[];
  /** Client name shown in the server's monitoring. */
  name?: string;
  /** How long the first connection may take (ms, default 5000). */
  timeoutMs?: number;
  /** Pause between reconnect attempts (ms, default 250). */
  reconnectWaitMs?: number;
  /** The identity to connect as; none: an anonymous connection (refused by a server with auth). */
  credentials?: Credentials;
  /** Extra raw client options (TLS...), applied last. */
  extra?: Partial<ConnectionOptions>;
}

export function connectionDefaults(o: ConnectOptions, fallbackServer: string): ConnectionOptions {
  return {
    servers: serverList(o.servers ?? fallbackServer),
    name: o.name ?? "switchboard",
    timeout: o.timeoutMs ?? 5_000,
    maxReconnectAttempts: -1,
    reconnectTimeWait: o.reconnectWaitMs ?? 250,
    reconnectJitter: 100,
    // A dead server is noticed within ~pingInterval * maxPingOut even without a TCP reset.
    pingInterval: 10_000,
    maxPingOut: 2,
    ...(o.credentials === undefined ? {} : credentialOptions(o.credentials)),
    ...o.extra,
  };
}

/** "a, b" -> ["a", "b"]: every URL of a comma-separated list, trimmed. */
export function serverList(servers: string | readonly string[]): string[] {
  const all = typeof servers === "string" ? [servers] : [...servers];
  return all
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function authenticator(c: Credentials) {
  if ("creds" in c) return credsAuthenticator(() => new TextEncoder().encode(c.creds()));
  return jwtAuthenticator(c.jwt, c.seed);
}

/**
 * The authenticator, and the inbox prefix the identity may read (`_INBOX_{name}`, see
 * lib/protocol/log.ts): JetStream's answers (acks of stored messages, history reads, pulled
 * deliveries) come to the connection's inbox, and each identity may subscribe only to its own.
 */
function credentialOptions(c: Credentials): Partial<ConnectionOptions> {
  const name = credentialName(c);
  return {
    authenticator: authenticator(c),
    ...(name === undefined ? {} : { inboxPrefix: inboxPrefix(name) }),
  };
}

/** The user name in a credential's JWT (the identity its permissions were minted for). */
export function credentialName(c: Credentials): string | undefined {
  try {
    const jwt = "creds" in c ? /-----BEGIN NATS USER JWT-----\s*(\S+)\s/.exec(c.creds())?.[1] : c.jwt();
    const payload = jwt?.split(".")[1];
    if (payload === undefined) return undefined;
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const name = (JSON.parse(json) as { name?: unknown }).name;
    return typeof name === "string" && isAgentName(name) ? name : undefined;
  } catch {
    return undefined; // an unreadable credential: the server will say what is wrong with it
  }
}
