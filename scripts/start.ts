// `npm start`: the main job. Runs nats-server with nats-server.conf (or uses one already on
// 127.0.0.1:4222) and prints who comes online and goes offline, until Ctrl-C.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { RegistryWatcher } from "../lib/transport";
import { connectNats } from "../lib/transport/connect";
import { isPortInUse, NATS_HOST, NATS_PORT, startNatsServer, waitForPort } from "./nats";

const children: ChildProcess[] = [];
let stopping = false;

async function main(): Promise<void> {
  if (await isPortInUse(NATS_HOST, NATS_PORT)) {
    console.log(`[start] a NATS server already listens on ${NATS_HOST}:${NATS_PORT}; using it`);
  } else {
    mkdirSync(".data", { recursive: true });
    const log = openSync(".data/nats-server.log", "a");
    const nats = await startNatsServer({ stdio: ["ignore", log, log] });
    children.push(nats);
    nats.on("exit", (code) => {
      if (!stopping) fail(`nats-server exited (${code}); see .data/nats-server.log`);
    });
    await waitForPort(NATS_HOST, NATS_PORT);
    console.log(
      `[start] nats-server: nats://${NATS_HOST}:${NATS_PORT}, ws://${NATS_HOST}:9222, monitoring http://${NATS_HOST}:8222`,
    );
  }

  const nc = await connectNats({
    servers: `nats://${NATS_HOST}:${NATS_PORT}`,
    name: "switchboard-start",
    timeoutMs: 10_000,
  });
  const watcher = await RegistryWatcher.start({ connection: nc });
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
  console.log("[start] ready; Ctrl-C stops everything");

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stopping = true;
      void watcher
        .close()
        .then(() => nc.close())
        .finally(() => {
          for (const c of children) c.kill("SIGTERM");
          process.exit(0);
        });
    });
  }
}

function fail(message: string): never {
  console.error(`[start] ${message}`);
  for (const c of children) c.kill("SIGTERM");
  process.exit(1);
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
