// Builds the dashboard when its sources changed since the last build, and serves it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./nats";

const SOURCES = [
  "app",
  "components",
  "lib",
  "public",
  "next.config.js",
  "postcss.config.mjs",
  "package-lock.json",
];
const NEXT_BIN = join(REPO_ROOT, "node_modules", "next", "dist", "bin", "next");

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function buildIsStale(): boolean {
  const id = join(REPO_ROOT, ".next", "BUILD_ID");
  if (!existsSync(id)) return true;
  const built = statSync(id).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(REPO_ROOT, s)) > built);
}

/** Runs `next build` in the foreground when needed; throws when it fails. */
export function buildDashboard(log: (line: string) => void = console.log): void {
  if (!buildIsStale()) return;
  log("[start] building the dashboard (next build)…");
  const r = spawnSync(process.execPath, [NEXT_BIN, "build"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) throw new Error("next build failed (see above)");
}

export function serveDashboard(port: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [NEXT_BIN, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
  });
}
