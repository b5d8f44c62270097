/**
 * `switchboard doctor`: is this machine ready? Checks, in order, that NATS answers over TCP and
 * over WebSocket (the dashboard's way in), that an OpenAI-compatible LLM lists models and
 * completes a prompt, and that an agent started here answers a request. One line per check, with
 * a `fix:` line under each failure. `runDoctor` does the checking, `printCheck` the printing.
 */
import OpenAI from "openai";
import { WebSocket as NodeWebSocket } from "ws";
import { OFFLINE_MODEL_HEADER, OFFLINE_MODEL_ID, offlineModelUrl } from "../../agents/llm/lookup";
import { DEFAULTS, type Config } from "../../lib/config";
import { MAX_MESSAGE_BYTES } from "../../lib/protocol";
import { AgentLink, silentLogger, type NatsConnection } from "../../lib/transport";
import { connectNats } from "../../lib/transport/connect";
import { connectNatsWs } from "../../lib/transport/connect-browser";
import { connectProblem, out, seconds, shortId, str, type Command } from "./common";
import { styleFor, type Style } from "./format";

export interface DoctorOptions {
  /** Default: NATS_URL's setting. */
  readonly natsUrl: string;
  /** Default: NATS_WS_URL's setting. */
  readonly wsUrl: string;
  /** OpenAI-compatible base URL. Default: LLM_BASE_URL's setting (LM Studio). */
  readonly llmBaseUrl: string;
  /** Default: LLM_API_KEY's setting. */
  readonly llmApiKey?: string;
  /** Subject root of the agent round trip (default "agents"; SWITCHBOARD_SUBJECT_ROOT's setting). */
  readonly root?: string;
  /** Model for the test completion. Default: LLM_MODEL, else the first one listed. */
  readonly llmModel?: string;
  /** Per NATS connection attempt (ms, default 3000). */
  readonly natsTimeoutMs?: number;
  /** Where `npm start` serves the offline model when LM Studio is down (checked as a fallback). */
  readonly offlineFallbackUrl?: string;
  /** Per LLM call (ms, default 10 000). */
  readonly llmTimeoutMs?: number;
  /** Called as each check finishes, so a caller can print while the next one runs. */
  readonly onCheck?: (check: Check) => void;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do about a failure. */
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
    llmBaseUrl: c.llmBaseUrl,
    llmApiKey: c.llmApiKey,
    root: c.subjectRoot,
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

  const tcp = await record("NATS (TCP)", () => checkTcp(o.natsUrl, natsTimeout));
  await record("NATS (WebSocket)", async () => {
    const r = await checkWs(o.wsUrl, natsTimeout);
    // With NATS down altogether, the websocket block is not what needs fixing.
    return r.ok ? r : { ...r, fix: tcp.ok ? FIX.ws : FIX.nats };
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
  await record("agent round trip", () =>
    tcp.ok
      ? checkAgent(o.natsUrl, o.root, natsTimeout)
      : Promise.resolve({ ok: false, detail: "skipped: NATS is not reachable", fix: FIX.nats }),
  );
  return { ok: checks.every((c) => c.ok), checks };
}

// ---- the checks -------------------------------------------------------------------------------

async function checkTcp(url: string, timeoutMs: number): Promise<Result> {
  let nc: NatsConnection;
  try {
    nc = await connectNats({
      servers: url,
      name: "switchboard-doctor",
      timeoutMs,
      extra: { maxReconnectAttempts: 0 },
    });
  } catch (e) {
    return { ok: false, detail: `${url}: ${connectProblem(e, timeoutMs)}`, fix: FIX.nats };
  }
  try {
    const rtt = await nc.rtt();
    const info = nc.info;
    const payload =
      info !== undefined && info.max_payload < MAX_MESSAGE_BYTES
        ? `; max_payload ${info.max_payload} is below the protocol's ${MAX_MESSAGE_BYTES} bytes, large messages will fail`
        : "";
    return {
      ok: true,
      detail: `${url}: nats-server ${info?.version ?? "(unknown version)"}, rtt ${ms(rtt)}${payload}`,
    };
  } finally {
    await nc.close().catch(() => {});
  }
}

async function checkWs(url: string, timeoutMs: number): Promise<Result> {
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
    return { ok: false, detail: `${url}: ${connectProblem(e, timeoutMs)}` };
  } finally {
    clearTimeout(timer);
  }
  if (nc === "timeout") {
    connecting.then((late) => late.close()).catch(() => {});
    return { ok: false, detail: `${url}: no answer within ${seconds(timeoutMs)}` };
  }
  try {
    const rtt = await nc.rtt();
    return {
      ok: true,
      detail: `${url}: nats-server ${nc.info?.version ?? "(unknown version)"}, rtt ${ms(rtt)}`,
    };
  } finally {
    await nc.close().catch(() => {});
  }
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

async function checkAgent(url: string, root: string | undefined, timeoutMs: number): Promise<Result> {
  const id = shortId();
  const connections: NatsConnection[] = [];
  const links: AgentLink[] = [];
  try {
    const connect = async () => {
      const nc = await connectNats({ servers: url, name: "switchboard-doctor", timeoutMs });
      connections.push(nc);
      return nc;
    };
    const onRoot = root === undefined ? {} : { root };
    // The probe is a full agent (it serves the request); the asker, like every one-shot CLI
    // command, is a client that only sends and hears its answer.
    const probe = await AgentLink.start({
      connection: await connect(),
      ...onRoot,
      agent: { name: `doctor-probe-${id}`, description: "switchboard doctor's echo probe" },
      logger: silentLogger,
      handlers: { request: (m) => `echo: ${m.content}` },
    });
    links.push(probe);
    const asker = await AgentLink.start({
      connection: await connect(),
      ...onRoot,
      mode: "client",
      agent: { name: `doctor-${id}`, description: "switchboard doctor" },
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
    return { ok: true, detail: `${probe.name} started and answered a request in ${ms} ms` };
  } catch (e) {
    return { ok: false, detail: `${(e as Error)?.message ?? String(e)}`, fix: FIX.nats };
  } finally {
    for (const l of links.reverse()) await l.close().catch(() => {});
    for (const nc of connections) await nc.close().catch(() => {});
  }
}

function ms(n: number): string {
  return n < 1 ? "<1 ms" : `${n} ms`;
}

// ---- printing ---------------------------------------------------------------------------------

const NAME_WIDTH = 18;

function printCheck(c: Check, s: Style): string {
  const mark = c.ok ? s.green("✓") : s.red("✗");
  const lines = [`${mark} ${c.name.padEnd(NAME_WIDTH)} ${c.ok ? c.detail : s.red(c.detail)}`];
  if (!c.ok && c.fix !== undefined) lines.push(`    ${s.yellow("fix:")} ${c.fix}`);
  return lines.join("\n");
}

export const doctor: Command = {
  name: "doctor",
  summary: "check NATS (TCP and WebSocket), the LLM and an agent round trip",
  usage: [
    "doctor [--ws URL] [--llm URL] [--model NAME]",
    `  --ws URL      NATS WebSocket URL (default NATS_WS_URL or ${DEFAULTS.natsWsUrl})`,
    `  --llm URL     OpenAI-compatible base URL (default LLM_BASE_URL or ${DEFAULTS.llmBaseUrl})`,
    "  --model NAME  model for the test completion (default LLM_MODEL or the first listed)",
  ],
  options: { ws: { type: "string" }, llm: { type: "string" }, model: { type: "string" } },
  takesArguments: false,
  async run(g, values) {
    const defaults = doctorDefaults(g.config);
    const model = str(values, "model") ?? defaults.llmModel;
    const s = styleFor(process.stdout, g.config.noColor);
    const report = await runDoctor({
      ...defaults,
      natsUrl: g.nats,
      wsUrl: str(values, "ws") ?? defaults.wsUrl,
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
