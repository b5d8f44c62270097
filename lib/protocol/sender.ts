/**
 * Does a message belong on the subject it came on? Every subject names its sender, and the NATS
 * server lets an identity publish only on subjects that name itself (./permissions.ts); so a
 * `from` (or, for presence and heartbeats, an agent profile) that differs from the subject's
 * sender is someone speaking in another's name: `spoofed`. A message of the wrong type for its
 * subject (a presence on a direct subject) is `misrouted`. Receivers drop and count both.
 */
import type { AgentMessage } from "./envelope";
import type { ParsedSubject } from "./subjects";

/** The message types each kind of subject carries. */
export const SUBJECT_TYPES = {
  all: ["announcement"],
  direct: ["direct"],
  request: ["request"],
  handoff: ["handoff"],
  response: ["ack", "stream", "response"],
  cancel: ["cancel"],
  stop: ["stop"],
  discover: ["discover"],
  live: ["direct", "request", "handoff"],
  taken: [], // not envelopes: a list of ids (lib/transport/link/siblings.ts)
  presence: ["presence"],
  heartbeat: ["heartbeat"],
} as const satisfies Record<ParsedSubject["kind"], readonly AgentMessage["type"][]>;

/** Whom a message claims to be from versus whom its subject names; null when they agree. */
export function spoofing(parsed: ParsedSubject, m: AgentMessage): string | null {
  if (m.from !== parsed.from) return `from ${m.from} on a subject of ${parsed.from}`;
  if (m.type === "presence" || m.type === "heartbeat") {
    if (parsed.kind !== "presence" && parsed.kind !== "heartbeat") return null;
    if (m.agent.name !== m.from) return `${m.from} describes ${m.agent.name}`;
    if (m.agent.runtime !== parsed.runtime)
      return `${m.from} claims runtime ${m.agent.runtime} on a ${parsed.runtime} subject`;
  }
  return null;
}

/** Both checks, for whoever watches everything (a dashboard's tap, `tail`). */
export function subjectMismatch(
  parsed: ParsedSubject,
  m: AgentMessage,
): { reason: "misrouted" | "spoofed"; detail: string } | null {
  if (!(SUBJECT_TYPES[parsed.kind] as readonly string[]).includes(m.type))
    return { reason: "misrouted", detail: `a ${m.type} message on a ${parsed.kind} subject` };
  const spoofed = spoofing(parsed, m);
  return spoofed === null ? null : { reason: "spoofed", detail: spoofed };
}
