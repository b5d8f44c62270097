/**
 * Is a message from whom its subject says? Every subject names its sender, and the NATS server
 * lets an identity publish only on subjects that name itself (./permissions.ts); so a `from`
 * (or, for presence and heartbeats, an agent profile) that differs from the subject's sender is
 * someone speaking in another's name. Receivers drop such messages and count them as `spoofed`.
 */
import type { AgentMessage } from "./envelope";
import type { ParsedSubject } from "./subjects";

/** The problem in words, or null when the message's sender matches its subject's. */
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
