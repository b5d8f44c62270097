// The outage drill's core (`npm run drill:outage`, scripts/drill-outage.ts; also run by
// test/scripts/drill-outage.test.ts): a throwaway receiver agent and a sender, numbered direct
// messages at a steady pace, nats-server killed with SIGKILL while they flow (something else starts
// it again: npm start's supervisor), the receiver closed and started again once; then it waits for
// every message and counts what was lost and what reached the handler twice. Both must be 0: the
// log holds what the sender sent across the outages, and the receiver's consumer holds what
// arrived while it was away.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { AgentLink, silentLogger, type NatsConnection } from "../../lib/transport";
import { connectNats, credsText } from "../../lib/transport/connect";

export interface OutageDrillOptions {
  readonly url: string;
  readonly root: string;
  /** Names for the two throwaway agents (the receiver is what a deployment would call `Drill-Receiver-xxxx`). */
  readonly receiver: string;
  readonly sender: string;
  /** An agent credential's creds text for `name` (runtime process). */
  readonly mint: (name: string) => Promise<string>;
  /** Kills nats-server with SIGKILL; something else starts it again. Resolves once the signal is sent. */
  readonly killServer: () => Promise<void>;
  /** Default 2,000. */
  readonly messages?: number;
  /** Messages per second (default 200). */
  readonly rate?: number;
  /** Server kills while sending (default 2). */
  readonly kills?: number;
  /** How long to wait for the last messages after sending (default 60 s). */
  readonly settleMs?: number;
  readonly log?: (line: string) => void;
}

export interface OutageDrillResult {
  readonly sent: number;
  /** Distinct messages the receiver's handler got. */
  readonly delivered: number;
  readonly lost: number;
  /** Messages the handler got more than once (must be 0). */
  readonly duplicates: number;
  /** Second copies the links dropped before the handler (at-least-once delivery, handled once). */
  readonly duplicates_handled: number;
  /** Messages the sender's outbox sent again after an outage. */
  readonly resent: number;
  /** For each kill: ms from SIGKILL until the sender was connected again (null: it never was). */
  readonly recovered_ms: (number | null)[];
  /** ms the receiver was away (closed until started again). */
  readonly receiver_away_ms: number;
  /** ms from the last send until the last message was delivered. */
  readonly settle_ms: number;
  readonly elapsed_ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runOutageDrill(o: OutageDrillOptions): Promise<OutageDrillResult> {
  const total = o.messages ?? 2_000;
  const rate = o.rate ?? 200;
  const kills = o.kills ?? 2;
  const log = o.log ?? (() => {});
  const got = new Map<number, number>();
  const connections: NatsConnection[] = [];
  const links: AgentLink[] = [];
  let handled = 0; // duplicates dropped by receivers that were closed since

  const connect = async (name: string) => {
    const nc = await connectNats({
      servers: o.url,
      name: `switchboard-drill-${name}`,
      reconnectWaitMs: 100,
      credentials: credsText(await o.mint(name)),
    });
    connections.push(nc);
    return nc;
  };
  const startReceiver = async () => {
    const link = await AgentLink.start({
      connection: await connect(o.receiver),
      root: o.root,
      agent: { name: o.receiver, description: "outage drill receiver (throwaway)" },
      ownsConnection: true,
      logger: silentLogger,
      handlers: {
        direct: (m) => {
          const n = Number(/^drill (\d+)$/.exec(m.content)?.[1] ?? NaN);
          if (Number.isInteger(n)) got.set(n, (got.get(n) ?? 0) + 1);
        },
      },
    });
    links.push(link);
    return link;
  };

  const t0 = Date.now();
  try {
    let receiver = await startReceiver();
    const senderNc = await connect(o.sender);
    const sender = await AgentLink.start({
      connection: senderNc,
      root: o.root,
      mode: "client",
      agent: { name: o.sender, description: "outage drill sender (throwaway)" },
      logger: silentLogger,
    });
    links.push(sender);
    if (sender.stats.memory === null || receiver.stats.memory === null)
      throw new Error(`no log for ${o.root} on ${o.url}: the drill needs it (npm start creates it)`);

    // When each kill happens, and when the sender is connected again.
    const killedAt: number[] = [];
    const recovered: (number | null)[] = [];
    void (async () => {
      for await (const s of senderNc.status()) {
        if (s.type === "reconnect" && recovered.length < killedAt.length) {
          const ms = Date.now() - killedAt[recovered.length]!;
          recovered.push(ms);
          log(`sender connected again ${ms} ms after the kill`);
        }
      }
    })().catch(() => {});

    // Events at fixed points of the send: kills spread over the run, the receiver restart between.
    const killAt = Array.from({ length: kills }, (_, k) => Math.floor((total * (k + 1)) / (kills + 1.5)));
    const restartAt = Math.floor(total * 0.45);
    const events: Promise<void>[] = [];
    let awayMs = 0;
    const periodMs = 1_000 / rate;
    log(
      `sending ${total} direct messages to ${o.receiver} at ${rate}/s; kills at #${killAt.join(", #")}, receiver restart at #${restartAt}`,
    );
    for (let i = 0; i < total; i++) {
      const due = t0 + i * periodMs;
      if (due > Date.now()) await sleep(due - Date.now());
      if (killAt.includes(i)) {
        killedAt.push(Date.now());
        log(`#${i}: killing nats-server (SIGKILL)`);
        events.push(o.killServer());
      }
      if (i === restartAt) {
        const old = receiver;
        events.push(
          (async () => {
            const away = Date.now();
            log(`#${i}: closing the receiver`);
            await old.close();
            handled += old.stats.memory?.duplicates ?? 0;
            receiver = await startReceiver();
            awayMs = Date.now() - away;
            log(`receiver started again after ${awayMs} ms away`);
          })(),
        );
      }
      sender.sendDirect(o.receiver, `drill ${i}`);
    }
    const sentAt = Date.now();
    await Promise.all(events);
    log(`all ${total} sent in ${sentAt - t0} ms; waiting for delivery`);

    const deadline = Date.now() + (o.settleMs ?? 60_000);
    let lastCount = -1;
    let lastChange = Date.now();
    while (got.size < total && Date.now() < deadline) {
      if (got.size !== lastCount) [lastCount, lastChange] = [got.size, Date.now()];
      await sleep(50);
    }
    const settleMs = (got.size < total ? lastChange : Date.now()) - sentAt;
    // Late copies (a redelivery after a lost ack) would come within the consumers' ack wait.
    await sleep(1_000);

    const duplicates = [...got.values()].filter((c) => c > 1).length;
    const memory = sender.stats.memory;
    return {
      sent: total,
      delivered: got.size,
      lost: total - got.size,
      duplicates,
      duplicates_handled:
        handled + (receiver.stats.memory?.duplicates ?? 0) + (memory?.outbox.duplicates ?? 0),
      resent: memory?.outbox.resent ?? 0,
      recovered_ms: killedAt.map((_, k) => recovered[k] ?? null),
      receiver_away_ms: awayMs,
      settle_ms: settleMs,
      elapsed_ms: Date.now() - t0,
    };
  } finally {
    for (const l of links.reverse()) await l.close().catch(() => {});
    for (const nc of connections) await nc.close().catch(() => {});
  }
}

/**
 * The pid of the process listening on TCP `port` on this machine, from /proc (Linux): the listening
 * socket's inode in /proc/net/tcp{,6}, then the process holding it. nats-server 2.9's /varz has
 * no pid field, and npm start's config writes no pid file.
 */
export function listenerPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; the inode is the 10th field.
      if (f[3] === "0A" && parseInt(f[1]?.split(":")[1] ?? "", 16) === port && f[9] !== undefined)
        inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        if (inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? "")) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/**
 * Kills the nats-server listening at `url` (on this machine) with SIGKILL. While a previous kill
 * is being recovered from (nothing listens yet), it waits for the server to be back.
 */
export async function killServerAt(url: string, timeoutMs = 15_000): Promise<number> {
  const u = new URL(url.includes("://") ? url : `nats://${url}`);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname))
    throw new Error(`the drill kills nats-server on this machine; ${url} is elsewhere`);
  const port = Number(u.port || 4222);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = listenerPid(port);
    if (pid !== undefined) {
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      if (comm !== "nats-server")
        throw new Error(`port ${port} is held by ${comm} (pid ${pid}), not nats-server`);
      process.kill(pid, "SIGKILL");
      return pid;
    }
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} to kill`);
    await sleep(100);
  }
}
