/**
 * `switchboard history THREAD`: a thread's messages from the log, in the order the server stored
 * them, however old (as long as the log keeps them: LOG_MAX_AGE_MS, LOG_MAX_BYTES). A thread's id
 * is the id of its first message, and ids start with their time (lib/protocol/ids.ts), so the
 * read starts there (less a margin for clocks that differ) and goes forward, bounded by --scan.
 * Lines as `tail` prints them; what an agent would drop is shown as dropped and counted.
 */
import { subjects as subjectsFor } from "../../lib/protocol";
import { CliError, str, terminalWidth, UsageError, type Command } from "./common";
import { connectAs } from "./connect";
import { styleFor } from "./format";
import { CLOCK_SKEW_MS, idTime, openLog, parseTime, scanOption, walk } from "./log-source";
import { MessagePrinter } from "./received";

/** A thread as given: a whole id, or the last characters of one (as `tail` prints `thread=...`). */
export interface ThreadRef {
  readonly id: string;
  /** Whether `id` is only the end of one. */
  readonly partial: boolean;
  /** Whether a message's thread is this one. */
  matches(threadId: string | undefined): boolean;
}

export function threadRef(text: string | undefined, command: string): ThreadRef {
  if (text === undefined || text === "") throw new UsageError("missing the THREAD id", command);
  if (idTime(text) !== undefined) return { id: text, partial: false, matches: (t) => t === text };
  if (/^[0-9A-Za-z]{6,21}$/.test(text))
    return { id: text, partial: true, matches: (t) => t !== undefined && t.endsWith(text) };
  throw new UsageError(
    `"${text}" is not a thread id (22 letters and digits, or its last 6 or more)`,
    command,
  );
}

export const history: Command = {
  name: "history",
  summary: "print a thread's messages from the log, oldest first",
  usage: [
    "history THREAD [--since WHEN] [--scan N]",
    "  THREAD        the thread's id (its first message's id; `tail --json` shows it whole),",
    "                or its last characters as `tail` prints them (thread=...), with --since",
    "  --since WHEN  read from WHEN (10m, 2h, 3d, or 2026-11-30T10:00:00Z) instead of the thread's start",
    "  --scan N      read at most N messages of the log (default 200000); says when it stopped early",
    "  --json        one JSON object per line: {seq, storedAt, subject, message} or {..., dropped, detail}",
  ],
  options: { since: { type: "string" }, scan: { type: "string" } },
  takesArguments: true,
  async run(g, values, positionals) {
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, "history");
    const thread = threadRef(positionals[0], "history");
    const sinceText = str(values, "since");
    const since = sinceText === undefined ? undefined : parseTime(sinceText, "since", "history");
    const started = thread.partial ? undefined : idTime(thread.id)! - CLOCK_SKEW_MS;
    const from = since ?? started;
    if (from === undefined)
      throw new UsageError(
        `"${thread.id}" is only the end of a thread id: give --since too, or the whole id`,
        "history",
      );
    const scan = scanOption(str(values, "scan"), "history");

    const { nc } = await connectAs(g);
    try {
      const reader = await openLog(nc, g.root);
      const s = subjectsFor(g.root);
      const printer = new MessagePrinter({
        subjects: s,
        json: g.json,
        width: terminalWidth(g.config.columns),
        style: styleFor(process.stdout, g.config.noColor),
        wants: (m) => thread.matches(m.threadId),
        // A message that claims the thread but would be dropped is shown as dropped.
        wantsDropped: (_subject, got) => thread.matches(got.claimed?.threadId),
      });
      const firstSeq = await reader.seqAt(from);
      const end = await walk(reader, { from: firstSeq, scan }, (m) => {
        printer.print(m.subject, m.data, { at: new Date(m.storedAt), seq: m.seq });
        return true;
      });
      const note = styleFor(process.stderr, g.config.noColor);
      const c = printer.counts;
      const where = `thread ${thread.id}: ${c.shown} messages${c.dropped === 0 ? "" : `, ${c.dropped} dropped`} (read ${end.scanned} from the log since ${new Date(from).toISOString()})`;
      process.stderr.write(`${note.dim(where)}\n`);
      if (end.early)
        process.stderr.write(
          `${note.yellow(`switchboard: stopped after reading ${scan} messages (up to ${new Date(end.last!.storedAt).toISOString()}): the thread may go on — --scan N reads further`)}\n`,
        );
      if (c.shown === 0 && c.dropped === 0)
        throw new CliError(
          `no message of thread ${thread.id} in the log${end.early ? " so far" : ""} (it keeps messages for LOG_MAX_AGE_MS)`,
        );
      return 0;
    } finally {
      await nc.close().catch(() => {});
    }
  },
};
