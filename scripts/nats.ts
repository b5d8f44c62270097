// `npm run nats`: run the local NATS server with the repo's nats-server.conf in the foreground.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { mkdirSync, realpathSync } from "node:fs";
import { connect } from "node:net";
import { constants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureNatsServer } from "./nats-binary";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const NATS_HOST = "127.0.0.1";
/** Must match `listen` in nats-server.conf. */
export const NATS_PORT = 4222;

export class PortInUseError extends Error {
  constructor(host: string, port: number) {
    super(`Something already listens on ${host}:${port} (another nats-server?); stop it or use it instead.`);
    this.name = "PortInUseError";
  }
}

export interface StartNatsServerOptions {
  /** Defaults to <repo>/nats-server.conf. */
  configPath?: string;
  /** Working directory; relative paths in the config (store_dir) resolve against it. Defaults to the repo root. */
  cwd?: string;
  stdio?: StdioOptions;
}

export function isPortInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once("error", () => resolvePromise(false));
  });
}

/** Resolves once something accepts TCP connections on host:port; rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isPortInUse(host, port))) {
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ensures the binary and data dir, refuses to start on a busy port, and spawns nats-server. */
export async function startNatsServer(opts: StartNatsServerOptions = {}): Promise<ChildProcess> {
  const cwd = opts.cwd ?? REPO_ROOT;
  const configPath = opts.configPath ?? join(REPO_ROOT, "nats-server.conf");
  const bin = await ensureNatsServer();
  // Checked up front because nats-server's own bind error is buried in its log output.
  if (await isPortInUse(NATS_HOST, NATS_PORT)) throw new PortInUseError(NATS_HOST, NATS_PORT);
  mkdirSync(join(cwd, ".data", "jetstream"), { recursive: true });
  return spawn(bin, ["-c", configPath], { cwd, stdio: opts.stdio ?? "inherit" });
}

async function main(): Promise<void> {
  let child: ChildProcess;
  try {
    child = await startNatsServer();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // Forwarding lets nats-server shut down cleanly (flush JetStream) instead of dying with us.
    process.on(signal, () => child.kill(signal));
  }
  child.on("error", (err) => {
    console.error(`Failed to run nats-server: ${err.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1));
  });
}

const entry = process.argv[1];
if (entry && realpathSync(entry) === fileURLToPath(import.meta.url)) await main();
