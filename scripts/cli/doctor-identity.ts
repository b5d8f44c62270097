/**
 * Doctor's identity checks: is the CLI's credential usable, judged from the file and this
 * machine's trust chain (missing, unreadable, expired or expiring, revoked, another account,
 * another subject root), and does the server take it? Each failure comes with the command that
 * fixes it.
 */
import type { IdentityAuthority } from "../../lib/identity";
import { explainRefusal } from "./connect";
import { fixForMissing, loadCredential, localTrustChain, type Credential } from "./credential";
import { examineCredential, type Finding } from "./credential-findings";
import type { Check } from "./doctor";
import { duration } from "./format";
import { askServer } from "./server-check";

type Result = Omit<Check, "name" | "ms">;

/** What the identity checks found, for the checks after them. */
export interface IdentityState {
  readonly path: string;
  readonly dataDir: string;
  /** Undefined: missing or unreadable (`result` says which). */
  readonly credential: Credential | undefined;
  readonly findings: readonly Finding[];
  /** This machine's trust chain, if there is one: the round trip mints its probe agent from it. */
  readonly trust: IdentityAuthority | undefined;
  readonly result: Result;
}

export async function checkCredential(path: string, dataDir: string, root: string): Promise<IdentityState> {
  const trust = await localTrustChain(dataDir);
  const loaded = loadCredential(path);
  if (!loaded.ok) {
    const result = { ok: false, detail: loaded.detail, fix: fixForMissing(path, dataDir) };
    return { path, dataDir, credential: undefined, findings: [], trust, result };
  }
  const c = loaded.credential;
  const now = Date.now();
  const findings = examineCredential(c, { root, dataDir, trust, now });
  const who = `${c.info.name} (${c.info.role ?? "no role"}) from ${path}`;
  const errors = findings.filter((f) => f.severity === "error");
  const warnings = findings.filter((f) => f.severity === "warning");
  let result: Result;
  if (errors.length > 0) {
    result = {
      ok: false,
      detail: `${who}: ${errors.map((f) => f.detail).join("; ")}`,
      fix: errors.map((f) => f.fix).join("; "),
    };
  } else if (warnings.length > 0) {
    // Passing, with a fix: a warning (printed with "!").
    result = {
      ok: true,
      detail: `${who}: ${warnings.map((f) => f.detail).join("; ")}`,
      fix: warnings.map((f) => f.fix).join("; "),
    };
  } else {
    const left =
      c.info.expiresAt === undefined ? "never expires" : `expires in ${duration(c.info.expiresAt - now)}`;
    result = { ok: true, detail: `${who}, ${left}` };
  }
  return { path, dataDir, credential: c, findings, trust, result };
}

/** Connects over TCP with the credential (without one when it is missing, to tell a down server apart). */
export async function checkServer(
  url: string,
  id: IdentityState,
  timeoutMs: number,
  natsFix: string,
): Promise<Result> {
  const answer = await askServer(url, id.credential, timeoutMs);
  switch (answer.kind) {
    case "accepted":
      return { ok: true, detail: answer.detail };
    case "no server":
      return { ok: false, detail: answer.detail, fix: natsFix };
    case "refused": {
      if (id.credential === undefined)
        return {
          ok: false,
          detail: `${url}: nats-server is up, but refuses a connection without a credential`,
          fix: fixForMissing(id.path, id.dataDir),
        };
      const why = explainRefusal(id.credential, id.findings, id.dataDir);
      return {
        ok: false,
        detail: `${url}: refused ${id.credential.info.name}'s credential: ${why.detail}`,
        fix: why.fix,
      };
    }
  }
}
