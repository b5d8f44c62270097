// Keeps nats-server running under `npm start`: when it dies (a crash, SIGKILL, the OOM killer) it is
// started again on the same config, after a short backoff, and everything connected to it
// reconnects by itself (every client here reconnects forever). A server that keeps dying is given
// up on: more than `maxRestarts` restarts within `windowMs` means something is wrong that a restart
// will not fix (a broken config, a port taken by someone else), and `onGiveUp` is told why.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { ensureNatsServer } from "./nats-binary";
import { isPortInUse, waitForPort } from "./nats";

export interface NatsSupervisorOptions {
  /** The rendered config (scripts/nats.ts `renderNatsConfig`). */
  readonly configPath: string;
  /** The client listener the config sets, to wait for after each start. */
  readonly host: string;
  readonly port: number;
  readonly cwd?: string;
  readonly stdio?: StdioOptions;
  /** One line per event (exit, restart, give up). */
  readonly log: (line: string) => void;
  /** Called once when restarting stops helping; the supervisor then stays down. */
  readonly onGiveUp: (why: string) => void;
  /** Default 5 restarts within 60 s. */
  readonly maxRestarts?: number;
  readonly windowMs?: number;
}

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;

export class NatsSupervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private readonly restartTimes: number[] = [];
  /** How many times the server was started again after dying. */
  restarts = 0;

  private constructor(
    private readonly bin: string,
    private readonly o: NatsSupervisorOptions,
  ) {}

  /** Starts nats-server and resolves once it accepts connections. */
  static async start(o: NatsSupervisorOptions): Promise<NatsSupervisor> {
    if (await isPortInUse(o.host, o.port))
      throw new Error(`something already listens on ${o.host}:${o.port} (another nats-server?)`);
    const s = new NatsSupervisor(await ensureNatsServer(), o);
    await s.launch();
    return s;
  }

  /** The running server's process id (undefined between a death and its restart). */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Stops the server (SIGTERM: JetStream flushes) and does not restart it. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  }

  private async launch(): Promise<void> {
    const child = spawn(this.bin, ["-c", this.o.configPath], {
      cwd: this.o.cwd,
      stdio: this.o.stdio ?? "ignore",
    });
    this.child = child;
    child.once("exit", (code, signal) => void this.died(child, signal ?? code));
    await waitForPort(this.o.host, this.o.port, 10_000);
  }

  private async died(child: ChildProcess, how: NodeJS.Signals | number | null): Promise<void> {
    if (this.stopping || child !== this.child) return;
    const now = Date.now();
    const windowMs = this.o.windowMs ?? 60_000;
    const max = this.o.maxRestarts ?? 5;
    while (this.restartTimes.length > 0 && now - this.restartTimes[0]! > windowMs) this.restartTimes.shift();
    if (this.restartTimes.length >= max) {
      this.o.onGiveUp(
        `nats-server exited (${how}) ${max + 1} times within ${windowMs / 1000} s; not restarting it`,
      );
      return;
    }
    const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** this.restartTimes.length);
    this.restartTimes.push(now);
    this.o.log(
      `nats-server exited (${how}); starting it again in ${backoff} ms (clients reconnect by themselves)`,
    );
    await new Promise((r) => setTimeout(r, backoff));
    if (this.stopping) return;
    try {
      await this.launch();
      this.restarts++;
      this.o.log(`nats-server is back (restart ${this.restarts})`);
    } catch (e) {
      // It did not come up: its exit (if any) is handled by died() again, which counts it.
      this.o.log(`nats-server did not come back: ${(e as Error).message}`);
    }
  }
}
