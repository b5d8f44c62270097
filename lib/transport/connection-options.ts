/**
 * Connection settings shared by the Node and browser connectors. The client's defaults give up
 * reconnecting after 10 tries x 2 s; agents and dashboards must outlive a server restart, so
 * reconnecting never stops here.
 */
import type { ConnectionOptions } from "@nats-io/nats-core";

export interface ConnectOptions {
  /** Server URL(s); defaults to lib/config DEFAULTS (natsUrl in Node, natsWsUrl in the browser). */
  servers?: string | string[];
  /** Client name shown in the server's monitoring. */
  name?: string;
  /** How long the first connection may take (ms, default 5000). */
  timeoutMs?: number;
  /** Pause between reconnect attempts (ms, default 250). */
  reconnectWaitMs?: number;
  /** Extra raw client options (auth, TLS...), applied last. */
  extra?: Partial<ConnectionOptions>;
}

export function connectionDefaults(o: ConnectOptions, fallbackServer: string): ConnectionOptions {
  return {
    servers: o.servers ?? fallbackServer,
    name: o.name ?? "switchboard",
    timeout: o.timeoutMs ?? 5_000,
    maxReconnectAttempts: -1,
    reconnectTimeWait: o.reconnectWaitMs ?? 250,
    reconnectJitter: 100,
    // A dead server is noticed within ~pingInterval * maxPingOut even without a TCP reset.
    pingInterval: 10_000,
    maxPingOut: 2,
    ...o.extra,
  };
}
