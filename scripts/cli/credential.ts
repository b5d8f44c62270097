/**
 * The CLI's own credential: which creds file it uses and what that file says. The server lets a
 * connection publish only as the name its credential was issued to (lib/protocol/permissions.ts),
 * so the CLI's name on the mesh is read from the credential, never made up.
 *
 * Which file, first match wins: `--as NAME` ({dataDir}/creds/NAME.creds, where `creds issue`
 * writes), NATS_CREDS, then {dataDir}/creds/cli.creds (made by `npm start`).
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Config } from "../../lib/config";
import {
  credentialInfo,
  CredentialError,
  credsDir,
  credsPath,
  IdentityAuthority,
  type CredentialInfo,
} from "../../lib/identity";
import { CLI_NAME } from "../identity";
import { CliError } from "./common";

export function cliCredsPath(config: Config, as: string | undefined): string {
  if (as !== undefined) return credsPath(config.dataDir, as);
  return config.natsCreds ?? credsPath(config.dataDir, CLI_NAME);
}

export interface Credential {
  readonly path: string;
  /** The file's text (user JWT and seed), as the connection sends it. */
  readonly text: string;
  readonly info: CredentialInfo;
}

/** A credential, or why there is none to use. */
export type LoadedCredential =
  { readonly ok: true; readonly credential: Credential } | { readonly ok: false; readonly detail: string };

export function loadCredential(path: string): LoadedCredential {
  if (!existsSync(path)) return { ok: false, detail: `no credential at ${path}` };
  try {
    const text = readFileSync(path, "utf8");
    return { ok: true, credential: { path, text, info: credentialInfo(text) } };
  } catch (e) {
    const why = (e as { code?: string }).code === "EACCES" ? "permission denied" : (e as Error).message;
    return { ok: false, detail: `cannot read the credential at ${path}: ${why}` };
  }
}

/** What makes a credential where the CLI looks for one. */
export function issueCommand(name: string, role = "cli", runtime?: string, out?: string): string {
  const flags = [`--role ${role}`, runtime === undefined ? "" : `--runtime ${runtime}`];
  return ["switchboard creds issue", name, ...flags, out === undefined ? "" : `--out ${out}`]
    .filter((part) => part !== "")
    .join(" ");
}

/** The fix for a missing or unreadable file: how to make one where the CLI looks. */
export function fixForMissing(path: string, dataDir: string): string {
  const usual = credsPath(dataDir, CLI_NAME);
  if (path === usual) return `run \`npm start\` once (it makes ${path}), or \`${issueCommand(CLI_NAME)}\``;
  // --as NAME: the file `creds issue NAME` writes.
  const name = dirname(path) === credsDir(dataDir) ? basename(path, ".creds") : undefined;
  if (name !== undefined) return `\`${issueCommand(name)}\` (--role agent for an agent's)`;
  return `\`${issueCommand(CLI_NAME, "cli", undefined, path)}\`, or unset NATS_CREDS to use ${usual}`;
}

/** The credential of a connecting command; a missing or unreadable one is a one-line CliError. */
export function requireCredential(path: string, dataDir: string): Credential {
  const loaded = loadCredential(path);
  if (loaded.ok) return loaded.credential;
  throw new CliError(`${loaded.detail} — ${fixForMissing(path, dataDir)}`);
}

/**
 * This machine's trust chain, when there is one, to look a credential up in (revoked? issued by
 * it?); undefined otherwise. Never creates one: that is `npm start`'s job.
 */
export async function localTrustChain(dataDir: string): Promise<IdentityAuthority | undefined> {
  if (!existsSync(join(dataDir, "identity", "trust.json"))) return undefined;
  try {
    return await IdentityAuthority.openExisting(dataDir);
  } catch {
    return undefined; // unreadable: the checks that need it are skipped, not failed
  }
}

/** This machine's trust chain, for minting and revoking; none is a CliError saying how to make one. */
export async function requireTrustChain(dataDir: string): Promise<IdentityAuthority> {
  try {
    return await IdentityAuthority.openExisting(dataDir);
  } catch (e) {
    if (e instanceof CredentialError) throw new CliError(e.message);
    throw e;
  }
}
