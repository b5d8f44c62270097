// Doctor's log check (scripts/cli/doctor-jetstream.ts `checkLog`) against real servers: the log
// and members streams of the root exist with the configured limits, and what they hold; missing,
// or with other limits, it says how to fix it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../lib/config";
import { checkLog, JETSTREAM_FIX, LOG_FIX } from "../../scripts/cli/doctor-jetstream";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { link } from "../helpers";

const limits = { maxAgeMs: DEFAULTS.logMaxAgeMs, maxBytes: DEFAULTS.logMaxBytes };
let withLog: NatsServerHandle;
let withoutLog: NatsServerHandle;
let noJetStream: NatsServerHandle;
beforeAll(async () => {
  [withLog, withoutLog, noJetStream] = await Promise.all([
    startNatsServer(),
    startNatsServer({ logRoots: [] }),
    startNatsServer({ jetstream: false }),
  ]);
});
afterAll(async () => {
  for (const s of [withLog, withoutLog, noJetStream]) await s?.stop();
});

const cli = (s: NatsServerHandle) => s.credentials({ role: "cli", name: "cli" });

describe("doctor's log check", () => {
  it("passes with what the log and the members hold", async () => {
    const a = await link(withLog.url, "Doc-Log-A", { handlers: { direct: () => {} } });
    const b = await link(withLog.url, "Doc-Log-B", { mode: "client" });
    b.sendDirect(a.name, "one");
    b.sendDirect(a.name, "two");
    await new Promise((r) => setTimeout(r, 300));
    const r = await checkLog({
      url: withLog.url,
      creds: await cli(withLog),
      root: "agents",
      limits,
      timeoutMs: 3_000,
    });
    expect(r.ok).toBe(true);
    expect(r.fix).toBeUndefined();
    expect(r.detail).toMatch(
      /^SB_agents: [2-9]\d* messages, .* of 1.0 GB, kept 7 d; SB_agents_members: 1 known agent presences$/,
    );
  });

  it("warns when the limits differ from LOG_MAX_AGE_MS / LOG_MAX_BYTES", async () => {
    const other = { maxAgeMs: 3_600_000, maxBytes: 2 ** 28 };
    const r = await checkLog({
      url: withLog.url,
      creds: await cli(withLog),
      root: "agents",
      limits: other,
      timeoutMs: 3_000,
    });
    expect(r.ok).toBe(true);
    expect(r.detail).toContain("(configured: kept 1 h, 256 MB)");
    expect(r.fix).toBe(LOG_FIX.limits);
  });

  it("fails with npm start's fix when the root has no log, and with JetStream's when it is off", async () => {
    const none = await checkLog({
      url: withoutLog.url,
      creds: await cli(withoutLog),
      root: "agents",
      limits,
      timeoutMs: 3_000,
    });
    expect(none).toMatchObject({ ok: false, fix: LOG_FIX.missing });
    expect(none.detail).toMatch(/^no log for agents: SB_agents: stream not found/);
    const off = await checkLog({
      url: noJetStream.url,
      creds: await cli(noJetStream),
      root: "agents",
      limits,
      timeoutMs: 1_000,
    });
    expect(off).toMatchObject({ ok: false, fix: JETSTREAM_FIX.off });
    expect(off.detail).toMatch(/JetStream does not answer/);
  });
});
