/**
 * `switchboard search TEXT`: messages in the log whose text holds TEXT (any case), oldest first,
 * narrowed by sender, type, thread and time. Sender and type narrow on the server when they name
 * one kind of subject (a direct get with `next_by_subj` skips the rest); the text is matched here,
 * after decoding, since the server cannot look inside messages. The scan is bounded (--scan) and
 * says when it stopped before the end; exit 1 when nothing matched, like grep.
 */
import { MESSAGE_TYPES, nameProblem, subjects as subjectsFor, type AgentMessage } from "../../lib/protocol";
import { intOption, list, str, terminalWidth, UsageError, type Command } from "./common";
import { connectAs } from "./connect";
import { styleFor } from "./format";
import { threadRef } from "./history";
import { CLOCK_SKEW_MS, idTime, openLog, parseTime, scanOption, walk } from "./log-source";
import { MessagePrinter } from "./received";

/** The subject kind each type is sent on (presence and heartbeats are not in the log). */
const KIND: Readonly<Record<string, string>> = {
  direct: "direct",
  request: "request",
  response: "response",
  ack: "response",
  stream: "response",
  handoff: "handoff",
  announcement: "all",
  cancel: "cancel",
  stop: "stop",
  discover: "discover",
};

/** The one subject filter that narrows the scan to `types` from `from`, or undefined (read all). */
export function subjectFilter(root: string, types: readonly string[], from?: string): string | undefined {
  const kinds = new Set(types.map((t) => KIND[t]));
  if (kinds.size !== 1) return undefined; // several kinds, or every kind: one filter cannot say it
  const kind = [...kinds][0]!;
  const f = from ?? "*";
  switch (kind) {
    case "all":
    case "discover":
    case "stop":
      return `${root}.${kind}.${f}`;
    case "response":
      return `${root}.response.*.*.${f}`;
    case "handoff":
      return `${root}.handoff.${f}.to.*`;
    default:
      return from === undefined ? `${root}.${kind}.>` : `${root}.${kind}.*.${f}`;
  }
}

/** The text of a message that search looks in: its content, and a handoff's task, progress and reason. */
function textOf(m: AgentMessage): string {
  const h = (m as { handoff?: { task: string; progress: string; reason: string } }).handoff;
  const content = (m as { content?: string }).content ?? "";
  return h === undefined ? content : `${content}\n${h.task}\n${h.progress}\n${h.reason}`;
}

export const search: Command = {
  name: "search",
  summary: "find messages in the log by text, sender, type, thread and time",
  usage: [
    "search TEXT... [--from NAME] [--type T[,T]] [--thread ID] [--since WHEN] [--until WHEN] [--limit N]",
    "  TEXT          words to find in a message's text (any case; all of them, in this order)",
    "  --from NAME   only messages NAME sent",
    `  --type T      only these types (repeatable or comma list): ${Object.keys(KIND).join(", ")}`,
    "  --thread ID   only this thread (its whole id, or its end as tail prints it, with --since)",
    "  --since WHEN  from WHEN (10m, 2h, 3d, or 2026-11-30T10:00:00Z); default: the log's start",
    "  --until WHEN  up to WHEN",
    "  --limit N     at most N matches (default 100)",
    "  --scan N      read at most N messages of the log (default 200000); says when it stopped early",
    "  --json        one JSON object per match: {seq, storedAt, subject, message}",
  ],
  options: {
    from: { type: "string" },
    type: { type: "string", multiple: true },
    thread: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    limit: { type: "string" },
    scan: { type: "string" },
  },
  takesArguments: true,
  async run(g, values, positionals) {
    const text = positionals.join(" ").trim();
    if (text === "") throw new UsageError("missing the TEXT to search for", "search");
    const needle = text.toLowerCase();
    const from = str(values, "from");
    const problem = from === undefined ? null : nameProblem(from, "--from name");
    if (problem !== null) throw new UsageError(problem, "search");
    const types = list(values, "type");
    for (const t of types) {
      if (KIND[t] === undefined) {
        const why = (MESSAGE_TYPES as readonly string[]).includes(t)
          ? " (the log keeps no presence or heartbeats)"
          : "";
        throw new UsageError(
          `cannot search for type "${t}"${why}; known: ${Object.keys(KIND).join(", ")}`,
          "search",
        );
      }
    }
    const threadText = str(values, "thread");
    const thread = threadText === undefined ? undefined : threadRef(threadText, "search");
    const time = (o: string) => {
      const v = str(values, o);
      return v === undefined ? undefined : parseTime(v, o, "search");
    };
    const since =
      time("since") ?? (thread?.partial === false ? idTime(thread.id)! - CLOCK_SKEW_MS : undefined);
    const until = time("until");
    if (thread?.partial === true && since === undefined)
      throw new UsageError(`--thread "${thread.id}" is only the end of an id: give --since too`, "search");
    const limit = intOption(str(values, "limit"), "limit", 1, 1_000_000, "search") ?? 100;
    const scan = scanOption(str(values, "scan"), "search");

    const matches = (m: AgentMessage) =>
      (from === undefined || m.from === from) &&
      (types.length === 0 || types.includes(m.type)) &&
      (thread === undefined || thread.matches(m.threadId)) &&
      textOf(m).toLowerCase().includes(needle);

    const { nc } = await connectAs(g);
    try {
      const reader = await openLog(nc, g.root);
      const printer = new MessagePrinter({
        subjects: subjectsFor(g.root),
        json: g.json,
        width: terminalWidth(g.config.columns),
        style: styleFor(process.stdout, g.config.noColor),
        wants: matches,
        // One that matches but would be dropped (a spoofed sender) is shown as dropped.
        wantsDropped: (_s, got) => got.claimed !== undefined && matches(got.claimed),
      });
      const filter = subjectFilter(g.root, types, from);
      const start = since === undefined ? 1 : await reader.seqAt(since);
      const found = () => printer.counts.shown + printer.counts.dropped;
      const end = await walk(
        reader,
        {
          from: start,
          scan,
          ...(filter === undefined ? {} : { filter }),
          ...(until === undefined ? {} : { until }),
        },
        (m) => {
          printer.print(m.subject, m.data, { at: new Date(m.storedAt), seq: m.seq });
          return found() < limit;
        },
      );
      const note = styleFor(process.stderr, g.config.noColor);
      const narrowed = filter === undefined ? "" : ` on ${filter}`;
      process.stderr.write(`${note.dim(`${found()} found in ${end.scanned} messages read${narrowed}`)}\n`);
      const lastAt = end.last === undefined ? "" : ` (up to ${new Date(end.last.storedAt).toISOString()})`;
      if (found() >= limit)
        process.stderr.write(
          `${note.yellow(`switchboard: stopped at --limit ${limit}${lastAt}; more may follow`)}\n`,
        );
      else if (end.early)
        process.stderr.write(
          `${note.yellow(`switchboard: stopped after reading ${scan} messages${lastAt} before the end — a later --since, --from/--type, or a larger --scan`)}\n`,
        );
      return found() === 0 ? 1 : 0;
    } finally {
      await nc.close().catch(() => {});
    }
  },
};
