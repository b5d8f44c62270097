/**
 * What every command shares: the global options, errors that become one line and an exit code,
 * option parsing and output. Connecting is in ./connect.ts.
 */
import { randomBytes } from "node:crypto";
import type { Config } from "../../lib/config";

export interface GlobalOptions {
  /** --nats, else NATS_URL's setting. */
  readonly nats: string;
  /** The creds file the CLI connects with; its name is the CLI's name on the mesh (./credential.ts). */
  readonly credsPath: string;
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

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
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
