// The `switchboard` CLI as a user runs it: a real child process against a harness nats-server,
// asserting on what it prints and how it exits.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startOfflineModel, type OfflineModel } from "../../agents/offline-model";
import type { AnnouncementMessage, DirectMessage, HandoffMessage } from "../../lib/protocol";
import { runDoctor } from "../../scripts/cli/doctor";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { collect, connection, eventually, link } from "../helpers";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MAIN = "scripts/cli/main.ts";
const LM_STUDIO_FIX =
  "fix: start LM Studio and load a model (Developer → Start Server, port 1234), or set LLM_BASE_URL";
const NATS_FIX = "fix: start it: npm start (or npm run nats)";

interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
});

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const k of ["NATS_URL", "NATS_WS_URL", "LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY", "COLUMNS"])
    delete env[k];
  return env;
}

function start(args: string[]): Running {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO,
    env: childEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.once("close", (code) => r(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = start(args);
  const code = await r.exited;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** A port nothing listens on (bound once by the OS, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolvePort(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.stop());

describe("command line", () => {
  it("rejects an unknown command with a usage hint and exit code 2", async () => {
    const r = await run(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('switchboard: unknown command "frobnicate"');
    expect(r.stderr).toContain("usage: switchboard");
    expect(r.stdout).toBe("");
  });

  it("rejects an unknown option and a bad --as name with exit code 2", async () => {
    const bad = await run(["send", "Bob", "hi", "--bogus"]);
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)[0]).toBe("switchboard: unknown option --bogus");
    expect(bad.stderr).toContain("usage: switchboard send AGENT TEXT...");
    const name = await run(["ls", "--as", "a.b", "--nats", server.url]);
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('--as name "a.b" contains "."');
  });

  it("says in one line that NATS cannot be reached, without a stack trace", async () => {
    const r = await run(["ls", "--nats", "nats://127.0.0.1:1"]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      'switchboard: cannot reach NATS at nats://127.0.0.1:1 (connection refused) — start it with "npm start" or "npm run nats"',
    ]);
    expect(r.stdout).toBe("");
  });
});

describe("ls", () => {
  it("lists an agent started here as online, with its runtime, model and capabilities", async () => {
    await link(server.url, "Ls-Target", {
      agent: { name: "Ls-Target", capabilities: ["weather", "maps"], model: "test-model" },
    });
    const r = await run(["ls", "--nats", server.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+STATUS\s+RUNTIME\s+MODEL\s+CAPABILITIES\s+LAST SEEN$/m);
    expect(r.stdout).toMatch(
      /^Ls-Target\s+online\s+process\s+test-model\s+weather,maps\s+(just now|\ds ago)$/m,
    );

    const json = await run(["ls", "--json", "--nats", server.url]);
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.stdout) as { status: string; agent: { name: string } }[];
    expect(entries.find((e) => e.agent.name === "Ls-Target")?.status).toBe("online");
  });
});

describe("talking to agents", () => {
  it("send reaches the agent's direct handler and prints the message id", async () => {
    const got: DirectMessage[] = [];
    await link(server.url, "Send-Target", { handlers: { direct: (m) => void got.push(m) } });
    const r = await run([
      "send",
      "Send-Target",
      "hello",
      "there",
      "--as",
      "cli-tester",
      "--nats",
      server.url,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await eventually(() => got.length === 1);
    expect(got[0]).toMatchObject({ id, from: "cli-tester", to: "Send-Target", content: "hello there" });
  });

  it("request prints the agent's answer", async () => {
    await link(server.url, "Echo-Bot", { handlers: { request: (m) => `echo: ${m.content}` } });
    const r = await run([
      "request",
      "Echo-Bot",
      "what",
      "is",
      "up",
      "--timeout",
      "5000",
      "--nats",
      server.url,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("echo: what is up\n");
  });

  it("request to a missing agent exits 1 with one line", async () => {
    const r = await run(["request", "Ghost", "anyone?", "--nats", server.url]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^switchboard: no agent named Ghost is listening/);
    expect(r.stdout).toBe("");
  });

  it("request answered with an error exits 1 with the agent's message", async () => {
    await link(server.url, "Broken-Bot", {
      handlers: {
        request: () => {
          throw new Error("tool crashed");
        },
      },
    });
    const r = await run(["request", "Broken-Bot", "try", "--nats", server.url]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual(["switchboard: Broken-Bot answered error: tool crashed"]);
  });

  it("handoff arrives with task, progress and reason", async () => {
    const got: HandoffMessage[] = [];
    await link(server.url, "Handoff-Target", { handlers: { handoff: (m) => void got.push(m) } });
    const r = await run([
      "handoff",
      "Handoff-Target",
      "--task",
      "Forecast for Oslo",
      "--progress",
      "city parsed",
      "--reason",
      "needs the weather tool",
      "--as",
      "cli-handoff",
      "--nats",
      server.url,
    ]);
    expect(r.code).toBe(0);
    await eventually(() => got.length === 1);
    expect(got[0]?.id).toBe(r.stdout.trim());
    expect(got[0]).toMatchObject({ from: "cli-handoff", to: "Handoff-Target" });
    expect(got[0]?.handoff).toMatchObject({
      task: "Forecast for Oslo",
      progress: "city parsed",
      reason: "needs the weather tool",
    });
  });

  it("broadcast reaches an announcement handler with its priority", async () => {
    const got: AnnouncementMessage[] = [];
    await link(server.url, "Listener", { handlers: { announcement: (m) => void got.push(m) } });
    const r = await run(["broadcast", "Maintenance", "at", "noon", "--priority", "4", "--nats", server.url]);
    expect(r.code).toBe(0);
    await eventually(() => got.length === 1);
    expect(got[0]).toMatchObject({ id: r.stdout.trim(), content: "Maintenance at noon", priority: 4 });
  });

  it("refuses a priority out of range before connecting", async () => {
    const r = await run(["broadcast", "hi", "--priority", "9", "--nats", "nats://127.0.0.1:1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--priority must be a whole number from 1 to 5");
  });
});

describe("tail", () => {
  it("--type direct prints direct messages, not heartbeats, and shows dropped bytes", async () => {
    const tail = start(["tail", "--type", "direct", "--nats", server.url]);
    await eventually(() => tail.stderr().includes("listening on agents.>"), 10_000);

    const heartbeats = await collect(server.url, "agents.heartbeat.Tail-B");
    const b = await link(server.url, "Tail-B", { heartbeatMs: 100 });
    const a = await link(server.url, "Tail-A");
    a.sendDirect("Tail-B", "first direct");
    await eventually(() => heartbeats.length >= 2);
    const raw = await connection(server.url);
    raw.publish("agents.direct.Tail-X", new Uint8Array([0xff, 0xfe, 0x00]));
    await raw.flush();
    // Sent on Tail-B's connection after its heartbeats, so tail sees it after them.
    b.sendDirect("Tail-A", "after the beats");
    await eventually(() => tail.stdout().includes("after the beats"), 5_000);

    const out = tail.stdout();
    expect(out).toMatch(/agents\.direct\.Tail-B\s+direct\s+Tail-A → Tail-B first direct thread=\S{6}$/m);
    expect(out).toMatch(/agents\.direct\.Tail-X ! dropped invalid_utf8/);
    expect(out).not.toMatch(/heartbeat/);
    expect(out).not.toMatch(/presence/);

    tail.child.kill("SIGINT");
    expect(await tail.exited).toBe(0);
    expect(tail.stdout()).toMatch(/2 shown, \d+ hidden, 1 dropped \(invalid_utf8 1\)/);
  });

  it("hides heartbeats unless --heartbeats is given, and --agent filters", async () => {
    const quiet = start(["tail", "--agent", "Hb-Agent", "--nats", server.url]);
    const loud = start(["tail", "--agent", "Hb-Agent", "--heartbeats", "--nats", server.url]);
    await eventually(
      () => quiet.stderr().includes("listening") && loud.stderr().includes("listening"),
      10_000,
    );

    const heartbeats = await collect(server.url, "agents.heartbeat.Hb-Agent");
    const hb = await link(server.url, "Hb-Agent", { heartbeatMs: 100 });
    const other = await link(server.url, "Hb-Other");
    other.sendDirect("Hb-Bystander", "not about Hb-Agent");
    await eventually(() => heartbeats.length >= 2);
    hb.sendDirect("Hb-Other", "done beating");
    await eventually(
      () => quiet.stdout().includes("done beating") && loud.stdout().includes("done beating"),
      5_000,
    );

    expect(quiet.stdout()).toMatch(/presence\s+Hb-Agent online/);
    expect(quiet.stdout()).not.toMatch(/heartbeat\s+Hb-Agent/);
    expect(loud.stdout()).toMatch(/agents\.heartbeat\.Hb-Agent\s+heartbeat\s+Hb-Agent online/);
    for (const t of [quiet, loud]) expect(t.stdout()).not.toContain("not about Hb-Agent");
  });
});

describe("doctor", () => {
  let model: OfflineModel;
  beforeAll(async () => {
    model = await startOfflineModel();
  });
  afterAll(() => model.close());

  it("passes against a running NATS (TCP and WebSocket) and an LLM", async () => {
    const r = await run(["doctor", "--nats", server.url, "--ws", server.wsUrl, "--llm", model.url]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const checks = lines(r.stdout).filter((l) => /^[✓✗] /.test(l));
    expect(checks.map((l) => l.slice(0, 20).trim())).toEqual([
      "✓ NATS (TCP)",
      "✓ NATS (WebSocket)",
      "✓ LLM",
      "✓ agent round trip",
    ]);
    expect(r.stdout).not.toContain("fix:");
    expect(r.stdout).toContain("all 4 checks passed");
  });

  it("fails with the LM Studio fix when the LLM is not there", async () => {
    const port = await closedPort();
    const llm = `http://127.0.0.1:${port}/v1`;
    const r = await run(["doctor", "--nats", server.url, "--ws", server.wsUrl, "--llm", llm]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✓ NATS \(TCP\)/m);
    expect(r.stdout).toMatch(/^✓ agent round trip/m);
    expect(r.stdout).toMatch(
      new RegExp(`^✗ LLM\\s+${llm.replace(/[.:/]/g, "\\$&")}: .*connection refused$`, "m"),
    );
    expect(r.stdout).toContain(`    ${LM_STUDIO_FIX}`);
    expect(r.stdout).toContain("1 of 4 checks failed");
  });

  it("fails with the NATS fix when NATS is not there", async () => {
    const port = await closedPort();
    const r = await run([
      "doctor",
      "--nats",
      `nats://127.0.0.1:${port}`,
      "--ws",
      server.wsUrl,
      "--llm",
      model.url,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ NATS \(TCP\)\s+nats:\/\/127\.0\.0\.1:\d+: connection refused$/m);
    expect(r.stdout).toContain(`    ${NATS_FIX}`);
    expect(r.stdout).toMatch(/^✗ agent round trip\s+skipped/m);
    expect(r.stdout).toMatch(/^✓ LLM/m);
  });

  it("passes when LM Studio is down but the stack's offline model answers, and says so", async () => {
    const down = `http://127.0.0.1:${await closedPort()}/v1`;
    const report = await runDoctor({
      natsUrl: server.url,
      wsUrl: server.wsUrl,
      llmBaseUrl: down,
      offlineFallbackUrl: model.url,
    });
    const llm = report.checks.find((c) => c.name === "LLM")!;
    expect(llm.ok).toBe(true);
    expect(llm.detail).toContain(`no LLM at ${down}`);
    expect(llm.detail).toContain("OFFLINE MODEL");
    const without = await runDoctor({ natsUrl: server.url, wsUrl: server.wsUrl, llmBaseUrl: down });
    expect(without.checks.find((c) => c.name === "LLM")!.ok).toBe(false);
  });

  it("runDoctor reports each check and recognizes Switchboard's offline model", async () => {
    const seen: string[] = [];
    const report = await runDoctor({
      natsUrl: server.url,
      wsUrl: server.wsUrl,
      llmBaseUrl: model.url,
      onCheck: (c) => seen.push(c.name),
    });
    expect(report.ok).toBe(true);
    expect(seen).toEqual(["NATS (TCP)", "NATS (WebSocket)", "LLM", "agent round trip"]);
    const llm = report.checks.find((c) => c.name === "LLM");
    expect(llm?.detail).toContain("Switchboard's offline model");
    expect(llm?.detail).toContain("switchboard-offline answered in");
    expect(report.checks[0]?.detail).toMatch(/nats-server \d+\.\d+\.\d+/);
  });
});
