/**
 * `switchboard creds issue|revoke`: credentials for agents and CLIs from this machine's trust
 * chain ({dataDir}/identity, made by `npm start`). Works on files only, so it needs no credential
 * of its own; `revoke` then tells the running server.
 */
import { UsageError, type Command } from "./common";
import { issue } from "./creds-issue";
import { revoke } from "./creds-revoke";

/** The options only `creds issue` takes: refused after `revoke`, where they would mean nothing. */
const ISSUE_OPTIONS = ["role", "runtime", "ttl", "out"] as const;

export const creds: Command = {
  name: "creds",
  summary: "issue or revoke a credential (agents and CLIs that run elsewhere)",
  usage: [
    "creds issue NAME [--role agent|cli|leaf] [--runtime process] [--ttl 30d] [--out FILE] | creds revoke NAME",
    "  issue NAME       mint a credential that speaks as NAME, from this machine's trust chain",
    "    --role R       agent (default: serves tasks, joins the registry), cli (reads everything) or",
    "                   leaf (a remote site's nats-server joining as a leaf node: passes everything)",
    "    --runtime R    an agent's runtime: process (default), server or browser",
    "    --ttl T        lifetime: 30s, 10m, 12h or 30d (default 30d; 1s to 365d)",
    "    --out FILE     where to write it (default {dataDir}/creds/NAME.creds; - for stdout), mode 0600",
    "  revoke NAME      revoke every credential issued to NAME and tell the running server (--nats),",
    "                   which closes their connections at once",
  ],
  options: {
    role: { type: "string" },
    runtime: { type: "string" },
    ttl: { type: "string" },
    out: { type: "string" },
  },
  takesArguments: true,
  async run(g, values, positionals) {
    const sub = positionals[0];
    switch (sub) {
      case "issue":
        return issue(g, values, positionals);
      case "revoke": {
        const extra = ISSUE_OPTIONS.find((o) => values[o] !== undefined);
        if (extra !== undefined) throw new UsageError(`--${extra} is an option of creds issue`, "creds");
        return revoke(g, positionals);
      }
      case undefined:
        throw new UsageError("missing issue or revoke", "creds");
      default:
        throw new UsageError(`unknown creds command "${sub}" (issue or revoke)`, "creds");
    }
  },
};
