// Who the dashboard server is on NATS: the creds file `npm start` leaves, else one minted here.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialInfo, IdentityAuthority } from "../../lib/identity";
import { dashboardCredentials } from "./dashboard-credentials";

let dataDir: string;
let authority: IdentityAuthority;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "switchboard-dashboard-creds-"));
  authority = await IdentityAuthority.open(dataDir);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const credsOf = (c: Awaited<ReturnType<typeof dashboardCredentials>>) =>
  "creds" in c.credentials ? c.credentials.creds() : "";

describe("dashboardCredentials", () => {
  const options = (opened: () => Promise<IdentityAuthority>) => ({
    dataDir,
    root: "agents",
    ttlMs: 60_000,
    authority: opened,
    onError: (e: Error) => expect.fail(e.message),
  });

  it("mints a dashboard credential in memory when npm start left no creds file", async () => {
    const c = await dashboardCredentials(options(async () => authority));
    try {
      expect(credentialInfo(credsOf(c))).toMatchObject({
        name: "dashboard",
        role: "dashboard",
        root: "agents",
      });
    } finally {
      c.close();
    }
  });

  it("uses {dataDir}/creds/dashboard.creds when present, read again at every connect, without minting", async () => {
    const path = join(dataDir, "creds", "dashboard.creds");
    mkdirSync(join(dataDir, "creds"), { recursive: true });
    writeFileSync(path, "first");
    const c = await dashboardCredentials(options(() => Promise.reject(new Error("must not mint"))));
    expect(credsOf(c)).toBe("first");
    writeFileSync(path, "renewed by npm start");
    expect(credsOf(c)).toBe("renewed by npm start");
  });
});
