/**
 * The dashboard server's NATS connections: one per identity (its registry watcher as `dashboard`,
 * each server agent as itself), so the NATS server binds every message to the one who sent it.
 * A failure to connect becomes an error that says where and as whom, and what usually fixes it.
 */
import "server-only";
import { connectNats, type Credentials, type NatsConnection } from "../../lib/transport/connect";
import { ServerUnavailableError } from "./errors";

export async function connectAs(url: string, who: string, credentials: Credentials): Promise<NatsConnection> {
  try {
    return await connectNats({
      servers: url,
      name: `switchboard-server ${who}`,
      timeoutMs: 3_000,
      credentials,
    });
  } catch (e) {
    const reason = (e as Error).message;
    const hint = /authori[sz]ation|authentication|expired|revoked/i.test(reason)
      ? " (this nats-server does not trust this installation's credentials: run it with" +
        " identity/nats-auth.conf from SWITCHBOARD_DATA_DIR included, as `npm start` does)"
      : "";
    throw new ServerUnavailableError(`cannot connect to NATS at ${url} as ${who}: ${reason}${hint}`, {
      cause: e,
    });
  }
}
