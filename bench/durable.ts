// The durable path of `npm run bench`: a request through the log (stored, delivered by the
// responder's consumer, answered through its outbox) against the bare JetStream client doing
// the same, on one server with JetStream, both in this process, interleaved rounds. Also the
// ratio to a bare JetStream publish (store + ack), the cheapest thing the log can do.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { AgentLink, silentLogger, type NatsConnection } from "../lib/transport";
import { connectNats, credsText } from "../lib/transport/connect";
import { startNatsServer } from "../test/harness/nats-server";
import { CONTENT, METADATA, rawMessage } from "./payload";

const enc = new TextEncoder();
const HOUR = 3_600_000;

export interface DurableFigures {
  /** requests a second, per round */
  readonly agent: number[];
  /** the bare client's request through a stream + pull consumer + stored answer */
  readonly raw: number[];
  /** bare JetStream publish + ack, sequential */
  readonly publish: number[];
}

export async function benchDurable(rounds: number, n: number): Promise<DurableFigures> {
  const server = await startNatsServer({ logRoots: ["agents"] });
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const a = server.authority!;
    // The bare client's own stream and consumer, made with an unscoped credential (benchmark only).
    const admin = await a.mintRaw("bench-admin", ["$JS.API.>"], ["_INBOX_bench-admin.>"], HOUR);
    const adminNc = await connectNats({ servers: server.url, credentials: credsText(admin) });
    closers.push(() => adminNc.close());
    const jsm = await jetstreamManager(adminNc, { checkAPI: false });
    await jsm.streams.add({ name: "BENCH_RAW", subjects: ["bench.raw.>"] });
    const rawCreds = await a.mintRaw("raw", ["bench.raw.>", "$JS.>"], ["bench.raw.>", "_INBOX_raw.>"], HOUR);
    const conn = async (creds: string): Promise<NatsConnection> => {
      const nc = await connectNats({ servers: server.url, credentials: credsText(creds) });
      closers.unshift(() => nc.close());
      return nc;
    };

    // The bare client: a stored request, a pull consumer delivering it, a stored answer.
    const rawResponder = await conn(rawCreds);
    await jsm.consumers.add("BENCH_RAW", {
      durable_name: "raw-responder",
      filter_subject: "bench.raw.request",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
    });
    const rjs = jetstream(rawResponder, { checkAPI: false });
    const consumer = await rjs.consumers.get("BENCH_RAW", "raw-responder");
    const messages = await consumer.consume({
      max_messages: 256,
      callback: (m) => {
        const req = JSON.parse(new TextDecoder().decode(m.data)) as { id: string };
        m.ack();
        const res = { ...rawMessage(0), type: "response", inReplyTo: req.id, status: "ok" };
        void rjs.publish(`bench.raw.response.${req.id}`, enc.encode(JSON.stringify(res)), {
          msgID: `r${req.id}`,
        });
      },
    });
    closers.unshift(() => messages.close());
    const rawAsker = await conn(rawCreds);
    const ajs = jetstream(rawAsker, { checkAPI: false });
    const waiting = new Map<string, () => void>();
    rawAsker.subscribe("bench.raw.response.*", {
      callback: (_e, m) => {
        const r = JSON.parse(new TextDecoder().decode(m.data)) as { inReplyTo: string };
        waiting.get(r.inReplyTo)?.();
      },
    });
    let next = 0; // ids never repeat across rounds: the stream would drop a repeat as a duplicate
    const rawRequest = async () => {
      const msg = rawMessage(next++) as { id: string };
      const answered = new Promise<void>((resolve) => waiting.set(msg.id, resolve));
      await ajs.publish("bench.raw.request", enc.encode(JSON.stringify(msg)), { msgID: msg.id });
      await answered;
      waiting.delete(msg.id);
    };
    const rawPublish = async () => {
      await ajs.publish("bench.raw.publish", enc.encode(JSON.stringify(rawMessage(next++))));
    };

    // The agent layer: the same through AgentLink with the log on.
    const responder = await AgentLink.start({
      connection: await conn(
        await server.credentials({ role: "agent", name: "Durable-Responder", runtime: "process" }),
      ),
      agent: { name: "Durable-Responder" },
      logger: silentLogger,
      handlers: { request: (m) => ({ content: m.content, metadata: m.metadata }) },
    });
    closers.unshift(() => responder.close());
    const asker = await AgentLink.start({
      connection: await conn(
        await server.credentials({ role: "agent", name: "Durable-Asker", runtime: "process" }),
      ),
      agent: { name: "Durable-Asker" },
      logger: silentLogger,
    });
    closers.unshift(() => asker.close());
    if (asker.stats.memory === null) throw new Error("the durable benchmark's link found no log");
    const agentRequest = () =>
      asker.request("Durable-Responder", CONTENT, { metadata: METADATA, timeoutMs: 10_000 });

    const out: DurableFigures = { agent: [], raw: [], publish: [] };
    await rate(200, rawRequest);
    await rate(200, agentRequest);
    for (let r = 0; r < rounds; r++) {
      out.publish.push(await rate(n, rawPublish));
      out.raw.push(await rate(n, rawRequest));
      out.agent.push(await rate(n, agentRequest));
    }
    return out;
  } finally {
    for (const close of closers) await close().catch(() => {});
    await server.stop();
  }
}

async function rate(n: number, one: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await one(i);
  return (n / (performance.now() - t0)) * 1000;
}
