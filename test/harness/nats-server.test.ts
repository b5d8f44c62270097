import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServerHandle } from "./nats-server";

async function roundTrip(nc: NatsConnection, subject: string, payload: string): Promise<string> {
  const received = new Promise<string>((resolve, reject) => {
    nc.subscribe(subject, {
      max: 1,
      callback: (err, msg) => (err ? reject(err) : resolve(msg.string())),
    });
  });
  // Flush so the server has registered the subscription before we publish to it.
  await nc.flush();
  nc.publish(subject, payload);
  return received;
}

describe("nats-server test harness", () => {
  let server: NatsServerHandle;
  /** A CLI identity (reads everything, speaks as "tester") from the server's own trust chain. */
  const asTester = async () => ({
    servers: server.url,
    authenticator: credsAuthenticator(
      new TextEncoder().encode(await server.credentials({ role: "cli", name: "tester" })),
    ),
  });
  const S = "agents.all.tester";

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("exposes loopback URLs with explicit schemes", () => {
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    expect(server.wsUrl).toBe(`ws://127.0.0.1:${server.wsPort}`);
    expect(server.monitorUrl).toBe(`http://127.0.0.1:${server.monitorPort}`);
    expect(new Set([server.port, server.wsPort, server.monitorPort]).size).toBe(3);
  });

  it("round-trips a message over pub/sub with a credential it minted", async () => {
    const nc = await connect(await asTester());
    try {
      await expect(roundTrip(nc, S, "hello")).resolves.toBe("hello");
    } finally {
      await nc.close();
    }
  });

  it("restarts on the same port after being killed", async () => {
    const port = server.port;
    await server.kill();
    await expect(connect({ servers: server.url, reconnect: false, timeout: 500 })).rejects.toThrow();

    await server.restart();
    expect(server.port).toBe(port);
    const nc = await connect(await asTester());
    try {
      await expect(roundTrip(nc, S, "again")).resolves.toBe("again");
    } finally {
      await nc.close();
    }
  });

  it("runs with authentication: no credential, no connection", async () => {
    await expect(connect({ servers: server.url, reconnect: false, timeout: 2_000 })).rejects.toThrow(
      /Authorization Violation/,
    );
  });

  it("serves /varz with the protocol's 1 MiB max_payload plus 16 KiB for headers", async () => {
    const res = await fetch(`${server.monitorUrl}/varz`);
    expect(res.ok).toBe(true);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const varz = (await res.json()) as { max_payload: number; port: number };
    expect(varz.max_payload).toBe(1_048_576 + 16_384);
    expect(varz.port).toBe(server.port);
  });
});
