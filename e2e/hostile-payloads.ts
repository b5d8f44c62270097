// Building blocks for the hostile-content spec: text full of invisible and bidi controls, an
// agent whose free-text fields are as large and as strange as the protocol allows, broadcasts that
// agents leave alone, and a watch on a page for dialogs and requests that leave the machine.
import type { Page } from "@playwright/test";
import {
  compose,
  MAX_MESSAGE_BYTES,
  subjects,
  type AgentMessage,
  type AgentMetadata,
  type JsonObject,
} from "../lib/protocol";

/** One publish: an envelope (validated and encoded) or raw text sent as it is. */
export interface Sent {
  readonly subject: string;
  readonly message: AgentMessage | string;
}

/**
 * A broadcast on hop 1: the demo agents answer only people's broadcasts (hop 0), so they stay out
 * of it and a test measures the page, not the offline model.
 */
export function announce(root: string, content: string, from = "Mallory", metadata: JsonObject = {}): Sent {
  const m = { ...compose("announcement", from, { content }, { metadata }), hops: 1 };
  return { subject: subjects(root).all(from), message: m };
}

/** `unit` repeated to the longest content that still fits a message of `MAX_MESSAGE_BYTES`. */
export function fill(unit: string, reserve = 600): string {
  const encoded = Buffer.byteLength(JSON.stringify(unit)) - 2; // as it travels, escapes included
  return unit.repeat(Math.floor((MAX_MESSAGE_BYTES - reserve) / encoded));
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Records dialogs (dismissed) and requests to any host but this machine; logs page errors. */
export function watchPage(page: Page, dialogs: string[], foreign: string[]): void {
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (["http:", "https:", "ws:", "wss:"].includes(url.protocol) && !LOCAL_HOSTS.has(url.hostname)) {
      foreign.push(r.url());
    }
  });
  page.on("pageerror", (e) => console.warn(`page error: ${e.message.slice(0, 300)}`));
}

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
