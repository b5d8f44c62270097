/**
 * Reading the mesh's log from the CLI (`history`, `tail --since`, `search`): opening it with the
 * CLI's credential (direct gets only, lib/transport/log/reader.ts), saying in one line why it
 * cannot be read, and the times and bounds the commands take.
 */
import { logLayout } from "../../lib/protocol";
import { LogReader, type LoggedMessage, type NatsConnection } from "../../lib/transport";
import { CliError, UsageError } from "./common";

/** How many messages a scan reads before it stops and says so (`--scan` changes it). */
export const DEFAULT_SCAN = 200_000;
export const MAX_SCAN = 10_000_000;

/** A message id (lib/protocol/ids.ts) starts with 8 base-36 characters of milliseconds. */
const ID = /^[0-9a-z]{8}[0-9A-Za-z]{14}$/;
/** Clocks differ: a thread's messages are read from this long before its id's time. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** The time in a message id (ms since the epoch), or undefined when it is not a whole id. */
export function idTime(id: string): number | undefined {
  if (!ID.test(id)) return undefined;
  return parseInt(id.slice(0, 8), 36);
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time from `--since`/`--until`: a span back from now ("90s", "10m", "2h", "3d", "1w")
 * or a date ("2026-11-30T10:00:00Z", "2026-11-30"). Throws a UsageError naming the option.
 */
export function parseTime(text: string, option: string, command: string, now = Date.now()): number {
  const span = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  if (span !== null) return now - Number(span[1]) * UNITS[span[2]!]!;
  const t = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(t))
    throw new UsageError(
      `--${option} "${text}" is neither a span back from now (10m, 2h, 3d) nor a date (2026-11-30T10:00:00Z)`,
      command,
    );
  return t;
}

/** Opens the log of `root` and checks it is there; a CliError says why not and what to do. */
export async function openLog(nc: NatsConnection, root: string): Promise<LogReader> {
  const reader = new LogReader(nc, logLayout(root));
  try {
    await reader.bounds();
  } catch (e) {
    throw new CliError(logProblem(e, root));
  }
  return reader;
}

/** Why the log cannot be read, with the fix. */
export function logProblem(e: unknown, root: string): string {
  const layout = logLayout(root);
  const message = (e as Error)?.message ?? String(e);
  if (/stream not found/i.test(message))
    return `the server keeps no log for ${root} (no stream ${layout.stream}) — run \`npm start\` once (it creates the log), then retry`;
  if (/timeout|no responders|503/i.test(message))
    return `JetStream does not answer on this server (${message}) — the log needs it: run the server with \`npm start\` (its nats-server.conf turns it on); \`npm run doctor\` checks it`;
  if (/permission|authorization/i.test(message))
    return `this credential may not read the log (${message}) — a cli credential may: \`switchboard creds issue NAME --role cli\``;
  return `cannot read the log: ${message}`;
}

/** A scan's end: why it stopped, for the summary line. */
export interface ScanEnd {
  /** Messages read. */
  readonly scanned: number;
  /** Stopped at the scan limit before the end of what was asked. */
  readonly early: boolean;
  /** The last message read (where to go on from). */
  readonly last?: LoggedMessage;
}

/**
 * Reads the log forward from `from` (`filter` narrowing it on the server) while `until` (a time)
 * is not passed, giving each message to `take` until it returns false; stops after `scan`
 * messages.
 */
export async function walk(
  reader: LogReader,
  o: { from: number; filter?: string; until?: number; scan: number },
  take: (m: LoggedMessage) => boolean,
): Promise<ScanEnd> {
  let scanned = 0;
  let last: LoggedMessage | undefined;
  const filter = o.filter === undefined ? {} : { filter: o.filter };
  for await (const m of reader.scan(o.from, { ...filter, limit: o.scan + 1 })) {
    if (o.until !== undefined && m.storedAt >= o.until) return { scanned, early: false, ...at(last) };
    if (scanned === o.scan) return { scanned, early: true, ...at(last) };
    scanned++;
    last = m;
    if (!take(m)) return { scanned, early: false, last };
  }
  return { scanned, early: false, ...at(last) };
}

const at = (last: LoggedMessage | undefined) => (last === undefined ? {} : { last });

/** "--scan N" parsed, or the default. */
export function scanOption(value: string | undefined, command: string): number {
  if (value === undefined) return DEFAULT_SCAN;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SCAN)
    throw new UsageError(`--scan must be a whole number from 1 to ${MAX_SCAN}, not "${value}"`, command);
  return n;
}
