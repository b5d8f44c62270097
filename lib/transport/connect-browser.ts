/**
 * Connecting from the browser over WebSocket with `@nats-io/nats-core`'s `wsconnect`, the
 * maintained successor of `nats.ws`. Always give a scheme: "host:port" alone means wss://...:443.
 */
import { wsconnect, type NatsConnection } from "@nats-io/nats-core";
import { DEFAULTS } from "../config";
import { connectionDefaults, type ConnectOptions } from "./connection-options";

export async function connectNatsWs(
  options: ConnectOptions & { servers: string | string[] },
): Promise<NatsConnection> {
  return wsconnect(connectionDefaults(options, DEFAULTS.natsWsUrl));
}
