/**
 * Stable looks for names and message kinds (literal class names, so Tailwind finds them). Text
 * colours meet WCAG AA (4.5:1 for small text) on their backgrounds in both themes; the figures
 * are Tailwind 4's palette (oklch) converted to sRGB, as axe-core computes them.
 */
import type { AgentMessage } from "../lib/protocol";

/**
 * Secondary text: zinc-500 on white 4.83:1 (on zinc-50 hover rows 4.62); in the dark theme
 * zinc-500 on zinc-950 is only 4.12, zinc-400 is 7.56.
 */
export const MUTED = "text-zinc-500 dark:text-zinc-400";

/** Avatars carry white initials in 10-12 px bold: every colour here is >= 4.9:1 against white. */
const AVATAR = [
  "bg-rose-700",
  "bg-orange-700",
  "bg-amber-700",
  "bg-lime-700",
  "bg-emerald-700",
  "bg-teal-700",
  "bg-cyan-700",
  "bg-sky-700",
  "bg-indigo-600",
  "bg-violet-600",
  "bg-fuchsia-700",
  "bg-pink-700",
] as const;

export function avatarColor(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) >>> 0;
  return AVATAR[h % AVATAR.length]!;
}

export function initials(name: string): string {
  const parts = name.split(/[-_\s]+/).filter(Boolean);
  const two = parts.length >= 2 ? parts[0]![0]! + parts[1]![0]! : name.slice(0, 2);
  return two.toUpperCase();
}

const BADGE: Record<AgentMessage["type"], string> = {
  direct: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300",
  request: "bg-violet-100 text-violet-800 dark:bg-violet-950 dark:text-violet-300",
  response: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  handoff: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-300",
  announcement: "bg-rose-100 text-rose-800 dark:bg-rose-950 dark:text-rose-300",
  ack: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  stream: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  cancel: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  stop: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  presence: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  heartbeat: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  discover: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
};

export function badgeClass(type: AgentMessage["type"]): string {
  return BADGE[type];
}

export const STATUS_DOT = {
  online: "bg-emerald-500",
  busy: "bg-amber-500",
  offline: "bg-zinc-400 dark:bg-zinc-600",
} as const;

// Formatting a time with `toLocaleTimeString` builds a new Intl formatter on every call; a list row
// renders its time once per mount, and a flood mounts thousands per second (0.45 s of a 5 s CPU
// profile at 2,000 msg/s). One formatter, made once, and the last second's string reused.
const CLOCK = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
let clockSecond = Number.NaN;
let clockText = "";

/** "14:03:59" in the person's locale. */
export function clock(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== clockSecond) {
    clockSecond = second;
    clockText = Number.isFinite(ms) ? CLOCK.format(ms) : "--:--:--";
  }
  return clockText;
}

/** "just now", "12s ago", "3m ago", "2h ago": plain arithmetic, no formatter. */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}
