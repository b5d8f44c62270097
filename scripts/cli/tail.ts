/**
 * `switchboard tail`: every message on the wire, one line each, until Ctrl-C; with `--since`, the
 * log's messages from then first, then on live without a gap or a repeat (subscribed before the
 * log is read; what arrives meanwhile waits, and a message seen twice is printed once, by id).
 * Each message is checked as an agent would (./received.ts): what an agent would drop shows as a
 * dim "! dropped <reason>" line and is counted. It reads with the CLI's credential, whose role
 * must allow reading the subject (cli and person read everything under the root).
 */
import { MESSAGE_TYPES, nameProblem, subjects as subjectsFor } from "../../lib/protocol";
import { CliError, list, out, str, terminalWidth, UsageError, type Command } from "./common";
import { connectAs, isAuthRefusal } from "./connect";
import { styleFor } from "./format";
import { openLog, parseTime, scanOption, walk } from "./log-source";
import { idOf, MessagePrinter, parties, receive, shows, type TailFilter } from "./received";

/** What tail reads of a NATS message (structurally, so only lib/transport imports @nats-io). */
interface WireMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers?: { readonly code: number };
}

/** Live messages held while the log is read; past this, tail says so and reads no further back. */
const MAX_BACKLOG = 100_000;

/** Ids printed lately, so a message that comes twice (log and wire, or re-sent) prints once. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity = 100_000) {}
  /** False when `id` was already there. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}

export const tail: Command = {
  name: "tail",
  summary: "print every message on the wire until Ctrl-C",
  usage: [
    "tail [--agent NAME] [--type T[,T]] [--subject PATTERN] [--heartbeats] [--since WHEN]",
    "  --agent NAME       only messages from or to NAME, or on its subjects (repeatable)",
    `  --type T           only these types (repeatable or comma list): ${MESSAGE_TYPES.join(", ")}`,
    "  --subject PATTERN  subscribe to this subject instead of <root>.> (NATS wildcards * and >)",
    "  --heartbeats       show heartbeats too (hidden by default)",
    "  --since WHEN       first what the log holds from WHEN (10m, 2h, 3d, or 2026-11-30T10:00:00Z),",
    "                     then on live; the log keeps no presence or heartbeats",
    "  --scan N           read at most N messages of the log (default 200000)",
    "  --json             one JSON object per line: {subject, message} or {subject, dropped, detail}",
    "                     (from the log also seq and storedAt)",
  ],
  options: {
    agent: { type: "string", multiple: true },
    type: { type: "string", multiple: true },
    subject: { type: "string" },
    heartbeats: { type: "boolean" },
    since: { type: "string" },
    scan: { type: "string" },
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
    const given = str(values, "subject");
    const subject = given ?? s.wildcards.all;
    if (!/^[^\s]+$/.test(subject) || subject.split(".").some((t) => t === ""))
      throw new UsageError(`--subject "${subject}" is not a NATS subject pattern`, "tail");
    const sinceText = str(values, "since");
    const since = sinceText === undefined ? undefined : parseTime(sinceText, "since", "tail");
    const scan = scanOption(str(values, "scan"), "tail");

    const { nc, credential } = await connectAs(g);
    const color = styleFor(process.stdout, g.config.noColor);
    const note = styleFor(process.stderr, g.config.noColor);
    const printer = new MessagePrinter({
      subjects: s,
      json: g.json,
      width: terminalWidth(g.config.columns),
      style: color,
      wants: (m, subj) => shows(m, subj, filter, s),
      // A dropped message names no trustworthy agent but the ones on its subject.
      wantsDropped: (subj) => agents.length === 0 || agents.some((a) => parties(subj, s).includes(a)),
    });
    const recent = new RecentIds();
    let repeats = 0;
    const emit = (subj: string, data: Uint8Array, at: Date, seq?: number) => {
      const got = receive(subj, data, s);
      const id = idOf(got);
      if (id !== undefined && !recent.add(id)) {
        repeats++;
        return;
      }
      printer.show(subj, got, seq === undefined ? { at } : { at, seq });
    };

    // With --since, what arrives live while the log is read waits here, then follows it.
    let backlog: { msg: WireMessage; at: Date }[] | null = since === undefined ? null : [];
    let overflowed = false;
    const live = (msg: WireMessage) => {
      if (msg.headers?.code === 503) return; // "no responders" status for a request of ours: not a message
      if (backlog === null) return emit(msg.subject, msg.data, new Date());
      if (backlog.length < MAX_BACKLOG) backlog.push({ msg, at: new Date() });
      else overflowed = true;
    };

    // The server refuses a subscription the credential may not make after the subscribe call
    // returned: it arrives here, as the subscription's error.
    let refused: (e: Error) => void = () => {};
    const subscriptionRefused = new Promise<Error>((resolve) => (refused = resolve));
    try {
      nc.subscribe(subject, { callback: (err, msg) => (err === null ? live(msg) : refused(err)) });
      await nc.flush();
    } catch (e) {
      await nc.close().catch(() => {});
      throw new UsageError(`cannot subscribe to "${subject}": ${(e as Error).message}`, "tail");
    }

    if (since !== undefined) {
      try {
        const reader = await openLog(nc, g.root);
        const from = await reader.seqAt(since);
        const filterOption = given === undefined ? {} : { filter: given };
        const end = await walk(reader, { from, scan, ...filterOption }, (m) => {
          emit(m.subject, m.data, new Date(m.storedAt), m.seq);
          return true;
        });
        process.stderr.write(
          `${note.dim(`read ${end.scanned} messages from the log since ${new Date(since).toISOString()}`)}\n`,
        );
        if (end.early)
          process.stderr.write(
            `${note.yellow(`switchboard: stopped reading the log after ${scan} messages (at ${end.last === undefined ? "its start" : new Date(end.last.storedAt).toISOString()}); a later --since or a larger --scan reads the rest`)}\n`,
          );
      } catch (e) {
        await nc.close().catch(() => {});
        throw e;
      }
      const held = backlog ?? [];
      backlog = null;
      for (const { msg, at } of held) emit(msg.subject, msg.data, at);
      if (overflowed)
        process.stderr.write(
          `${note.yellow(`switchboard: more than ${MAX_BACKLOG} live messages arrived while the log was read; some were not printed`)}\n`,
        );
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

    const summary = printer.summary() + (repeats === 0 ? "" : `, ${repeats} repeated (printed once)`);
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
