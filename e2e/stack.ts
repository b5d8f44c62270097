// Child processes for the end-to-end tests and the UI benchmark: `next start`, the demo agents, a
// single killable agent. Each runs in a process group of its own so that stopping it also stops
// whatever it spawned; stop() is SIGTERM, then SIGKILL after 3 s. Nothing outlives the caller.
//
// Authentication is on, as under `npm start`: everything finds its credentials under the harness
// server's `dataDir` (SWITCHBOARD_DATA_DIR): the demo agents and the dashboard's server their
// creds files (scripts/identity.ts `prepareIdentity`), `next start` the trust chain it mints
// with, and the login token it admits a browser with (DASHBOARD_TOKEN).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureCredsFile, IdentityAuthority } from "../lib/identity";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const TAIL_LIMIT = 32 * 1024;
const KILL_GRACE_MS = 3_000;

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** The newest stdout + stderr (a tail), for error messages. */
  output(): string;
  readonly exited: Promise<void>;
  isRunning(): boolean;
  /** Resolves when `pattern` shows up in the output; rejects with the output on exit or timeout. */
  waitFor(pattern: string | RegExp, timeoutMs: number): Promise<void>;
  /** Sends `signal` to the process only (not its group). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM to the group, SIGKILL after 3 s. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let hookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (hookInstalled) return;
  hookInstalled = true;
  process.on("exit", () => {
    for (const c of live) killGroup(c, "SIGKILL");
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the group: detached children lead their own
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  track(child);
  let text = "";
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.length > TAIL_LIMIT) text = text.slice(-TAIL_LIMIT);
    for (const w of waiters) w();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("error", (e) => {
      spawnError = e;
      resolve();
    });
    child.once("exit", () => resolve());
  });
  const running = () => spawnError === undefined && child.exitCode === null && child.signalCode === null;
  const describeExit = () =>
    spawnError ? spawnError.message : `exit code ${child.exitCode}, signal ${child.signalCode}`;
  let stopping: Promise<void> | undefined;

  return {
    name,
    pid: child.pid,
    output: () => text,
    exited,
    isRunning: running,
    signal(signal) {
      if (running()) child.kill(signal);
    },
    waitFor(pattern, timeoutMs) {
      const seen = () => (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text));
      return new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          waiters.delete(check);
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        };
        const check = () => {
          if (seen()) done();
        };
        const timer = setTimeout(
          () => done(new Error(`${name}: no ${String(pattern)} within ${timeoutMs} ms\n${tail(text)}`)),
          timeoutMs,
        );
        waiters.add(check);
        void exited.then(() => {
          if (!seen())
            done(new Error(`${name} exited (${describeExit()}) before ${String(pattern)}\n${tail(text)}`));
        });
        check();
      });
    },
    stop() {
      stopping ??= (async () => {
        if (!running()) return;
        killGroup(child, "SIGTERM");
        const timer = setTimeout(() => killGroup(child, "SIGKILL"), KILL_GRACE_MS);
        await exited;
        clearTimeout(timer);
        killGroup(child, "SIGKILL"); // stragglers left in the group
      })();
      return stopping;
    },
  };
}

export function tail(text: string, max = 6_000): string {
  const t = text.length > max ? `...${text.slice(-max)}` : text;
  return `--- output (tail) ---\n${t}\n---`;
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/** Throws with the fix when there is no production build to serve. */
export function assertNextBuild(): void {
  if (!existsSync(join(REPO_ROOT, ".next", "BUILD_ID"))) {
    throw new Error(`no production build in ${join(REPO_ROOT, ".next")}: run "npx next build" first`);
  }
}

export interface NextServer {
  readonly baseURL: string;
  readonly process: ManagedProcess;
}

/** A login token like the one `npm start` prints: 32 random bytes, base64url (43 characters). */
export function dashboardToken(): string {
  return randomBytes(32).toString("base64url");
}

export interface NextServerOptions {
  /** The port to serve on; pick it first (freePort) when the NATS server must allow its origin. */
  port?: number;
  /** Where the trust chain and `creds/dashboard.creds` are (SWITCHBOARD_DATA_DIR). */
  dataDir: string;
  /** The one-time login token (DASHBOARD_TOKEN); `/login?token=` exchanges it for the session. */
  dashboardToken: string;
  /** What the page connects to (NATS_WS_URL): one URL, or a cluster's, comma-separated. */
  wsUrl: string;
  /**
   * What the server's own agents connect to (NATS_URL; one URL or a cluster's, comma-separated);
   * without it they would join 127.0.0.1:4222.
   */
  natsUrl: string;
  /** The LLM for server agents and the browser agents' proxy (LLM_BASE_URL); unset: the server's default. */
  llmBaseUrl?: string;
  /** SWITCHBOARD_SUBJECT_ROOT for the page and the server's agents (default "agents"). */
  subjectRoot?: string;
  timeoutMs?: number;
}

/**
 * `next start` on `port` (or a free one), pointed at the given NATS (page and server) and LLM;
 * resolves once it serves GET / (401 without a session: the answer is what tells it is up).
 */
export async function startNext(o: NextServerOptions): Promise<NextServer> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  assertNextBuild();
  const port = o.port ?? (await freePort());
  const proc = spawnManaged(
    "next start",
    process.execPath,
    [
      join(REPO_ROOT, "node_modules", "next", "dist", "bin", "next"),
      "start",
      "-p",
      String(port),
      "-H",
      "127.0.0.1",
    ],
    {
      env: {
        SWITCHBOARD_DATA_DIR: o.dataDir,
        DASHBOARD_TOKEN: o.dashboardToken,
        NATS_WS_URL: o.wsUrl,
        NATS_URL: o.natsUrl,
        SWITCHBOARD_SUBJECT_ROOT: o.subjectRoot ?? "agents",
        ...(o.llmBaseUrl === undefined ? {} : { LLM_BASE_URL: o.llmBaseUrl }),
        OFFLINE_MODEL_PORT: "0",
        NEXT_TELEMETRY_DISABLED: "1",
        PORT: String(port),
      },
    },
  );
  const baseURL = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    if (!proc.isRunning()) {
      await proc.stop();
      throw new Error(`next start exited before serving ${baseURL}/ (${last})\n${tail(proc.output())}`);
    }
    try {
      const res = await fetch(`${baseURL}/`, { signal: AbortSignal.timeout(5_000), redirect: "manual" });
      await res.arrayBuffer();
      if (res.status < 500) return { baseURL, process: proc };
      last = `GET / answered ${res.status}`;
    } catch (e) {
      last = `GET / failed: ${(e as Error).message}`;
    }
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(
        `next start: ${baseURL}/ not served within ${timeoutMs} ms (${last})\n${tail(proc.output())}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const TSX = ["--import", "tsx"];

export interface DemoAgentsOptions {
  natsUrl: string;
  llmBaseUrl: string;
  /** SWITCHBOARD_SUBJECT_ROOT (default "agents"). */
  subjectRoot?: string;
  /** Where their creds files are (`prepareIdentity` made them). */
  dataDir: string;
}

/** The demo agents (`agents/main.ts`), each with its own credential; resolves when all are online. */
export async function startDemoAgents(o: DemoAgentsOptions): Promise<ManagedProcess> {
  const proc = spawnManaged("demo agents", process.execPath, [...TSX, join(REPO_ROOT, "agents", "main.ts")], {
    env: {
      NATS_URL: o.natsUrl,
      LLM_BASE_URL: o.llmBaseUrl,
      OFFLINE_MODEL_PORT: "0",
      SWITCHBOARD_SUBJECT_ROOT: o.subjectRoot ?? "agents",
      SWITCHBOARD_DATA_DIR: o.dataDir,
    },
  });
  try {
    await proc.waitFor("[agents] Calculator is online", 30_000);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return proc;
}

export interface AgentProcessOptions {
  natsUrl: string;
  /** The trust chain's directory: a creds file for `name` is made there. */
  dataDir: string;
  root: string;
  name: string;
  heartbeatMs: number;
}

/** One minimal agent in its own process (test/fixtures/agent-process.ts) with its own credential, for SIGKILL tests. */
export async function startAgentProcess(o: AgentProcessOptions): Promise<ManagedProcess> {
  await ensureCredsFile(
    await IdentityAuthority.open(o.dataDir),
    o.dataDir,
    { role: "agent", name: o.name, runtime: "process", root: o.root, ttlMs: 3_600_000 },
    0,
  );
  const proc = spawnManaged(
    `agent ${o.name}`,
    process.execPath,
    [...TSX, join(REPO_ROOT, "test", "fixtures", "agent-process.ts"), o.name, String(o.heartbeatMs)],
    { env: { NATS_URL: o.natsUrl, SWITCHBOARD_DATA_DIR: o.dataDir, SWITCHBOARD_SUBJECT_ROOT: o.root } },
  );
  try {
    await proc.waitFor(/^ready$/m, 15_000);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return proc;
}
