import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { permissionsFor } from "../protocol";
import { CredentialError, IdentityAuthority } from "./authority";
import { credentialInfo, credsPath, ensureCredsFile } from "./creds-files";

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "identity-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const mode = (p: string) => statSync(p).mode & 0o777;

describe("the trust chain", () => {
  it("is made on first open, kept private, and the same on the next open", async () => {
    const dir = dataDir();
    const a = await IdentityAuthority.open(dir);
    expect(mode(join(dir, "identity"))).toBe(0o700);
    for (const f of ["trust.json", "operator.jwt", "nats-auth.conf"])
      expect(mode(join(dir, "identity", f))).toBe(0o600);
    const b = await IdentityAuthority.open(dir);
    expect(b.accountPublicKey).toBe(a.accountPublicKey);
    const conf = readFileSync(a.serverConfigPath, "utf8");
    expect(conf).toContain(`operator: ${JSON.stringify(join(dir, "identity", "operator.jwt"))}`);
    expect(conf).toContain(a.accountPublicKey);
    expect(conf).not.toMatch(/"S[AOU][A-Z0-9]{50,}"/);
  });

  it("says how to make one when asked for an existing chain that is not there", async () => {
    await expect(IdentityAuthority.openExisting(dataDir())).rejects.toThrow(/npm start/);
  });
});

describe("minting", () => {
  it("writes the role's permissions, the root and the expiry into the user JWT", async () => {
    const a = await IdentityAuthority.open(dataDir());
    const before = Date.now();
    const m = await a.mint({
      role: "agent",
      name: "Bob",
      runtime: "server",
      root: "team1.agents",
      ttlMs: 60_000,
    });
    const info = credentialInfo(m.creds!);
    const perms = permissionsFor({ role: "agent", name: "Bob", runtime: "server" }, "team1.agents");
    expect(info).toMatchObject({ name: "Bob", role: "agent", runtime: "server", root: "team1.agents" });
    expect(info.pub).toEqual(perms.pub);
    expect(info.sub).toEqual(perms.sub);
    expect(info.issuer).toBe(a.accountPublicKey);
    expect(info.expiresAt! - before).toBeGreaterThanOrEqual(59_000);
    expect(info.expiresAt! - before).toBeLessThanOrEqual(62_000);
    expect(m.creds).toContain("NKEY SEED");
  });

  it("mints for a public key it is given without ever seeing the seed", async () => {
    const a = await IdentityAuthority.open(dataDir());
    const first = await a.mint({
      role: "agent",
      name: "Tab",
      runtime: "browser",
      root: "agents",
      ttlMs: 60_000,
    });
    const key = first.publicKey;
    const m = await a.mint({
      role: "person",
      name: "you-abc123",
      root: "agents",
      ttlMs: 60_000,
      publicKey: key,
    });
    expect(m.creds).toBeUndefined();
    expect(m.publicKey).toBe(key);
    expect(credentialInfo(m.jwt).publicKey).toBe(key);
  });

  it.each([
    [{ publicKey: "not-a-key" }, /not an NKey/],
    [{ publicKey: "AAJ2DRV3SY6CWBHVFQOBFBL2VQLONFB3I57C2GEJOIVAJXGEU5RS7NJ4" }, /./],
    [{ ttlMs: 0 }, /1 s to 365 days/],
    [{ ttlMs: 400 * 24 * 3_600_000 }, /1 s to 365 days/],
    [{ name: "a.>" }, /contains/],
  ])("refuses %j", async (patch, why) => {
    const a = await IdentityAuthority.open(dataDir());
    await expect(
      a.mint({ role: "person", name: "you-abc123", root: "agents", ttlMs: 60_000, ...patch }),
    ).rejects.toThrow(why);
  });

  it("refuses a public key of another kind (an account key) with a clear error", async () => {
    const a = await IdentityAuthority.open(dataDir());
    await expect(
      a.mint({ role: "cli", name: "cli", root: "agents", ttlMs: 60_000, publicKey: a.accountPublicKey }),
    ).rejects.toThrow(CredentialError);
  });
});

describe("revocation", () => {
  it("revokes every key ever issued to a name, and only that name's", async () => {
    const dir = dataDir();
    const a = await IdentityAuthority.open(dir);
    const k1 = (
      await a.mint({ role: "agent", name: "Gone", runtime: "process", root: "agents", ttlMs: 60_000 })
    ).publicKey;
    const k2 = (
      await a.mint({ role: "agent", name: "Gone", runtime: "process", root: "agents", ttlMs: 60_000 })
    ).publicKey;
    const kept = (
      await a.mint({ role: "agent", name: "Stays", runtime: "process", root: "agents", ttlMs: 60_000 })
    ).publicKey;
    const jwtBefore = a.accountJwt;
    expect((await a.revoke("Gone")).sort()).toEqual([k1, k2].sort());
    expect(a.isRevoked(k1) && a.isRevoked(k2)).toBe(true);
    expect(a.isRevoked(kept)).toBe(false);
    expect(a.accountJwt).not.toBe(jwtBefore);
    expect(await a.revoke("Gone")).toEqual([]); // nothing new
    // A later open (another process) sees the revocation, and the server's files carry it.
    const again = await IdentityAuthority.open(dir);
    expect(again.isRevoked(k1)).toBe(true);
    expect(readFileSync(again.serverConfigPath, "utf8")).toContain(JSON.stringify(again.accountJwt));
  });

  it("is seen by an authority opened before it (another process), and a revoked key gets nothing new", async () => {
    const dir = dataDir();
    const dashboard = await IdentityAuthority.open(dir);
    const cli = await IdentityAuthority.open(dir);
    const key = (
      await dashboard.mint({ role: "agent", name: "Tab", runtime: "browser", root: "agents", ttlMs: 60_000 })
    ).publicKey;
    await cli.revoke("Tab");
    expect(dashboard.isRevoked(key)).toBe(true);
    await expect(
      dashboard.mint({
        role: "agent",
        name: "Tab",
        runtime: "browser",
        root: "agents",
        ttlMs: 60_000,
        publicKey: key,
      }),
    ).rejects.toThrow(/revoked/);
  });

  it("compacts the issued log to the credentials still alive", async () => {
    const a = await IdentityAuthority.open(dataDir());
    await a.mint({ role: "cli", name: "old", root: "agents", ttlMs: 1_000 });
    await a.mint({ role: "cli", name: "kept", root: "agents", ttlMs: 60_000 });
    expect(a.compactIssued(Date.now() + 5_000)).toBe(1);
    expect(a.issuedTo("old")).toEqual([]);
    expect(a.issuedTo("kept")).toHaveLength(1);
    expect(a.compactIssued(Date.now() + 5_000)).toBe(0);
  });

  it("skips a torn line in the issued log instead of failing", async () => {
    const dir = dataDir();
    const a = await IdentityAuthority.open(dir);
    await a.mint({ role: "cli", name: "cli", root: "agents", ttlMs: 60_000 });
    writeFileSync(join(dir, "identity", "issued.jsonl"), '{"name":"cli"', { flag: "a" });
    expect(a.issuedTo("cli")).toHaveLength(1);
  });
});

describe("creds files", () => {
  it("are made 0600, kept while fresh, and replaced when expiring, revoked or for another root", async () => {
    const dir = dataDir();
    const a = await IdentityAuthority.open(dir);
    const req = {
      role: "agent" as const,
      name: "Weather-Bot",
      runtime: "process" as const,
      root: "agents",
      ttlMs: 3_600_000,
    };
    const path = await ensureCredsFile(a, dir, req, 60_000);
    expect(path).toBe(credsPath(dir, "Weather-Bot"));
    expect(mode(path)).toBe(0o600);
    const first = readFileSync(path, "utf8");
    await ensureCredsFile(a, dir, req, 60_000);
    expect(readFileSync(path, "utf8")).toBe(first); // fresh: kept
    await ensureCredsFile(a, dir, req, 2 * 3_600_000);
    const renewed = readFileSync(path, "utf8");
    expect(renewed).not.toBe(first); // expires within the window: renewed
    await ensureCredsFile(a, dir, { ...req, root: "team1.agents" }, 60_000);
    expect(credentialInfo(readFileSync(path, "utf8")).root).toBe("team1.agents");
    await a.revoke("Weather-Bot");
    await ensureCredsFile(a, dir, { ...req, root: "team1.agents" }, 60_000);
    expect(a.isRevoked(credentialInfo(readFileSync(path, "utf8")).publicKey)).toBe(false);
  });

  it("are read with a clear error when they hold no credential", () => {
    expect(() => credentialInfo("hello")).toThrow(/not a NATS user credential/);
  });
});
