// The `switchboard` CLI as a real child process against a harness server (for the test files
// beside cli.test.ts): its environment holds the harness's data dir (trust chain, creds files) and
// nothing of ours.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { ensureCredsFile } from "../../lib/identity";
import type { NatsServerHandle } from "../harness/nats-server";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DAY_MS = 24 * 3_600_000;

export interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
});

/** Starts `switchboard ARGS` against `server` (its URL unless --nats is given). */
export function startCli(
  server: NatsServerHandle,
  args: string[],
  env: Record<string, string> = {},
): Running {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", SWITCHBOARD_DATA_DIR: server.dataDir };
  for (const k of ["NATS_URL", "NATS_CREDS", "SWITCHBOARD_SUBJECT_ROOT", "COLUMNS"]) delete base[k];
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/cli/main.ts", ...args], {
    cwd: REPO,
    env: { ...base, NATS_URL: server.url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.once("close", (code) => r(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function runCli(
  server: NatsServerHandle,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = startCli(server, args, env);
  const code = await r.exited;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** Writes `{dataDir}/creds/NAME.creds` for a cli identity (what `npm start` does for "cli"). */
export function cliCredential(server: NatsServerHandle, name = "cli"): Promise<string> {
  const request = { role: "cli" as const, name, root: "agents", ttlMs: 30 * DAY_MS };
  return ensureCredsFile(server.authority!, server.dataDir, request, DAY_MS);
}

export const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");
