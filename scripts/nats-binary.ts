// Locates (and on a root Debian box, installs) the nats-server binary.
// Shared by `npm run nats`, the test harness and CI so they all agree on one binary.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { readConfig } from "../lib/config";

export const INSTALL_HELP = `nats-server was not found. Install it, then retry:
  Debian/Ubuntu: sudo apt-get install -y nats-server
  macOS:         brew install nats-server
  Otherwise:     download a release from https://github.com/nats-io/nats-server/releases
                 or: go install github.com/nats-io/nats-server/v2@latest
Or point NATS_SERVER_BIN at an existing binary.`;

const FALLBACK_PATHS = ["/usr/sbin/nats-server", "/usr/local/bin/nats-server"];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * NATS_SERVER_BIN when set (read through readConfig, like every setting); else the first
 * nats-server on the environment's PATH or in the usual places. `env` is the caller's
 * environment: the test harness and `npm run nats` pass their own (process.env by default).
 */
export function findNatsServer(env: Env = process.env): string | null {
  const configured = readConfig(env).natsServerBin;
  if (configured !== undefined) return isExecutable(configured) ? configured : null;
  // /usr/sbin is often missing from non-root PATHs, hence the explicit fallbacks.
  const dirs = (env.PATH ?? "").split(delimiter).filter(Boolean);
  const candidates = [...dirs.map((dir) => join(dir, "nats-server")), ...FALLBACK_PATHS];
  return candidates.find(isExecutable) ?? null;
}

function run(cmd: string, args: string[]): void {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  const res = spawnSync(cmd, args, { stdio: "inherit" });
  if (res.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${res.status ?? res.signal})\n${INSTALL_HELP}`);
}

function hasAptCandidate(): boolean {
  const res = spawnSync("apt-cache", ["policy", "nats-server"], { encoding: "utf8" });
  const candidate = /Candidate:\s*(\S+)/.exec(res.stdout ?? "")?.[1];
  return candidate !== undefined && candidate !== "(none)";
}

export async function ensureNatsServer(env: Env = process.env): Promise<string> {
  const found = findNatsServer(env);
  if (found) return found;

  const configured = readConfig(env).natsServerBin;
  // An explicit override that is wrong is a user error; installing something else would hide it.
  if (configured !== undefined)
    throw new Error(`NATS_SERVER_BIN=${configured} is not an executable file.\n${INSTALL_HELP}`);

  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (!isRoot || !hasApt) throw new Error(INSTALL_HELP);

  console.log("nats-server not found; installing it with apt-get.");
  // A fresh container has empty package lists; skip the slow update when apt already knows the package.
  if (!hasAptCandidate()) run("apt-get", ["update"]);
  run("apt-get", ["install", "-y", "nats-server"]);

  const installed = findNatsServer(env);
  if (!installed)
    throw new Error(`apt-get install succeeded but nats-server is still not found.\n${INSTALL_HELP}`);
  return installed;
}
