// `npm run bench`: the agent layer against raw NATS, same server, same payload, same process
// layout, interleaved rounds (see ../../shared/BENCHMARKS.md). Prints a table, then one JSON line.
// Identity is on for both sides, as in production: every connection presents a credential, the
// agents' with their role's permissions (sender-bound subjects), the raw baseline's with
// permissions for its own subjects, so the ratios measure the protocol, not the auth setup.
// BENCH_AUTH=0 runs both sides without authentication, to measure what identity costs.
import { fork } from "node:child_process";
import { AgentLink, silentLogger } from "../lib/transport";
import { connectNats, credsText } from "../lib/transport/connect";
import { startNatsServer } from "../test/harness/nats-server";
import { benchCluster } from "./cluster";
import { benchDurable } from "./durable";
import { command, waitFor } from "./ipc";
import { sequential } from "./measure";
import { CONTENT, METADATA, rawMessage } from "./payload";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SEQ = Number(process.env.BENCH_SEQ ?? 5_000);
const CONC = Number(process.env.BENCH_CONC ?? 20_000);
const IN_FLIGHT = 100;
const BCAST_1 = Number(process.env.BENCH_BCAST ?? 100_000);
const BCAST_10 = Math.round(BCAST_1 / 5);
const DURABLE = Number(process.env.BENCH_DURABLE ?? 1_000);
const enc = new TextEncoder();

const AUTH = process.env.BENCH_AUTH !== "0";
const server = await startNatsServer({ jetstream: false, auth: AUTH });
const peer = fork(new URL("./peer.ts", import.meta.url).pathname, [server.url], {
  execArgv: ["--import", "tsx"],
});
await waitFor(peer, (m) => (m as { ready?: boolean }).ready === true); // the peer is up
const HOUR = 3_600_000;
const raw = AUTH
  ? await server.authority!.mintRaw(
      "raw",
      ["bench.raw.>", "_INBOX_raw.>"],
      ["bench.raw.>", "_INBOX_raw.>"],
      HOUR,
    )
  : "";
const agent = async (name: string) =>
  AUTH ? server.credentials({ role: "agent", name, runtime: "process", ttlMs: HOUR }) : "";
/** No creds text: an anonymous connection (BENCH_AUTH=0). */
const as = (creds: string) => (creds === "" ? {} : { credentials: credsText(creds) });
const peerCreds: Record<string, string> = { raw, "Bench-Responder": await agent("Bench-Responder") };
for (let i = 0; i < 10; i++) peerCreds[`Bench-Receiver-${i}`] = await agent(`Bench-Receiver-${i}`);
await command(peer, { cmd: "creds", creds: peerCreds });
const nc = await connectNats({ servers: server.url, ...as(raw) });
const link = await AgentLink.start({
  connection: await connectNats({ servers: server.url, ...as(await agent("Bench-Requester")) }),
  agent: { name: "Bench-Requester" },
  logger: silentLogger,
  ownsConnection: true,
});

try {
  await command(peer, { cmd: "responders" });
  console.log(
    `payload ${enc.encode(JSON.stringify(rawMessage(0))).byteLength} B raw; ${ROUNDS} interleaved rounds; warming up...`,
  );
  await rawSequential(1_000);
  await agentSequential(1_000);

  const rows: Record<string, { raw: number[]; agent: number[]; unit: string }> = {
    "request/reply sequential": { raw: [], agent: [], unit: "req/s" },
    [`request/reply ${IN_FLIGHT} in flight`]: { raw: [], agent: [], unit: "req/s" },
    "broadcast to 1 receiver": { raw: [], agent: [], unit: "msg/s" },
    "broadcast to 10 receivers": { raw: [], agent: [], unit: "deliveries/s" },
  };
  const p99: { raw: number[]; agent: number[] } = { raw: [], agent: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const rs = await rawSequential(SEQ);
    const as = await agentSequential(SEQ);
    rows["request/reply sequential"]!.raw.push(rs.rate);
    rows["request/reply sequential"]!.agent.push(as.rate);
    p99.raw.push(rs.p99);
    p99.agent.push(as.p99);
    rows[`request/reply ${IN_FLIGHT} in flight`]!.raw.push(await concurrent(CONC, rawRequest));
    rows[`request/reply ${IN_FLIGHT} in flight`]!.agent.push(await concurrent(CONC, agentRequest));
    for (const [n, count, key] of [
      [1, BCAST_1, "broadcast to 1 receiver"],
      [10, BCAST_10, "broadcast to 10 receivers"],
    ] as const) {
      rows[key]!.raw.push((await broadcast("raw", n, count)) * n);
      rows[key]!.agent.push((await broadcast("agent", n, count)) * n);
    }
    process.stdout.write(`round ${r + 1}/${ROUNDS} done\n`);
  }

  const ratios = Object.fromEntries(
    Object.entries(rows).map(([k, v]) => [k, v.agent.map((a, i) => a / v.raw[i]!)]),
  );
  console.log("");
  console.log(
    pad("measure", 30) +
      pad("raw (median)", 16) +
      pad("agent (median)", 16) +
      pad("ratio median", 14) +
      "ratio min-max",
  );
  for (const [k, v] of Object.entries(rows)) {
    const rt = ratios[k]!;
    console.log(
      pad(k, 30) +
        pad(`${fmt(median(v.raw))} ${v.unit}`, 16) +
        pad(fmt(median(v.agent)), 16) +
        pad(median(rt).toFixed(2), 14) +
        `${Math.min(...rt).toFixed(2)}-${Math.max(...rt).toFixed(2)}`,
    );
  }
  console.log(
    pad("p99 sequential latency", 30) +
      pad(`${median(p99.raw).toFixed(2)} ms`, 16) +
      pad(`${median(p99.agent).toFixed(2)} ms`, 16),
  );
  // The durable path, on its own server with JetStream and the log (the rows above have none).
  process.stdout.write("durable path (request through the log)...\n");
  const d = await benchDurable(ROUNDS, DURABLE);
  const durableRatio = d.agent.map((a, i) => a / d.raw[i]!);
  const durableToPublish = d.agent.map((a, i) => a / d.publish[i]!);
  console.log(
    pad("durable request (log)", 30) +
      pad(`${fmt(median(d.raw))} req/s`, 16) +
      pad(fmt(median(d.agent)), 16) +
      pad(median(durableRatio).toFixed(2), 14) +
      `${Math.min(...durableRatio).toFixed(2)}-${Math.max(...durableRatio).toFixed(2)}`,
  );
  console.log(
    pad("  vs JetStream publish+ack", 30) +
      pad(`${fmt(median(d.publish))} pub/s`, 16) +
      pad(fmt(median(d.agent)), 16) +
      pad(median(durableToPublish).toFixed(2), 14) +
      `${Math.min(...durableToPublish).toFixed(2)}-${Math.max(...durableToPublish).toFixed(2)}`,
  );
  // Across a cluster: requester on node A, responder on node B (./cluster.ts says why core).
  process.stdout.write("cluster (requester and responder on different nodes)...\n");
  const c = await benchCluster(ROUNDS, { seq: SEQ, durable: DURABLE });
  const clusterRatio = c.agent.map((a, i) => a / c.raw[i]!);
  const clusterDurableRatio = c.durable.map((a, i) => a / c.raw[i]!);
  console.log(`  path: ${c.path}`);
  console.log(
    pad("cluster request/reply (core)", 30) +
      pad(`${fmt(median(c.raw))} req/s`, 16) +
      pad(fmt(median(c.agent)), 16) +
      pad(median(clusterRatio).toFixed(2), 14) +
      `${Math.min(...clusterRatio).toFixed(2)}-${Math.max(...clusterRatio).toFixed(2)}`,
  );
  console.log(
    pad("  durable (log, R3) vs raw", 30) +
      pad(`${fmt(median(c.raw))} req/s`, 16) +
      pad(fmt(median(c.durable)), 16) +
      pad(median(clusterDurableRatio).toFixed(2), 14) +
      `${Math.min(...clusterDurableRatio).toFixed(2)}-${Math.max(...clusterDurableRatio).toFixed(2)}`,
  );
  console.log(
    pad("  p99 cluster request", 30) +
      pad(`${median(c.rawP99).toFixed(2)} ms`, 16) +
      pad(`${median(c.agentP99).toFixed(2)} ms`, 16),
  );
  const bcast = ratios["broadcast to 1 receiver"]!.map((r, i) =>
    Math.min(r, ratios["broadcast to 10 receivers"]![i]!),
  );
  console.log(
    JSON.stringify({
      request_reply_ratio: round(median(ratios["request/reply sequential"]!)),
      request_reply_concurrent_ratio: round(median(ratios[`request/reply ${IN_FLIGHT} in flight`]!)),
      broadcast_ratio: round(median(bcast)),
      broadcast_1_ratio: round(median(ratios["broadcast to 1 receiver"]!)),
      broadcast_10_ratio: round(median(ratios["broadcast to 10 receivers"]!)),
      agent_request_p99_ms: round(median(p99.agent)),
      raw_request_p99_ms: round(median(p99.raw)),
      raw_request_per_s: Math.round(median(rows["request/reply sequential"]!.raw)),
      agent_request_per_s: Math.round(median(rows["request/reply sequential"]!.agent)),
      durable_request_ratio: round(median(durableRatio)),
      durable_request_to_js_publish_ratio: round(median(durableToPublish)),
      durable_request_per_s: Math.round(median(d.agent)),
      js_publish_per_s: Math.round(median(d.publish)),
      cluster_request_ratio: round(median(clusterRatio)),
      cluster_raw_request_per_s: Math.round(median(c.raw)),
      cluster_agent_request_per_s: Math.round(median(c.agent)),
      cluster_agent_request_p99_ms: round(median(c.agentP99)),
      cluster_raw_request_p99_ms: round(median(c.rawP99)),
      cluster_durable_request_to_raw_ratio: round(median(clusterDurableRatio)),
      cluster_durable_request_per_s: Math.round(median(c.durable)),
      rounds: ROUNDS,
      auth: AUTH,
    }),
  );
} finally {
  await command(peer, { cmd: "teardown" }).catch(() => {});
  peer.kill();
  await link.close();
  await nc.close();
  await server.stop();
}

function rawRequest(i: number): Promise<unknown> {
  return nc
    .request("bench.raw.request", enc.encode(JSON.stringify(rawMessage(i))), { timeout: 5_000 })
    .then((m) => JSON.parse(m.string()));
}

function agentRequest(): Promise<unknown> {
  return link.request("Bench-Responder", CONTENT, { metadata: METADATA, timeoutMs: 5_000 });
}

function rawSequential(n: number) {
  return sequential(n, rawRequest);
}
function agentSequential(n: number) {
  return sequential(n, agentRequest);
}

async function concurrent(n: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < n) await one(next++);
    }),
  );
  return (n / (performance.now() - t0)) * 1000;
}

/** Publishes `count` messages to `n` receivers in the peer; returns messages per second. */
async function broadcast(mode: "raw" | "agent", n: number, count: number): Promise<number> {
  await command(peer, { cmd: "receivers", mode, n, expect: count });
  const done = waitFor(peer, (m) => (m as { done?: boolean }).done === true);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    if (mode === "raw") nc.publish("bench.raw.all", enc.encode(JSON.stringify(rawMessage(i))));
    else link.broadcast(CONTENT, { metadata: METADATA });
    if (i % 1_000 === 999) await (mode === "raw" ? nc : link.nc).flush();
  }
  await done;
  const rate = (count / (performance.now() - t0)) * 1000;
  await command(peer, { cmd: "drop-receivers" });
  return rate;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
function round(x: number): number {
  return Math.round(x * 100) / 100;
}
function fmt(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}
function pad(s: string, w: number): string {
  return s.padEnd(w);
}
