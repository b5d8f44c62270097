import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, ConfigError, DEFAULTS, readConfig, type ConfigVariable } from "./config";

/** The error readConfig throws for `env`, or a failure when it throws none. */
function refusal(env: Record<string, string>): ConfigError {
  try {
    readConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(env)}`);
}

describe("readConfig", () => {
  it("gives every default for an empty environment, and counts empty values as unset", () => {
    expect(readConfig({})).toEqual(DEFAULTS);
    const blank = Object.fromEntries(CONFIG_VARIABLES.map((v) => [v, ""]));
    expect(readConfig(blank)).toEqual(DEFAULTS);
  });

  it("ignores variables that are not its own", () => {
    expect(readConfig({ PATH: "/usr/bin", HOME: "/root", FOO: "*.>" })).toEqual(DEFAULTS);
  });

  // One good value per variable, and the setting it must land in: a variable missing here fails
  // the coverage test below, so a new variable cannot go unparsed.
  const good: Record<ConfigVariable, [string, keyof typeof DEFAULTS, unknown]> = {
    NATS_URL: ["nats://10.0.0.2:4333", "natsUrl", "nats://10.0.0.2:4333"],
    NATS_WS_URL: ["wss://nats.example.com:443", "natsWsUrl", "wss://nats.example.com:443"],
    NATS_CLUSTER_NODES: ["3", "natsClusterNodes", 3],
    NATS_MONITOR_URL: ["http://10.0.0.2:8222", "natsMonitorUrl", "http://10.0.0.2:8222"],
    SWITCHBOARD_SUBJECT_ROOT: ["team1.agents", "subjectRoot", "team1.agents"],
    LLM_BASE_URL: ["https://llm.example.com/v1", "llmBaseUrl", "https://llm.example.com/v1"],
    LLM_MODEL: ["qwen3-8b", "llmModel", "qwen3-8b"],
    LLM_API_KEY: ["sk-secret", "llmApiKey", "sk-secret"],
    LLM_TIMEOUT_MS: ["1500", "llmTimeoutMs", 1_500],
    LLM_OFFLINE: ["never", "llmOffline", "never"],
    LLM_IDLE_MS: ["5000", "llmIdleMs", 5_000],
    LLM_MAX_TOKENS: ["512", "llmMaxTokens", 512],
    LLM_PRICE_IN: ["0.15", "llmPriceIn", 0.15],
    LLM_PRICE_OUT: ["2", "llmPriceOut", 2],
    BUDGET_MODEL_CALLS: ["5", "budgetModelCalls", 5],
    BUDGET_TOKENS: ["10000", "budgetTokens", 10_000],
    BUDGET_WALL_MS: ["60000", "budgetWallMs", 60_000],
    THREAD_MODEL_CALLS: ["50", "threadModelCalls", 50],
    THREAD_TOKENS: ["500000", "threadTokens", 500_000],
    FAN_OUT_LIMIT: ["3", "fanOutLimit", 3],
    MEMORY_THREAD_BYTES: ["8192", "memoryThreadBytes", 8_192],
    OFFLINE_MODEL_PORT: ["0", "offlineModelPort", 0],
    PORT: ["8080", "port", 8_080],
    DASHBOARD_RETENTION: ["20000", "dashboardRetention", 20_000],
    DASHBOARD_RETENTION_BYTES: ["134217728", "dashboardRetentionBytes", 134_217_728],
    SERVER_AGENT_LIMIT: ["4", "serverAgentLimit", 4],
    SWITCHBOARD_DATA_DIR: ["/var/lib/switchboard", "dataDir", "/var/lib/switchboard"],
    CREDENTIAL_TTL_MS: ["600000", "credentialTtlMs", 600_000],
    NATS_CREDS: ["/home/me/cli.creds", "natsCreds", "/home/me/cli.creds"],
    DASHBOARD_TOKEN: ["a".repeat(43), "dashboardToken", "a".repeat(43)],
    DASHBOARD_HOSTNAMES: [" Dash.Example.com, [::1] ", "dashboardHostnames", ["dash.example.com", "::1"]],
    NATS_SERVER_BIN: ["/opt/nats/nats-server", "natsServerBin", "/opt/nats/nats-server"],
    DEMO_STEP_TIMEOUT_MS: ["1500", "demoStepTimeoutMs", 1_500],
    LOG_MAX_AGE_MS: ["86400000", "logMaxAgeMs", 86_400_000],
    LOG_MAX_BYTES: ["1048576", "logMaxBytes", 1_048_576],
    DELIVERY_TTL_MS: ["60000", "deliveryTtlMs", 60_000],
    OUTBOX_MAX_BYTES: ["2097152", "outboxMaxBytes", 2_097_152],
    SWITCHBOARD_DEBUG: ["1", "debug", true],
    NO_COLOR: ["1", "noColor", true],
    COLUMNS: ["120", "columns", 120],
  };

  it("parses every variable the project reads into its setting", () => {
    expect(Object.keys(good).sort()).toEqual([...CONFIG_VARIABLES].sort());
    for (const [variable, [text, key, value]] of Object.entries(good)) {
      const c = readConfig({ [variable]: text });
      expect(c[key], variable).toEqual(value);
      expect({ ...c, [key]: DEFAULTS[key] }, `${variable} changes only ${key}`).toEqual(DEFAULTS);
    }
  });

  it("reads them all at once", () => {
    const env = Object.fromEntries(Object.entries(good).map(([v, [text]]) => [v, text]));
    const c = readConfig(env);
    for (const [, key, value] of Object.values(good)) expect(c[key]).toEqual(value);
  });

  it.each([
    ["NATS_URL", "127.0.0.1:4222", "127.0.0.1:4222"], // nats.js reads host:port as nats://
    ["NATS_URL", "tls://nats.example.com:4222", "tls://nats.example.com:4222"],
    ["NATS_URL", "nats://10.0.0.1:4222, nats://10.0.0.2:4222", "nats://10.0.0.1:4222, nats://10.0.0.2:4222"],
    ["NATS_WS_URL", "ws://10.0.0.1:9222,ws://10.0.0.2:9222", "ws://10.0.0.1:9222,ws://10.0.0.2:9222"],
    ["SWITCHBOARD_SUBJECT_ROOT", "a.b-c.d_e", "a.b-c.d_e"],
    ["SWITCHBOARD_DEBUG", "off", false],
    ["SWITCHBOARD_DEBUG", "YES", true],
    ["NO_COLOR", "0", true], // no-color.org: any non-empty value
    ["OFFLINE_MODEL_PORT", "65535", 65_535],
    ["LLM_TIMEOUT_MS", "2147483647", 2_147_483_647],
  ] as const)("accepts %s=%s", (variable, text, value) => {
    const key = good[variable][1];
    expect(readConfig({ [variable]: text })[key]).toEqual(value);
  });

  it.each([
    [
      "LLM_TIMEOUT_MS",
      "abc",
      /^LLM_TIMEOUT_MS must be a whole number of milliseconds from 1 to \d+, got "abc"$/,
    ],
    ["LLM_TIMEOUT_MS", "0", /from 1 to/],
    ["LLM_TIMEOUT_MS", "1.5", /whole number/],
    ["LLM_TIMEOUT_MS", "-5", /whole number/],
    ["LLM_TIMEOUT_MS", "9999999999", /to 2147483647/], // setTimeout would fire at once
    ["DEMO_STEP_TIMEOUT_MS", "soon", /^DEMO_STEP_TIMEOUT_MS must be a whole number of milliseconds/],
    ["NATS_URL", "http://127.0.0.1:4222", /^NATS_URL must be a nats or tls URL/],
    ["NATS_URL", "nats://", /^NATS_URL must be/],
    ["NATS_WS_URL", "127.0.0.1:9222", /^NATS_WS_URL must be a ws or wss URL/], // wsconnect: wss://...:443
    ["NATS_WS_URL", "nats://127.0.0.1:4222", /^NATS_WS_URL must be/],
    ["NATS_CLUSTER_NODES", "2", /^NATS_CLUSTER_NODES must be 1 \(one nats-server\) or 3 .*, got "2"$/],
    ["NATS_CLUSTER_NODES", "three", /^NATS_CLUSTER_NODES must be 1/],
    [
      "NATS_URL",
      "nats://10.0.0.1:4222,http://10.0.0.2:4222",
      /^NATS_URL must be .* or several separated by commas/,
    ],
    [
      "SWITCHBOARD_SUBJECT_ROOT",
      "team1.*",
      /^SWITCHBOARD_SUBJECT_ROOT must be .*no wildcards.*, got "team1\.\*"$/,
    ],
    ["SWITCHBOARD_SUBJECT_ROOT", "team1.>", /^SWITCHBOARD_SUBJECT_ROOT must be/],
    ["SWITCHBOARD_SUBJECT_ROOT", "team1..agents", /^SWITCHBOARD_SUBJECT_ROOT must be/],
    ["SWITCHBOARD_SUBJECT_ROOT", ".agents", /^SWITCHBOARD_SUBJECT_ROOT must be/],
    ["SWITCHBOARD_SUBJECT_ROOT", "team 1", /^SWITCHBOARD_SUBJECT_ROOT must be/],
    ["SWITCHBOARD_SUBJECT_ROOT", "a.b.c.d.e.f.g.h.i", /^SWITCHBOARD_SUBJECT_ROOT must be 1 to 8/],
    ["LLM_BASE_URL", "localhost:1234/v1", /^LLM_BASE_URL must be a http or https URL/],
    ["LLM_OFFLINE", "sometimes", /^LLM_OFFLINE must be "allow" or "never", got "sometimes"$/],
    ["OFFLINE_MODEL_PORT", "65536", /^OFFLINE_MODEL_PORT must be a port number from 0 to 65535/],
    ["PORT", "0", /^PORT must be a port number from 1 to 65535, got "0"$/],
    ["PORT", "3000x", /^PORT must be a port number/],
    ["DASHBOARD_RETENTION", "10", /^DASHBOARD_RETENTION must be a whole number of messages from 100/],
    ["DASHBOARD_HOSTNAMES", "http://x/", /^DASHBOARD_HOSTNAMES must be comma-separated host names/],
    ["SERVER_AGENT_LIMIT", "-1", /^SERVER_AGENT_LIMIT must be a whole number of agents from 0 to 1000/],
    [
      "DASHBOARD_RETENTION_BYTES",
      "64MB",
      /^DASHBOARD_RETENTION_BYTES must be a whole number of bytes from 2097152/,
    ],
    [
      "DASHBOARD_RETENTION_BYTES",
      "1000",
      /^DASHBOARD_RETENTION_BYTES must be a whole number of bytes from 2097152/,
    ],
    ["SWITCHBOARD_DEBUG", "maybe", /^SWITCHBOARD_DEBUG must be 1\/true\/yes\/on or 0\/false\/no\/off/],
    ["COLUMNS", "wide", /^COLUMNS must be a whole number of columns/],
  ] as const)("refuses %s=%s, naming the variable", (variable, text, message) => {
    const e = refusal({ [variable]: text });
    expect(e.name).toBe("ConfigError");
    expect(e.variable).toBe(variable);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`${variable} ${e.problem}`)).toBe(true);
    expect(e.cause).toBeDefined();
  });

  it("names every bad variable in one message, one line each, the first in `variable`", () => {
    const e = refusal({ PORT: "http", LLM_TIMEOUT_MS: "abc", SWITCHBOARD_SUBJECT_ROOT: "*" });
    expect(e.message.split("; ").map((l) => l.split(" ")[0])).toEqual([
      "SWITCHBOARD_SUBJECT_ROOT",
      "LLM_TIMEOUT_MS",
      "PORT",
    ]);
    expect(e.variable).toBe("SWITCHBOARD_SUBJECT_ROOT");
  });

  it("quotes a bad value safely: escaped and cut", () => {
    const e = refusal({ COLUMNS: "\u001b[31m" + "x".repeat(200) });
    expect(e.message).not.toContain("\u001b");
    expect(e.message).toContain("\\u001b[31m");
    expect(e.message.length).toBeLessThan(200);
  });
});
