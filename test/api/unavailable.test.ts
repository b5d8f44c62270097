// When what the server needs is missing (no trust chain, NATS down, NATS trusting another chain),
// the routes answer 503 with what is wrong and what fixes it, and work once it is fixed.
import { createUser } from "@nats-io/nkeys";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSession } from "../../agents/server/session";
import { IdentityAuthority } from "../../lib/identity";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
// Types only: the modules are imported after the environment points them at the test servers.
import type * as AgentsRoute from "../../app/api/agents/route";
import type * as IdentityRoute from "../../app/api/identity/route";

const HOST = "127.0.0.1:3000";
let server: NatsServerHandle;
let dataDir: string;
let agents: typeof AgentsRoute;
let identity: typeof IdentityRoute;
let cookie: string;

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  dataDir = mkdtempSync(join(tmpdir(), "switchboard-no-chain-"));
  Object.assign(process.env, { SWITCHBOARD_DATA_DIR: dataDir, NATS_URL: "nats://127.0.0.1:1" });
  agents = await import("../../app/api/agents/route");
  identity = await import("../../app/api/identity/route");
  cookie = `switchboard_session=${openSession()}`;
});
afterAll(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const list = () => agents.GET(new Request(`http://${HOST}/api/agents`, { headers: { host: HOST, cookie } }));
const askPerson = () =>
  identity.POST(
    new Request(`http://${HOST}/api/identity`, {
      method: "POST",
      headers: { host: HOST, cookie, "content-type": "application/json" },
      body: JSON.stringify({ role: "person", name: "you-abc123", publicKey: createUser().getPublicKey() }),
    }),
  );
const errorOf = async (r: Response) => ((await r.json()) as { error: string }).error;

describe("the routes when the installation is incomplete", () => {
  it("say there is no trust chain, and how to make one (503)", async () => {
    for (const r of [await askPerson(), await list()]) {
      expect(r.status).toBe(503);
      expect(await errorOf(r)).toMatch(
        /cannot mint credentials: no trust chain under .*run `npm start` once/,
      );
    }
  });

  it("say NATS does not answer, and where they looked (503)", async () => {
    await IdentityAuthority.open(dataDir); // a chain now, but nothing listens on port 1
    expect((await askPerson()).status).toBe(200); // minting needs no NATS
    const r = await list();
    expect(r.status).toBe(503);
    expect(await errorOf(r)).toContain("cannot connect to NATS at nats://127.0.0.1:1 as dashboard");
  });

  it("say NATS refuses the installation's credentials, and what to include in its config (503)", async () => {
    process.env.NATS_URL = server.url; // a server that trusts its own chain, not the one in dataDir
    const r = await list();
    expect(r.status).toBe(503);
    expect(await errorOf(r)).toMatch(
      /as dashboard: .*authorization.*does not trust .*nats-auth\.conf .*included/i,
    );
  });
});
