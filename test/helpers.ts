// Shared test plumbing: real connections and links to a harness server, closed after each test.
// Every connection authenticates: the harness server at the URL mints a credential for whom the
// test names (an agent for a link, a CLI-like observer that reads everything for a raw connection).
import { afterEach } from "vitest";
import { connectNats, credsText } from "../lib/transport/connect";
import { AgentLink, silentLogger, type AgentLinkOptions, type NatsConnection } from "../lib/transport";
import { harnessServerAt, type TestIdentity } from "./harness/nats-server";

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  // In order: a link announces offline over its connection before that connection closes.
  for (const c of open.splice(0).reverse()) await c.close().catch(() => {});
});

/** The default identity of a raw connection: reads everything, speaks as "tester". */
export const OBSERVER: TestIdentity = { role: "cli", name: "tester" };

/** Creds text for `who` from the harness server at `url`. */
export async function credentialsFor(url: string, who: TestIdentity): Promise<string> {
  const server = harnessServerAt(url);
  if (server === undefined) throw new Error(`no harness server at ${url}`);
  return server.credentials(who);
}

export async function connection(url: string, who: TestIdentity = OBSERVER): Promise<NatsConnection> {
  const creds = await credentialsFor(url, who);
  const nc = await connectNats({ servers: url, reconnectWaitMs: 100, credentials: credsText(creds) });
  open.push({ close: () => nc.close() });
  return nc;
}

export async function link(
  url: string,
  name: string,
  options: Partial<Omit<AgentLinkOptions, "connection">> = {},
): Promise<AgentLink> {
  const runtime = options.agent?.runtime ?? "process";
  const who: TestIdentity =
    options.mode === "client" ? { role: "cli", name } : { role: "agent", name, runtime };
  const nc = await connection(url, who);
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
