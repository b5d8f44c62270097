// What `npm start`, `npm run nats` and the demo's private server do to the log (scripts/log.ts):
// create it on first run as an in-memory admin, update its limits on later starts, and say
// clearly when JetStream is off. The store is limited as in nats-server.conf (max_file_store 2GB),
// where nats-server 2.9.10 refuses to *add* an existing 1 GiB stream again (ensureLog's first
// step): the log is then kept as it is, with a warning, instead of failing the start.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../lib/config";
import { IdentityAuthority } from "../../lib/identity";
import { NatsSupervisor } from "../../scripts/nats-supervisor";
import { jetstreamManager } from "@nats-io/jetstream";
import { asAdmin, LogSetupError, prepareLog } from "../../scripts/log";
import { startNatsServer } from "../harness/nats-server";

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

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "log-setup-"));
  authority = await IdentityAuthority.open(dir);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

const defaults = { maxAgeMs: DEFAULTS.logMaxAgeMs, maxBytes: DEFAULTS.logMaxBytes };

describe("prepareLog", () => {
  it("creates the log on first run and keeps it on the next starts, as nats-server.conf limits the store", async () => {
    const port = await freePort();
    const path = join(dir, "nats.conf");
    writeFileSync(
      path,
      [
        `listen: ${HOST}:${port}`,
        `jetstream { store_dir: ${JSON.stringify(join(dir, "js"))}, max_file_store: 2GB }`,
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
    const url = `nats://${HOST}:${port}`;

    const first = await prepareLog(url, authority, "agents", defaults);
    expect(first).toMatchObject({ messages: 0, bytes: 0, members: 0 });
    expect(first.layout.stream).toBe("SB_agents");

    // The second start updates the 1 GiB log in place (nats-server 2.9.10 refuses to *add* it
    // again under a 2 GB store: "insufficient storage", nats-io/nats-server#3321).
    const again = await prepareLog(url, authority, "agents", { ...defaults, maxAgeMs: 3_600_000 });
    expect(again.layout.stream).toBe("SB_agents");
    const info = await asAdmin(url, authority, "agents", async (nc, layout) =>
      (await jetstreamManager(nc, { checkAPI: false })).streams.info(layout.stream),
    );
    expect(info.config.max_age).toBe(3_600_000 * 1_000_000);
  }, 30_000);

  it("says that JetStream is off, naming the server", async () => {
    const off = await startNatsServer({ jetstream: false, logRoots: [] });
    cleanups.push(() => off.stop());
    const err = await prepareLog(off.url, off.authority!, "agents", defaults).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogSetupError);
    expect((err as Error).message).toMatch(
      new RegExp(`JetStream does not answer on the NATS server at ${off.url}.*off there`),
    );
  }, 30_000);

  it("keeps the duplicate window within a short age limit", async () => {
    const on = await startNatsServer({ logRoots: [] });
    cleanups.push(() => on.stop());
    const ready = await prepareLog(on.url, on.authority!, "agents", { maxAgeMs: 60_000, maxBytes: 2 ** 26 });
    expect(ready.layout.stream).toBe("SB_agents");
  }, 30_000);
});
