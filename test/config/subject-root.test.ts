// SWITCHBOARD_SUBJECT_ROOT is honoured by every part: the demo agents process, the demo script,
// every CLI command, doctor and the server agents started through the route handlers all work
// under team1.agents, while a raw subscriber on agents.> hears nothing at all. Any part that
// falls back to the default root publishes there (a presence, a discover, a request) and fails
// the last test; a part that ignores the setting on the receiving side fails its own step.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OfflineModel } from "../../agents/offline-model";
import { subjects } from "../../lib/protocol";
import type { NatsConnection } from "../../lib/transport";
import { ensureCredsFile } from "../../lib/identity";
import { connectNats, credsText } from "../../lib/transport/connect";
import { prepareIdentity } from "../../scripts/identity";
import type * as AgentRoute from "../../app/api/agents/[name]/route";
import type * as AgentsRoute from "../../app/api/agents/route";
import { offlineModel } from "../agents/fixtures";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { eventually } from "../helpers";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ROOT = "team1.agents";
const s = subjects(ROOT);
const TRIO = ["Weather-Bot", "Task-Coordinator", "General-Assistant", "Calculator"];

let server: NatsServerHandle;
let model: OfflineModel;
let raw: NatsConnection;
let agentsProcess: Running;
const onDefault: string[] = []; // subjects seen under agents.>
const onRoot: string[] = []; // subjects seen under team1.agents.>
const children = new Set<ChildProcess>();

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** The test's environment without any Switchboard setting, plus the ones under test. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(NATS_|LLM_|SWITCHBOARD_|OFFLINE_MODEL_|DEMO_|DASHBOARD_)/.test(k) || k === "COLUMNS")
      delete env[k];
  }
  return {
    ...env,
    NATS_URL: server.url,
    NATS_WS_URL: server.wsUrl,
    LLM_BASE_URL: model.url,
    OFFLINE_MODEL_PORT: "0",
    SWITCHBOARD_SUBJECT_ROOT: ROOT,
    // The harness server's trust chain, with creds files for the root as `npm start` makes them.
    SWITCHBOARD_DATA_DIR: server.dataDir,
    NO_COLOR: "1",
  };
}

function start(script: string, args: string[] = [], env: NodeJS.ProcessEnv = childEnv()): Running {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: REPO,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let text = "";
  child.stdout?.on("data", (c: Buffer) => (text += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((r) => child.once("close", (code) => r(code)));
  return { child, output: () => text, exited };
}

async function run(script: string, args: string[] = [], env?: NodeJS.ProcessEnv) {
  const r = start(script, args, env);
  const code = await r.exited;
  return { code, output: r.output() };
}

const cli = (...args: string[]) => run("scripts/cli/main.ts", args);

beforeAll(async () => {
  server = await startNatsServer({ logRoots: [ROOT] }); // as npm start makes the log for its root
  model = await offlineModel();
  await prepareIdentity(server.dataDir, ROOT);
  await ensureCredsFile(
    server.authority!,
    server.dataDir,
    { role: "cli", name: "cli-root", root: ROOT, ttlMs: 3_600_000 },
    60_000,
  );
  // A raw observer of both roots (a user with permissions given by the test, not a role).
  const observer = await server.authority!.mintRaw(
    "observer",
    ["agents.probe"],
    ["agents.>", `${ROOT}.>`],
    3_600_000,
  );
  raw = await connectNats({ servers: server.url, credentials: credsText(observer) });
  raw.subscribe("agents.>", { callback: (_e, m) => void onDefault.push(m.subject) });
  raw.subscribe(s.wildcards.all, { callback: (_e, m) => void onRoot.push(m.subject) });
  await raw.flush();
  agentsProcess = start("agents/main.ts");
  await eventually(() => agentsProcess.output().includes("[agents] Calculator is online"), 30_000).catch(
    (e: unknown) => {
      throw new Error(`${(e as Error).message}; agents/main.ts said:\n${agentsProcess.output()}`);
    },
  );
}, 60_000);

afterAll(async () => {
  const host = await import("../../app/api/server-context").then((m) => m.agentHost()).catch(() => null);
  for (const a of host?.list() ?? []) await host?.stop(a.name);
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
  await agentsProcess?.exited;
  await raw?.close();
  await model?.close();
  await server?.stop();
});

describe(`SWITCHBOARD_SUBJECT_ROOT=${ROOT}`, () => {
  it("the demo agents and Calculator announce themselves under the root", () => {
    for (const name of TRIO) expect(onRoot).toContain(s.presence(name, "process"));
  });

  it("the demo script finds the running agents under the root and passes", async () => {
    const { code, output } = await run("scripts/demo.ts");
    expect(output).toContain("demo: 6 passed, 0 failed");
    expect(output).not.toContain("not running: starting the demo agents here");
    expect(output).toContain("Task-Coordinator -> Weather-Bot -> back");
    expect(code).toBe(0);
    expect(onRoot).toContain(s.handoff("Task-Coordinator", "Weather-Bot"));
  }, 90_000);

  it("switchboard ls lists them", async () => {
    const { code, output } = await cli("ls");
    expect(code).toBe(0);
    for (const name of TRIO) expect(output).toMatch(new RegExp(`^${name}\\s+online`, "m"));
  });

  it("switchboard request gets Weather-Bot's answer, as a client (another credential) that never joins the registry", async () => {
    const { code, output } = await cli(
      "request",
      "Weather-Bot",
      "What's the weather in Oslo?",
      "--as",
      "cli-root",
    );
    expect(code).toBe(0);
    expect(output).toContain("Oslo");
    expect(onRoot).toContain(s.request("Weather-Bot", "cli-root"));
    const announced = (x: string) =>
      x.startsWith(`${ROOT}.presence.cli-root.`) || x.startsWith(`${ROOT}.heartbeat.cli-root.`);
    expect(onRoot.filter(announced)).toEqual([]); // no presence, no heartbeat
  });

  it("send, handoff and broadcast reach the agents; tail hears them under the root", async () => {
    const tail = start("scripts/cli/main.ts", ["tail", "--type", "direct,handoff,announcement"]);
    await eventually(() => tail.output().includes(`listening on ${ROOT}.>`), 15_000);
    for (const args of [
      ["send", "Calculator", "2+3"],
      ["handoff", "General-Assistant", "--task", "Say hello"],
      ["broadcast", "Root check: nothing to do"],
    ]) {
      const r = await cli(...args);
      expect(r.code, `${args[0]}: ${r.output}`).toBe(0);
    }
    expect(onRoot).toContain(s.direct("Calculator", "cli"));
    expect(onRoot).toContain(s.all("cli"));
    await eventually(() => tail.output().includes("Root check"), 5_000);
    tail.child.kill("SIGINT");
    expect(await tail.exited).toBe(0);
  }, 60_000);

  it("switchboard doctor's agent round trip runs under the root", async () => {
    const { code, output } = await cli(
      "doctor",
      "--ws",
      server.wsUrl,
      "--monitor",
      server.monitorUrl,
      "--llm",
      model.url,
    );
    expect(output).toMatch(/^✓ agent round trip/m);
    expect(code).toBe(0);
    expect(onRoot.some((x) => x.startsWith(`${ROOT}.request.doctor-probe-`))).toBe(true);
  });

  it("server agents started through POST /api/agents join the root and answer the CLI", async () => {
    Object.assign(process.env, childEnv()); // as `npm start` gives the dashboard
    const agents: typeof AgentsRoute = await import("../../app/api/agents/route");
    const agent: typeof AgentRoute = await import("../../app/api/agents/[name]/route");
    const { openSession, SESSION_COOKIE } = await import("../../agents/server/session");
    const cookie = `${SESSION_COOKIE}=${openSession()}`;
    const spec = { name: "Root-Bot", instructions: "Answer briefly.", tools: ["calculate"] };
    const started = await agents.POST(
      new Request("http://127.0.0.1:3000/api/agents", {
        method: "POST",
        headers: { host: "127.0.0.1:3000", "content-type": "application/json", cookie },
        body: JSON.stringify(spec),
      }),
    );
    expect(started.status, await started.clone().text()).toBe(201);
    await eventually(() => onRoot.includes(s.presence("Root-Bot", "server")), 5_000);
    const r = await cli("request", "Root-Bot", "hello there");
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("Root-Bot");
    const stopped = await agent.DELETE(
      new Request("http://127.0.0.1:3000/api/agents/Root-Bot", {
        method: "DELETE",
        headers: { host: "127.0.0.1:3000", cookie },
      }),
      { params: Promise.resolve({ name: "Root-Bot" }) },
    );
    expect(stopped.status).toBe(200);
  }, 30_000);

  it("nothing at all was published under agents.> (and that subscriber does hear)", async () => {
    expect(onRoot.length).toBeGreaterThan(50);
    expect(onDefault).toEqual([]);
    // The negative only means something if the subscriber works: it hears a probe.
    raw.publish("agents.probe", new Uint8Array());
    await eventually(() => onDefault.includes("agents.probe"));
  });
});
