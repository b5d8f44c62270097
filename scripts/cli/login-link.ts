/**
 * `switchboard login-link`: a sign-in link for another browser while `npm start` runs, without
 * restarting it. Derived from the running dashboard's token (lib/identity/login-links.ts): signed,
 * good once, and short-lived (10 minutes unless --ttl says otherwise, at most an hour).
 */
import { deriveLoginToken, MAX_LINK_TTL_MS, readDashboardToken } from "../../lib/identity";
import { CliError, out, str, UsageError, type Command } from "./common";
import { parseTtl } from "./creds-issue";
import { duration } from "./format";

export const loginLink: Command = {
  name: "login-link",
  summary: "a one-time sign-in link to the running dashboard, for another browser",
  usage: ["login-link [--ttl 10m]", "  --ttl DURATION  how long the link works, up to 1h (default 10m)"],
  options: { ttl: { type: "string" } },
  takesArguments: false,
  async run(g, values) {
    const ttlMs = parseTtl(str(values, "ttl") ?? "10m");
    if (ttlMs > MAX_LINK_TTL_MS) throw new UsageError(`--ttl is at most 1h for a sign-in link`);
    const token = readDashboardToken(g.config.dataDir);
    if (token === undefined)
      throw new CliError(
        `no running dashboard's token under ${g.config.dataDir}/identity: start it with "npm start" (it prints the first link)`,
      );
    out(`http://127.0.0.1:${g.config.port}/login?token=${deriveLoginToken(token, ttlMs)}`);
    out(`(works once, for ${duration(ttlMs)}; keep it private)`);
    return 0;
  },
};
