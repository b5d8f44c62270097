// `npm run drill:outage` as a user runs it: a real child process against a nats-server kept alive
// by npm start's supervisor (scripts/nats-supervisor.ts) on free ports, with JetStream and the log
// made by scripts/log.ts. The drill kills the server twice (the pid listening on its port) and restarts its
// receiver once; nothing may be lost or handled twice.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityAuthority } from "../../lib/identity";
import { NatsSupervisor } from "../../scripts/nats-supervisor";
import { prepareLog } from "../../scripts/log";
import type { OutageDrillResult } from "../../scripts/drill/outage";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const HOST = "127.0.0.1";
let dir: string;
let authority: IdentityAuthority;
const cleanups: (() => Promise<unknown>)[] = [];

function freePort(): Promise<number> {
  return new Promise((res, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, HOST, () => {
      const a = s.address();
      s.close(() => res(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/** A supervised server with monitoring and JetStream, as under npm start, on free ports. */
async function supervisedServer(jetstream: boolean) {
  const [port, monitor] = [await freePort(), await freePort()];
  const path = join(dir, `nats-${port}.conf`);
  writeFileSync(
    path,
    [
      `listen: ${HOST}:${port}`,
      `http: ${HOST}:${monitor}`,
      jetstream ? `jetstream { store_dir: ${JSON.stringify(join(dir, `js-${port}`))} }` : "",
      readFileSync(authority.serverConfigPath, "utf8"),
    ].join("\n"),
  );
  const s = await NatsSupervisor.start({
    configPath: path,
    host: HOST,
    port,
    log: () => {},
    onGiveUp: () => {},
  });
  cleanups.push(() => s.stop());
  return { supervisor: s, url: `nats://${HOST}:${port}`, monitorUrl: `http://${HOST}:${monitor}` };
}

function drill(
  url: string,
  monitorUrl: string,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/drill-outage.ts", ...args], {
    cwd: REPO,
    env: {
      ...process.env,
      SWITCHBOARD_DATA_DIR: dir,
      NATS_URL: url,
      NATS_MONITOR_URL: monitorUrl,
      SWITCHBOARD_SUBJECT_ROOT: "agents",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanups.push(async () => void child.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((r) => child.once("close", (code) => r({ code, stdout, stderr })));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "drill-"));
  authority = await IdentityAuthority.open(dir);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe("npm run drill:outage", () => {
  it("loses nothing and handles nothing twice across two SIGKILLs and a receiver restart", async () => {
    const server = await supervisedServer(true);
    await prepareLog(server.url, authority, "agents", { maxAgeMs: 3_600_000, maxBytes: 64 * 2 ** 20 });
    const r = await drill(server.url, server.monitorUrl);
    const lines = r.stdout.trim().split("\n");
    expect(lines.at(-1), `${r.stdout}\n${r.stderr}`).toMatch(/^\{/);
    const result = JSON.parse(lines.at(-1)!) as OutageDrillResult;
    expect(r.stderr).toBe("");
    expect(result).toMatchObject({ sent: 2_000, delivered: 2_000, lost: 0, duplicates: 0 });
    expect(r.code).toBe(0);
    // The server really died twice, and the sender came back after each.
    expect(server.supervisor.restarts).toBe(2);
    expect(result.recovered_ms).toHaveLength(2);
    for (const ms of result.recovered_ms) expect(ms).not.toBeNull();
    expect(r.stdout).toMatch(/\[drill\] 2000 of 2000 delivered, 0 lost, 0 handled twice/);
    expect(r.stdout).toMatch(/killed nats-server \(pid \d+\)/);
  }, 120_000);

  it("fails with exit 1 and says why when the server keeps no log", async () => {
    const server = await supervisedServer(false);
    const r = await drill(server.url, server.monitorUrl, ["--messages", "10", "--kills", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no log for agents .*npm start creates it/);
  }, 60_000);

  it("refuses a bad option with exit 2", async () => {
    const r = await drill("nats://127.0.0.1:1", "http://127.0.0.1:1", ["--rate", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--rate must be a whole number from 1 to 10000");
  });
});
