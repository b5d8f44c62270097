// Shared test plumbing: real connections and links to a harness server, closed after each test.
import { afterEach } from "vitest";
import { connectNats } from "../lib/transport/connect";
import { AgentLink, silentLogger, type AgentLinkOptions, type NatsConnection } from "../lib/transport";

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  // In order: a link announces offline over its connection before that connection closes.
  for (const c of open.splice(0).reverse()) await c.close().catch(() => {});
});

export async function connection(url: string): Promise<NatsConnection> {
  const nc = await connectNats({ servers: url, reconnectWaitMs: 100 });
  open.push({ close: () => nc.close() });
  return nc;
}

export async function link(
  url: string,
  name: string,
  options: Partial<Omit<AgentLinkOptions, "connection">> = {},
): Promise<AgentLink> {
  const nc = await connection(url);
  const l = await AgentLink.start({ connection: nc, agent: { name }, logger: silentLogger, ...options });
  open.push(l);
  return l;
}

/** Collects what arrives on a subject, decoded as JSON. */
export async function collect(
  url: string,
  subject: string,
): Promise<{ subject: string; body: Record<string, unknown> }[]> {
  const nc = await connection(url);
  const got: { subject: string; body: Record<string, unknown> }[] = [];
  nc.subscribe(subject, { callback: (_e, m) => void got.push({ subject: m.subject, body: m.json() }) });
  await nc.flush();
  return got;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 3_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** Retries an async attempt until it yields a value, or throws after `timeoutMs`. */
export async function retry<T>(attempt: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await attempt();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`no success within ${timeoutMs} ms`);
    await sleep(50);
  }
}
