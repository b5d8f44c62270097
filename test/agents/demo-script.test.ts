// `npm run demo:script` as a real process: passes against a live stack, fails loudly when a step
// cannot happen.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OfflineModel } from "../../agents/offline-model";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { offlineModel } from "./fixtures";

let server: NatsServerHandle;
let model: OfflineModel;
beforeAll(async () => {
  server = await startNatsServer();
  model = await offlineModel();
});
afterAll(async () => {
  await model.close();
  await server.stop();
});

function demo(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      // The harness server's trust chain: the script makes its credentials there.
      env: { ...process.env, SWITCHBOARD_DATA_DIR: server.dataDir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("npm run demo:script", () => {
  it("replays presence, broadcast, direct, request, handoff and a chain, and passes", async () => {
    model.setMode("ok");
    const { code, out } = await demo({ NATS_URL: server.url, LLM_BASE_URL: model.url });
    expect(out).toContain("demo: 6 passed, 0 failed");
    for (const step of [
      "Presence",
      "Broadcast",
      "Direct message",
      "Request/response",
      "Handoff",
      "Chained",
    ]) {
      expect(out).toMatch(new RegExp(`✓ ${step}`));
    }
    expect(out).toContain("Task-Coordinator -> Weather-Bot -> back");
    expect(code).toBe(0);
  });

  it("fails loudly, naming the step, when a step does not happen", async () => {
    model.setMode("error500");
    const { code, out } = await demo({
      NATS_URL: server.url,
      LLM_BASE_URL: model.url,
      DEMO_STEP_TIMEOUT_MS: "1500",
    });
    model.setMode("ok");
    expect(code).toBe(1);
    expect(out).toMatch(/✗ step 2 "Broadcast[^"]*" failed: did not happen within 1500 ms/);
    expect(out).toContain("demo: 1 passed, 1 failed");
  });
});
