/**
 * Text output of the CLI: ANSI colors (only on a TTY, and never with NO_COLOR), relative times,
 * tables and the one-line rendering of a wire message that `tail` prints.
 */
import type { AgentMessage } from "../../lib/protocol";

export interface Style {
  readonly enabled: boolean;
  dim(s: string): string;
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
}

export function style(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled && s !== "" ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  return {
    enabled,
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
  };
}

/** Colors for a stream: on when it is a terminal, unless NO_COLOR is set (https://no-color.org). */
export function styleFor(stream: NodeJS.WriteStream, noColor: boolean): Style {
  return style(stream.isTTY === true && !noColor);
}

/** Visible length, ignoring ANSI color codes. */
function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "").length;
}

/** "just now", "3s ago", "5m ago", "2h ago", "4d ago". */
export function relativeTime(then: number, now = Date.now()): string {
  const s = Math.round((now - then) / 1000);
  if (s < 1) return "just now";
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

/** A span in its one or two largest units: "45s", "12m", "3h 20m", "29d 23h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}

/** Local date and time to the minute: "2026-12-30 10:05". */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** First line of a text, with control characters made visible and cut to `max` characters. */
function oneLine(text: string, max: number): string {
  const newline = text.indexOf("\n");
  let line = newline === -1 ? text : `${text.slice(0, newline)} ⏎`;
  // Escape sequences from the wire must not reach the terminal.
  // eslint-disable-next-line no-control-regex
  line = line.replace(/[\x00-\x1f\x7f-\x9f]/g, " ");
  if (max <= 1) return line.length > 0 ? "…" : "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A left-aligned table; cells may carry colors. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], s: Style): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - visibleLength(c))))
      .join("  ")
      .trimEnd();
  return [s.bold(line(headers)), ...rows.map(line)].join("\n");
}

/**
 * Labelled lines, values aligned: a list value takes one line per item (a permission each), an
 * empty list shows as "-".
 */
export function fields(rows: readonly (readonly [string, string | readonly string[]])[], s: Style): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows
    .flatMap(([label, value]) => {
      const values = typeof value === "string" ? [value] : value.length === 0 ? [s.dim("-")] : value;
      return values.map((v, i) => `${(i === 0 ? label : "").padEnd(width)}  ${v}`);
    })
    .join("\n");
}

export function statusColor(status: string, s: Style): string {
  if (status === "online") return s.green(status);
  if (status === "busy") return s.yellow(status);
  if (status === "offline") return s.dim(status);
  return status;
}

/** The fields `tail` looks at, loosely typed so a message type added later still prints. */
interface LooseMessage {
  readonly type: string;
  readonly id: string;
  readonly from: string;
  readonly to?: string;
  readonly content: string;
  readonly priority?: number;
  readonly threadId?: string;
  readonly inReplyTo?: string;
  readonly hops?: number;
  readonly status?: string;
  readonly seq?: number;
  readonly timeoutMs?: number;
  readonly error?: { code: string; message: string };
  readonly handoff?: { task: string; progress: string; reason: string };
  readonly agent?: { status: string; runtime?: string; model?: string };
}

export interface LineOptions {
  readonly subject: string;
  readonly receivedAt: Date;
  /** Total columns available; the content is cut to fit. */
  readonly width: number;
  readonly style: Style;
}

const short = (id: string | undefined) => (id === undefined ? "" : id.slice(-6));

/** One line per message: time, subject, type, from → to, priority, content, thread. */
export function formatMessage(message: AgentMessage, o: LineOptions): string {
  const m = message as unknown as LooseMessage;
  const s = o.style;
  const parts: string[] = [s.dim(clock(o.receivedAt)), s.dim(o.subject.padEnd(30)), typeColor(m.type, s)];
  parts.push(m.to === undefined ? s.bold(m.from) : `${s.bold(m.from)} → ${s.bold(m.to)}`);
  // Heartbeats always go out at priority 1; saying so on every one is noise.
  if (m.priority !== undefined && m.priority !== 3 && m.type !== "heartbeat") {
    parts.push(m.priority >= 4 ? s.red(`p${m.priority}`) : s.dim(`p${m.priority}`));
  }
  if (m.hops !== undefined && m.hops > 0) parts.push(s.dim(`hop ${m.hops}`));
  const tags: string[] = [];
  let text = m.content;
  switch (m.type) {
    case "request":
      if (m.timeoutMs !== undefined) tags.push(`timeout=${m.timeoutMs}ms`);
      break;
    case "ack":
      tags.push(`re=${short(m.inReplyTo)}`);
      if (text === "") text = "(working on it)";
      break;
    case "response":
      tags.push(`re=${short(m.inReplyTo)}`);
      if (m.status !== undefined && m.status !== "ok") {
        tags.push(s.red(m.error === undefined ? m.status : `${m.status}:${m.error.code}`));
      }
      break;
    case "handoff":
      if (m.handoff !== undefined) {
        const h = m.handoff;
        text = `task: ${h.task}${h.progress === "" ? "" : ` | progress: ${h.progress}`}${h.reason === "" ? "" : ` | reason: ${h.reason}`}`;
      }
      break;
    case "stream":
      tags.push(`re=${short(m.inReplyTo)}`);
      if (m.seq !== undefined) tags.push(`#${m.seq}`);
      break;
    case "cancel":
      tags.push(`re=${short(m.inReplyTo)}`);
      if (text === "") text = "(cancel)";
      break;
    case "stop":
      // A person stopped the whole thread: every agent stops its tasks in it.
      text = text === "" ? "stopped the thread" : `stopped the thread: ${text}`;
      break;
    case "presence":
    case "heartbeat":
      if (m.agent !== undefined) {
        const extra = [m.agent.runtime, m.agent.model].filter((x) => x !== undefined && x !== "");
        text = `${m.agent.status}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
      }
      break;
    case "discover":
      if (text === "") text = "who is online?";
      break;
    default:
      // A type this CLI does not know yet: print it generically, with what it answers.
      if (m.inReplyTo !== undefined) tags.push(`re=${short(m.inReplyTo)}`);
  }
  const thread = s.dim(`thread=${short(m.threadId)}`);
  const head = [...parts, ...tags].join(" ");
  const room = o.width - visibleLength(head) - visibleLength(thread) - 2;
  return `${head} ${oneLine(text, Math.max(room, 16))} ${thread}`;
}

export function formatDropped(subject: string, reason: string, detail: string, o: LineOptions): string {
  const text = `${clock(o.receivedAt)} ${subject} ! dropped ${reason}: ${detail}`;
  return o.style.dim(oneLine(text, Math.max(o.width, 40)));
}

function clock(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function typeColor(type: string, s: Style): string {
  const padded = type.padEnd(12);
  switch (type) {
    case "direct":
      return s.cyan(padded);
    case "request":
    case "response":
    case "ack":
      return s.blue(padded);
    case "handoff":
      return s.magenta(padded);
    case "announcement":
      return s.yellow(padded);
    case "cancel":
    case "stop":
      return s.red(padded);
    case "presence":
    case "heartbeat":
    case "discover":
      return s.dim(padded);
    default:
      return padded;
  }
}
