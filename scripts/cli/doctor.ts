/**
 * `switchboard doctor`: is this machine ready? Checks, in order, that the CLI's credential is
 * usable (./doctor-identity.ts), that NATS takes it over TCP and that the WebSocket listener (the
 * dashboard's way in) answers and wants credentials, that JetStream is on with room on its disk
 * (./doctor-jetstream.ts, from the monitoring endpoint; on a cluster also its name, size and meta
 * leader) and the log exists for the root with its limits (on a cluster: its copies, and whether
 * they are current), that an OpenAI-compatible LLM lists models
 * and completes a prompt, and that an agent started here answers a request. One line per check,
 * with a `fix:` line under each failure (and under a warning: a passing check that has a fix).
 * `runDoctor` does the checking, `printCheck` the printing.
 */
import OpenAI from "openai";
import { join } from "node:path";
import { WebSocket as NodeWebSocket } from "ws";
import { OFFLINE_MODEL_HEADER, OFFLINE_MODEL_ID, offlineModelUrl } from "../../agents/llm/lookup";
import { DEFAULTS, type Config } from "../../lib/config";
import { credsPath } from "../../lib/identity";
import { DEFAULT_ROOT } from "../../lib/protocol";
import { AgentLink, silentLogger, type NatsConnection } from "../../lib/transport";
import { connectNats, credsText } from "../../lib/transport/connect";
import { connectNatsWs } from "../../lib/transport/connect-browser";
import { CLI_NAME } from "../identity";
import type { IdentityAuthority } from "../../lib/identity";
import { out, seconds, shortId, str, type Command } from "./common";
import { connectProblem, isAuthRefusal } from "./connect";
import type { Credential } from "./credential";
import { checkCredential, checkServer, type IdentityState } from "./doctor-identity";
import { checkJetStream, checkLog } from "./doctor-jetstream";
import { styleFor, type Style } from "./format";

export interface DoctorOptions {
  /** Default: NATS_URL's setting. */
  readonly natsUrl: string;
  /** Default: NATS_WS_URL's setting. */
  readonly wsUrl: string;
  /** nats-server's monitoring endpoint. Default: NATS_MONITOR_URL's setting. */
  readonly monitorUrl: string;
  /** OpenAI-compatible base URL. Default: LLM_BASE_URL's setting (LM Studio). */
  readonly llmBaseUrl: string;
  /** Default: LLM_API_KEY's setting. */
  readonly llmApiKey?: string;
  /** Subject root of the agent round trip (default "agents"; SWITCHBOARD_SUBJECT_ROOT's setting). */
  readonly root?: string;
  /** Where the trust chain and creds files are (SWITCHBOARD_DATA_DIR's setting). */
  readonly dataDir: string;
  /** The CLI's credential. Default: {dataDir}/creds/cli.creds (the CLI passes NATS_CREDS or --as). */
  readonly credsPath?: string;
  /** Model for the test completion. Default: LLM_MODEL, else the first one listed. */
  readonly llmModel?: string;
  /** Per NATS connection attempt (ms, default 3000). */
  readonly natsTimeoutMs?: number;
  /** Where `npm start` serves the offline model when LM Studio is down (checked as a fallback). */
  readonly offlineFallbackUrl?: string;
  /** Per LLM call (ms, default 10 000). */
  readonly llmTimeoutMs?: number;
  /** What LOG_MAX_AGE_MS / LOG_MAX_BYTES ask of the log (default: their defaults). */
  readonly logLimits?: { readonly maxAgeMs: number; readonly maxBytes: number };
  /** Called as each check finishes, so a caller can print while the next one runs. */
  readonly onCheck?: (check: Check) => void;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do about a failure; on a passing check, a warning (something to do soon). */
  readonly fix?: string;
  readonly ms: number;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: Check[];
}

export const FIX = {
  nats: "start it: npm start (or npm run nats)",
  ws: "nats-server.conf needs a websocket block; npm start uses it",
  llm: "start LM Studio and load a model (Developer → Start Server, port 1234), or set LLM_BASE_URL; `npm start` falls back to the offline model",
} as const;

function doctorDefaults(c: Config): DoctorOptions {
  return {
    natsUrl: c.natsUrl,
    wsUrl: c.natsWsUrl,
    monitorUrl: c.natsMonitorUrl,
    llmBaseUrl: c.llmBaseUrl,
    llmApiKey: c.llmApiKey,
    root: c.subjectRoot,
    dataDir: c.dataDir,
    logLimits: { maxAgeMs: c.logMaxAgeMs, maxBytes: c.logMaxBytes },
    ...(c.offlineModelPort === 0 ? {} : { offlineFallbackUrl: offlineModelUrl(c.offlineModelPort) }),
    ...(c.llmModel === undefined ? {} : { llmModel: c.llmModel }),
  };
}

/** What a check finds; runDoctor adds its name and duration. */
type Result = Omit<Check, "name" | "ms">;

export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const checks: Check[] = [];
  const record = async (name: string, body: () => Promise<Result>) => {
    const t0 = performance.now();
    let result: Result;
    try {
      result = await body();
    } catch (e) {
      // A check's own failures are results; this is a bug in the check, still reported as one line.
      result = { ok: false, detail: `unexpected error: ${(e as Error)?.message ?? String(e)}` };
    }
    const check: Check = { name, ...result, ms: Math.round(performance.now() - t0) };
    checks.push(check);
    o.onCheck?.(check);
    return check;
  };
  const natsTimeout = o.natsTimeoutMs ?? 3_000;
  const root = o.root ?? DEFAULT_ROOT;

  let identity: IdentityState | undefined;
  await record("credential", async () => {
    identity = await checkCredential(o.credsPath ?? credsPath(o.dataDir, CLI_NAME), o.dataDir, root);
    return identity.result;
  });
  const tcp = await record("NATS (TCP)", () => checkServer(o.natsUrl, identity!, natsTimeout, FIX.nats));
  const natsDown = !tcp.ok && tcp.fix === FIX.nats;
  await record("NATS (WebSocket)", async () => {
    const r = await checkWs(o.wsUrl, natsTimeout, o.dataDir);
    // With NATS down altogether, the websocket block is not what needs fixing.
    return r.ok || r.fix !== undefined ? r : { ...r, fix: natsDown ? FIX.nats : FIX.ws };
  });
  await record("JetStream", () => checkJetStream(o.monitorUrl, natsTimeout));
  await record("log", async () => {
    const creds = identity?.credential?.text;
    if (natsDown) return { ok: false, detail: "skipped: NATS is not reachable", fix: FIX.nats };
    if (!tcp.ok || creds === undefined)
      return { ok: false, detail: "skipped: NATS does not take the credential", fix: tcp.fix };
    const limits = o.logLimits ?? { maxAgeMs: DEFAULTS.logMaxAgeMs, maxBytes: DEFAULTS.logMaxBytes };
    return checkLog({ url: o.natsUrl, creds, root, limits, timeoutMs: natsTimeout });
  });
  await record("LLM", async () => {
    const r = await checkLlm(o);
    if (r.ok || o.offlineFallbackUrl === undefined || o.offlineFallbackUrl === o.llmBaseUrl) return r;
    // `npm start` falls back to the offline model when LM Studio is down: that is what the
    // running stack uses then, so it passes, saying plainly what it is.
    const fallback = await checkLlm({ ...o, llmBaseUrl: o.offlineFallbackUrl });
    if (!fallback.ok || !fallback.detail.includes("offline model")) return r;
    return {
      ok: true,
      detail: `no LLM at ${o.llmBaseUrl}; the stack runs on Switchboard's OFFLINE MODEL (rules, not an LLM): ${fallback.detail}`,
    };
  });
  await record("agent round trip", async () => {
    const credential = identity?.credential;
    if (natsDown) return { ok: false, detail: "skipped: NATS is not reachable", fix: FIX.nats };
    if (!tcp.ok || credential === undefined)
      return { ok: false, detail: "skipped: NATS does not take the credential", fix: tcp.fix };
    const trust = identity?.trust;
    if (trust === undefined)
      return { ok: true, detail: `not run: no trust chain under ${o.dataDir} to mint a probe agent from` };
    return checkAgent(o.natsUrl, root, natsTimeout, credential, trust);
  });
  return { ok: checks.every((c) => c.ok), checks };
}

// ---- the checks -------------------------------------------------------------------------------

/**
 * Connects without a credential: a listener that answers "Authorization Violation" is up and
 * guarded, which is what the dashboard needs (its tabs bring credentials). One that lets an
 * anonymous client in lets anyone who reaches it read and write the mesh.
 */
async function checkWs(url: string, timeoutMs: number, dataDir: string): Promise<Result> {
  // Node 20 has no global WebSocket, and without one wsconnect waits forever: hand it the `ws`
  // package. Bounded by our own timer too, in case a socket neither opens nor fails.
  // Note: wsconnect sets the client's process-wide transport factory; the next connectNats()
  // sets it back, so the agent check below runs over TCP again.
  const wsFactory = async (u: string) => ({
    socket: new NodeWebSocket(u, { handshakeTimeout: timeoutMs }) as unknown as WebSocket,
    encrypted: u.startsWith("wss://"),
  });
  const extra = { maxReconnectAttempts: 0, wsFactory };
  const connecting = connectNatsWs({ servers: url, name: "switchboard-doctor-ws", timeoutMs, extra });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs + 1_000)));
  let nc: NatsConnection | "timeout";
  try {
    nc = await Promise.race([connecting, expired]);
  } catch (e) {
    if (isAuthRefusal(e))
      return { ok: true, detail: `${url}: listening, and refuses connections without a credential` };
    return { ok: false, detail: `${url}: ${connectProblem(e, timeoutMs)}` };
  } finally {
    clearTimeout(timer);
  }
  if (nc === "timeout") {
    connecting.then((late) => late.close()).catch(() => {});
    return { ok: false, detail: `${url}: no answer within ${seconds(timeoutMs)}` };
  }
  await nc.close().catch(() => {});
  return {
    ok: false,
    detail: `${url}: accepts connections without a credential: anyone who reaches it can read and write the mesh`,
    fix: `start nats-server with \`npm start\` or \`npm run nats\`: their config includes ${join(dataDir, "identity", "nats-auth.conf")}`,
  };
}

async function checkLlm(o: DoctorOptions): Promise<Result> {
  const timeoutMs = o.llmTimeoutMs ?? 10_000;
  const base = o.llmBaseUrl;
  let client: OpenAI;
  try {
    client = new OpenAI({
      baseURL: base,
      apiKey: o.llmApiKey ?? DEFAULTS.llmApiKey,
      timeout: timeoutMs,
      maxRetries: 0,
    });
  } catch (e) {
    return { ok: false, detail: `${base}: ${(e as Error).message}`, fix: FIX.llm };
  }
  let ids: string[];
  let offline: boolean;
  try {
    const { data: page, response } = await client.models.list().withResponse();
    ids = page.data.map((m) => m.id);
    offline = response.headers.get(OFFLINE_MODEL_HEADER) === "true" || ids.includes(OFFLINE_MODEL_ID);
  } catch (e) {
    return { ok: false, detail: `${base}: listing models failed: ${llmProblem(e, timeoutMs)}`, fix: FIX.llm };
  }
  const listed =
    `${ids.length} model${ids.length === 1 ? "" : "s"}` +
    (ids.length === 0 ? "" : ` (${ids.slice(0, 3).join(", ")}${ids.length > 3 ? ", …" : ""})`) +
    (offline ? ", Switchboard's offline model" : "");
  const model = o.llmModel ?? ids[0];
  if (model === undefined) {
    return { ok: false, detail: `${base}: no model loaded`, fix: FIX.llm };
  }
  const t0 = performance.now();
  try {
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Reply with one word: ready" }],
      max_tokens: 16,
    });
    const ms = Math.round(performance.now() - t0);
    const reply = (completion.choices[0]?.message?.content ?? "").trim().replace(/\s+/g, " ").slice(0, 40);
    return { ok: true, detail: `${base}: ${listed}; ${model} answered in ${ms} ms: "${reply}"` };
  } catch (e) {
    const detail = `${base}: ${listed}; completion with ${model} failed: ${llmProblem(e, timeoutMs)}`;
    const status = (e as { status?: number }).status;
    const fix =
      status === 404 || status === 400
        ? `load ${model} in LM Studio, or set LLM_MODEL to a loaded model${ids.length > 0 ? ` (${ids.slice(0, 3).join(", ")})` : ""}`
        : FIX.llm;
    return { ok: false, detail, fix };
  }
}

function llmProblem(e: unknown, timeoutMs: number): string {
  if (e instanceof OpenAI.APIConnectionTimeoutError) return `no answer within ${seconds(timeoutMs)}`;
  if (e instanceof OpenAI.APIConnectionError) return connectProblem(e.cause ?? e, timeoutMs);
  if (e instanceof OpenAI.APIError) return `HTTP ${e.status}: ${e.message.split("\n")[0]}`;
  return connectProblem(e, timeoutMs);
}

/** A minute is plenty for one request; the probe's credential is never written to a file. */
const PROBE_TTL_MS = 60_000;

/**
 * Starts a probe agent here and asks it something as the CLI. The probe needs a credential of its
 * own (an agent's: it serves), minted from this machine's trust chain for a minute.
 */
async function checkAgent(
  url: string,
  root: string,
  timeoutMs: number,
  cli: Credential,
  trust: IdentityAuthority,
): Promise<Result> {
  const id = shortId();
  const connections: NatsConnection[] = [];
  const links: AgentLink[] = [];
  try {
    const connect = async (creds: string) => {
      const nc = await connectNats({
        servers: url,
        name: "switchboard-doctor",
        timeoutMs,
        credentials: credsText(creds),
      });
      connections.push(nc);
      return nc;
    };
    const name = `doctor-probe-${id}`;
    const minted = await trust.mint({ role: "agent", name, runtime: "process", root, ttlMs: PROBE_TTL_MS });
    // The probe is a full agent (it serves the request); the asker, like every one-shot CLI
    // command, is a client that only sends and hears its answer.
    const probe = await AgentLink.start({
      connection: await connect(minted.creds!),
      root,
      agent: { name, description: "switchboard doctor's echo probe" },
      logger: silentLogger,
      handlers: { request: (m) => `echo: ${m.content}` },
    });
    links.push(probe);
    const asker = await AgentLink.start({
      connection: await connect(cli.text),
      root,
      mode: "client",
      agent: { name: cli.info.name, description: "switchboard doctor" },
      logger: silentLogger,
    });
    links.push(asker);
    const question = `ping ${id}`;
    const t0 = performance.now();
    const answer = await asker.request(probe.name, question, { timeoutMs: 5_000 });
    const ms = (performance.now() - t0).toFixed(1);
    if (answer.content !== `echo: ${question}`) {
      return {
        ok: false,
        detail: `${probe.name} answered "${answer.content}", expected "echo: ${question}"`,
      };
    }
    return { ok: true, detail: `${probe.name} started and answered ${cli.info.name}'s request in ${ms} ms` };
  } catch (e) {
    return { ok: false, detail: `${(e as Error)?.message ?? String(e)}`, fix: FIX.nats };
  } finally {
    for (const l of links.reverse()) await l.close().catch(() => {});
    for (const nc of connections) await nc.close().catch(() => {});
  }
}

// ---- printing ---------------------------------------------------------------------------------

const NAME_WIDTH = 18;

/** ✓ passed, ! passed with a warning (a fix to apply soon), ✗ failed. */
function printCheck(c: Check, s: Style): string {
  const mark = !c.ok ? s.red("✗") : c.fix !== undefined ? s.yellow("!") : s.green("✓");
  const lines = [`${mark} ${c.name.padEnd(NAME_WIDTH)} ${c.ok ? c.detail : s.red(c.detail)}`];
  if (c.fix !== undefined) lines.push(`    ${s.yellow("fix:")} ${c.fix}`);
  return lines.join("\n");
}

export const doctor: Command = {
  name: "doctor",
  summary:
    "check the CLI's credential, NATS (TCP and WebSocket), JetStream and the log, the LLM and an agent round trip",
  usage: [
    "doctor [--ws URL] [--monitor URL] [--llm URL] [--model NAME]",
    `  --ws URL      NATS WebSocket URL (default NATS_WS_URL or ${DEFAULTS.natsWsUrl})`,
    `  --monitor URL nats-server's monitoring endpoint (default NATS_MONITOR_URL or ${DEFAULTS.natsMonitorUrl}; on a cluster, any node's)`,
    `  --llm URL     OpenAI-compatible base URL (default LLM_BASE_URL or ${DEFAULTS.llmBaseUrl})`,
    "  --model NAME  model for the test completion (default LLM_MODEL or the first listed)",
  ],
  options: {
    ws: { type: "string" },
    monitor: { type: "string" },
    llm: { type: "string" },
    model: { type: "string" },
  },
  takesArguments: false,
  async run(g, values) {
    const defaults = doctorDefaults(g.config);
    const model = str(values, "model") ?? defaults.llmModel;
    const s = styleFor(process.stdout, g.config.noColor);
    const report = await runDoctor({
      ...defaults,
      natsUrl: g.nats,
      credsPath: g.credsPath,
      wsUrl: str(values, "ws") ?? defaults.wsUrl,
      monitorUrl: str(values, "monitor") ?? defaults.monitorUrl,
      llmBaseUrl: str(values, "llm") ?? defaults.llmBaseUrl,
      // An LLM named on the command line is the one to check, with no fallback.
      ...(str(values, "llm") === undefined ? {} : { offlineFallbackUrl: undefined }),
      ...(model === undefined ? {} : { llmModel: model }),
      ...(g.json ? {} : { onCheck: (c: Check) => out(printCheck(c, s)) }),
    });
    if (g.json) {
      out(JSON.stringify(report, null, 2));
    } else {
      const failed = report.checks.filter((c) => !c.ok).length;
      out(
        failed === 0
          ? s.green(`all ${report.checks.length} checks passed`)
          : s.red(`${failed} of ${report.checks.length} checks failed`),
      );
    }
    return report.ok ? 0 : 1;
  },
};
