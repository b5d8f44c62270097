/**
 * Does the server at a URL take a credential? One connection attempt, no reconnecting, closed
 * again at once: for `whoami` and doctor, which report the answer rather than use the connection.
 */
import { MAX_MESSAGE_BYTES } from "../../lib/protocol";
import { connectNats, credsText } from "../../lib/transport/connect";
import { connectProblem, isAuthRefusal } from "./connect";
import type { Credential } from "./credential";

export type ServerAnswer =
  | { readonly kind: "accepted"; readonly detail: string }
  /** The server answered and turned the credential (or its absence) away; see explainRefusal. */
  | { readonly kind: "refused" }
  | { readonly kind: "no server"; readonly detail: string };

export async function askServer(
  url: string,
  credential: Credential | undefined,
  timeoutMs: number,
): Promise<ServerAnswer> {
  let nc;
  try {
    nc = await connectNats({
      servers: url,
      name: "switchboard-check",
      timeoutMs,
      ...(credential === undefined ? {} : { credentials: credsText(credential.text) }),
      extra: { maxReconnectAttempts: 0 },
    });
  } catch (e) {
    if (isAuthRefusal(e)) return { kind: "refused" };
    return { kind: "no server", detail: `${url}: ${connectProblem(e, timeoutMs)}` };
  }
  try {
    const rtt = await nc.rtt();
    const info = nc.info;
    const payload =
      info !== undefined && info.max_payload < MAX_MESSAGE_BYTES
        ? `; max_payload ${info.max_payload} is below the protocol's ${MAX_MESSAGE_BYTES} bytes, large messages will fail`
        : "";
    return {
      kind: "accepted",
      detail: `${url}: nats-server ${info?.version ?? "(unknown version)"}, rtt ${rtt < 1 ? "<1" : rtt} ms${payload}`,
    };
  } finally {
    await nc.close().catch(() => {});
  }
}
