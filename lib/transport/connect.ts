/**
 * Connecting from Node over TCP (`@nats-io/transport-node`). The browser counterpart is
 * connect-browser.ts; both hand back the same `NatsConnection` type the rest of the layer uses.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { readFileSync } from "node:fs";
import { DEFAULTS } from "../config";
import { connectionDefaults, type ConnectOptions, type Credentials } from "./connection-options";

export type { NatsConnection, Credentials };

export async function connectNats(options: ConnectOptions = {}): Promise<NatsConnection> {
  return connect(connectionDefaults(options, DEFAULTS.natsUrl));
}

/** A creds file, read again at every (re)connect so a renewed file takes effect. */
export function credsFile(path: string): Credentials {
  return { creds: () => readFileSync(path, "utf8") };
}

/** Creds text held in memory; `current` is asked at every (re)connect. */
export function credsText(current: string | (() => string)): Credentials {
  return { creds: typeof current === "string" ? () => current : current };
}

/**
 * Sends an account's new JWT (e.g. with revocations) to a running server as a system-account
 * user; the server applies it at once (revoked users are disconnected). Resolves with the
 * server's answer, or rejects when there is no server or it refuses the update.
 */
export async function pushAccount(
  servers: string | string[],
  systemCreds: string,
  accountPublicKey: string,
  accountJwt: string,
): Promise<void> {
  const nc = await connectNats({
    servers,
    name: "switchboard-account-update",
    timeoutMs: 3_000,
    credentials: credsText(systemCreds),
    extra: { maxReconnectAttempts: 0 },
  });
  try {
    const reply = await nc.request(
      `$SYS.REQ.ACCOUNT.${accountPublicKey}.CLAIMS.UPDATE`,
      new TextEncoder().encode(accountJwt),
      { timeout: 3_000 },
    );
    const answer = reply.json<{ error?: { description?: string } }>();
    if (answer.error !== undefined)
      throw new Error(
        `the server refused the account update: ${answer.error.description ?? "no reason given"}`,
      );
  } finally {
    await nc.close();
  }
}
