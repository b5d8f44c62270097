/**
 * `switchboard tail`: every message on the wire, one line each, until Ctrl-C. Each message is
 * decoded with the protocol's own decoder, so what it prints is what an agent would accept; what
 * an agent would drop shows as a dim "! dropped <reason>" line and is counted.
 */
import { decodeMessage, MESSAGE_TYPES, nameProblem, subjects, type AgentMessage } from "../../lib/protocol";
import { connectOrFail, list, out, str, terminalWidth, UsageError, type Command } from "./common";
import { formatDropped, formatMessage, styleFor, type LineOptions } from "./format";

/** What tail reads of a NATS message (structurally, so only lib/transport imports @nats-io). */
interface WireMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers?: { readonly code: number };
}

export interface TailFilter {
  readonly agents: readonly string[];
  readonly types: readonly string[];
  readonly heartbeats: boolean;
}

/** Whether a decoded message passes the filters. */
export function shows(m: AgentMessage, subject: string, f: TailFilter): boolean {
  if (f.types.length > 0 && !f.types.includes(m.type)) return false;
  if (m.type === "heartbeat" && !f.heartbeats && !f.types.includes("heartbeat")) return false;
  if (f.agents.length === 0) return true;
  const to = (m as { to?: string }).to;
  return f.agents.some((a) => m.from === a || to === a || mentions(subject, a));
}

function mentions(subject: string, agent: string): boolean {
  return subject.split(".").includes(agent);
}

export const tail: Command = {
  name: "tail",
  summary: "print every message on the wire until Ctrl-C",
  usage: [
    "tail [--agent NAME] [--type T[,T]] [--subject PATTERN] [--heartbeats]",
    "  --agent NAME       only messages from or to NAME, or on its subjects (repeatable)",
    `  --type T           only these types (repeatable or comma list): ${MESSAGE_TYPES.join(", ")}`,
    "  --subject PATTERN  subscribe to this subject instead of <root>.> (NATS wildcards * and >)",
    "  --heartbeats       show heartbeats too (hidden by default)",
    "  --json             one JSON object per line: {subject, message} or {subject, dropped, detail}",
  ],
  options: {
    agent: { type: "string", multiple: true },
    type: { type: "string", multiple: true },
    subject: { type: "string" },
    heartbeats: { type: "boolean" },
  },
  takesArguments: false,
  async run(g, values) {
    const known: readonly string[] = MESSAGE_TYPES;
    const types = list(values, "type");
    for (const t of types) {
      if (!known.includes(t))
        throw new UsageError(`unknown message type "${t}" (known: ${known.join(", ")})`, "tail");
    }
    const agents = list(values, "agent");
    for (const a of agents) {
      const problem = nameProblem(a);
      if (problem !== null) throw new UsageError(problem, "tail");
    }
    const filter: TailFilter = { agents, types, heartbeats: values.heartbeats === true };
    const subject = str(values, "subject") ?? subjects(g.root).wildcards.all;
    if (!/^[^\s]+$/.test(subject) || subject.split(".").some((t) => t === ""))
      throw new UsageError(`--subject "${subject}" is not a NATS subject pattern`, "tail");

    const nc = await connectOrFail(g.nats);
    const s = styleFor(process.stdout, g.config.noColor);
    const note = styleFor(process.stderr, g.config.noColor);
    const counts = { shown: 0, hidden: 0, dropped: 0 };
    const droppedBy = new Map<string, number>();
    const lineOptions = (subject: string): LineOptions => ({
      subject,
      receivedAt: new Date(),
      width: terminalWidth(g.config.columns),
      style: s,
    });

    const receive = (msg: WireMessage) => {
      if (msg.headers?.code === 503) return; // "no responders" status for a request of ours: not a message
      const decoded = decodeMessage(msg.data);
      if (!decoded.ok) {
        if (agents.length > 0 && !agents.some((a) => mentions(msg.subject, a))) {
          counts.hidden++;
          return;
        }
        const { reason, message } = decoded.error;
        counts.dropped++;
        droppedBy.set(reason, (droppedBy.get(reason) ?? 0) + 1);
        out(
          g.json
            ? JSON.stringify({ subject: msg.subject, dropped: reason, detail: message })
            : formatDropped(msg.subject, reason, message, lineOptions(msg.subject)),
        );
        return;
      }
      if (!shows(decoded.message, msg.subject, filter)) {
        counts.hidden++;
        return;
      }
      counts.shown++;
      out(
        g.json
          ? JSON.stringify({ subject: msg.subject, message: decoded.message })
          : formatMessage(decoded.message, lineOptions(msg.subject)),
      );
    };

    try {
      nc.subscribe(subject, { callback: (err, msg) => (err === null ? receive(msg) : undefined) });
      await nc.flush();
    } catch (e) {
      await nc.close().catch(() => {});
      throw new UsageError(`cannot subscribe to "${subject}": ${(e as Error).message}`, "tail");
    }
    process.stderr.write(`${note.dim(`listening on ${subject} at ${g.nats} — Ctrl-C to stop`)}\n`);

    void (async () => {
      for await (const st of nc.status()) {
        if (st.type === "disconnect")
          process.stderr.write(`${note.yellow("switchboard: disconnected; reconnecting")}\n`);
        else if (st.type === "reconnect") process.stderr.write(`${note.dim("switchboard: reconnected")}\n`);
      }
    })().catch(() => {});

    const stopped = new Promise<"signal">((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve("signal"));
    });
    const outcome = await Promise.race([stopped, nc.closed()]);
    if (outcome === "signal") await nc.close().catch(() => {});

    const reasons = [...droppedBy].map(([r, n]) => `${r} ${n}`).join(", ");
    const summary =
      `${counts.shown} shown, ${counts.hidden} hidden, ${counts.dropped} dropped` +
      (reasons === "" ? "" : ` (${reasons})`);
    if (g.json) process.stderr.write(`${summary}\n`);
    else {
      if (process.stdout.isTTY) out(); // past the ^C
      out(s.dim(summary));
    }
    if (outcome !== "signal") {
      const why = outcome instanceof Error ? `: ${outcome.message}` : "";
      throw new Error(`the NATS connection closed${why}`);
    }
    return 0;
  },
};
