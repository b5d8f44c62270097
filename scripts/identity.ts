// The identities a Switchboard installation needs on this machine, made on first run and renewed
// on every start: the trust chain under {dataDir}/identity (lib/identity), and creds files under
// {dataDir}/creds for the demo agents, Calculator, the CLI and the dashboard's server. Used by
// `npm start`, `npm run nats`, the demo script, the e2e stack and the UI benchmark.
import { IdentityAuthority, ensureCredsFile } from "../lib/identity";
import type { AgentRuntime, Role } from "../lib/protocol";

/** Files for processes on this machine live 30 days and are renewed when 7 or fewer are left. */
export const FILE_CREDS_TTL_MS = 30 * 24 * 3_600_000;
const RENEW_WITHIN_MS = 7 * 24 * 3_600_000;

/** Names of the agents `npm run agents` starts (agents/demo/definitions.ts and Calculator). */
export const DEMO_AGENT_NAMES = [
  "Weather-Bot",
  "Task-Coordinator",
  "General-Assistant",
  "Calculator",
] as const;
/** The CLI's identity (`switchboard` commands, `npm start`'s registry printout). */
export const CLI_NAME = "cli";
/** The dashboard server's own identity: watches presence to check names; never speaks as an agent. */
export const DASHBOARD_NAME = "dashboard";

export interface PreparedIdentity {
  readonly authority: IdentityAuthority;
  /** Creds file paths by name. */
  readonly creds: Readonly<Record<string, string>>;
}

/** Opens (or creates) the trust chain and makes sure every local identity has a fresh creds file. */
export async function prepareIdentity(dataDir: string, root: string): Promise<PreparedIdentity> {
  const authority = await IdentityAuthority.open(dataDir);
  const wanted: { name: string; role: Role; runtime?: AgentRuntime }[] = [
    ...DEMO_AGENT_NAMES.map((name) => ({ name, role: "agent" as const, runtime: "process" as const })),
    { name: CLI_NAME, role: "cli" },
    { name: DASHBOARD_NAME, role: "dashboard" },
  ];
  const creds: Record<string, string> = {};
  for (const w of wanted) {
    creds[w.name] = await ensureCredsFile(
      authority,
      dataDir,
      { ...w, root, ttlMs: FILE_CREDS_TTL_MS },
      RENEW_WITHIN_MS,
    );
  }
  return { authority, creds };
}
