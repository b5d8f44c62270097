// The benchmark's other process: responders and receivers, raw and agent-layer, driven over IPC.
import { AgentLink, silentLogger, type NatsConnection } from "../lib/transport";
import { connectNats, credsText } from "../lib/transport/connect";
import { rawMessage } from "./payload";

/** Creds text by identity, handed over by the benchmark (it holds the trust chain). */
type Creds = Record<string, string>;

type Command =
  | { cmd: "creds"; creds: Creds }
  /**
   * The raw and agent responders; `root`: the agent's subject root (default "agents"), its link on
   * core NATS; `durable`: also an agent of that name on "agents" answering through the log.
   */
  | { cmd: "responders"; root?: string; durable?: string }
  | { cmd: "receivers"; mode: "raw" | "agent"; n: number; expect: number }
  | { cmd: "drop-receivers" }
  | { cmd: "teardown" };

const url = process.argv[2]!;
const closers: (() => Promise<unknown>)[] = [];
const receiverClosers: (() => Promise<unknown>)[] = [];
const send = (m: unknown) => process.send?.(m);
const enc = new TextEncoder();
let creds: Creds = {};
/** An empty creds text: an anonymous connection (the benchmark's BENCH_AUTH=0). */
const as = (who: string) => (creds[who] ? { credentials: credsText(creds[who]) } : {});

/** The server each connection opened by the current command is on (for the cluster benchmark). */
const opened: string[] = [];

// Pinned to `url`: the client does not wander to the servers a cluster advertises.
async function conn(who: string): Promise<NatsConnection> {
  const nc = await connectNats({ servers: url, ...as(who), extra: { ignoreClusterUpdates: true } });
  opened.push(nc.info?.server_name ?? "?");
  closers.push(() => nc.close());
  return nc;
}

async function responders(root: string | undefined, durable: string | undefined): Promise<void> {
  const nc = await conn("raw");
  nc.subscribe("bench.raw.request", {
    callback: (_e, m) => {
      const req = JSON.parse(new TextDecoder().decode(m.data)) as { id: string };
      const res = { ...rawMessage(0), type: "response", inReplyTo: req.id, status: "ok" };
      m.respond(enc.encode(JSON.stringify(res)));
    },
  });
  const link = await AgentLink.start({
    connection: await conn("Bench-Responder"),
    agent: { name: "Bench-Responder" },
    logger: silentLogger,
    handlers: { request: (m) => ({ content: m.content, metadata: m.metadata }) },
    ...(root === undefined ? {} : { root, log: "off" as const }),
  });
  closers.unshift(() => link.close());
  if (durable !== undefined) {
    const d = await AgentLink.start({
      connection: await conn(durable),
      agent: { name: durable },
      logger: silentLogger,
      handlers: { request: (m) => ({ content: m.content, metadata: m.metadata }) },
    });
    if (d.stats.memory === null) throw new Error(`${durable} found no log on ${url}`);
    closers.unshift(() => d.close());
  }
  await nc.flush();
}

async function receivers(mode: "raw" | "agent", n: number, expectEach: number): Promise<void> {
  const counts = new Array<number>(n).fill(0);
  let done = 0;
  const got = (i: number) => {
    if (++counts[i]! === expectEach && ++done === n) send({ done: true });
  };
  const local: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < n; i++) {
    const who = mode === "raw" ? "raw" : `Bench-Receiver-${i}`;
    const nc = await connectNats({ servers: url, ...as(who) });
    if (mode === "raw") {
      nc.subscribe("bench.raw.all", {
        callback: (_e, m) => {
          JSON.parse(new TextDecoder().decode(m.data));
          got(i);
        },
      });
      await nc.flush();
      local.push(() => nc.close());
    } else {
      const link = await AgentLink.start({
        connection: nc,
        agent: { name: `Bench-Receiver-${i}` },
        ownsConnection: true,
        logger: silentLogger,
        handlers: { announcement: () => void got(i) },
      });
      local.push(() => link.close());
    }
  }
  receiverClosers.push(() => Promise.all(local.map((c) => c())));
}

process.on("message", (c: Command) => {
  void (async () => {
    if (c.cmd === "creds") creds = c.creds;
    else if (c.cmd === "responders") await responders(c.root, c.durable);
    else if (c.cmd === "receivers") await receivers(c.mode, c.n, c.expect);
    else if (c.cmd === "drop-receivers") {
      for (const close of receiverClosers.splice(0)) await close();
    } else {
      for (const close of [...receiverClosers.splice(0), ...closers.splice(0)]) await close();
    }
    send({ ready: true, servers: opened.splice(0) });
  })();
});
send({ ready: true });
