/**
 * What is wrong with a credential, found without asking the server: expired or about to,
 * revoked, issued by another trust chain, or written for another subject root. The server
 * answers every one of these with the same "Authorization Violation" (or, for a root mismatch,
 * with permission errors on every publish), so the CLI looks first and says which it is, with
 * the command that fixes it. Used by `whoami`, doctor and every connecting command.
 */
import { credsPath, type IdentityAuthority } from "../../lib/identity";
import { CLI_NAME, DASHBOARD_NAME, DEMO_AGENT_NAMES } from "../identity";
import { issueCommand, type Credential } from "./credential";
import { duration } from "./format";

/** Less than this left is worth a warning: a long `tail` or an agent would lose its connection. */
export const EXPIRING_WITHIN_MS = 24 * 3_600_000;

export type FindingKind = "expired" | "expiring" | "revoked" | "wrong-account" | "wrong-root" | "not-ours";

export interface Finding {
  readonly kind: FindingKind;
  /** A warning leaves the credential usable. */
  readonly severity: "error" | "warning";
  readonly detail: string;
  readonly fix: string;
}

export interface FindingContext {
  /** SWITCHBOARD_SUBJECT_ROOT: the root the credential's permissions must be written for. */
  readonly root: string;
  readonly dataDir: string;
  /** This machine's trust chain, if any (revocations, the account that issues). */
  readonly trust: IdentityAuthority | undefined;
  readonly now: number;
}

/** The account key's first characters: enough to tell two apart in a line. */
export function shortKey(key: string): string {
  return `${key.slice(0, 10)}…`;
}

/** The command that makes a fresh credential like this one, in the same place. */
export function reissueCommand(c: Credential, dataDir: string): string {
  const { name, role, runtime } = c.info;
  let usualPath: string | undefined;
  try {
    usualPath = credsPath(dataDir, name);
  } catch {
    usualPath = undefined; // a name no Switchboard credential can have: `creds issue` will say so
  }
  return issueCommand(name, role ?? "cli", runtime, c.path === usualPath ? undefined : c.path);
}

/** Whether `npm start` made this file, and so renews it when it starts. */
function madeByStart(c: Credential, dataDir: string): boolean {
  const names: readonly string[] = [...DEMO_AGENT_NAMES, CLI_NAME, DASHBOARD_NAME];
  return names.includes(c.info.name) && c.path === credsPath(dataDir, c.info.name);
}

export function examineCredential(c: Credential, ctx: FindingContext): Finding[] {
  const info = c.info;
  const reissue = `\`${reissueCommand(c, ctx.dataDir)}\``;
  const found: Finding[] = [];
  if (info.role === undefined) {
    found.push({
      kind: "not-ours",
      severity: "warning",
      detail: `${c.path} was not issued by Switchboard (it names no role)`,
      fix: reissue,
    });
  }
  if (info.expiresAt !== undefined && info.expiresAt <= ctx.now) {
    found.push({
      kind: "expired",
      severity: "error",
      detail: `expired ${duration(ctx.now - info.expiresAt)} ago`,
      fix: madeByStart(c, ctx.dataDir)
        ? `${reissue}, or restart \`npm start\` (it renews this file)`
        : reissue,
    });
  } else if (info.expiresAt !== undefined && info.expiresAt - ctx.now < EXPIRING_WITHIN_MS) {
    found.push({
      kind: "expiring",
      severity: "warning",
      detail: `expires in ${duration(info.expiresAt - ctx.now)}`,
      fix: `renew it: ${reissue}`,
    });
  }
  const trust = ctx.trust;
  if (trust !== undefined && info.issuer !== trust.accountPublicKey) {
    found.push({
      kind: "wrong-account",
      severity: "error",
      detail: `issued by account ${shortKey(info.issuer)}, but the trust chain in ${trust.dir} is account ${shortKey(trust.accountPublicKey)}`,
      fix: `${reissue} from this trust chain, or set SWITCHBOARD_DATA_DIR to the one the server uses`,
    });
  } else if (trust?.isRevoked(info.publicKey) === true) {
    found.push({
      kind: "revoked",
      severity: "error",
      detail: `revoked in this machine's trust chain (${trust.dir})`,
      fix: `issue a new one: ${reissue}`,
    });
  }
  if (info.root !== undefined && info.root !== ctx.root) {
    found.push({
      kind: "wrong-root",
      severity: "error",
      detail: `written for subject root ${info.root}, but SWITCHBOARD_SUBJECT_ROOT is ${ctx.root}`,
      fix: `${reissue} (mints for ${ctx.root}), or set SWITCHBOARD_SUBJECT_ROOT=${info.root}`,
    });
  }
  return found;
}
