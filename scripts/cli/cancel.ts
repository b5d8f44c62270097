/**
 * `switchboard cancel THREAD [--reason TEXT]`: stops a whole thread, as the dashboard's "Stop
 * thread" does. The stop goes out on `{root}.stop.{me}` (people and the CLI only: the server
 * refuses it to agents); every agent stops its tasks in the thread, each answering "canceled",
 * and refuses the thread's later tasks. The command then watches the thread's answers for a
 * moment (--wait) and prints each task answered canceled. Whatever it sees, the stop was sent:
 * exit 0 (a thread with nothing running has nothing to cancel).
 */
import { subjects as subjectsFor, type ResponseMessage } from "../../lib/protocol";
import { intOption, out, str, terminalWidth, UsageError, type Command } from "./common";
import { withLink } from "./connect";
import { formatMessage, styleFor } from "./format";
import { threadRef } from "./history";
import { receive } from "./received";

/** How long the answers are watched by default: a task stops at its next step, within ~1 s. */
const WAIT_MS = 2_000;

export const cancel: Command = {
  name: "cancel",
  summary: "stop a thread: every agent stops its tasks in it; prints the tasks answered canceled",
  usage: [
    "cancel THREAD [--reason TEXT] [--wait MS]",
    "  THREAD         the thread's whole id (`tail --json` and `history` show it)",
    "  --reason TEXT  why, for the people reading the thread",
    `  --wait MS      how long to watch for the tasks' answers (default ${WAIT_MS})`,
    "  --json         one JSON object per line: the stop's {subject, message}, then each canceled answer's",
  ],
  options: { reason: { type: "string" }, wait: { type: "string" } },
  takesArguments: true,
  async run(g, values, positionals) {
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, "cancel");
    const thread = threadRef(positionals[0], "cancel");
    if (thread.partial)
      throw new UsageError(
        `"${thread.id}" is only the end of a thread id: a stop names the whole id (\`history ${thread.id} --since 1h --json\` shows it)`,
        "cancel",
      );
    const reason = str(values, "reason") ?? "";
    const waitMs = intOption(str(values, "wait"), "wait", 0, 60_000, "cancel") ?? WAIT_MS;
    const s = subjectsFor(g.root);
    const color = styleFor(process.stdout, g.config.noColor);
    const note = styleFor(process.stderr, g.config.noColor);
    const width = terminalWidth(g.config.columns);
    const line = (subject: string, message: Parameters<typeof formatMessage>[0]) =>
      g.json
        ? JSON.stringify({ subject, message })
        : formatMessage(message, { subject, receivedAt: new Date(), width, style: color });

    const canceled = await withLink(g, async (link) => {
      const seen = new Map<string, ResponseMessage>();
      // Watch first, then stop: an agent may answer before the publish call returns.
      const sub = link.nc.subscribe(s.wildcards.all, {
        callback: (err, msg) => {
          if (err !== null) return;
          // Checked as an agent would: a forged answer in someone else's name is not counted.
          const got = receive(msg.subject, msg.data, s);
          if (!got.ok) return;
          const m = got.message;
          if (m.type !== "response" || m.status !== "canceled" || !thread.matches(m.threadId)) return;
          if (seen.has(m.inReplyTo)) return;
          seen.set(m.inReplyTo, m);
          out(line(msg.subject, m));
        },
      });
      await link.nc.flush();
      const stop = link.stopThread(thread.id, reason);
      out(line(s.stop(link.name), stop));
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      sub.unsubscribe();
      return seen.size;
    });
    const summary = `${canceled} ${canceled === 1 ? "task" : "tasks"} answered canceled within ${waitMs} ms`;
    process.stderr.write(`${note.dim(summary)}\n`);
    return 0;
  },
};
