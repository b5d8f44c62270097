// Throwaway nats-server instances for integration tests: random ports, private temp dir,
// and restart on the same ports so reconnect logic can be exercised. Authentication is on, as
// under `npm start`: each server has its own trust chain (lib/identity) in its temp dir, and
// `credentials()` mints a user for any role, the way the dashboard and `switchboard creds` do.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULTS } from "../../lib/config";
import { IdentityAuthority } from "../../lib/identity/authority";
import { logLayout } from "../../lib/protocol";
import { credsText, connectNats } from "../../lib/transport/connect";
import { ensureLog, type LogLimits } from "../../lib/transport/log/streams";
import type { IdentityClaim } from "../../lib/protocol";
import { findNatsServer, INSTALL_HELP } from "../../scripts/nats-binary";

/** Who a test connects as, and for how long its credential lives (default 1 h). */
export type TestIdentity = IdentityClaim & { readonly root?: string; readonly ttlMs?: number };

export interface NatsServerHandle {
  readonly url: string; // "nats://127.0.0.1:PORT"
  readonly wsUrl: string; // "ws://127.0.0.1:PORT" (the Node ws client needs the explicit scheme)
  readonly monitorUrl: string; // "http://127.0.0.1:PORT"
  readonly port: number;
  readonly wsPort: number;
  readonly monitorPort: number;
  /** The temp dir: `{dataDir}/identity` holds the trust chain (like `.data` under `npm start`). */
  readonly dataDir: string;
  /** The trust chain (undefined with `auth: false`). */
  readonly authority: IdentityAuthority | undefined;
  /** Whether the process is up (started, and neither killed nor exited). */
  readonly running: boolean;
  /** A creds file's text for `who` on the default root (throws with `auth: false`). */
  credentials(who: TestIdentity): Promise<string>;
  /** Stop the process (default SIGKILL); resolves once it has exited. Keeps the temp dir for restart(). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same ports and store dir (killing a running instance first); resolves when TCP accepts. */
  restart(): Promise<void>;
  /** Creates (or updates) the log of `root` with `limits` (default: the configuration's). */
  createLog(root?: string, limits?: LogLimits): Promise<void>;
  /** Kill and remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartNatsServerOptions {
  /** Enable JetStream with a store in the temp dir. Default true. */
  jetstream?: boolean;
  /** Extra config text appended verbatim. */
  config?: string;
  /** Default 1 MiB, the protocol's message limit. */
  maxPayload?: number;
  /** Decentralised JWT auth with a fresh trust chain. Default true; false only to test the harness itself. */
  auth?: boolean;
  /** WebSocket origins the server accepts (`allowed_origins`); default: any. */
  allowedOrigins?: string[];
  /**
   * Subject roots whose log (lib/protocol/log.ts) is created at start, as `npm start` does for
   * its root. Default `["agents"]` (with JetStream and auth); `[]`: no log (core NATS only).
   */
  logRoots?: string[];
}

const HOST = "127.0.0.1";
const STARTUP_TIMEOUT_MS = 10_000;
const POLL_MS = 25;
const LOG_LIMIT = 16 * 1024;

interface Ports {
  port: number;
  wsPort: number;
  monitorPort: number;
}

// Servers must not outlive the test process, even when a suite forgets stop() or crashes.
const live = new Set<NatsServer>();
let exitHookInstalled = false;
export function trackForExit(server: NatsServer): void {
  live.add(server);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const reapAll = () => {
    for (const s of live) s.stopSync();
  };
  process.on("exit", reapAll);
  // "exit" does not fire when a signal kills us (vitest tearing down a worker, Ctrl-C on a bench).
  // Reap, then re-raise so the default action still happens unless someone else handles the signal.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      reapAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Keeps only the newest output so a chatty server cannot grow memory without bound. */
class TailBuffer {
  private text = "";
  append(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > LOG_LIMIT) this.text = this.text.slice(-LOG_LIMIT);
  }
  toString(): string {
    return this.text;
  }
}

function renderConfig(
  dir: string,
  opts: Required<StartNatsServerOptions>,
  authority: IdentityAuthority | undefined,
  ports?: Ports,
): string {
  const origins =
    opts.allowedOrigins.length === 0 ? "" : `, allowed_origins: ${JSON.stringify(opts.allowedOrigins)}`;
  // -1 = let the OS pick; the chosen ports are then read back from ports_file_dir.
  return [
    `listen: ${HOST}:${ports?.port ?? -1}`,
    `http: ${HOST}:${ports?.monitorPort ?? -1}`,
    `websocket { listen: "${HOST}:${ports?.wsPort ?? -1}", no_tls: true${origins} }`,
    `ports_file_dir: ${JSON.stringify(dir)}`,
    `max_payload: ${opts.maxPayload}`,
    "max_control_line: 16KB", // as nats-server.conf: an agent's JWT with a 64-character name is ~4 KB
    opts.jetstream ? `jetstream { store_dir: ${JSON.stringify(join(dir, "jetstream"))} }` : "",
    // Inlined: an include path would be read relative to this config file.
    authority === undefined ? "" : readFileSync(authority.serverConfigPath, "utf8"),
    opts.config,
    "",
  ].join("\n");
}

function portOf(urls: unknown, key: string): number {
  const first = Array.isArray(urls) ? urls[0] : undefined;
  const port = typeof first === "string" ? Number(new URL(first).port) : NaN;
  if (!Number.isInteger(port) || port <= 0)
    throw new Error(`ports file has no usable "${key}" URL: ${JSON.stringify(urls)}`);
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export class NatsServer implements NatsServerHandle {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private ports: Ports | undefined;
  private stopped = false;
  private readonly log = new TailBuffer();

  constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly opts: Required<StartNatsServerOptions>,
    readonly authority: IdentityAuthority | undefined,
  ) {}

  get dataDir(): string {
    return this.dir;
  }

  /** Whether the process is up (started, and neither killed nor exited). */
  get running(): boolean {
    const c = this.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  async credentials(who: TestIdentity): Promise<string> {
    if (this.authority === undefined) throw new Error("this test server runs without auth");
    const minted = await this.authority.mint({ root: "agents", ttlMs: 3_600_000, ...who });
    return minted.creds!;
  }

  async createLog(root = "agents", limits?: LogLimits): Promise<void> {
    if (this.authority === undefined) throw new Error("this test server runs without auth");
    const admin = await this.authority.mint({ role: "admin", name: "admin", root, ttlMs: 60_000 });
    const nc = await connectNats({ servers: this.url, credentials: credsText(admin.creds!) });
    try {
      await ensureLog(
        nc,
        logLayout(root),
        limits ?? { maxAgeMs: DEFAULTS.logMaxAgeMs, maxBytes: DEFAULTS.logMaxBytes },
      );
    } finally {
      await nc.close();
    }
  }

  get port(): number {
    return this.knownPorts().port;
  }
  get wsPort(): number {
    return this.knownPorts().wsPort;
  }
  get monitorPort(): number {
    return this.knownPorts().monitorPort;
  }
  get url(): string {
    return `nats://${HOST}:${this.port}`;
  }
  get wsUrl(): string {
    return `ws://${HOST}:${this.wsPort}`;
  }
  get monitorUrl(): string {
    return `http://${HOST}:${this.monitorPort}`;
  }

  async start(): Promise<void> {
    if (this.stopped) throw new Error("nats-server handle was stopped; start a new one");
    const configPath = join(this.dir, "nats-server.conf");
    writeFileSync(configPath, renderConfig(this.dir, this.opts, this.authority, this.ports));

    const child = spawn(this.bin, ["-c", configPath], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    let spawnError: Error | undefined;
    this.exited = new Promise((resolve) => {
      child.once("error", (err) => {
        spawnError = err;
        resolve();
      });
      child.once("exit", () => resolve());
    });
    child.stdout?.on("data", (c: Buffer) => this.log.append(c));
    child.stderr?.on("data", (c: Buffer) => this.log.append(c));

    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    const fail = async (why: string): Promise<never> => {
      await this.kill();
      throw new Error(`nats-server ${why}\n--- output (tail) ---\n${this.log.toString()}`);
    };
    const isDead = () => spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;

    if (!this.ports) {
      // The ports file is the only reliable way to learn which random ports were chosen.
      const portsFile = join(this.dir, `nats-server_${child.pid}.ports`);
      for (;;) {
        if (isDead())
          return fail(`exited during startup (${spawnError?.message ?? `code ${child.exitCode}`})`);
        if (Date.now() > deadline) return fail(`did not write ${portsFile} within ${STARTUP_TIMEOUT_MS} ms`);
        let parsed: Record<string, unknown> | undefined;
        try {
          parsed = JSON.parse(readFileSync(portsFile, "utf8")) as Record<string, unknown>;
        } catch {
          // Not written yet, or caught mid-write: poll again.
        }
        if (parsed) {
          this.ports = {
            port: portOf(parsed.nats, "nats"),
            wsPort: portOf(parsed.websocket, "websocket"),
            monitorPort: portOf(parsed.monitoring, "monitoring"),
          };
          break;
        }
        await sleep(POLL_MS);
      }
    }

    const { port } = this.ports;
    while (!(await canConnect(port))) {
      if (isDead()) return fail(`exited during startup (${spawnError?.message ?? `code ${child.exitCode}`})`);
      if (Date.now() > deadline)
        return fail(`did not accept TCP connections on ${HOST}:${port} within ${STARTUP_TIMEOUT_MS} ms`);
      await sleep(POLL_MS);
    }
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    await this.exited;
    // A SIGKILLed server leaves its ports file behind; drop it so the dir only reflects live processes.
    if (child?.pid) rmSync(join(this.dir, `nats-server_${child.pid}.ports`), { force: true });
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  /** Synchronous variant for the process "exit" hook, where awaiting is impossible. */
  stopSync(): void {
    live.delete(this);
    this.stopped = true;
    this.child?.kill("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private knownPorts(): Ports {
    if (!this.ports) throw new Error("nats-server has not started yet");
    return this.ports;
  }
}

/**
 * The harness server at `url` (TCP or WebSocket URL, or a cluster's comma-separated URLs: its
 * first node), so helpers can mint for the server a test names.
 */
export function harnessServerAt(url: string): NatsServerHandle | undefined {
  url = url.split(",")[0]!.trim();
  for (const s of live) {
    try {
      if (s.url === url || s.wsUrl === url) return s;
    } catch {
      // not started yet
    }
  }
  return undefined;
}

export async function startNatsServer(opts: StartNatsServerOptions = {}): Promise<NatsServerHandle> {
  // Fail loudly rather than skip: a missing binary must not turn integration tests green.
  const bin = findNatsServer();
  if (!bin) throw new Error(INSTALL_HELP);

  const dir = mkdtempSync(join(tmpdir(), "switchboard-nats-"));
  const authority = (opts.auth ?? true) ? await IdentityAuthority.open(dir) : undefined;
  const server = new NatsServer(
    bin,
    dir,
    {
      jetstream: opts.jetstream ?? true,
      maxPayload: opts.maxPayload ?? 1024 * 1024 + 16 * 1024, // as nats-server.conf: 1 MiB + headers
      config: opts.config ?? "",
      auth: opts.auth ?? true,
      allowedOrigins: opts.allowedOrigins ?? [],
      logRoots: opts.logRoots ?? (opts.jetstream === false || opts.auth === false ? [] : ["agents"]),
    },
    authority,
  );
  trackForExit(server);
  try {
    await server.start();
    for (const root of server.opts.logRoots) await server.createLog(root);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
