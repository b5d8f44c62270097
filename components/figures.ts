/**
 * How the cost figures read on the page: durations, token counts, dollars, a turn of the thread's
 * timeline and an agent's usage over its window. Plain arithmetic, no Intl formatter per call (a
 * row's figures render once per mount). Every name in them came over the bus: `displayName`
 * bounds and reveals it, and the caller renders the result as text.
 */
import type { UsageWindow } from "../lib/protocol";
import type { Turn } from "../lib/store/timeline";
import { displayName } from "./safe-text";

/** "850 ms", "1.2 s", "14 s", "2 min 5 s", "1 h 3 min". */
export function duration(ms: number): string {
  const x = Math.max(0, Math.round(ms));
  if (x < 1_000) return `${x} ms`;
  if (x < 10_000) return `${(Math.floor(x / 100) / 10).toFixed(1)} s`;
  const s = Math.floor(x / 1_000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

/** "850", "1.2k", "34.5k", "345k", "1.2M": a count at a glance (rounded down, never up). */
export function compact(n: number): string {
  const x = Math.max(0, Math.floor(n));
  if (x < 1_000) return String(x);
  const [div, unit] = x < 1e6 ? [1e3, "k"] : x < 1e9 ? [1e6, "M"] : [1e9, "G"];
  const v = x / div;
  return v < 100
    ? `${(Math.floor(v * 10) / 10).toFixed(1).replace(/\.0$/, "")}${unit}`
    : `${Math.floor(v)}${unit}`;
}

/** "$0", "$0.0012", "$0.02", "$12.34", "$1234": two significant figures below a cent. */
export function usd(x: number): string {
  if (!Number.isFinite(x) || x <= 0) return "$0";
  if (x < 0.01) return `$${Number(x.toPrecision(2))}`;
  if (x < 1_000) return `$${x.toFixed(2)}`;
  return `$${Math.round(x)}`;
}

/** "1h", "30m", "90s": a usage window's length. */
export function windowText(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1_000)}s`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${compact(n)} ${n === 1 ? one : many}`;

/** "12 calls · ~34.5k tok · $0.02 /1h": an agent's model use over its window. */
export function usageText(u: UsageWindow): string {
  const tilde = u.estimated ? "~" : "";
  const parts = [plural(u.modelCalls, "call"), `${tilde}${compact(u.tokensIn + u.tokensOut)} tok`];
  if (u.costUsd !== undefined) parts.push(usd(u.costUsd));
  return `${parts.join(" · ")} /${windowText(u.windowMs)}`;
}

/** The same, for a screen reader and a tooltip: "12 model calls, 30k tokens in, 4.5k out, ...". */
export function usageLabel(u: UsageWindow): string {
  const est = u.estimated ? " (estimated)" : "";
  const cost = u.costUsd === undefined ? "" : `, ${usd(u.costUsd)}`;
  return `${plural(u.modelCalls, "model call")}, ${compact(u.tokensIn)} tokens in, ${compact(u.tokensOut)} out${est}${cost} in the last ${windowText(u.windowMs)}`;
}

export const STATUS_WORDS: Record<Turn["status"], string> = {
  waiting: "waiting",
  running: "running",
  done: "done",
  error: "error",
  canceled: "canceled",
  budget_exceeded: "budget exceeded",
};

/** The status as a word, with an error's code: "error (llm_timeout)", "budget exceeded (tokens)". */
export function statusText(t: Turn): string {
  if (t.status === "budget_exceeded") {
    const dim = t.run?.exceeded;
    return dim === undefined
      ? STATUS_WORDS.budget_exceeded
      : `${STATUS_WORDS.budget_exceeded} (${dimensionWord[dim]})`;
  }
  if (t.status === "error" && t.error !== undefined) return `error (${displayName(t.error.code, 64)})`;
  return STATUS_WORDS[t.status];
}

const dimensionWord = { modelCalls: "model calls", tokens: "tokens", wallMs: "time" } as const;

/** The figures of a turn, each a short piece of text: calls, tokens, tools, delegations, left, cost. */
export function turnFigures(t: Turn): string[] {
  const r = t.run;
  if (r === null) return [];
  const tilde = r.tokens.estimated ? "~" : "";
  const out = [
    plural(r.modelCalls, "call"),
    `${tilde}${compact(r.tokens.in)} in / ${tilde}${compact(r.tokens.out)} out tok`,
  ];
  if (r.costUsd !== undefined) out.push(usd(r.costUsd));
  if (r.tools.length > 0) out.push(`tools ${listed(counted(r.tools), 24)}`);
  if (r.delegatedTo.length > 0) out.push(`→ ${listed(counted(r.delegatedTo), 32)}`);
  out.push(
    `left ${compact(r.left.modelCalls)} calls · ${compact(r.left.tokens)} tok · ${duration(r.left.wallMs)}`,
  );
  return out;
}

/** The whole turn in words, for `aria-label` and the tooltip. */
export function turnLabel(t: Turn, ms: number, sinceStart: number): string {
  const parts = [
    `${displayName(t.agent)}: ${statusText(t)}`,
    `started ${duration(sinceStart)} into the thread`,
    `${t.endMs === null ? "for" : "took"} ${duration(ms)}`,
    `asked by ${displayName(t.asker)} (${t.kind})`,
  ];
  const r = t.run;
  if (r !== null) {
    const est = r.tokens.estimated ? " (estimated)" : "";
    parts.push(plural(r.modelCalls, "model call"));
    parts.push(`${compact(r.tokens.in)} tokens in, ${compact(r.tokens.out)} out${est}`);
    if (r.costUsd !== undefined) parts.push(`cost ${usd(r.costUsd)}`);
    if (r.tools.length > 0) parts.push(`tools ${listed(counted(r.tools), 24)}`);
    if (r.delegatedTo.length > 0) parts.push(`delegated to ${listed(counted(r.delegatedTo), 32)}`);
    parts.push(
      `budget left: ${compact(r.left.modelCalls)} model calls, ${compact(r.left.tokens)} tokens, ${duration(r.left.wallMs)}`,
    );
  }
  return parts.join("; ");
}

/** Each name once, in order of first use, with how often: get_weather twice is one entry, ×2. */
function counted(names: readonly string[]): { name: string; n: number }[] {
  const seen = new Map<string, number>();
  for (const n of names) seen.set(n, (seen.get(n) ?? 0) + 1);
  return [...seen].map(([name, n]) => ({ name, n }));
}

/** The first few names, bounded, then "+N more". */
function listed(names: readonly { name: string; n: number }[], max: number, shown = 3): string {
  const head = names.slice(0, shown).map((x) => `${displayName(x.name, max)}${x.n > 1 ? ` ×${x.n}` : ""}`);
  return names.length > shown ? `${head.join(", ")} +${names.length - shown} more` : head.join(", ");
}
