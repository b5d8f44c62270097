/**
 * What every command shares: the global options, errors that become one line and an exit code,
 * connecting with a readable failure, and the CLI's own agent identity.
 */
import { randomBytes } from "node:crypto";
import type { Config } from "../../lib/config";
import { AgentLink, type Logger, type NatsConnection } from "../../lib/transport";
import { connectNats } from "../../lib/transport/connect";

export interface GlobalOptions {
  /** --nats, else NATS_URL's setting. */
  readonly nats: string;
  /** Sender name of this client. */
  readonly as: string;
  readonly json: boolean;
  /** The subject root (SWITCHBOARD_SUBJECT_ROOT), the same for every command. */
  readonly root: string;
  /** The rest of the settings (read once, by main.ts). */
  readonly config: Config;
}

/** An error meant for the user: printed as one line `switchboard: <message>`, exits with `code`. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/** Wrong command line: printed with a usage hint, exits 2. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message, 2);
  }
}

/** Six random base-36 characters, for generated names. */
export function shortId(): string {
  return BigInt(`0x${randomBytes(5).toString("hex")}`)
    .toString(36)
    .padStart(6, "0")
    .slice(-6);
}

/** Why a connection failed, in a few words: "connection refused", "no answer within 3 s"... */
export function connectProblem(e: unknown, timeoutMs?: number): string {
  // fetch and the OpenAI client wrap the socket error in one or two causes.
  const chain: { name?: string; message?: string; code?: string }[] = [];
  for (let c: unknown = e; c !== undefined && c !== null && chain.length < 5;) {
    const err = c as { name?: string; message?: string; code?: string; cause?: unknown };
    chain.push(typeof c === "object" ? err : { message: String(c) });
    c = typeof c === "object" ? err.cause : undefined;
  }
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

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export const NATS_HINT = 'start it with "npm start" or "npm run nats"';

/** Connects over TCP or throws a CliError naming the URL and the reason. */
export async function connectOrFail(url: string, timeoutMs = 3_000): Promise<NatsConnection> {
  try {
    return await connectNats({ servers: url, name: "switchboard-cli", timeoutMs });
  } catch (e) {
    throw new CliError(`cannot reach NATS at ${url} (${connectProblem(e, timeoutMs)}) — ${NATS_HINT}`);
  }
}

/** Warnings and errors of the NATS layer go to stderr, one line each; stdout stays clean. */
const stderrLogger: Logger = {
  debug() {},
  info() {},
  warn: (message) => process.stderr.write(`switchboard: ${message}\n`),
  error: (message) => process.stderr.write(`switchboard: ${message}\n`),
};

/**
 * The CLI as a client of the mesh: connects, runs `body`, and always closes. A one-shot command
 * is not an agent: its link announces no presence, sends no heartbeats and serves nothing, and
 * listens only for answers to what it sent, so running it leaves no trace in the registry.
 */
export async function withLink<T>(g: GlobalOptions, body: (link: AgentLink) => Promise<T>): Promise<T> {
  const nc = await connectOrFail(g.nats);
  let link: AgentLink;
  try {
    link = await AgentLink.start({
      connection: nc,
      mode: "client",
      root: g.root,
      agent: { name: g.as, description: "command-line client", runtime: "process" },
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

/** Writes a line to stdout. */
export function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** Width for cutting lines: the terminal's, else COLUMNS, else 1000 (piped output is hardly cut). */
export function terminalWidth(columns: number | undefined): number {
  return process.stdout.columns ?? columns ?? 1_000;
}

/** Parses a positive integer option, or throws a UsageError naming it. */
export function intOption(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
  command?: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${value}"`, command);
  }
  return n;
}

type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };

/** Parsed option values, as `node:util` parseArgs returns them. */
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage lines after "switchboard "; the first is the synopsis. */
  readonly usage: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Whether it takes positional arguments (agent, text). */
  readonly takesArguments: boolean;
  run(g: GlobalOptions, values: Values, positionals: string[]): Promise<number>;
}

/** A string option's value (the last one, if given several times). */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === "string" ? last : undefined;
}

/** Every value of a repeatable string option, comma lists split. */
export function list(values: Values, name: string): string[] {
  const v = values[name];
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all
    .filter((x): x is string => typeof x === "string")
    .flatMap((x) => x.split(","))
    .map((x) => x.trim())
    .filter((x) => x !== "");
}
