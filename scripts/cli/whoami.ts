/**
 * `switchboard whoami`: who the CLI is on the mesh. Reads its credential (name, role, runtime,
 * subject root, expiry, issuing account, permissions), says what is wrong with it if anything,
 * then asks the server whether it accepts it. Exits 0 only when the server does and nothing is
 * wrong with it (one for another subject root connects, but may do nothing here).
 */
import { out, type Command } from "./common";
import { explainRefusal, NATS_HINT, type RefusalKind } from "./connect";
import { localTrustChain, requireCredential } from "./credential";
import { examineCredential, type Finding } from "./credential-findings";
import { dateTime, duration, fields, styleFor, type Style } from "./format";
import { askServer } from "./server-check";

interface Verdict {
  readonly verdict: "ok" | "no server" | RefusalKind;
  readonly detail: string;
  readonly fix?: string;
}

/** ✓, ! (a warning) or ✗, the detail, and the fix under it unless it was said just above. */
function findingLines(
  f: Finding | Verdict,
  ok: boolean,
  s: Style,
  saidFixes: readonly string[] = [],
): string[] {
  const mark = ok ? s.green("✓") : "severity" in f && f.severity === "warning" ? s.yellow("!") : s.red("✗");
  const fix = f.fix === undefined || saidFixes.includes(f.fix) ? [] : [`    ${s.yellow("fix:")} ${f.fix}`];
  return [`${mark} ${f.detail}`, ...fix];
}

export const whoami: Command = {
  name: "whoami",
  summary: "who the CLI is: its credential, its permissions, and whether the server accepts it",
  usage: ["whoami"],
  options: {},
  takesArguments: false,
  async run(g) {
    const c = requireCredential(g.credsPath, g.config.dataDir);
    const { info } = c;
    const dataDir = g.config.dataDir;
    const trust = await localTrustChain(dataDir);
    const now = Date.now();
    const findings = examineCredential(c, { root: g.root, dataDir, trust, now });

    const answer = await askServer(g.nats, c, 3_000);
    let verdict: Verdict;
    if (answer.kind === "accepted") verdict = { verdict: "ok", detail: `accepted by ${answer.detail}` };
    else if (answer.kind === "no server")
      verdict = { verdict: "no server", detail: `no server at ${answer.detail}`, fix: NATS_HINT };
    else {
      const why = explainRefusal(c, findings, dataDir);
      verdict = { verdict: why.kind, detail: `refused by ${g.nats}: ${why.detail}`, fix: why.fix };
    }

    const usable = verdict.verdict === "ok" && !findings.some((f) => f.severity === "error");
    if (g.json) {
      out(JSON.stringify({ path: c.path, ...info, findings, server: verdict }, null, 2));
      return usable ? 0 : 1;
    }
    const s = styleFor(process.stdout, g.config.noColor);
    const expires =
      info.expiresAt === undefined
        ? "never"
        : info.expiresAt > now
          ? `${dateTime(info.expiresAt)} (in ${duration(info.expiresAt - now)})`
          : `${dateTime(info.expiresAt)} (${duration(now - info.expiresAt)} ago)`;
    const account =
      trust === undefined
        ? `${info.issuer} (no trust chain under ${dataDir} to compare)`
        : info.issuer === trust.accountPublicKey
          ? `${info.issuer} (this machine's trust chain)`
          : `${info.issuer} (not this machine's trust chain)`;
    out(
      fields(
        [
          ["name", s.bold(info.name)],
          ["role", info.role ?? "(none: not issued by Switchboard)"],
          ["runtime", info.runtime ?? "-"],
          ["subject root", info.root ?? "-"],
          ["expires", expires],
          ["account", account],
          ["key", info.publicKey],
          ["credential", c.path],
          ["may publish", info.pub],
          ["may read", info.sub],
        ],
        s,
      ),
    );
    for (const f of findings) out(findingLines(f, false, s).join("\n"));
    const said = findings.map((f) => f.fix);
    out(findingLines(verdict, verdict.verdict === "ok", s, said).join("\n"));
    return usable ? 0 : 1;
  },
};
