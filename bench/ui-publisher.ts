// The UI benchmark's publisher, in a process of its own so that it never competes with the
// measuring process's event loop. Driven over IPC by bench/ui.bench.ts:
//   -> { cmd: "run", rate, durationMs }   publish `rate` msg/s for `durationMs`, in 10 ms slices
//   <- { progress: sent }                  about every 100 ms while running
//   <- { done: true, sent, elapsedMs, lateMs, bytes, lastId }
//   -> { cmd: "stop" }                     close and exit
// Messages are valid protocol envelopes (direct and announcement, built with compose and
// encodeMessage), published raw to agents.direct.<name> and agents.all; no AgentLink, no presence.
// Usage: node --import tsx bench/ui-publisher.ts <nats-url>
import { setTimeout as sleep } from "node:timers/promises";
import { compose, encodeMessage, subjects } from "../lib/protocol";
import { connectNats } from "../lib/transport/connect";
import { CONTENT } from "./payload";

type Command = { cmd: "run"; rate: number; durationMs: number } | { cmd: "stop" };

const SLICE_MS = 10;
const PROGRESS_MS = 100;
const TARGET_BYTES = 500;
const FROM = "Bench-Publisher";
const TARGETS = ["Bench-Sink", "Bench-Archive", "Bench-Relay"];

const url = process.argv[2];
if (url === undefined) throw new Error("usage: ui-publisher.ts <nats-url>");
const nc = await connectNats({ servers: url, name: "ui-bench-publisher" });
const s = subjects();
const send = (m: unknown) => process.send?.(m);

// Content sized so that an encoded envelope is about TARGET_BYTES.
const overhead = encodeMessage(compose("direct", FROM, { to: TARGETS[0]!, content: "" })).byteLength;
const text = CONTENT.repeat(3).slice(0, Math.max(16, TARGET_BYTES - overhead));

function message(i: number): { subject: string; data: Uint8Array; id: string } {
  if (i % 4 === 3) {
    const m = compose("announcement", FROM, { content: text });
    return { subject: s.all(), data: encodeMessage(m), id: m.id };
  }
  const to = TARGETS[i % TARGETS.length]!;
  const m = compose("direct", FROM, { to, content: text });
  return { subject: s.direct(to), data: encodeMessage(m), id: m.id };
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
      const m = message(sent);
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

process.on("message", (raw) => {
  const c = raw as Command;
  if (c.cmd === "run") {
    run(c.rate, c.durationMs).catch((e: unknown) => send({ error: String(e) }));
  } else if (c.cmd === "stop") {
    void nc.close().finally(() => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));
send({ ready: true, messageBytes: message(0).data.byteLength });
