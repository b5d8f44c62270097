/**
 * `switchboard tail`: every message on the wire, one line each, until Ctrl-C. Each message is
 * decoded with the protocol's own decoder and its `from` checked against the sender its subject
 * names, so what it prints is what an agent would accept; what an agent would drop shows as a dim
 * "! dropped <reason>" line and is counted. It reads with the CLI's credential, whose role must
 * allow reading the subject (cli and person read everything under the root).
 */
import {
  decodeMessage,
  MESSAGE_TYPES,
  nameProblem,
  subjectMismatch,
  subjects as subjectsFor,
  type AgentMessage,
  type RejectReason,
  type Subjects,
} from "../../lib/protocol";
import { CliError, list, out, str, terminalWidth, UsageError, type Command } from "./common";
import { connectAs, isAuthRefusal } from "./connect";
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

/** The names a subject carries: its sender, and its receiver when it has one. */
function parties(subject: string, s: Subjects): string[] {
  const parsed = s.parse(subject);
  if (parsed === null) return [];
  return "to" in parsed ? [parsed.from, parsed.to] : [parsed.from];
}

/** Whether a decoded message passes the filters. */
export function shows(m: AgentMessage, subject: string, f: TailFilter, s: Subjects): boolean {
  if (f.types.length > 0 && !f.types.includes(m.type)) return false;
  if (m.type === "heartbeat" && !f.heartbeats && !f.types.includes("heartbeat")) return false;
  if (f.agents.length === 0) return true;
  const to = (m as { to?: string }).to;
  const named = parties(subject, s);
  return f.agents.some((a) => m.from === a || to === a || named.includes(a));
}

type Received =
  | { readonly ok: true; readonly message: AgentMessage }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

/**
 * What an agent would make of the bytes: the message, or why it would drop it. A subject outside
 * the root's grammar (a --subject elsewhere) names no sender, so there is nothing to check it by.
 */
function receive(subject: string, data: Uint8Array, s: Subjects): Received {
  const decoded = decodeMessage(data);
  if (!decoded.ok) return { ok: false, reason: decoded.error.reason, detail: decoded.error.message };
  const parsed = s.parse(subject);
  const problem = parsed === null ? null : subjectMismatch(parsed, decoded.message);
  if (problem !== null) return { ok: false, reason: problem.reason, detail: problem.detail };
  return { ok: true, message: decoded.message };
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
    const s = subjectsFor(g.root);
    const subject = str(values, "subject") ?? s.wildcards.all;
    if (!/^[^\s]+$/.test(subject) || subject.split(".").some((t) => t === ""))
      throw new UsageError(`--subject "${subject}" is not a NATS subject pattern`, "tail");

    const { nc, credential } = await connectAs(g);
    const color = styleFor(process.stdout, g.config.noColor);
    const note = styleFor(process.stderr, g.config.noColor);
    const counts = { shown: 0, hidden: 0, dropped: 0 };
    const droppedBy = new Map<string, number>();
    const lineOptions = (subject: string): LineOptions => ({
      subject,
      receivedAt: new Date(),
      width: terminalWidth(g.config.columns),
      style: color,
    });

    const print = (msg: WireMessage) => {
      if (msg.headers?.code === 503) return; // "no responders" status for a request of ours: not a message
      const got = receive(msg.subject, msg.data, s);
      if (!got.ok) {
        const named = parties(msg.subject, s);
        if (agents.length > 0 && !agents.some((a) => named.includes(a))) {
          counts.hidden++;
          return;
        }
        counts.dropped++;
        droppedBy.set(got.reason, (droppedBy.get(got.reason) ?? 0) + 1);
        out(
          g.json
            ? JSON.stringify({ subject: msg.subject, dropped: got.reason, detail: got.detail })
            : formatDropped(msg.subject, got.reason, got.detail, lineOptions(msg.subject)),
        );
        return;
      }
      if (!shows(got.message, msg.subject, filter, s)) {
        counts.hidden++;
        return;
      }
      counts.shown++;
      out(
        g.json
          ? JSON.stringify({ subject: msg.subject, message: got.message })
          : formatMessage(got.message, lineOptions(msg.subject)),
      );
    };

    // The server refuses a subscription the credential may not make after the subscribe call
    // returned: it arrives here, as the subscription's error.
    let refused: (e: Error) => void = () => {};
    const subscriptionRefused = new Promise<Error>((resolve) => (refused = resolve));
    try {
      nc.subscribe(subject, { callback: (err, msg) => (err === null ? print(msg) : refused(err)) });
      await nc.flush();
    } catch (e) {
      await nc.close().catch(() => {});
      throw new UsageError(`cannot subscribe to "${subject}": ${(e as Error).message}`, "tail");
    }
    process.stderr.write(
      `${note.dim(`listening on ${subject} at ${g.nats} as ${credential.info.name} — Ctrl-C to stop`)}\n`,
    );

    void (async () => {
      for await (const st of nc.status()) {
        if (st.type === "disconnect")
          process.stderr.write(`${note.yellow("switchboard: disconnected; reconnecting")}\n`);
        else if (st.type === "reconnect") process.stderr.write(`${note.dim("switchboard: reconnected")}\n`);
      }
    })().catch(() => {});

    const stopped = new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
    });
    const ending = await Promise.race([
      stopped.then(() => ({ kind: "signal" }) as const),
      nc.closed().then((error) => ({ kind: "closed", error }) as const),
      subscriptionRefused.then((error) => ({ kind: "refused", error }) as const),
    ]);
    if (ending.kind !== "closed") await nc.close().catch(() => {});
    if (ending.kind === "refused") {
      const role = credential.info.role ?? "unknown role";
      throw new CliError(
        `${credential.info.name} (${role}) may not read ${subject}: ${ending.error.message} — a cli credential reads everything under ${g.root}.>`,
      );
    }

    const reasons = [...droppedBy].map(([r, n]) => `${r} ${n}`).join(", ");
    const summary =
      `${counts.shown} shown, ${counts.hidden} hidden, ${counts.dropped} dropped` +
      (reasons === "" ? "" : ` (${reasons})`);
    if (g.json) process.stderr.write(`${summary}\n`);
    else {
      if (process.stdout.isTTY) out(); // past the ^C
      out(color.dim(summary));
    }
    if (ending.kind === "closed") {
      const error = ending.error ?? undefined;
      if (isAuthRefusal(error))
        throw new CliError(
          `NATS closed the connection: it no longer accepts ${credential.info.name}'s credential (${error?.message}) — \`switchboard whoami\` says why`,
        );
      throw new CliError(`the NATS connection closed${error === undefined ? "" : `: ${error.message}`}`);
    }
    return 0;
  },
};
