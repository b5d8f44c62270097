// `npm start`'s nats-server supervisor: a server killed with SIGKILL is started again on the same
// config, and agents connected to it carry on by themselves; one that keeps dying is given up on.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityAuthority } from "../../lib/identity";
import { AgentLink, silentLogger } from "../../lib/transport";
import { connectNats, credsText } from "../../lib/transport/connect";
import { NatsSupervisor } from "../../scripts/nats-supervisor";
import { eventually, retry } from "../helpers";

const HOST = "127.0.0.1";
let dir: string;
let authority: IdentityAuthority;
const cleanups: (() => Promise<unknown>)[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, HOST, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

async function config(): Promise<{ path: string; port: number }> {
  const port = await freePort();
  const path = join(dir, `nats-${port}.conf`);
  writeFileSync(path, `listen: ${HOST}:${port}\n${readFileSync(authority.serverConfigPath, "utf8")}`);
  return { path, port };
}

async function agent(port: number, name: string, serve: boolean): Promise<AgentLink> {
  const { creds } = await authority.mint({
    role: "agent",
    name,
    runtime: "process",
    root: "agents",
    ttlMs: 600_000,
  });
  const link = await AgentLink.start({
    connection: await connectNats({
      servers: `nats://${HOST}:${port}`,
      credentials: credsText(creds!),
      reconnectWaitMs: 100,
    }),
    agent: { name },
    ownsConnection: true,
    logger: silentLogger,
    ...(serve ? { handlers: { request: (m) => `echo ${m.content}` } } : {}),
  });
  cleanups.push(() => link.close());
  return link;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "supervisor-"));
  authority = await IdentityAuthority.open(dir);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe("the nats-server supervisor", () => {
  it("starts a killed server again, and the agents on it carry on", async () => {
    const { path, port } = await config();
    const lines: string[] = [];
    let gaveUp = "";
    const s = await NatsSupervisor.start({
      configPath: path,
      host: HOST,
      port,
      log: (l) => void lines.push(l),
      onGiveUp: (why) => void (gaveUp = why),
    });
    cleanups.push(() => s.stop());
    await agent(port, "Echo", true);
    const asker = await agent(port, "Asker", false);
    expect((await asker.request("Echo", "before")).content).toBe("echo before");

    process.kill(s.pid!, "SIGKILL");
    await eventually(() => s.restarts === 1, 10_000);
    const after = await retry(
      () => asker.request("Echo", "after", { timeoutMs: 500 }).catch(() => undefined),
      10_000,
    );
    expect(after.content).toBe("echo after");
    expect(lines.some((l) => l.includes("SIGKILL") && l.includes("starting it again"))).toBe(true);
    expect(gaveUp).toBe("");
  }, 30_000);

  it("gives up on a server that keeps dying, and says so once", async () => {
    const { path, port } = await config();
    const gaveUp: string[] = [];
    const s = await NatsSupervisor.start({
      configPath: path,
      host: HOST,
      port,
      log: () => {},
      onGiveUp: (why) => void gaveUp.push(why),
      maxRestarts: 1,
      windowMs: 60_000,
    });
    cleanups.push(() => s.stop());
    process.kill(s.pid!, "SIGKILL");
    await eventually(() => s.restarts === 1, 10_000);
    process.kill(s.pid!, "SIGKILL");
    await eventually(() => gaveUp.length === 1, 10_000);
    expect(gaveUp[0]).toMatch(/2 times within 60 s; not restarting it/);
    expect(s.pid).toBeUndefined();
    // Nothing listens any more: the supervisor stays down.
    await expect(
      connectNats({ servers: `nats://${HOST}:${port}`, timeoutMs: 500, extra: { maxReconnectAttempts: 0 } }),
    ).rejects.toThrow();
  }, 30_000);
});
