/**
 * Connecting as the CLI's credential, and saying in one line why it failed: no server (and
 * why: refused, unknown host, timeout...) or a server that refuses the credential (and which of
 * expired, revoked, unknown account it is, found locally; the server only says "Authorization
 * Violation").
 */
import { AgentLink, type Logger, type NatsConnection } from "../../lib/transport";
import { connectNats, credsFile } from "../../lib/transport/connect";
import { CliError, seconds, type GlobalOptions } from "./common";
import { localTrustChain, requireCredential, type Credential } from "./credential";
import { examineCredential, reissueCommand, type Finding } from "./credential-findings";

export const NATS_HINT = 'start it with "npm start" or "npm run nats"';

/** Why a connection failed, in a few words: "connection refused", "no answer within 3 s"... */
export function connectProblem(e: unknown, timeoutMs?: number): string {
  // fetch and the OpenAI client wrap the socket error in one or two causes.
  const chain = causes(e);
  const has = (codes: string[], pattern: RegExp) =>
    chain.some((c) => (c.code !== undefined && codes.includes(c.code)) || pattern.test(c.message ?? ""));
  if (has(["ECONNREFUSED"], /connection refused|ECONNREFUSED/i)) return "connection refused";
  if (has(["ENOTFOUND", "EAI_AGAIN"], /ENOTFOUND|EAI_AGAIN/)) return "host not found";
  if (has(["EHOSTUNREACH", "ENETUNREACH"], /EHOSTUNREACH|ENETUNREACH/)) return "host unreachable";
  if (has(["ECONNRESET"], /ECONNRESET|socket hang up/i)) return "connection reset";
  if (chain.some((c) => /timeout/i.test(c.name ?? "")) || has(["ETIMEDOUT"], /timed? ?out/i)) {
    return timeoutMs === undefined ? "timed out" : `no answer within ${seconds(timeoutMs)}`;
  }
  if (has(["ERR_INVALID_URL"], /Invalid URL/i)) return "invalid URL";
  // Otherwise the innermost cause says the most ("bad port" rather than "fetch failed").
  const inner = chain.findLast((c) => c.message !== undefined && c.message !== "")?.message ?? String(e);
  return inner.split("\n")[0] ?? "unknown error";
}

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
}

function causes(e: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (let c: unknown = e; c !== undefined && c !== null && chain.length < 5;) {
    const err = c as ErrorLike & { cause?: unknown };
    chain.push(typeof c === "object" ? err : { message: String(c) });
    c = typeof c === "object" ? err.cause : undefined;
  }
  return chain;
}

/** The server turned the credential away (at connect, or later when it expired or was revoked). */
export function isAuthRefusal(e: unknown): boolean {
  return causes(e).some(
    (c) =>
      /^(AuthorizationError|UserAuthenticationExpiredError)$/.test(c.name ?? "") ||
      /Authorization Violation|Authentication (Expired|Revoked)/i.test(c.message ?? ""),
  );
}

export type RefusalKind = "expired" | "revoked" | "unknown account" | "refused";

export interface Refusal {
  readonly kind: RefusalKind;
  readonly detail: string;
  readonly fix: string;
}

/**
 * Why the server refused a credential. It gives every refusal the same words ("Authorization
 * Violation"), so the cause comes from what the credential itself says (`findings`); with
 * nothing found locally, both causes the server can have are named.
 */
export function explainRefusal(c: Credential, findings: readonly Finding[], dataDir: string): Refusal {
  const find = (kind: Finding["kind"]) => findings.find((f) => f.kind === kind);
  const expired = find("expired");
  if (expired !== undefined) return { kind: "expired", detail: expired.detail, fix: expired.fix };
  const revoked = find("revoked");
  if (revoked !== undefined) return { kind: "revoked", detail: revoked.detail, fix: revoked.fix };
  const foreign = find("wrong-account");
  if (foreign !== undefined) return { kind: "unknown account", detail: foreign.detail, fix: foreign.fix };
  return {
    kind: "refused",
    detail: "it was revoked, or the server trusts another account",
    fix: `\`${reissueCommand(c, dataDir)}\` where the server's trust chain is (SWITCHBOARD_DATA_DIR), then retry`,
  };
}

/** Connects as the credential or throws a CliError naming the URL and the reason. */
export async function connectAs(
  g: GlobalOptions,
  timeoutMs = 3_000,
): Promise<{ nc: NatsConnection; credential: Credential }> {
  const credential = requireCredential(g.credsPath, g.config.dataDir);
  // The trust chain is looked up only when the server refuses: opening it rewrites the server's
  // files, which a command that just talks should not do every time.
  const findings = examineCredential(credential, {
    root: g.root,
    dataDir: g.config.dataDir,
    trust: undefined,
    now: Date.now(),
  });
  // Certain failures are said before connecting: an expired credential is refused by any server,
  // and one for another root connects but may neither publish nor subscribe here.
  const fatal = findings.find((f) => f.kind === "expired" || f.kind === "wrong-root");
  if (fatal !== undefined)
    throw new CliError(`${credentialLabel(credential)} ${fatal.detail} — ${fatal.fix}`);
  try {
    const nc = await connectNats({
      servers: g.nats,
      name: "switchboard-cli",
      timeoutMs,
      credentials: credsFile(credential.path),
    });
    return { nc, credential };
  } catch (e) {
    if (!isAuthRefusal(e))
      throw new CliError(`cannot reach NATS at ${g.nats} (${connectProblem(e, timeoutMs)}) — ${NATS_HINT}`);
    const dataDir = g.config.dataDir;
    const trust = await localTrustChain(dataDir);
    const found = examineCredential(credential, { root: g.root, dataDir, trust, now: Date.now() });
    const why = explainRefusal(credential, found, dataDir);
    throw new CliError(
      `NATS at ${g.nats} refused ${credentialLabel(credential)}: ${why.detail} — ${why.fix}`,
    );
  }
}

/** "cli's credential (.data/creds/cli.creds)" */
export function credentialLabel(c: Credential): string {
  return `${c.info.name}'s credential (${c.path})`;
}

/** Warnings and errors of the NATS layer go to stderr, one line each; stdout stays clean. */
const stderrLogger: Logger = {
  debug() {},
  info() {},
  warn: (message) => process.stderr.write(`switchboard: ${message}\n`),
  error: (message) => process.stderr.write(`switchboard: ${message}\n`),
};

/**
 * The CLI as a client of the mesh, speaking as its credential's name: connects, runs `body`,
 * and always closes. A one-shot command is not an agent: its link announces no presence, sends
 * no heartbeats and serves nothing, and listens only for answers to what it sent, so running it
 * leaves no trace in the registry.
 */
export async function withLink<T>(g: GlobalOptions, body: (link: AgentLink) => Promise<T>): Promise<T> {
  const { nc, credential } = await connectAs(g);
  let link: AgentLink;
  try {
    link = await AgentLink.start({
      connection: nc,
      mode: "client",
      root: g.root,
      agent: {
        name: credential.info.name,
        description: "command-line client",
        runtime: credential.info.runtime ?? "process",
      },
      ownsConnection: true,
      logger: stderrLogger,
    });
  } catch (e) {
    await nc.close().catch(() => {});
    throw e;
  }
  // Ctrl-C while waiting for an answer: close the link, which cancels what it was waiting for.
  const interrupt = () => void link.close().finally(() => process.exit(130));
  process.once("SIGINT", interrupt);
  try {
    return await body(link);
  } finally {
    process.off("SIGINT", interrupt);
    await link.close();
  }
}
