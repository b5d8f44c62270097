/**
 * Credentials as files: `{dataDir}/creds/{name}.creds` (mode 0600), the NATS creds format (the
 * user JWT and its seed), for processes on this machine: the demo agents, the CLI, agents started
 * with `switchboard creds issue`. Connections read the file again at every reconnect
 * (lib/transport `credsFile`), so a file renewed in place takes effect without a restart.
 */
import { decode } from "@nats-io/jwt";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  assertAgentName,
  permissionsFor,
  ROLES,
  type AgentRuntime,
  type Permissions,
  type Role,
} from "../protocol";
import { privateFile, type IdentityAuthority, type MintRequest } from "./authority";

export function credsDir(dataDir: string): string {
  return join(dataDir, "creds");
}

export function credsPath(dataDir: string, name: string): string {
  return join(credsDir(dataDir), `${assertAgentName(name)}.creds`);
}

/** What a credential says about its holder (read from the JWT; nothing is verified here). */
export interface CredentialInfo {
  readonly name: string;
  readonly publicKey: string;
  readonly role: Role | undefined;
  readonly runtime: AgentRuntime | undefined;
  readonly root: string | undefined;
  /** Milliseconds since the epoch; undefined: never expires. */
  readonly expiresAt: number | undefined;
  readonly issuer: string;
  readonly pub: readonly string[];
  readonly sub: readonly string[];
}

const JWT_BLOCK = /-----BEGIN NATS USER JWT-----\s*([A-Za-z0-9_.=-]+)\s*------END NATS USER JWT------/;

/** Reads a creds file's text or a bare user JWT; throws an Error saying what is wrong. */
export function credentialInfo(text: string): CredentialInfo {
  const jwt = JWT_BLOCK.exec(text)?.[1] ?? text.trim();
  let claims: ReturnType<
    typeof decode<{ tags?: string[]; pub?: { allow?: string[] }; sub?: { allow?: string[] } }>
  >;
  try {
    claims = decode(jwt);
  } catch {
    throw new Error("not a NATS user credential (no user JWT in it)");
  }
  const tag = (key: string) => claims.nats.tags?.find((t) => t.startsWith(`${key}:`))?.slice(key.length + 1);
  const role = tag("role");
  return {
    name: claims.name,
    publicKey: claims.sub,
    role: (ROLES as readonly string[]).includes(role ?? "") ? (role as Role) : undefined,
    runtime: tag("runtime") as AgentRuntime | undefined,
    root: tag("root"),
    expiresAt: claims.exp === undefined || claims.exp === 0 ? undefined : claims.exp * 1000,
    issuer: claims.iss,
    pub: claims.nats.pub?.allow ?? [],
    sub: claims.nats.sub?.allow ?? [],
  };
}

/**
 * Makes sure `{dataDir}/creds/{name}.creds` holds a credential for this claim that lives at least
 * `renewWithinMs` more, minting a new one (for `ttlMs`) when it is missing, expiring, revoked, or
 * made for another role, runtime, root or trust chain. Returns the file's path.
 */
export async function ensureCredsFile(
  authority: IdentityAuthority,
  dataDir: string,
  request: MintRequest,
  renewWithinMs: number,
): Promise<string> {
  const path = credsPath(dataDir, request.name);
  if (existsSync(path)) {
    try {
      const info = credentialInfo(readFileSync(path, "utf8"));
      const fits =
        info.role === request.role &&
        info.runtime === request.runtime &&
        info.root === request.root &&
        info.issuer === authority.accountPublicKey &&
        !authority.isRevoked(info.publicKey) &&
        (info.expiresAt ?? Infinity) > Date.now() + renewWithinMs &&
        // A credential minted before the role's permissions changed (an upgrade: e.g. the log's
        // JetStream subjects) is made again, or its holder would run without them.
        samePermissions(info, permissionsFor(request, request.root));
      if (fits) return path;
    } catch {
      // unreadable: replaced below
    }
  }
  const minted = await authority.mint(request);
  mkdirSync(credsDir(dataDir), { recursive: true, mode: 0o700 });
  privateFile(path, minted.creds!);
  return path;
}

function samePermissions(had: { pub: readonly string[]; sub: readonly string[] }, now: Permissions): boolean {
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
  return same(had.pub, now.pub) && same(had.sub, now.sub);
}
