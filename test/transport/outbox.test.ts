// The outbox while the server cannot store anything (a cluster electing a leader answers "no
// responders" at once), on a real nats-server: it backs off between rounds however fast new
// messages come, sends each task live exactly once, and stores everything, once, when the log is
// there again. A sender of 200 messages a second once resent 75,000 times through a 5 s election,
// because each new message started the whole queue over (found on a three-node cluster).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { Outbox } from "../../lib/transport/log/outbox";
import { ensureLog } from "../../lib/transport/log/streams";
import { silentLogger } from "../../lib/transport";
import { connectNats, credsText } from "../../lib/transport/connect";
import { DEFAULTS } from "../../lib/config";
import { logLayout } from "../../lib/protocol";
import { eventually, sleep } from "../helpers";

// A root of its own, with no log yet: every publish on it fails at once.
const ROOT = "obx";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.stop());

describe("the outbox while nothing can be stored", () => {
  it("backs off between rounds, sends each task live once, and stores each once when the log is back", async () => {
    const creds = await server.credentials({ role: "agent", name: "Ob", runtime: "process", root: ROOT });
    const nc = await connectNats({ servers: server.url, credentials: credsText(creds) });
    const outbox = new Outbox(nc, 8 * 1024 * 1024, silentLogger);
    const live = new Map<string, number>();
    nc.subscribe(`${ROOT}.live.Ob.*`, {
      callback: (_e, m) => {
        const id = m.string();
        live.set(id, (live.get(id) ?? 0) + 1);
      },
    });
    await nc.flush();
    const N = 200;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      // The body stands for an envelope; only the id matters to the outbox.
      outbox.send(
        `${ROOT}.direct.Ob.Ob`,
        new TextEncoder().encode(`m${i}`),
        `m${i}`,
        undefined,
        `${ROOT}.live.Ob.Ob`,
      );
      await sleep(10); // ~100 a second for ~2 s
    }
    const seconds = (performance.now() - t0) / 1_000;
    const during = outbox.stats;
    await eventually(() => live.size === N, 2_000);

    // Then the log is created, as by a leader elected at last.
    const admin = await server.authority!.mint({ role: "admin", name: "admin", root: ROOT, ttlMs: 60_000 });
    const anc = await connectNats({ servers: server.url, credentials: credsText(admin.creds!) });
    await ensureLog(anc, logLayout(ROOT), { maxAgeMs: DEFAULTS.logMaxAgeMs, maxBytes: DEFAULTS.logMaxBytes });
    const t1 = performance.now();
    await eventually(() => outbox.stats.waiting === 0, 10_000);
    const storedMs = performance.now() - t1;
    const info = await (
      await jetstreamManager(anc, { checkAPI: false })
    ).streams.info(logLayout(ROOT).stream);
    console.log(
      `outbox: ${N} messages over ${seconds.toFixed(1)} s with nothing stored: ${during.resent} resent (each new message restarting the queue resent ~${((N * N) / 2).toLocaleString()}), ${during.live} sent live; all stored ${storedMs.toFixed(0)} ms after the log came`,
    );
    expect(during.waiting).toBe(N);
    // Rounds after 0.1, 0.3, 0.7, 1.5 s... each resends what waits: a few hundred, not N²/2.
    expect(during.resent).toBeLessThan(2 * N);
    expect(during.live).toBe(N);
    expect([...live.values()].every((n) => n === 1)).toBe(true);
    expect(info.state.messages).toBe(N);
    expect(outbox.stats.stored).toBe(N);
    outbox.close();
    await anc.close();
    await nc.close();
  }, 30_000);
});
