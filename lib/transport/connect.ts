/**
 * Connecting from Node over TCP (`@nats-io/transport-node`). The browser counterpart is
 * connect-browser.ts; both hand back the same `NatsConnection` type the rest of the layer uses.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { DEFAULTS } from "../config";
import { connectionDefaults, type ConnectOptions } from "./connection-options";

export type { NatsConnection };

export async function connectNats(options: ConnectOptions = {}): Promise<NatsConnection> {
  return connect(connectionDefaults(options, DEFAULTS.natsUrl));
}
