// The UI benchmark's publisher, in a process of its own so that it never competes with the
// measuring process's event loop. Driven over IPC by bench/ui.bench.ts:
//   -> { cmd: "run", rate, durationMs }   publish `rate` msg/s for `durationMs`, in 10 ms slices
//   <- { progress: sent }                  about every 100 ms while running
//   <- { done: true, sent, elapsedMs, lateMs, bytes, lastId }
//   -> { cmd: "agents", count, heartbeatMs }  announce `count` agents (500-character description,
//                                          20 capabilities) and keep them heartbeating, spread
//                                          evenly over `heartbeatMs`; count 0 stops them
//   <- { connected: count }              its agents' connections are open; announcing starts now
//   <- { announced: count }
//   -> { cmd: "mixed", bytes, bytesPerS }  publish about `bytes` of mixed messages (most small,
//                                          some up to ~900 KB), paced at `bytesPerS`
//   <- { done: true, sent, elapsedMs, bytes, lastId }
//   -> { cmd: "stop" }                     close and exit
// Messages are valid protocol envelopes built with compose and encodeMessage, published raw to
// their subjects; no AgentLink. Authentication is on: every sender has its own credential, minted
// here from the trust chain in <data-dir> (the server lets nobody publish in another's name), so
// the announced agents each have a connection of their own, made before they announce.
// Usage: node --import tsx bench/ui-publisher.ts <nats-url> <data-dir>
import { setTimeout as sleep } from "node:timers/promises";
import { IdentityAuthority } from "../lib/identity";
import { compose, encodeMessage, newId, subjects, type AgentMetadata } from "../lib/protocol";
import { connectNats, credsText, type NatsConnection } from "../lib/transport/connect";
import { CONTENT } from "./payload";

type Command =
  | { cmd: "run"; rate: number; durationMs: number }
  | { cmd: "agents"; count: number; heartbeatMs: number }
  | { cmd: "mixed"; bytes: number; bytesPerS: number }
  | { cmd: "stop" };

const SLICE_MS = 10;
const PROGRESS_MS = 100;
const TARGET_BYTES = 500;
const FROM = "Bench-Publisher";
const TARGETS = ["Bench-Sink", "Bench-Archive", "Bench-Relay"];

const [url, dataDir] = process.argv.slice(2);
if (url === undefined || dataDir === undefined)
  throw new Error("usage: ui-publisher.ts <nats-url> <data-dir>");
const s = subjects();
const authority = await IdentityAuthority.open(dataDir);

/** A connection that speaks as `name`: an agent in a process, with a credential minted for it. */
async function connectAs(name: string): Promise<NatsConnection> {
  const minted = await authority.mint({
    role: "agent",
    name,
    runtime: "process",
    root: s.root,
    ttlMs: 3_600_000,
  });
  return connectNats({ servers: url, name: `ui-bench-${name}`, credentials: credsText(minted.creds!) });
}

const nc = await connectAs(FROM);
const send = (m: unknown) => process.send?.(m);

// Content sized so that an encoded envelope is about TARGET_BYTES.
const overhead = encodeMessage(compose("direct", FROM, { to: TARGETS[0]!, content: "" })).byteLength;
const text = CONTENT.repeat(3).slice(0, Math.max(16, TARGET_BYTES - overhead));

function message(i: number, content = text): { subject: string; data: Uint8Array; id: string } {
  if (i % 4 === 3) {
    const m = compose("announcement", FROM, { content });
    return { subject: s.all(FROM), data: encodeMessage(m), id: m.id };
  }
  const to = TARGETS[i % TARGETS.length]!;
  const m = compose("direct", FROM, { to, content });
  return { subject: s.direct(to, FROM), data: encodeMessage(m), id: m.id };
}

/**
 * The same messages as message(i), faster: at 40,000 msg/s building and validating each one
 * would make the publisher, not the page, the limit of the ceiling. Each of the four kinds is
 * encoded once (every 100 ms, so timestamps stay fresh) and copied with a new id written over
 * the template's id and threadId (ids are ASCII and of one length).
 */
const templates: { subject: string; data: Uint8Array; offsets: number[] }[] = [];
let templatesAt = -Infinity;
function fastMessage(i: number): { subject: string; data: Uint8Array; id: string } {
  const now = performance.now();
  if (now - templatesAt > 100) {
    templatesAt = now;
    templates.length = 0;
    for (let k = 0; k < 4; k++) {
      const m = message(k);
      const json = new TextDecoder().decode(m.data);
      const offsets: number[] = [];
      for (let at = json.indexOf(m.id); at !== -1; at = json.indexOf(m.id, at + 1)) offsets.push(at);
      templates.push({ subject: m.subject, data: m.data, offsets });
    }
  }
  const t = templates[i % 4]!;
  const id = newId();
  const data = t.data.slice();
  for (const at of t.offsets) for (let c = 0; c < id.length; c++) data[at + c] = id.charCodeAt(c);
  return { subject: t.subject, data, id };
}

async function run(rate: number, durationMs: number): Promise<void> {
  const slices = Math.round(durationMs / SLICE_MS);
  const start = performance.now();
  let sent = 0;
  let bytes = 0;
  let lastProgress = start;
  let lastId = "";
  for (let k = 0; k < slices; k++) {
    // Whatever is due by the end of this slice, including catch-up after a late slice.
    const due = Math.round((rate * (k + 1) * SLICE_MS) / 1000);
    while (sent < due) {
      const m = fastMessage(sent);
      nc.publish(m.subject, m.data);
      bytes += m.data.byteLength;
      lastId = m.id;
      sent++;
    }
    await nc.flush();
    const now = performance.now();
    if (now - lastProgress >= PROGRESS_MS) {
      lastProgress = now;
      send({ progress: sent });
    }
    const wait = start + (k + 1) * SLICE_MS - now;
    if (wait > 0) await sleep(wait);
  }
  const elapsedMs = performance.now() - start;
  send({ done: true, sent, elapsedMs, lateMs: Math.max(0, elapsedMs - durationMs), bytes, lastId });
}

// ---- many agents ----------------------------------------------------------------------------

let heartbeats: ReturnType<typeof setInterval> | undefined;
/** The announced agents' own connections, by name; kept until the agents are sent away. */
const crowd = new Map<string, NatsConnection>();
const CONNECT_BATCH = 50;

function agentMeta(i: number, heartbeatMs: number, started: string): AgentMetadata {
  const name = `Bench-Agent-${String(i).padStart(4, "0")}`;
  const description = `${name}: ${CONTENT} ${CONTENT} ${CONTENT}`.slice(0, 500);
  const capabilities = Array.from({ length: 20 }, (_, k) => `capability-${k}-of-${name.toLowerCase()}`);
  const now = new Date().toISOString();
  return {
    name,
    description,
    capabilities,
    tools: [],
    status: "online",
    runtime: "process",
    startedAt: started,
    lastSeen: now,
    heartbeatMs,
  };
}

async function agents(count: number, heartbeatMs: number): Promise<void> {
  if (heartbeats !== undefined) clearInterval(heartbeats);
  heartbeats = undefined;
  if (count === 0) {
    await Promise.allSettled([...crowd.values()].map((c) => c.close()));
    crowd.clear();
    return void send({ announced: 0 });
  }
  const started = new Date().toISOString();
  const all = Array.from({ length: count }, (_, i) => agentMeta(i, heartbeatMs, started));
  for (let i = 0; i < count; i += CONNECT_BATCH) {
    await Promise.all(
      all.slice(i, i + CONNECT_BATCH).map(async (a) => {
        if (!crowd.has(a.name)) crowd.set(a.name, await connectAs(a.name));
      }),
    );
  }
  send({ connected: count });
  for (const agent of all)
    crowd
      .get(agent.name)!
      .publish(
        s.presence(agent.name, "process"),
        encodeMessage(compose("presence", agent.name, { agent, content: "" })),
      );
  await Promise.all([...crowd.values()].map((c) => c.flush()));
  send({ announced: count });
  // Heartbeats spread evenly: `count` per interval, a few every 50 ms.
  const every = 50;
  const perTick = Math.max(1, Math.round((count * every) / heartbeatMs));
  let next = 0;
  heartbeats = setInterval(() => {
    for (let k = 0; k < perTick; k++) {
      const agent = agentMeta(next, heartbeatMs, started);
      crowd
        .get(agent.name)
        ?.publish(
          s.heartbeat(agent.name, "process"),
          encodeMessage(compose("heartbeat", agent.name, { agent, content: "" })),
        );
      next = (next + 1) % count;
    }
  }, every);
}

// ---- mixed sizes ----------------------------------------------------------------------------

const WORDS = `${CONTENT} **bold** _it_ \`code\` [link](https://example.com) `.split(" ");
const BIG = (() => {
  let out = "";
  for (let i = 0; out.length < 950_000; i++)
    out += `${WORDS[(i * 7) % WORDS.length]}${i % 12 === 11 ? "\n" : " "}`;
  return out;
})();

/** Most messages small; every 10th 10-60 KB; every 40th 300-900 KB (most of the bytes). */
function mixedSize(i: number): number {
  if (i % 40 === 39) return 300_000 + ((i * 7919) % 600_000);
  if (i % 10 === 9) return 10_000 + ((i * 104_729) % 50_000);
  return 200 + ((i * 31) % 600);
}

async function mixed(total: number, bytesPerS: number): Promise<void> {
  const start = performance.now();
  let sent = 0;
  let bytes = 0;
  let lastId = "";
  while (bytes < total) {
    const size = mixedSize(sent);
    const offset = (sent * 9973) % (BIG.length - size);
    const m = message(sent, BIG.slice(offset, offset + size));
    nc.publish(m.subject, m.data);
    bytes += m.data.byteLength;
    lastId = m.id;
    sent++;
    if (sent % 20 === 0) {
      await nc.flush();
      const due = start + (bytes / bytesPerS) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }
  await nc.flush();
  send({ done: true, sent, elapsedMs: performance.now() - start, bytes, lastId });
}

process.on("message", (raw) => {
  const c = raw as Command;
  const fail = (e: unknown) => send({ error: String(e) });
  if (c.cmd === "run") run(c.rate, c.durationMs).catch(fail);
  else if (c.cmd === "agents") agents(c.count, c.heartbeatMs).catch(fail);
  else if (c.cmd === "mixed") mixed(c.bytes, c.bytesPerS).catch(fail);
  else if (c.cmd === "stop") {
    if (heartbeats !== undefined) clearInterval(heartbeats);
    void Promise.allSettled([nc, ...crowd.values()].map((c) => c.close())).finally(() => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));
send({ ready: true, messageBytes: message(0).data.byteLength });
