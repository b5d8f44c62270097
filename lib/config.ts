/**
 * Configuration has one home: every default is written here once, and `readConfig(env)` is the
 * only function that reads environment variables. Entry points (scripts/*.ts, agents/main.ts,
 * agents/offline-model/main.ts, app/page.tsx, the route handlers' server context) pass
 * `process.env` in; everything below them receives values. Pure (zod and the protocol only), so
 * Node and the browser share the defaults.
 *
 * Why one reader: a setting read in two places drifts apart. The subject root did: the dashboard
 * honoured SWITCHBOARD_SUBJECT_ROOT while everything else stayed on "agents". Bad values are
 * refused with the variable's name instead of becoming NaN or a silent default; an empty value
 * counts as unset (`VAR= cmd` is an easy slip in a shell).
 */
import { z } from "zod";
import { assertRoot, DEFAULT_ROOT } from "./protocol";

/** setTimeout fires at once past 2^31-1 ms, so no timeout may be longer. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export const LLM_OFFLINE_MODES = ["allow", "never"] as const;

/** Every default, once. `undefined`: no default (see the variable's comment in `Config`). */
export const DEFAULTS = {
  natsUrl: "nats://127.0.0.1:4222",
  natsWsUrl: "ws://127.0.0.1:9222",
  natsMonitorUrl: "http://127.0.0.1:8222",
  natsClusterNodes: 1,
  subjectRoot: DEFAULT_ROOT,
  llmBaseUrl: "http://localhost:1234/v1",
  llmModel: undefined,
  llmApiKey: "lm-studio",
  llmTimeoutMs: 60_000,
  llmIdleMs: 30_000,
  llmMaxTokens: 4_096,
  llmPriceIn: undefined,
  llmPriceOut: undefined,
  budgetModelCalls: 30,
  budgetTokens: 200_000,
  budgetWallMs: 600_000,
  threadModelCalls: 100,
  threadTokens: 1_000_000,
  fanOutLimit: 10,
  memoryThreadBytes: 64 * 1024,
  llmOffline: "allow",
  offlineModelPort: 1235,
  port: 3000,
  dashboardRetention: 5_000,
  dashboardRetentionBytes: 32 * 2 ** 20,
  serverAgentLimit: 16,
  dashboardHostnames: ["127.0.0.1", "localhost", "::1"],
  dataDir: ".data",
  credentialTtlMs: 3_600_000,
  natsCreds: undefined,
  dashboardToken: undefined,
  natsServerBin: undefined,
  logMaxAgeMs: 7 * 24 * 3_600_000,
  logMaxBytes: 2 ** 30,
  deliveryTtlMs: 3_600_000,
  outboxMaxBytes: 8 * 2 ** 20,
  demoStepTimeoutMs: 60_000,
  debug: false,
  noColor: false,
  columns: undefined,
} as const;

// ---- one schema per kind of value; each message completes "<VARIABLE> ..." ----------------------

const unsetWhenBlank = (v: unknown) => (v === "" ? undefined : v);

function whole(what: string, min: number, max: number) {
  const message = `must be ${what} from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message));
}

const ms = whole("a whole number of milliseconds", 1, MAX_TIMEOUT_MS);
const port = (min: number) => whole("a port number", min, 65_535);
/** US dollars per million tokens, e.g. 0.15. */
const price = z
  .string()
  .regex(/^\d+(\.\d+)?$/, "must be US dollars per million tokens, like 0.15")
  .transform(Number)
  .pipe(z.number().max(1_000_000, "must be at most 1000000 dollars per million tokens"));

/**
 * `bare`: the scheme meant when none is given. nats.js reads "host:port" as nats://host:port;
 * the browser client would read it as wss://...:443, so only NATS_URL allows it.
 */
function url(schemes: readonly string[], example: string, bare?: string) {
  const one = (text: string) => {
    try {
      const u = new URL(bare !== undefined && !text.includes("://") ? `${bare}://${text}` : text);
      return schemes.includes(u.protocol.slice(0, -1)) && u.hostname !== "";
    } catch {
      return false;
    }
  };
  return z.string().refine((text) => one(text), `must be a ${schemes.join(" or ")} URL like ${example}`);
}

/** One URL, or a cluster's: several separated by commas (the client fails over between them). */
function urls(schemes: readonly string[], example: string, bare?: string) {
  const single = url(schemes, example, bare);
  return z
    .string()
    .refine(
      (text) => text.split(",").every((u) => single.safeParse(u.trim()).success),
      `must be a ${schemes.join(" or ")} URL like ${example}, or several separated by commas`,
    );
}

const subjectRoot = z.string().refine((text) => {
  try {
    assertRoot(text); // the protocol's own rule, so config and subjects cannot disagree
    return true;
  } catch {
    return false;
  }
}, 'must be 1 to 8 dot-separated tokens of letters, digits, "-" or "_" (no wildcards)');

/** Comma-separated host names (no ports, no schemes), lower-cased; IPv6 without brackets. */
const hostnames = z
  .string()
  .transform((t) =>
    t
      .split(",")
      .map((h) =>
        h
          .trim()
          .toLowerCase()
          .replace(/^\[(.*)\]$/, "$1"),
      )
      .filter((h) => h !== ""),
  )
  .refine(
    (hs) => hs.length > 0 && hs.every((h) => /^[a-z0-9.:-]{1,253}$/.test(h)),
    "must be comma-separated host names like 127.0.0.1,localhost,dashboard.example.com",
  );

const TRUE = ["1", "true", "yes", "on"];
const FALSE = ["0", "false", "no", "off"];
const flag = z
  .string()
  .transform((t) => t.toLowerCase())
  .refine((t) => TRUE.includes(t) || FALSE.includes(t), `must be ${TRUE.join("/")} or ${FALSE.join("/")}`)
  .transform((t) => TRUE.includes(t));

/** A variable with a default (`fallback`, already parsed: zod does not parse defaults). */
function setting<T extends z.ZodType>(schema: T, fallback: z.output<T>) {
  // The cast only bridges zod's generic default type; `fallback` is typed by the schema above.
  return z.preprocess(unsetWhenBlank, schema.default(fallback as never));
}
/** A variable without a default: `undefined` when unset. */
function optionalSetting<T extends z.ZodType>(schema: T) {
  return z.preprocess(unsetWhenBlank, schema.optional());
}

/** The environment in, the settings out. The README's configuration table lists the same. */
export const Config = z
  .object({
    NATS_URL: setting(urls(["nats", "tls"], DEFAULTS.natsUrl, "nats"), DEFAULTS.natsUrl),
    NATS_WS_URL: setting(urls(["ws", "wss"], DEFAULTS.natsWsUrl), DEFAULTS.natsWsUrl),
    NATS_MONITOR_URL: setting(url(["http", "https"], DEFAULTS.natsMonitorUrl), DEFAULTS.natsMonitorUrl),
    // 1 or 3: Raft needs a majority, so two nodes survive nothing more than one does.
    NATS_CLUSTER_NODES: setting(
      z
        .enum(["1", "3"], { error: "must be 1 (one nats-server) or 3 (a three-node cluster)" })
        .transform(Number),
      DEFAULTS.natsClusterNodes,
    ),
    SWITCHBOARD_SUBJECT_ROOT: setting(subjectRoot, DEFAULTS.subjectRoot),
    LLM_BASE_URL: setting(url(["http", "https"], DEFAULTS.llmBaseUrl), DEFAULTS.llmBaseUrl),
    LLM_MODEL: optionalSetting(z.string()),
    LLM_API_KEY: setting(z.string(), DEFAULTS.llmApiKey),
    LLM_TIMEOUT_MS: setting(ms, DEFAULTS.llmTimeoutMs),
    LLM_IDLE_MS: setting(ms, DEFAULTS.llmIdleMs),
    LLM_MAX_TOKENS: setting(whole("a whole number of tokens", 1, 10_000_000), DEFAULTS.llmMaxTokens),
    LLM_PRICE_IN: optionalSetting(price),
    LLM_PRICE_OUT: optionalSetting(price),
    BUDGET_MODEL_CALLS: setting(
      whole("a whole number of model calls", 1, 100_000),
      DEFAULTS.budgetModelCalls,
    ),
    BUDGET_TOKENS: setting(whole("a whole number of tokens", 1, 1_000_000_000), DEFAULTS.budgetTokens),
    BUDGET_WALL_MS: setting(
      whole("a whole number of milliseconds", 1_000, 86_400_000),
      DEFAULTS.budgetWallMs,
    ),
    THREAD_MODEL_CALLS: setting(
      whole("a whole number of model calls", 1, 1_000_000),
      DEFAULTS.threadModelCalls,
    ),
    THREAD_TOKENS: setting(whole("a whole number of tokens", 1, 1_000_000_000), DEFAULTS.threadTokens),
    FAN_OUT_LIMIT: setting(whole("a whole number of messages", 1, 1_000), DEFAULTS.fanOutLimit),
    MEMORY_THREAD_BYTES: setting(
      whole("a whole number of bytes", 4_096, 64 * 2 ** 20),
      DEFAULTS.memoryThreadBytes,
    ),
    LLM_OFFLINE: setting(
      z.enum(LLM_OFFLINE_MODES, { error: `must be ${LLM_OFFLINE_MODES.map((m) => `"${m}"`).join(" or ")}` }),
      DEFAULTS.llmOffline,
    ),
    OFFLINE_MODEL_PORT: setting(port(0), DEFAULTS.offlineModelPort),
    PORT: setting(port(1), DEFAULTS.port),
    DASHBOARD_RETENTION: setting(
      whole("a whole number of messages", 100, 1_000_000),
      DEFAULTS.dashboardRetention,
    ),
    DASHBOARD_RETENTION_BYTES: setting(
      whole("a whole number of bytes", 2 * 2 ** 20, 4 * 2 ** 30),
      DEFAULTS.dashboardRetentionBytes,
    ),
    DASHBOARD_HOSTNAMES: setting(hostnames, [...DEFAULTS.dashboardHostnames]),
    SERVER_AGENT_LIMIT: setting(whole("a whole number of agents", 0, 1_000), DEFAULTS.serverAgentLimit),
    SWITCHBOARD_DATA_DIR: setting(z.string(), DEFAULTS.dataDir),
    CREDENTIAL_TTL_MS: setting(
      whole("a whole number of milliseconds", 10_000, 7 * 24 * 3_600_000),
      DEFAULTS.credentialTtlMs,
    ),
    NATS_CREDS: optionalSetting(z.string()),
    DASHBOARD_TOKEN: optionalSetting(
      z.string().regex(/^[A-Za-z0-9_-]{32,128}$/, "must be 32 to 128 letters, digits, - or _"),
    ),
    NATS_SERVER_BIN: optionalSetting(z.string()),
    LOG_MAX_AGE_MS: setting(
      whole("a whole number of milliseconds", 60_000, 365 * 24 * 3_600_000),
      DEFAULTS.logMaxAgeMs,
    ),
    LOG_MAX_BYTES: setting(whole("a whole number of bytes", 2 ** 20, 2 ** 50), DEFAULTS.logMaxBytes),
    DELIVERY_TTL_MS: setting(ms, DEFAULTS.deliveryTtlMs),
    OUTBOX_MAX_BYTES: setting(whole("a whole number of bytes", 2 ** 20, 2 ** 32), DEFAULTS.outboxMaxBytes),
    DEMO_STEP_TIMEOUT_MS: setting(ms, DEFAULTS.demoStepTimeoutMs),
    SWITCHBOARD_DEBUG: setting(flag, DEFAULTS.debug),
    // https://no-color.org: any non-empty value turns colors off.
    NO_COLOR: z.preprocess(unsetWhenBlank, z.string().optional()).transform((v) => v !== undefined),
    COLUMNS: optionalSetting(whole("a whole number of columns", 1, 100_000)),
  })
  .transform((e) => ({
    /** NATS for Node processes: agents, CLI, scripts, route handlers (a cluster: its URLs, comma-separated). */
    natsUrl: e.NATS_URL,
    /** NATS over WebSocket, for the dashboard in the browser. */
    natsWsUrl: e.NATS_WS_URL,
    /** nats-server's monitoring endpoint (doctor's JetStream check). */
    natsMonitorUrl: e.NATS_MONITOR_URL,
    /** How many nats-servers `npm start` runs here: 1, or 3 as a cluster (scripts/cluster.ts). */
    natsClusterNodes: e.NATS_CLUSTER_NODES,
    /** The subject root of the whole mesh. */
    subjectRoot: e.SWITCHBOARD_SUBJECT_ROOT,
    /** An OpenAI-compatible server (LM Studio by default). */
    llmBaseUrl: e.LLM_BASE_URL,
    /** The model id; `undefined`: the server's first listed model. */
    llmModel: e.LLM_MODEL,
    /** Bearer token for the LLM server (LM Studio ignores it). */
    llmApiKey: e.LLM_API_KEY,
    /** One deadline per model call, retries included. */
    llmTimeoutMs: e.LLM_TIMEOUT_MS,
    /** A model's answer that sends nothing for this long (streamed or not) is cut as stalled. */
    llmIdleMs: e.LLM_IDLE_MS,
    /** `max_tokens` of each model call, unless an agent's definition sets its own. */
    llmMaxTokens: e.LLM_MAX_TOKENS,
    /** Price per million input tokens (USD), for the cost shown when the model server reports none. */
    llmPriceIn: e.LLM_PRICE_IN,
    /** Price per million output tokens (USD). */
    llmPriceOut: e.LLM_PRICE_OUT,
    /** Model calls one task may make, its delegations included (the task's budget). */
    budgetModelCalls: e.BUDGET_MODEL_CALLS,
    /** Tokens (in + out) one task may use, its delegations included. */
    budgetTokens: e.BUDGET_TOKENS,
    /** Wall time one task may take, its delegations included. */
    budgetWallMs: e.BUDGET_WALL_MS,
    /** Model calls one agent may make in one thread, over all its tasks there. */
    threadModelCalls: e.THREAD_MODEL_CALLS,
    /** Tokens one agent may use in one thread, over all its tasks there. */
    threadTokens: e.THREAD_TOKENS,
    /** Messages one run may send (directs, requests, handoffs, broadcasts): the fan-out limit. */
    fanOutLimit: e.FAN_OUT_LIMIT,
    /** What an agent remembers of one thread with one participant, in UTF-8 bytes. */
    memoryThreadBytes: e.MEMORY_THREAD_BYTES,
    /** "never": `npm run agents` fails instead of falling back to the offline model. */
    llmOffline: e.LLM_OFFLINE,
    /** Where the offline model is served and looked for (0: any free port). */
    offlineModelPort: e.OFFLINE_MODEL_PORT,
    /** The dashboard's HTTP port under `npm start`. */
    port: e.PORT,
    /** Messages the dashboard keeps before dropping the oldest. */
    dashboardRetention: e.DASHBOARD_RETENTION,
    /** What the dashboard's retained messages may hold in memory, about, before the oldest go. */
    dashboardRetentionBytes: e.DASHBOARD_RETENTION_BYTES,
    /** Host names the dashboard's routes answer to (a DNS-rebinding page sends another). */
    dashboardHostnames: e.DASHBOARD_HOSTNAMES,
    /** How many agents the dashboard's server may run at once (0: none). */
    serverAgentLimit: e.SERVER_AGENT_LIMIT,
    /** Where the trust chain (identity/), credentials (creds/), logs and JetStream live. */
    dataDir: e.SWITCHBOARD_DATA_DIR,
    /** Lifetime of credentials minted at start (server agents, tab agents, a person's tab); renewed at half. */
    credentialTtlMs: e.CREDENTIAL_TTL_MS,
    /** A creds file for the CLI (default `{dataDir}/creds/cli.creds`). */
    natsCreds: e.NATS_CREDS,
    /** The dashboard's login token, made by `npm start` (the URL it prints carries it). */
    dashboardToken: e.DASHBOARD_TOKEN,
    /** How long the log keeps a message (JetStream max_age of the log stream). */
    logMaxAgeMs: e.LOG_MAX_AGE_MS,
    /** How much the log may hold before its oldest messages go (max_bytes). */
    logMaxBytes: e.LOG_MAX_BYTES,
    /** How long a task to an agent that is away waits for it; older ones are dropped as expired. */
    deliveryTtlMs: e.DELIVERY_TTL_MS,
    /** What a link may hold while the server is unreachable before a send fails as outbox full. */
    outboxMaxBytes: e.OUTBOX_MAX_BYTES,
    /** The nats-server binary; `undefined`: PATH, then /usr/sbin and /usr/local/bin. */
    natsServerBin: e.NATS_SERVER_BIN,
    /** How long each step of `npm run demo:script` may take. */
    demoStepTimeoutMs: e.DEMO_STEP_TIMEOUT_MS,
    /** The CLI prints the stack of an unexpected error. */
    debug: e.SWITCHBOARD_DEBUG,
    /** No ANSI colors in the CLI. */
    noColor: e.NO_COLOR,
    /** Line width for the CLI when stdout is not a terminal; `undefined`: lines are not cut. */
    columns: e.COLUMNS,
  }));
export type Config = z.infer<typeof Config>;

export type ConfigVariable = keyof z.input<typeof Config>;
export const CONFIG_VARIABLES = Object.keys(Config.in.shape) as readonly ConfigVariable[];

/** A variable has a value the project cannot use: the configuration's fault, not the code's. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    /** The (first) bad variable, e.g. "LLM_TIMEOUT_MS". */
    readonly variable: ConfigVariable,
    /** What is wrong with it, e.g. "must be a port number from 1 to 65535". */
    readonly problem: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Reads and checks every variable the project uses. Throws `ConfigError` naming each bad one:
 * `LLM_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647, got "abc"`.
 */
export function readConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = Config.safeParse(env);
  if (parsed.success) return parsed.data;
  // One line per variable: a value can break several checks of one rule.
  const problems = new Map<ConfigVariable, { problem: string; line: string }>();
  for (const issue of parsed.error.issues) {
    const variable = String(issue.path[0]) as ConfigVariable;
    if (problems.has(variable)) continue;
    const got = quote(env[variable] ?? ""); // no rule can refuse LLM_API_KEY, so no secret shows
    problems.set(variable, { problem: issue.message, line: `${variable} ${issue.message}, got ${got}` });
  }
  const [variable, first] = [...problems][0]!;
  const message = [...problems.values()].map((p) => p.line).join("; ");
  throw new ConfigError(variable, first.problem, message, { cause: parsed.error });
}

/** Quoted, cut to 80 characters, control characters escaped: the value goes into a log line. */
function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
