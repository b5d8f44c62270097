// The server's own connections (server agents, its registry watcher) outlive their credentials:
// the NATS server closes a connection whose JWT expired, and the client reconnects with the
// renewal minted at half the lifetime. Credentials of 4 s here, so expiry happens during the test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RenewingCredential } from "../../agents/server/renewing-credential";
import type { MintRequest } from "../../lib/identity";
import { connectNats, credsText, type NatsConnection } from "../../lib/transport/connect";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { connection, sleep } from "../helpers";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
});
afterAll(() => server.stop());

// JWT expiry has one-second granularity, so a 4 s credential lives 3-4 s: enough margin for a
// renewal at half its life on a loaded machine (2 s ones lived 1-2 s and failed under load).
const TTL_MS = 4_000;
const claim: MintRequest = {
  role: "agent",
  name: "Short-Lived",
  runtime: "server",
  root: "agents",
  ttlMs: TTL_MS,
};

/** An agent that sends back every direct message Short-Lived sends it (the subjects both may use). */
async function echo(): Promise<void> {
  const nc = await connection(server.url, { role: "agent", name: "Echo", runtime: "process" });
  nc.subscribe("agents.direct.Echo.Short-Lived", {
    callback: (_e, m) => nc.publish("agents.direct.Short-Lived.Echo", m.data),
  });
  await nc.flush();
}

/** A round trip through Echo, as Short-Lived: it publishes and receives as itself. */
async function roundTrip(nc: NatsConnection, text: string): Promise<string> {
  const sub = nc.subscribe("agents.direct.Short-Lived.Echo", { max: 1, timeout: 2_000 });
  await nc.flush();
  nc.publish("agents.direct.Echo.Short-Lived", text);
  for await (const m of sub) return m.string();
  throw new Error("no echo");
}

const connect = (credentials: RenewingCredential["credentials"]): Promise<NatsConnection> =>
  connectNats({ servers: server.url, reconnectWaitMs: 50, credentials });

describe("RenewingCredential", () => {
  it("keeps a connection working past its first credential's expiry", async () => {
    await echo();
    let mints = 0;
    const credential = await RenewingCredential.start(
      () => {
        mints++;
        return server.authority!.mint(claim);
      },
      (e) => expect.fail(e.message),
    );
    const nc = await connect(credential.credentials);
    let reconnects = 0;
    void (async () => {
      for await (const s of nc.status()) if (s.type === "reconnect") reconnects++;
    })();
    try {
      await sleep(TTL_MS * 2);
      expect(nc.isClosed()).toBe(false);
      expect(reconnects).toBeGreaterThan(0); // the server did drop the expired one
      expect(mints).toBeGreaterThanOrEqual(3);
      expect(await roundTrip(nc, "ping")).toBe("ping");
    } finally {
      credential.close();
      await nc.close();
    }
  });

  it("is needed: the same connection without renewal is closed once the credential expires", async () => {
    const once = (await server.authority!.mint(claim)).creds!;
    const nc = await connect(credsText(once));
    const closed = await Promise.race([nc.closed().then(() => true), sleep(TTL_MS * 3).then(() => false)]);
    expect(closed).toBe(true);
  });

  it("reports a failed renewal and tries again before the credential runs out", async () => {
    const errors: string[] = [];
    let calls = 0;
    const credential = await RenewingCredential.start(
      async () => {
        if (++calls === 2) throw new Error("disk full");
        return server.authority!.mint(claim);
      },
      (e) => errors.push(e.message),
    );
    const first = credential.expiresAt;
    try {
      await sleep(TTL_MS * 1.5);
      expect(errors).toEqual(["renewing a credential failed: disk full"]);
      expect(calls).toBeGreaterThanOrEqual(3); // retried at half the time that was left
      expect(credential.expiresAt).toBeGreaterThan(first);
    } finally {
      credential.close();
    }
  });
});
