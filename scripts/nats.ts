// `npm run nats`: run the local NATS server in the foreground, with the repo's nats-server.conf
// made concrete for this installation (scripts/nats.ts `renderNatsConfig`): the trust chain's
// auth settings (made on first run, see scripts/identity.ts) and the dashboard's origin as the
// only one the WebSocket listener accepts. Once it listens, the log is created or its limits
// updated (scripts/log.ts), as under `npm start`.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { constants, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readConfig } from "../lib/config";
import { ensureNatsServer } from "./nats-binary";
import { prepareIdentity } from "./identity";
import { heldText, prepareLog } from "./log";

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

/** The browser origins of a dashboard on `port` (what `allowed_origins` lets in). */
export function dashboardOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/** The ports of one nats-server on this machine (a cluster's node has its own set). */
export interface NodePorts {
  readonly client: number;
  readonly ws: number;
  readonly monitor: number;
}

/** What sets a node of a cluster on this machine apart (scripts/cluster.ts): name, ports, routes. */
export interface NodeSettings {
  /** Unique in the cluster: JetStream's Raft groups tell their peers apart by it. */
  readonly serverName: string;
  readonly ports: NodePorts;
  /** Config text appended after the repo's: the `cluster { ... }` block. */
  readonly extra: string;
}

/**
 * The repo's nats-server.conf (`base`) made concrete: its `allowed_origins` line set to `origins`,
 * its JetStream store at `storeDir`, and for a cluster's node its name and listeners moved to the
 * node's (the rest, limits and auth, stays the same on every node). Pure, for tests.
 */
export function natsConfigText(
  base: string,
  storeDir: string,
  origins: readonly string[],
  node?: NodeSettings,
): string {
  let text = base
    .replace(
      /^(\s*)allowed_origins:.*$/m,
      (_l, indent: string) => `${indent}allowed_origins: ${JSON.stringify(origins)}`,
    )
    .replace(
      /^(\s*)store_dir:.*$/m,
      (_l, indent: string) => `${indent}store_dir: ${JSON.stringify(storeDir)}`,
    );
  if (node !== undefined) {
    const { client, ws, monitor } = node.ports;
    text = text
      .replace(/^server_name:.*$/m, `server_name: ${node.serverName}`)
      .replace(/^listen:.*$/m, `listen: ${NATS_HOST}:${client}`)
      .replace(/^http:.*$/m, `http: ${NATS_HOST}:${monitor}`)
      // The only indented `listen` before any cluster block: the websocket one.
      .replace(/^(\s+)listen:.*$/m, (_l, indent: string) => `${indent}listen: "${NATS_HOST}:${ws}"`);
    text = `${text}\n${node.extra}\n`;
  }
  return text;
}

/**
 * The repo's nats-server.conf for this installation, written to `{dataDir}/nats-server.conf`
 * (natsConfigText, with the JetStream store under `dataDir`), the trust chain's settings (operator,
 * system account, account resolver) appended. Returns the path. `node`: a cluster's node.
 */
export function renderNatsConfig(
  dataDir: string,
  authConfigPath: string,
  origins: readonly string[],
  node?: NodeSettings,
): string {
  const base = readFileSync(join(REPO_ROOT, "nats-server.conf"), "utf8");
  const text = natsConfigText(base, join(dataDir, "jetstream"), origins, node);
  const path = join(dataDir, "nats-server.conf");
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    path,
    `# Generated from nats-server.conf by scripts/nats.ts; edit that file instead.\n${text}\n${readFileSync(authConfigPath, "utf8")}`,
    { mode: 0o600 },
  );
  return path;
}

export interface StartNatsServerOptions {
  /** The rendered config (renderNatsConfig). */
  configPath: string;
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

/** Ensures the binary, refuses to start on a busy port, and spawns nats-server. */
export async function startNatsServer(opts: StartNatsServerOptions): Promise<ChildProcess> {
  const cwd = opts.cwd ?? REPO_ROOT;
  const bin = await ensureNatsServer();
  // Checked up front because nats-server's own bind error is buried in its log output.
  if (await isPortInUse(NATS_HOST, NATS_PORT)) throw new PortInUseError(NATS_HOST, NATS_PORT);
  return spawn(bin, ["-c", opts.configPath], { cwd, stdio: opts.stdio ?? "inherit" });
}

export interface PrivateNatsServer {
  /** "nats://127.0.0.1:PORT" */
  readonly url: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/**
 * A throwaway nats-server on a free port, for `npm run demo:script` when no server runs: the same
 * trust chain (`authConfigPath`, from lib/identity), JetStream in its temp dir (for the log, which
 * the caller creates: scripts/log.ts), no WebSocket, nothing else on disk but its config and the
 * ports file it writes to say which port it got. All of it is removed when it stops.
 */
export async function startPrivateNatsServer(
  authConfigPath: string,
  timeoutMs = 10_000,
): Promise<PrivateNatsServer> {
  const bin = await ensureNatsServer();
  const dir = mkdtempSync(join(tmpdir(), "switchboard-nats-"));
  const conf = join(dir, "nats-server.conf");
  writeFileSync(
    conf,
    [
      `listen: ${NATS_HOST}:-1`,
      `ports_file_dir: ${JSON.stringify(dir)}`,
      `jetstream { store_dir: ${JSON.stringify(join(dir, "jetstream"))} }`,
      readFileSync(authConfigPath, "utf8"),
    ].join("\n"),
    { mode: 0o600 },
  );
  const child = spawn(bin, ["-c", conf], { stdio: "ignore" });
  // Never outlives us, even when we exit without stop() (a signal, a crash).
  const reap = () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", reap);
  const stop = async () => {
    process.off("exit", reap);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const file = readdirSync(dir).find((f) => f.endsWith(".ports"));
    try {
      const ports = JSON.parse(readFileSync(join(dir, file ?? ""), "utf8")) as { nats?: string[] };
      const url = ports.nats?.[0];
      if (url !== undefined) {
        await waitForPort(NATS_HOST, Number(new URL(url).port), Math.max(0, deadline - Date.now()));
        return { url, stop };
      }
    } catch {
      // not written yet (or caught mid-write): look again
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`a private nats-server (${bin}) did not start within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function main(): Promise<void> {
  let child: ChildProcess | undefined;
  try {
    const config = readConfig(process.env);
    const { authority } = await prepareIdentity(config.dataDir, config.subjectRoot);
    const configPath = renderNatsConfig(
      config.dataDir,
      authority.serverConfigPath,
      dashboardOrigins(config.port),
    );
    child = await startNatsServer({ configPath });
    await waitForPort(NATS_HOST, NATS_PORT, 10_000);
    const limits = { maxAgeMs: config.logMaxAgeMs, maxBytes: config.logMaxBytes };
    const held = await prepareLog(`nats://${NATS_HOST}:${NATS_PORT}`, authority, config.subjectRoot, limits);
    console.error(`[nats] log: ${held.layout.stream} holds ${heldText(held)}`);
  } catch (err) {
    child?.kill("SIGTERM");
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  const server = child;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // Forwarding lets nats-server shut down cleanly (flush JetStream) instead of dying with us.
    process.on(signal, () => server.kill(signal));
  }
  server.on("error", (err) => {
    console.error(`Failed to run nats-server: ${err.message}`);
    process.exit(1);
  });
  server.on("exit", (code, signal) => {
    process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1));
  });
}

const entry = process.argv[1];
if (entry && realpathSync(entry) === fileURLToPath(import.meta.url)) await main();
