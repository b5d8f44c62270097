/**
 * `switchboard creds issue NAME`: mints a credential from this machine's trust chain for an
 * agent or a CLI that runs elsewhere (or here, under another name), writes it as a creds file
 * readable by its owner only, and says what it allows and how to use it.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { credentialInfo, credsPath, MAX_TTL_MS, MIN_TTL_MS } from "../../lib/identity";
import { privateFile } from "../../lib/identity";
import { AgentRuntime, nameProblem, type IdentityClaim } from "../../lib/protocol";
import { CLI_NAME, FILE_CREDS_TTL_MS } from "../identity";
import { out, str, UsageError, type GlobalOptions, type Values } from "./common";
import { requireTrustChain } from "./credential";
import { dateTime, duration, fields, styleFor } from "./format";

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "30s", "10m", "12h", "30d" in milliseconds, from 1 s to 365 days; anything else is a UsageError. */
export function parseTtl(text: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  const ms = match === null ? NaN : Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!(ms >= MIN_TTL_MS && ms <= MAX_TTL_MS))
    throw new UsageError(
      `--ttl must be a number and a unit (s, m, h, d) from 1s to 365d, like 12h or 30d, not "${text}"`,
      "creds",
    );
  return ms;
}

/** Who the credential is for, from the command line. */
function claim(values: Values, positionals: string[]): IdentityClaim {
  const name = positionals[1];
  if (name === undefined) throw new UsageError("missing the NAME to issue a credential for", "creds");
  if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`, "creds");
  const problem = nameProblem(name);
  if (problem !== null) throw new UsageError(problem, "creds");
  const role = str(values, "role") ?? "agent";
  const runtime = str(values, "runtime");
  if (role === "cli" || role === "leaf") {
    if (runtime !== undefined) throw new UsageError(`--runtime is for agents, not --role ${role}`, "creds");
    return { role, name };
  }
  if (role !== "agent")
    throw new UsageError(
      `--role must be agent, cli or leaf, not "${role}" (a person's tab and the dashboard get theirs from the dashboard)`,
      "creds",
    );
  const parsed = AgentRuntime.safeParse(runtime ?? "process");
  if (!parsed.success)
    throw new UsageError(
      `--runtime must be one of ${AgentRuntime.options.join(", ")}, not "${runtime}"`,
      "creds",
    );
  return { role, name, runtime: parsed.data };
}

/** How the holder uses the file: the CLI finds it by name or NATS_CREDS; an agent's code names it. */
function usage(who: IdentityClaim, path: string | undefined, dataDir: string): string {
  const file = path ?? "FILE";
  if (who.role === "leaf")
    return `the remote site's nats-server names it in leafnodes.remotes[].credentials (nats-server.conf)`;
  if (who.role !== "cli")
    return `the agent's process connects with connectNats({ credentials: credsFile(${JSON.stringify(file)}) })`;
  if (path !== resolve(credsPath(dataDir, who.name))) return `NATS_CREDS=${file} switchboard <command>`;
  return who.name === CLI_NAME
    ? "every switchboard command (the default credential)"
    : `switchboard --as ${who.name} <command>`;
}

export async function issue(g: GlobalOptions, values: Values, positionals: string[]): Promise<number> {
  const who = claim(values, positionals);
  const ttlMs = parseTtl(str(values, "ttl") ?? `${FILE_CREDS_TTL_MS / UNIT_MS.d}d`);
  const outOption = str(values, "out");
  const toStdout = outOption === "-";
  if (toStdout && g.json) throw new UsageError("--json and --out - would both write to stdout", "creds");
  const path = toStdout ? undefined : resolve(outOption ?? credsPath(g.config.dataDir, who.name));

  const authority = await requireTrustChain(g.config.dataDir);
  const minted = await authority.mint({ ...who, root: g.root, ttlMs });
  const creds = minted.creds!; // no public key was given, so the key pair (and its file) is made here
  if (path === undefined) {
    process.stdout.write(creds);
  } else {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    privateFile(path, creds); // written whole, mode 0600: it holds the private key
  }

  const info = credentialInfo(creds);
  if (g.json) {
    out(
      JSON.stringify({
        ...who,
        root: g.root,
        path,
        publicKey: info.publicKey,
        expiresAt: minted.expiresAt,
        pub: info.pub,
        sub: info.sub,
      }),
    );
    return 0;
  }
  // With the credential itself on stdout, the summary goes to stderr.
  const stream = toStdout ? process.stderr : process.stdout;
  const s = styleFor(stream, g.config.noColor);
  const what = who.runtime === undefined ? who.role : `${who.role}, ${who.runtime}`;
  const use = usage(who, path, g.config.dataDir);
  const text = fields(
    [
      ["issued", `${s.bold(who.name)} (${what}) for subject root ${g.root}`],
      ["expires", `${dateTime(minted.expiresAt)} (in ${duration(ttlMs)})`],
      ["file", path === undefined ? "stdout" : `${path} (mode 0600: it holds the private key)`],
      ["use it", use],
      ["may publish", info.pub],
      ["may read", info.sub],
    ],
    s,
  );
  stream.write(`${text}\n`);
  return 0;
}
