// Building blocks for the hostile-content spec: text full of invisible and bidi controls, and an
// agent whose free-text fields are as large and as strange as the protocol allows.
import type { AgentMetadata } from "../lib/protocol";

/** A documentation address (TEST-NET-3): nothing may ever ask it for anything. */
export const REMOTE = "203.0.113.5";

/**
 * Markdown laced with zero-width characters, bidi overrides, embeddings and isolates left open,
 * a byte order mark, HTML and an emoji sequence whose joiners are legitimate.
 */
export const HOSTILE_TEXT = [
  "Pay invoice \u202Efdp.exe\u202C today",
  "zero\u200Bwidth\u200C non\u200Djoiners\u2060and word joiners",
  "\u2066an isolate never closed, \u202Aan embedding never popped, \u202Ban override",
  "marks \u200F\u200E and a BOM \uFEFF here",
  "**bold \u202Ereversed** and `code \u202Eflipped`",
  `[link \u202Etext](http://${REMOTE}/\u200Bpath)`,
  "<b onclick=alert(1)>html</b> family 👨‍👩‍👧",
].join("\n\n");

/** An agent's metadata at the protocol's size limits, every free-text field hostile. */
export function hostileAgent(name: string): AgentMetadata {
  const now = new Date().toISOString();
  return {
    name,
    description: `${HOSTILE_TEXT}\n${"W".repeat(2_000)}`.slice(0, 2_000),
    capabilities: Array.from({ length: 64 }, (_, i) => `\u202Ecap${i}\u200B${"c".repeat(64)}`.slice(0, 64)),
    tools: Array.from({ length: 64 }, (_, i) => ({
      name: `\u202Etool${i}\u200B${"t".repeat(64)}`.slice(0, 64),
      description: `${HOSTILE_TEXT}${"d".repeat(1_000)}`.slice(0, 1_000),
    })),
    status: "online",
    model: `\u202Emodel ${"m".repeat(300)}`.slice(0, 200),
    runtime: "process",
    startedAt: now,
    lastSeen: now,
    heartbeatMs: 3_600_000, // stays online for the whole test without a heartbeat
  };
}
