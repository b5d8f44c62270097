// `npm start`: the main job. Makes what it needs on first run (the trust chain and credentials
// under .data/, see scripts/identity.ts), runs nats-server with nats-server.conf made concrete for
// this installation (or uses one already on 127.0.0.1:4222), the dashboard (built when its sources
// changed) on http://127.0.0.1:3000, and the demo agents (LM Studio at LLM_BASE_URL, or the offline
// model when nothing answers there), creates the log on JetStream or updates its limits
// (scripts/log.ts), prints the dashboard's one-time login URL, and prints who comes online and goes
// offline, until Ctrl-C. With NATS_CLUSTER_NODES=3 it runs (or uses) the three-node cluster of
// `npm run cluster` (scripts/cluster.ts) instead, and hands every part the lists of its URLs.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import { readConfig } from "../lib/config";
import { IdentityAuthority, saveDashboardToken } from "../lib/identity";
import { RegistryWatcher } from "../lib/transport";
import { connectNats, credsFile } from "../lib/transport/connect";
import { CLI_NAME, prepareIdentity } from "./identity";
import {
  busyPorts,
  CLUSTER_SIZE,
  clusterPorts,
  clusterUrls,
  prepareClusterLog,
  startCluster,
  type RunningCluster,
} from "./cluster";
import { dashboardOrigins, isPortInUse, NATS_HOST, NATS_PORT, renderNatsConfig, waitForPort } from "./nats";
import { NatsSupervisor } from "./nats-supervisor";
import { duration } from "./cli/format";
import { heldText, prepareLog } from "./log";
import { buildDashboard, serveDashboard } from "./next-app";

const children: ChildProcess[] = [];
/** nats-server, restarted when it dies (scripts/nats-supervisor.ts); undefined when one was already running. */
let natsServer: NatsSupervisor | undefined;
/** The three nodes under NATS_CLUSTER_NODES=3; undefined when they were already running. */
let cluster: RunningCluster | undefined;
let stopping = false;

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const dashboardPort = config.port;
  const root = config.subjectRoot;
  const clustered = config.natsClusterNodes === CLUSTER_SIZE;
  const ports = clusterPorts();
  const { natsUrl, natsWsUrl } = clustered
    ? clusterUrls(ports)
    : { natsUrl: `nats://${NATS_HOST}:${NATS_PORT}`, natsWsUrl: config.natsWsUrl };
  const dataDir = resolve(config.dataDir);
  const { authority, creds } = await prepareIdentity(dataDir, root);
  // What every child is told explicitly, so the dashboard, the agents and this watcher agree on
  // the server, the subject root and the credentials whatever else their environment holds.
  const shared = { NATS_URL: natsUrl, SWITCHBOARD_SUBJECT_ROOT: root, SWITCHBOARD_DATA_DIR: dataDir };
  if (clustered) {
    if ((await busyPorts(ports)).length === ports.length * 4) {
      console.log(`[start] a cluster already listens on ${natsUrl} (npm run cluster?); using it`);
    } else {
      mkdirSync(dataDir, { recursive: true });
      const dropped = authority.compactIssued();
      if (dropped > 0) console.log(`[start] dropped ${dropped} expired credentials from the issued log`);
      const nodeLogs = join(dataDir, "cluster", "node-*", "nats-server.log");
      cluster = await startCluster({
        dataDir,
        authConfigPath: authority.serverConfigPath,
        origins: dashboardOrigins(dashboardPort),
        ports,
        log: (line) => console.log(`[start] ${line}`),
        onGiveUp: (why) => fail(`${why}; see ${nodeLogs}`),
      });
      console.log(
        `[start] nats cluster of ${ports.length} ready in ${cluster.readyMs} ms: ${natsUrl}, ${natsWsUrl}, monitoring ${cluster.monitorUrls.join(",")} (logs: ${nodeLogs})`,
      );
    }
  } else if (await isPortInUse(NATS_HOST, NATS_PORT)) {
    console.log(`[start] a NATS server already listens on ${NATS_HOST}:${NATS_PORT}; using it`);
  } else {
    mkdirSync(dataDir, { recursive: true });
    // No server ran, so no dashboard or CLI of this installation is minting now (see compactIssued).
    const dropped = authority.compactIssued();
    if (dropped > 0) console.log(`[start] dropped ${dropped} expired credentials from the issued log`);
    const logPath = resolve(dataDir, "nats-server.log");
    const log = openSync(logPath, "a", 0o600);
    const configPath = renderNatsConfig(dataDir, authority.serverConfigPath, dashboardOrigins(dashboardPort));
    natsServer = await NatsSupervisor.start({
      configPath,
      host: NATS_HOST,
      port: NATS_PORT,
      stdio: ["ignore", log, log],
      log: (line) => console.log(`[start] ${line}`),
      onGiveUp: (why) => fail(`${why}; see ${logPath}`),
    });
    console.log(
      `[start] nats-server: ${natsUrl}, ws://${NATS_HOST}:9222, monitoring http://${NATS_HOST}:8222 (log: .data/nats-server.log)`,
    );
  }

  // The log (every message under the root, kept LOG_MAX_AGE_MS / LOG_MAX_BYTES): made on first
  // run, its limits updated on every start. Without it agents fall back to at-most-once.
  const limits = { maxAgeMs: config.logMaxAgeMs, maxBytes: config.logMaxBytes };
  const held = clustered
    ? await prepareClusterLog(natsUrl, authority, root, limits, undefined, (why) =>
        console.log(`[start] the log is not ready yet (${why}); waiting for its leaders`),
      )
    : await prepareLog(natsUrl, authority, root, limits);
  const kept = `kept ${duration(limits.maxAgeMs)}, up to ${Math.round(limits.maxBytes / 2 ** 20)} MB`;
  const copies = held.replicas > 1 ? `, ${held.replicas} replicas` : "";
  console.log(
    `[start] log: ${held.layout.stream} holds ${heldText(held)} (${kept}${copies}); ${held.members} known agent presences in ${held.layout.members}`,
  );

  if (await isPortInUse("127.0.0.1", dashboardPort)) {
    throw new Error(`port ${dashboardPort} is taken; stop what runs there or set PORT`);
  }
  buildDashboard();
  // The login token: whoever opens the URL below first gets the dashboard's session cookie.
  const token = config.dashboardToken ?? IdentityAuthority.token();
  saveDashboardToken(dataDir, token); // for `switchboard login-link` (another browser's sign-in)
  const web = serveDashboard(dashboardPort, {
    ...shared,
    NATS_WS_URL: natsWsUrl,
    DASHBOARD_TOKEN: token,
  });
  supervise("dashboard", web, "see its output above");
  await waitForPort("127.0.0.1", dashboardPort, 30_000);
  const loginUrl = `http://127.0.0.1:${dashboardPort}/login?token=${token}`;
  console.log(`[start] dashboard: ${loginUrl} (the link signs you in once; keep it private)`);

  const agents = spawn(process.execPath, ["--import", "tsx", "agents/main.ts"], {
    stdio: "inherit",
    env: { ...process.env, ...shared },
  });
  supervise("agents", agents, "see its output above");

  const nc = await connectNats({
    servers: natsUrl,
    name: "switchboard-start",
    timeoutMs: 10_000,
    credentials: credsFile(creds[CLI_NAME]!),
  }).catch((e: unknown) => {
    throw new Error(
      `cannot connect to NATS at ${natsUrl} as ${CLI_NAME}: ${(e as Error).message} (a server from another trust chain? stop it, or run "npm run doctor")`,
    );
  });
  const watcher = await RegistryWatcher.start({ connection: nc, root, observerName: CLI_NAME });
  const seen = new Map<string, string>();
  const report = () => {
    for (const [name, e] of Object.entries(watcher.state.agents)) {
      if (seen.get(name) === e.status) continue;
      seen.set(name, e.status);
      const why = e.offlineReason === "missed-heartbeats" ? " (missed heartbeats)" : "";
      console.log(`[registry] ${name} is ${e.status}${why}`);
    }
  };
  report();
  watcher.onChange(report);
  console.log(
    `[start] ready: open ${loginUrl} (subjects under ${root}.>). Also: npm run cli -- ls | tail | whoami, npm run demo:script. Ctrl-C stops everything.`,
  );

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stopping = true;
      void watcher
        .close()
        .then(() => nc.close())
        .finally(() => stopChildren().then(() => process.exit(0)));
    });
  }
}

function supervise(name: string, child: ChildProcess, hint: string): void {
  children.push(child);
  child.on("exit", (code, signal) => {
    if (!stopping) fail(`${name} exited (${signal ?? code}); ${hint}`);
  });
}

/** Agents first (they announce offline over NATS), then the dashboard, then nats-server(s). */
async function stopChildren(): Promise<void> {
  for (const c of [...children].reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
  }
  await natsServer?.stop();
  await cluster?.stop();
}

function fail(message: string): void {
  console.error(`[start] ${message}`);
  stopping = true;
  void stopChildren().then(() => process.exit(1));
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
