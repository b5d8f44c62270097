// `npm run demo:script`: the seed's demo sequence, step by step in the terminal: presence,
// broadcast, direct message, request/response, handoff and a chained interaction. Uses the
// running stack (NATS_URL) when there is one; otherwise starts a private nats-server and the
// demo agents itself. Each step is checked; a step that does not happen fails the script.
// It speaks as Demo-Script (an agent credential) and watches as the CLI, both from the local
// trust chain (SWITCHBOARD_DATA_DIR, made on first run).
import { ConfigError, readConfig, type Config } from "../lib/config";
import { subjects, type ResponseMessage } from "../lib/protocol";
import { onlineAgents } from "../lib/registry/reducer";
import { AgentLink, RegistryWatcher, silentLogger, type NatsConnection } from "../lib/transport";
import { ensureCredsFile } from "../lib/identity";
import { connectNats, credsFile } from "../lib/transport/connect";
import { demoAgents } from "../agents/demo/definitions";
import { llmSettings } from "../agents/llm/lookup";
import { resolveModel } from "../agents/offline-model/fallback";
import { startAgent } from "../agents/runtime/start-agent";
import { runSettings } from "../agents/runtime/budget";
import { CLI_NAME, FILE_CREDS_TTL_MS, prepareIdentity } from "./identity";
import { prepareLog } from "./log";
import { startPrivateNatsServer } from "./nats";

const TRIO = ["Weather-Bot", "Task-Coordinator", "General-Assistant"];
const config = configOrExit();
const STEP_TIMEOUT_MS = config.demoStepTimeoutMs;
const root = config.subjectRoot;
const cleanups: (() => Promise<unknown>)[] = [];
const tty = process.stdout.isTTY && !config.noColor;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const green = (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s: string) => (tty ? `\x1b[31m${s}\x1b[0m` : s);

let stepNo = 0;
async function step<T>(title: string, body: () => Promise<T>): Promise<T> {
  stepNo++;
  console.log(`\n${bold(`${stepNo}. ${title}`)}`);
  const timer = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`did not happen within ${STEP_TIMEOUT_MS} ms`)),
      STEP_TIMEOUT_MS,
    ).unref(),
  );
  const t0 = Date.now();
  try {
    const out = await Promise.race([body(), timer]);
    console.log(green(`   ✓ ${title} (${Date.now() - t0} ms)`));
    return out;
  } catch (e) {
    throw new Error(`step ${stepNo} "${title}" failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A bad setting is one line naming the variable, not a stack trace. */
function configOrExit(): Config {
  try {
    return readConfig(process.env);
  } catch (e) {
    console.error(`demo: ${e instanceof ConfigError ? e.message : String(e)}`);
    process.exit(2);
  }
}

const say = (line: string) => console.log(`   ${line}`);
const short = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n)}…` : s);

const identity = await prepareIdentity(config.dataDir, root);
const connections: NatsConnection[] = [];

/** The server to use: NATS_URL when something answers there, else a private one. */
async function serverUrl(): Promise<string> {
  const url = config.natsUrl;
  try {
    const probe = await connectNats({
      servers: url,
      timeoutMs: 2_000,
      credentials: credsFile(identity.creds[CLI_NAME]!),
      extra: { maxReconnectAttempts: 0 },
    });
    await probe.close();
    return url;
  } catch (e) {
    if ((e as Error).message.includes("Authorization")) {
      throw new Error(
        `the NATS server at ${url} refuses this installation's credentials (${(e as Error).message}): is it another stack's server? Check SWITCHBOARD_DATA_DIR, or run "npm run doctor"`,
      );
    }
    const server = await startPrivateNatsServer(identity.authority.serverConfigPath);
    cleanups.push(() => server.stop());
    // Its own log, as under npm start: messages to an agent that is away wait, and "no agent named X".
    const limits = { maxAgeMs: config.logMaxAgeMs, maxBytes: config.logMaxBytes };
    await prepareLog(server.url, identity.authority, root, limits);
    say(`(no NATS at ${url}: started a private nats-server at ${server.url}, with the log)`);
    return server.url;
  }
}

/** A connection as `name`, from its creds file. */
async function connectAs(url: string, credsPath: string): Promise<NatsConnection> {
  const nc = await connectNats({ servers: url, credentials: credsFile(credsPath) });
  connections.push(nc);
  cleanups.push(() => nc.close());
  return nc;
}

async function main(): Promise<void> {
  const url = await serverUrl();
  const nc = await connectAs(url, identity.creds[CLI_NAME]!); // watches; never speaks for an agent
  const registry = await RegistryWatcher.start({
    connection: nc,
    root,
    discoveryMs: 300,
    observerName: CLI_NAME,
  });
  cleanups.unshift(() => registry.close());
  const missing = TRIO.filter((n) => registry.state.agents[n]?.status !== "online");
  if (missing.length > 0) {
    say(`(${missing.join(", ")} not running: starting the demo agents here)`);
    const llm = await resolveModel(llmSettings(config), { allowOffline: true, log: (l) => say(l) });
    cleanups.push(() => llm.close());
    const online = () => onlineAgents(registry.state).map((e) => e.agent);
    for (const def of demoAgents().filter((d) => missing.includes(d.name))) {
      const agent = await startAgent(def, {
        connection: await connectAs(url, identity.creds[def.name]!),
        root,
        model: llm.model,
        online,
        logger: silentLogger,
        ...runSettings(config),
      });
      cleanups.unshift(() => agent.close());
    }
  }
  const answers: ResponseMessage[] = [];
  const asScript = await ensureCredsFile(
    identity.authority,
    config.dataDir,
    { role: "agent", name: "Demo-Script", runtime: "process", root, ttlMs: FILE_CREDS_TTL_MS },
    60_000,
  );
  const me = await AgentLink.start({
    connection: await connectAs(url, asScript),
    root,
    agent: { name: "Demo-Script", description: "the seed's demo sequence" },
    logger: silentLogger,
    handlers: { answer: (m) => void answers.push(m) },
  });
  cleanups.unshift(() => me.close());
  const answerTo = (id: string, from?: string) =>
    new Promise<ResponseMessage>((resolve, reject) => {
      const poll = setInterval(() => {
        const a = answers.find((x) => x.inReplyTo === id && (from === undefined || x.from === from));
        if (a !== undefined) {
          clearInterval(poll);
          if (a.status === "ok") resolve(a);
          else reject(new Error(`${a.from} answered ${a.status}: ${a.content}`));
        }
      }, 20);
    });

  await step("Presence: the three demo agents are online", async () => {
    const s = await registry.waitFor(
      (st) => TRIO.every((n) => st.agents[n]?.status === "online"),
      STEP_TIMEOUT_MS,
    );
    for (const n of TRIO) {
      const a = s.agents[n]!.agent;
      say(`${n.padEnd(18)} ${a.status.padEnd(7)} [${a.capabilities.join(", ")}] model=${a.model ?? "?"}`);
    }
  });

  await step("Broadcast: everyone hears it; whoever has something to say answers", async () => {
    const b = me.broadcast("Demo starting. Who can help with weather forecasts?");
    const a = await answerTo(b.id);
    say(`${a.from}: ${short(a.content)}`);
  });

  await step("Direct message: starts General-Assistant's run", async () => {
    const d = me.sendDirect("General-Assistant", "Hello from the demo script! What can you do?");
    const a = await answerTo(d.id, "General-Assistant");
    if (a.threadId !== d.threadId) throw new Error("the answer left the thread");
    say(`General-Assistant: ${short(a.content)}`);
  });

  await step("Request/response: ask Weather-Bot and wait for its answer", async () => {
    const r = await me.request("Weather-Bot", "What's the weather in Paris?", { timeoutMs: STEP_TIMEOUT_MS });
    say(`Weather-Bot: ${short(r.content)}`);
  });

  await step("Handoff: pass a task to Weather-Bot with its context", async () => {
    const r = await me.handoffAndWait(
      "Weather-Bot",
      {
        task: "Forecast for Tokyo for the trip",
        progress: "Trip dates confirmed with the user",
        reason: "needs the forecast tool",
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    say(`Weather-Bot: ${short(r.content)}`);
  });

  await step(
    "Chained: Task-Coordinator routes a weather question to Weather-Bot, the answer comes back",
    async () => {
      // Watches the whole root and picks Task-Coordinator's handoffs out by parsing: subjects are
      // built and read only by lib/protocol, never by concatenation here.
      const s = subjects(root);
      const handoffs: string[] = [];
      const sub = nc.subscribe(s.wildcards.all, {
        callback: (_e, m) => {
          const p = s.parse(m.subject);
          if (p?.kind === "handoff" && p.from === "Task-Coordinator") handoffs.push(p.to);
        },
      });
      const r = await me.request("Task-Coordinator", "What's the weather in Berlin?", {
        timeoutMs: STEP_TIMEOUT_MS,
      });
      sub.unsubscribe();
      if (handoffs.length === 0) throw new Error("Task-Coordinator answered without handing off");
      say(`Demo-Script -> Task-Coordinator -> ${handoffs[0]} -> back, thread ${r.threadId.slice(-6)}`);
      say(`Task-Coordinator: ${short(r.content)}`);
    },
  );

  console.log(`\n${green(bold(`demo: ${stepNo} passed, 0 failed`))}`);
}

async function cleanup(): Promise<void> {
  for (const c of cleanups) await c().catch(() => {});
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}

main()
  .then(cleanup)
  .then(() => process.exit(0))
  .catch(async (e: unknown) => {
    console.error(red(`\n✗ ${e instanceof Error ? e.message : String(e)}`));
    console.log(`demo: ${Math.max(0, stepNo - 1)} passed, 1 failed`);
    await cleanup();
    process.exit(1);
  });
