// Faults survived: the server dies and comes back; an agent process is killed without warning.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { credsPath } from "../../lib/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { RegistryWatcher } from "../../lib/transport";
import { collect, connection, eventually, link, retry, sleep } from "../helpers";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.stop());

describe("a killed and restarted nats-server", () => {
  it("is survived: agents reconnect and their next messages flow", async () => {
    const a = await link(server.url, "Survivor-A", { heartbeatMs: 200 });
    await link(server.url, "Survivor-B", { handlers: { request: (m) => `B got ${m.content}` } });
    expect((await a.request("Survivor-B", "before")).content).toBe("B got before");

    await server.kill("SIGKILL");
    await sleep(300);
    await expect(a.request("Survivor-B", "during", { timeoutMs: 200 })).rejects.toThrow();
    await server.restart();

    const beats = await collect(server.url, "agents.heartbeat.Survivor-A.process");
    const answer = await retry(
      () => a.request("Survivor-B", "after", { timeoutMs: 500 }).catch(() => undefined),
      10_000,
    );
    expect(answer.content).toBe("B got after");
    await eventually(() => beats.length >= 2);
    // A watcher started after the restart still sees both agents.
    const w = await RegistryWatcher.start({
      connection: await connection(server.url),
      observerName: "tester",
    });
    await w.waitFor(
      (s) => s.agents["Survivor-A"]?.status === "online" && s.agents["Survivor-B"]?.status === "online",
      2_000,
    );
    await w.close();
  });
});

describe("an agent process killed with SIGKILL", () => {
  it("is marked offline by the registry within 3 heartbeat intervals plus one second", async () => {
    const heartbeatMs = 300;
    const watcher = await RegistryWatcher.start({
      connection: await connection(server.url),
      observerName: "tester",
    });
    const creds = credsPath(server.dataDir, "Doomed");
    mkdirSync(dirname(creds), { recursive: true });
    const text = await server.credentials({ role: "agent", name: "Doomed", runtime: "process" });
    writeFileSync(creds, text, { mode: 0o600 });
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/fixtures/agent-process.ts", "Doomed", String(heartbeatMs)],
      {
        stdio: ["ignore", "pipe", "inherit"],
        env: {
          ...process.env,
          NATS_URL: server.url,
          SWITCHBOARD_DATA_DIR: server.dataDir,
          SWITCHBOARD_SUBJECT_ROOT: "agents",
        },
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
        child.on("exit", (code) => reject(new Error(`agent process exited early (${code})`)));
      });
      await watcher.waitFor((s) => s.agents.Doomed?.status === "online", 2_000);
      const asker = await link(server.url, "Asker");
      expect((await asker.request("Doomed", "hi")).content).toContain(`pid ${child.pid}`);

      const killedAt = Date.now();
      child.kill("SIGKILL");
      const s = await watcher.waitFor(
        (st) => st.agents.Doomed?.status === "offline",
        3 * heartbeatMs + 1_000 + 500,
      );
      const took = Date.now() - killedAt;
      expect(s.agents.Doomed?.offlineReason).toBe("missed-heartbeats");
      expect(took).toBeLessThanOrEqual(3 * heartbeatMs + 1_000);
    } finally {
      child.kill("SIGKILL");
      await watcher.close();
    }
  });
});
