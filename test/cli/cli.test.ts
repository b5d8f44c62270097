// The `switchboard` CLI as a user runs it: a real child process against a harness nats-server
// (with auth on, as under `npm start`), asserting on what it prints and how it exits. The CLI
// finds the harness's trust chain and its credential through SWITCHBOARD_DATA_DIR.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startOfflineModel, type OfflineModel } from "../../agents/offline-model";
import { credsPath, ensureCredsFile } from "../../lib/identity";
import {
  compose,
  encodeMessage,
  type AnnouncementMessage,
  type DirectMessage,
  type HandoffMessage,
} from "../../lib/protocol";
import { AgentLink, silentLogger } from "../../lib/transport";
import { connectNats, credsFile } from "../../lib/transport/connect";
import { runDoctor } from "../../scripts/cli/doctor";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { collect, connection, eventually, link, sleep } from "../helpers";

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

/** Variables to set for one run of the CLI. */
type Env = Readonly<Record<string, string>>;

/** The CLI's environment: the harness's data dir (trust chain, creds files), nothing of ours. */
function childEnv(extra: Env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", SWITCHBOARD_DATA_DIR: server.dataDir };
  for (const k of [
    "NATS_URL",
    "NATS_WS_URL",
    "NATS_CREDS",
    "SWITCHBOARD_SUBJECT_ROOT",
    "LLM_BASE_URL",
    "LLM_MODEL",
    "LLM_API_KEY",
    "COLUMNS",
  ])
    delete env[k];
  return { ...env, ...extra };
}

function start(args: string[], env: Env = {}): Running {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO,
    env: childEnv(env),
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

async function run(
  args: string[],
  env: Env = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = start(args, env);
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

const DAY_MS = 24 * 3_600_000;

/**
 * Writes `{dataDir}/creds/NAME.creds` for the CLI (what `npm start` does for "cli"), valid for 30
 * days so no check warns that it expires soon. Returns its path.
 */
function cliCredential(name: string): Promise<string> {
  const request = { role: "cli" as const, name, root: "agents", ttlMs: 30 * DAY_MS };
  return ensureCredsFile(server.authority!, server.dataDir, request, DAY_MS);
}

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer(); // JetStream on, as under npm start (doctor checks it)
  await cliCredential("cli");
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
  it("send reaches the agent's direct handler as the credential's name, and prints the message id", async () => {
    await cliCredential("cli-tester");
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

  it("request prints the agent's answer, asked as cli (the default credential)", async () => {
    const asked: string[] = [];
    await link(server.url, "Echo-Bot", {
      handlers: {
        request: (m) => {
          asked.push(m.from);
          return `echo: ${m.content}`;
        },
      },
    });
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
    expect(asked).toEqual(["cli"]);
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
    await cliCredential("cli-handoff");
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
    await eventually(() => tail.stderr().includes("listening on agents.> at"), 10_000);
    expect(tail.stderr()).toContain(" as cli ");

    const heartbeats = await collect(server.url, "agents.heartbeat.Tail-B.process");
    const b = await link(server.url, "Tail-B", { heartbeatMs: 100 });
    const a = await link(server.url, "Tail-A");
    a.sendDirect("Tail-B", "first direct");
    await eventually(() => heartbeats.length >= 2);
    // The test's own connection ("tester") may publish only in its own name: bad bytes, and a
    // message whose body claims another sender than the subject names.
    const raw = await connection(server.url);
    raw.publish("agents.direct.Tail-X.tester", new Uint8Array([0xff, 0xfe, 0x00]));
    const spoof = compose("direct", "Tail-A", { to: "Tail-X", content: "not really Tail-A" });
    raw.publish("agents.direct.Tail-X.tester", encodeMessage(spoof));
    await raw.flush();
    // Sent on Tail-B's connection after its heartbeats, so tail sees it after them.
    b.sendDirect("Tail-A", "after the beats");
    await eventually(() => tail.stdout().includes("after the beats"), 5_000);

    const out = tail.stdout();
    expect(out).toMatch(
      /agents\.direct\.Tail-B\.Tail-A\s+direct\s+Tail-A → Tail-B first direct thread=\S{6}$/m,
    );
    expect(out).toMatch(/agents\.direct\.Tail-X\.tester ! dropped invalid_utf8/);
    expect(out).toMatch(
      /agents\.direct\.Tail-X\.tester ! dropped spoofed: from Tail-A on a subject of tester/,
    );
    expect(out).not.toContain("not really Tail-A");
    expect(out).not.toMatch(/heartbeat/);
    expect(out).not.toMatch(/presence/);

    tail.child.kill("SIGINT");
    expect(await tail.exited).toBe(0);
    expect(tail.stdout()).toMatch(/2 shown, \d+ hidden, 2 dropped \(invalid_utf8 1, spoofed 1\)/);
  });

  it("hides heartbeats unless --heartbeats is given, and --agent filters", async () => {
    const quiet = start(["tail", "--agent", "Hb-Agent", "--nats", server.url]);
    const loud = start(["tail", "--agent", "Hb-Agent", "--heartbeats", "--nats", server.url]);
    await eventually(
      () => quiet.stderr().includes("listening") && loud.stderr().includes("listening"),
      10_000,
    );

    const heartbeats = await collect(server.url, "agents.heartbeat.Hb-Agent.process");
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
    expect(loud.stdout()).toMatch(/agents\.heartbeat\.Hb-Agent\.process\s+heartbeat\s+Hb-Agent online/);
    for (const t of [quiet, loud]) expect(t.stdout()).not.toContain("not about Hb-Agent");
  });
});

/** Starts an agent that connects with a creds file, as a process elsewhere would. */
async function agentWith(path: string, name: string): Promise<AgentLink> {
  const nc = await connectNats({ servers: server.url, credentials: credsFile(path), reconnectWaitMs: 100 });
  const agent = await AgentLink.start({
    connection: nc,
    agent: { name },
    ownsConnection: true,
    logger: silentLogger,
    handlers: { request: (m) => `served: ${m.content}` },
  });
  agents.add(agent);
  return agent;
}
const agents = new Set<AgentLink>();
afterEach(async () => {
  for (const a of agents) await a.close();
  agents.clear();
});

const emptyDataDir = () => mkdtempSync(join(tmpdir(), "switchboard-cli-empty-"));

describe("creds issue", () => {
  it("writes a 0600 creds file whose agent connects and serves the CLI's request", async () => {
    const r = await run(["creds", "issue", "Issued-Bot", "--ttl", "2h"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const path = credsPath(server.dataDir, "Issued-Bot");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(r.stdout).toMatch(/^issued\s+Issued-Bot \(agent, process\) for subject root agents$/m);
    expect(r.stdout).toMatch(/^expires\s+\d{4}-\d\d-\d\d \d\d:\d\d \(in 2h\)$/m);
    expect(r.stdout).toMatch(new RegExp(`^file\\s+${path.replace(/[.]/g, "\\.")} \\(mode 0600`, "m"));
    expect(r.stdout).toMatch(/^use it\s+.*credsFile\(/m);
    // The permissions, one per line.
    expect(r.stdout).toMatch(/^may publish\s+agents\.all\.Issued-Bot$/m);
    expect(r.stdout).toMatch(/^\s+agents\.response\.\*\.\*\.Issued-Bot$/m);
    expect(r.stdout).toMatch(/^\s+agents\.presence\.Issued-Bot\.process$/m);
    expect(r.stdout).toMatch(/^may read\s+agents\.all\.\*$/m);
    expect(r.stdout).toMatch(/^\s+agents\.request\.Issued-Bot\.\*$/m);

    await agentWith(path, "Issued-Bot");
    const asked = await run(["request", "Issued-Bot", "ping", "--nats", server.url]);
    expect(asked.stderr).toBe("");
    expect(asked.stdout).toBe("served: ping\n");
  });

  it("issues a leaf node's credential: everything, over a leaf connection only", async () => {
    const file = join(emptyDataDir(), "site-a.creds");
    const r = await run(["creds", "issue", "site-a", "--role", "leaf", "--out", file]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^issued\s+site-a \(leaf\) for subject root agents$/m);
    expect(r.stdout).toMatch(/^may publish\s+>$/m);
    expect(r.stdout).toMatch(/leafnodes\.remotes\[\]\.credentials/);
    // A client cannot use it: the credential allows leaf node connections only.
    const who = await run(["whoami", "--nats", server.url], { NATS_CREDS: file });
    expect(who.code).not.toBe(0);
  });

  it("--out writes elsewhere (0600), or to stdout with the summary on stderr", async () => {
    const file = join(emptyDataDir(), "sub", "elsewhere.creds");
    const r = await run(["creds", "issue", "Out-Cli", "--role", "cli", "--out", file]);
    expect(r.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(r.stdout).toMatch(/^issued\s+Out-Cli \(cli\) for subject root agents$/m);
    expect(r.stdout).toContain(`NATS_CREDS=${file} switchboard <command>`);
    // That file is the CLI's credential with NATS_CREDS: the CLI speaks as Out-Cli.
    const who = await run(["whoami", "--nats", server.url], { NATS_CREDS: file });
    expect(who.code).toBe(0);
    expect(who.stdout).toMatch(/^name\s+Out-Cli$/m);

    const piped = await run(["creds", "issue", "Piped-Bot", "--out", "-"]);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^-----BEGIN NATS USER JWT-----\n/);
    expect(piped.stdout).toContain("-----BEGIN USER NKEY SEED-----");
    expect(piped.stderr).toMatch(/^issued\s+Piped-Bot \(agent, process\)/m);
    expect(piped.stderr).toMatch(/^file\s+stdout$/m);
  });

  it("refuses bad names, roles, runtimes and TTLs with exit code 2", async () => {
    const cases: [string[], string][] = [
      [["Bad.Name"], 'agent name "Bad.Name" contains "."'],
      [
        ["X", "--ttl", "0s"],
        '--ttl must be a number and a unit (s, m, h, d) from 1s to 365d, like 12h or 30d, not "0s"',
      ],
      [["X", "--ttl", "366d"], 'not "366d"'],
      [["X", "--ttl", "10"], 'not "10"'],
      [["X", "--ttl", "1w"], 'not "1w"'],
      [["X", "--role", "person"], '--role must be agent, cli or leaf, not "person"'],
      [["X", "--role", "cli", "--runtime", "process"], "--runtime is for agents, not --role cli"],
      [["X", "--runtime", "moon"], '--runtime must be one of process, server, browser, not "moon"'],
      [[], "missing the NAME to issue a credential for"],
    ];
    const results = await Promise.all(cases.map(([args]) => run(["creds", "issue", ...args])));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![1]).toBe(2);
      expect(lines(r.stderr)[0]).toContain(cases[i]![1]);
      expect(r.stdout).toBe("");
    });
  }, 60_000);

  it("says how to make a trust chain when there is none", async () => {
    const dir = emptyDataDir();
    const r = await run(["creds", "issue", "Anyone"], { SWITCHBOARD_DATA_DIR: dir });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      `switchboard: no trust chain under ${join(dir, "identity")}: run \`npm start\` once (it creates one), or set SWITCHBOARD_DATA_DIR`,
    ]);
  });
});

describe("creds revoke", () => {
  it("makes the running server close the agent's connection and refuse it from then on", async () => {
    expect((await run(["creds", "issue", "Revoked-Bot"])).code).toBe(0);
    const path = credsPath(server.dataDir, "Revoked-Bot");
    const agent = await agentWith(path, "Revoked-Bot");

    const r = await run(["creds", "revoke", "Revoked-Bot", "--nats", server.url]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("revoked 1 credential of Revoked-Bot (every one issued to it so far)");
    expect(r.stdout).toContain(`the server at ${server.url} took it: Revoked-Bot's connections are closed`);
    expect(r.stdout).toContain(
      "to let Revoked-Bot in again: switchboard creds issue Revoked-Bot --role agent --runtime process",
    );

    const closed = await Promise.race([agent.closed, sleep(5_000).then(() => "still open")]);
    expect(closed).toBeInstanceOf(Error);
    expect(String(closed)).toMatch(/Authorization Violation/);
    await expect(
      connectNats({ servers: server.url, credentials: credsFile(path), extra: { maxReconnectAttempts: 0 } }),
    ).rejects.toThrow(/Authorization Violation/);

    const again = await run(["creds", "revoke", "Revoked-Bot", "--nats", server.url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Revoked-Bot: every credential was already revoked (1 issued)");
  });

  it("with no server running, saves the revocation and says it applies at the server's start", async () => {
    expect((await run(["creds", "issue", "Offline-Revoked"])).code).toBe(0);
    const down = `nats://127.0.0.1:${await closedPort()}`;
    const r = await run(["creds", "revoke", "Offline-Revoked", "--nats", down]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("revoked 1 credential of Offline-Revoked");
    expect(r.stdout).toContain(
      `no server answered at ${down} (connection refused): the revocation is saved in ${join(server.dataDir, "identity")} and applies when the server starts`,
    );
    expect(server.authority!.issuedTo("Offline-Revoked")).toHaveLength(1);
  });

  it("refuses a name nothing was issued to, with exit code 1", async () => {
    const r = await run(["creds", "revoke", "Never-Issued", "--nats", server.url]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      `switchboard: no credential was ever issued to Never-Issued in ${join(server.dataDir, "identity")}: nothing to revoke`,
    ]);
  });
});

describe("whoami", () => {
  it("prints the credential's name, role, root, expiry and permissions, and that the server accepts it", async () => {
    const r = await run(["whoami", "--nats", server.url]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^name\s+cli$/m);
    expect(r.stdout).toMatch(/^role\s+cli$/m);
    expect(r.stdout).toMatch(/^subject root\s+agents$/m);
    expect(r.stdout).toMatch(/^expires\s+\d{4}-\d\d-\d\d \d\d:\d\d \(in 29d \d+h\)$/m);
    expect(r.stdout).toMatch(/^account\s+A[A-Z0-9]{55} \(this machine's trust chain\)$/m);
    expect(r.stdout).toMatch(/^may publish\s+agents\.all\.cli$/m);
    expect(r.stdout).toMatch(/^\s+agents\.request\.\*\.cli$/m);
    expect(r.stdout).toMatch(/^may read\s+agents\.>$/m);
    expect(r.stdout).toMatch(/^✓ accepted by nats:\/\/127\.0\.0\.1:\d+: nats-server \d+\.\d+\.\d+/m);

    const json = await run(["whoami", "--json", "--nats", server.url]);
    const info = JSON.parse(json.stdout) as {
      name: string;
      role: string;
      sub: string[];
      server: { verdict: string };
    };
    expect(info).toMatchObject({
      name: "cli",
      role: "cli",
      sub: ["agents.>", "_INBOX_cli.>"],
      server: { verdict: "ok" },
    });
  });

  it("exits 1 and says why when the server is down or the root is another", async () => {
    const down = `nats://127.0.0.1:${await closedPort()}`;
    const [noServer, otherRoot] = await Promise.all([
      run(["whoami", "--nats", down]),
      run(["whoami", "--nats", server.url], { SWITCHBOARD_SUBJECT_ROOT: "team" }),
    ]);
    expect(noServer.code).toBe(1);
    expect(noServer.stdout).toContain(`✗ no server at ${down}: connection refused`);
    expect(noServer.stdout).toContain('fix: start it with "npm start" or "npm run nats"');
    expect(otherRoot.code).toBe(1);
    expect(otherRoot.stdout).toContain(
      "✗ written for subject root agents, but SWITCHBOARD_SUBJECT_ROOT is team",
    );
    expect(otherRoot.stdout).toContain(
      "fix: `switchboard creds issue cli --role cli` (mints for team), or set SWITCHBOARD_SUBJECT_ROOT=agents",
    );
  });
});

describe("without a usable credential", () => {
  it("every connecting command fails at once with the fix, not a hang", async () => {
    const dir = emptyDataDir();
    const expected = `switchboard: no credential at ${join(dir, "creds", "cli.creds")} — run \`npm start\` once (it makes ${join(dir, "creds", "cli.creds")}), or \`switchboard creds issue cli --role cli\``;
    const t0 = Date.now();
    const results = await Promise.all(
      [["ls"], ["tail"], ["request", "Echo-Bot", "hi"], ["whoami"]].map((args) =>
        run([...args, "--nats", server.url], { SWITCHBOARD_DATA_DIR: dir }),
      ),
    );
    for (const r of results) {
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toEqual([expected]);
      expect(r.stdout).toBe("");
    }
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 60_000);

  it("names the account when the credential comes from another trust chain", async () => {
    const other = await startNatsServer({ jetstream: false });
    try {
      const foreign = await ensureCredsFile(
        other.authority!,
        other.dataDir,
        { role: "cli", name: "foreign", root: "agents", ttlMs: DAY_MS },
        0,
      );
      const r = await run(["ls", "--nats", server.url], { NATS_CREDS: foreign });
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^switchboard: NATS at ${server.url.replace(/[.:/]/g, "\\$&")} refused foreign's credential \\(.*foreign\\.creds\\): issued by account A\\w{9}…, but the trust chain in .* is account A\\w{9}… — \`switchboard creds issue foreign --role cli --out .*foreign\\.creds\` from this trust chain, or set SWITCHBOARD_DATA_DIR to the one the server uses`,
        ),
      );
    } finally {
      await other.stop();
    }
  });
});

describe("doctor", () => {
  let model: OfflineModel;
  beforeAll(async () => {
    model = await startOfflineModel();
  });
  afterAll(() => model.close());

  it("passes against a running NATS (TCP and WebSocket) and an LLM", async () => {
    const r = await run([
      "doctor",
      "--nats",
      server.url,
      "--ws",
      server.wsUrl,
      "--monitor",
      server.monitorUrl,
      "--llm",
      model.url,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const checks = lines(r.stdout).filter((l) => /^[✓✗] /.test(l));
    expect(checks.map((l) => l.slice(0, 20).trim())).toEqual([
      "✓ credential",
      "✓ NATS (TCP)",
      "✓ NATS (WebSocket)",
      "✓ JetStream",
      "✓ log",
      "✓ LLM",
      "✓ agent round trip",
    ]);
    expect(r.stdout).toMatch(/^✓ credential\s+cli \(cli\) from .*cli\.creds, expires in 29d/m);
    expect(r.stdout).toMatch(/^✓ NATS \(WebSocket\)\s+.*refuses connections without a credential$/m);
    expect(r.stdout).toMatch(/^✓ agent round trip\s+doctor-probe-\w+ started and answered cli's request/m);
    expect(r.stdout).toMatch(/^✓ JetStream\s+on: .* on disk, .* in memory, \d+ streams; .* free at /m);
    expect(r.stdout).toMatch(
      /^✓ log\s+SB_agents: [\d,]+ messages, .* of 1.0 GB, kept 7 d; SB_agents_members: \d+ known/m,
    );
    expect(r.stdout).not.toContain("fix:");
    expect(r.stdout).toContain("all 7 checks passed");
  });

  it("fails with the LM Studio fix when the LLM is not there", async () => {
    const port = await closedPort();
    const llm = `http://127.0.0.1:${port}/v1`;
    const r = await run([
      "doctor",
      "--nats",
      server.url,
      "--ws",
      server.wsUrl,
      "--monitor",
      server.monitorUrl,
      "--llm",
      llm,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✓ NATS \(TCP\)/m);
    expect(r.stdout).toMatch(/^✓ agent round trip/m);
    expect(r.stdout).toMatch(
      new RegExp(`^✗ LLM\\s+${llm.replace(/[.:/]/g, "\\$&")}: .*connection refused$`, "m"),
    );
    expect(r.stdout).toContain(`    ${LM_STUDIO_FIX}`);
    expect(r.stdout).toContain("1 of 7 checks failed");
  });

  it("fails JetStream with its fix when it is off, or when there is no monitoring endpoint", async () => {
    const off = await startNatsServer({ jetstream: false });
    try {
      const r = await runDoctor({
        natsUrl: server.url,
        wsUrl: server.wsUrl,
        monitorUrl: off.monitorUrl,
        dataDir: server.dataDir,
        llmBaseUrl: model.url,
      });
      const js = r.checks.find((c) => c.name === "JetStream")!;
      expect(js).toMatchObject({ ok: false, detail: "JetStream is off on this server" });
      expect(js.fix).toContain("jetstream");
      expect(r.ok).toBe(false);
    } finally {
      await off.stop();
    }
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    const r = await runDoctor({
      natsUrl: server.url,
      wsUrl: server.wsUrl,
      monitorUrl: nowhere,
      dataDir: server.dataDir,
      llmBaseUrl: model.url,
    });
    const js = r.checks.find((c) => c.name === "JetStream")!;
    expect(js.ok).toBe(false);
    expect(js.detail).toContain(`no monitoring endpoint at ${nowhere}`);
    expect(js.fix).toContain("--monitor");
  });

  it("fails with the NATS fix when NATS is not there", async () => {
    const port = await closedPort();
    const r = await run([
      "doctor",
      "--nats",
      `nats://127.0.0.1:${port}`,
      "--ws",
      server.wsUrl,
      "--monitor",
      server.monitorUrl,
      "--llm",
      model.url,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ NATS \(TCP\)\s+nats:\/\/127\.0\.0\.1:\d+: connection refused$/m);
    expect(r.stdout).toContain(`    ${NATS_FIX}`);
    expect(r.stdout).toMatch(/^✗ agent round trip\s+skipped/m);
    expect(r.stdout).toMatch(/^✗ log\s+skipped: NATS is not reachable$/m);
    expect(r.stdout).toMatch(/^✓ LLM/m);
  });

  it("passes when LM Studio is down but the stack's offline model answers, and says so", async () => {
    const down = `http://127.0.0.1:${await closedPort()}/v1`;
    const report = await runDoctor({
      natsUrl: server.url,
      wsUrl: server.wsUrl,
      monitorUrl: server.monitorUrl,
      dataDir: server.dataDir,
      llmBaseUrl: down,
      offlineFallbackUrl: model.url,
    });
    const llm = report.checks.find((c) => c.name === "LLM")!;
    expect(llm.ok).toBe(true);
    expect(llm.detail).toContain(`no LLM at ${down}`);
    expect(llm.detail).toContain("OFFLINE MODEL");
    const without = await runDoctor({
      natsUrl: server.url,
      wsUrl: server.wsUrl,
      monitorUrl: server.monitorUrl,
      dataDir: server.dataDir,
      llmBaseUrl: down,
    });
    expect(without.checks.find((c) => c.name === "LLM")!.ok).toBe(false);
  });

  it("runDoctor reports each check and recognizes Switchboard's offline model", async () => {
    const seen: string[] = [];
    const report = await runDoctor({
      natsUrl: server.url,
      wsUrl: server.wsUrl,
      monitorUrl: server.monitorUrl,
      dataDir: server.dataDir,
      llmBaseUrl: model.url,
      onCheck: (c) => seen.push(c.name),
    });
    expect(report.ok).toBe(true);
    expect(seen).toEqual([
      "credential",
      "NATS (TCP)",
      "NATS (WebSocket)",
      "JetStream",
      "log",
      "LLM",
      "agent round trip",
    ]);
    const llm = report.checks.find((c) => c.name === "LLM");
    expect(llm?.detail).toContain("Switchboard's offline model");
    expect(llm?.detail).toContain("switchboard-offline answered in");
    expect(report.checks[1]?.detail).toMatch(/nats-server \d+\.\d+\.\d+/);
  });

  it("reports a missing, an expired and a revoked credential, each with its fix", async () => {
    const issued = await Promise.all([
      run(["creds", "issue", "Doc-Expired", "--role", "cli", "--ttl", "1s"]),
      run(["creds", "issue", "Doc-Revoked", "--role", "cli"]),
    ]);
    for (const r of issued) expect(r.code).toBe(0);
    expect((await run(["creds", "revoke", "Doc-Revoked", "--nats", server.url])).code).toBe(0);
    await sleep(2_100); // past Doc-Expired's second (the JWT counts whole seconds)

    const doctorAs = (name: string) =>
      run([
        "doctor",
        "--as",
        name,
        "--nats",
        server.url,
        "--ws",
        server.wsUrl,
        "--monitor",
        server.monitorUrl,
        "--llm",
        model.url,
      ]);
    const [missing, expired, revoked] = await Promise.all([
      doctorAs("Doc-Missing"),
      doctorAs("Doc-Expired"),
      doctorAs("Doc-Revoked"),
    ]);
    const creds = (name: string) => credsPath(server.dataDir, name);

    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`✗ credential         no credential at ${creds("Doc-Missing")}`);
    expect(missing.stdout).toContain(
      "    fix: `switchboard creds issue Doc-Missing --role cli` (--role agent for an agent's)",
    );
    expect(missing.stdout).toMatch(
      /^✗ NATS \(TCP\)\s+.*nats-server is up, but refuses a connection without a credential$/m,
    );

    expect(expired.code).toBe(1);
    expect(expired.stdout).toMatch(
      /^✗ credential\s+Doc-Expired \(cli\) from .*Doc-Expired\.creds: expired \d+s ago$/m,
    );
    expect(expired.stdout).toContain("    fix: `switchboard creds issue Doc-Expired --role cli`");
    expect(expired.stdout).toMatch(/^✗ NATS \(TCP\)\s+.*refused Doc-Expired's credential: expired/m);

    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toMatch(
      /^✗ credential\s+Doc-Revoked \(cli\) from .*Doc-Revoked\.creds: revoked in this machine's trust chain/m,
    );
    expect(revoked.stdout).toContain(
      "    fix: issue a new one: `switchboard creds issue Doc-Revoked --role cli`",
    );
    expect(revoked.stdout).toMatch(/^✗ NATS \(TCP\)\s+.*refused Doc-Revoked's credential: revoked/m);

    for (const r of [missing, expired, revoked]) {
      expect(r.stdout).toMatch(/^✓ NATS \(WebSocket\)/m);
      expect(r.stdout).toMatch(/^✓ LLM/m);
      expect(r.stdout).toMatch(/^✗ agent round trip\s+skipped: NATS does not take the credential$/m);
      expect(r.stdout).toMatch(/^✗ log\s+skipped: NATS does not take the credential$/m);
      expect(r.stdout).toContain("4 of 7 checks failed");
    }
  }, 60_000);

  it("warns (and passes) when the credential expires within a day", async () => {
    expect((await run(["creds", "issue", "Doc-Soon", "--role", "cli", "--ttl", "2h"])).code).toBe(0);
    const r = await run([
      "doctor",
      "--as",
      "Doc-Soon",
      "--nats",
      server.url,
      "--ws",
      server.wsUrl,
      "--monitor",
      server.monitorUrl,
      "--llm",
      model.url,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^! credential\s+Doc-Soon \(cli\) from .*: expires in 1h 5\dm$/m);
    expect(r.stdout).toContain("    fix: renew it: `switchboard creds issue Doc-Soon --role cli`");
    expect(r.stdout).toContain("all 7 checks passed");
  });
});
