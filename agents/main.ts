// `npm run agents`: the demo agents (Weather-Bot, Task-Coordinator, General-Assistant) plus
// Calculator, a plain class given NATS with withNats. Uses LM Studio at LLM_BASE_URL, or the
// offline model when nothing answers there. Every setting comes from readConfig (lib/config.ts),
// the subject root included, so these agents join the same mesh as everything else.
//
// Each agent connects as itself, with its own credential: `{dataDir}/creds/{name}.creds`, made by
// `npm start` (scripts/identity.ts) or `switchboard creds issue NAME`. The server lets each one
// publish only in its own name.
import { existsSync } from "node:fs";
import { readConfig } from "../lib/config";
import { credsPath } from "../lib/identity";
import { connectNats, credsFile, type NatsConnection } from "../lib/transport/connect";
import { Calculator, calculatorOnNats } from "./demo/calculator";
import { demoAgents } from "./demo/definitions";
import { llmSettings } from "./llm/lookup";
import { resolveModel } from "./offline-model/fallback";
import { runSettings } from "./runtime/budget";
import { startAgent, type RunningAgent } from "./runtime/start-agent";

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const { natsUrl, subjectRoot: root, dataDir } = config;
  const llm = await resolveModel(llmSettings(config), { allowOffline: config.llmOffline !== "never" });
  const connections: NatsConnection[] = [];
  const connectAs = async (name: string): Promise<NatsConnection> => {
    const path = credsPath(dataDir, name);
    if (!existsSync(path))
      throw new Error(
        `no credential for ${name} at ${path}: run "npm start" once, or "npm run cli -- creds issue ${name}"`,
      );
    const nc = await connectNats({
      servers: natsUrl,
      name: `switchboard-agent-${name}`,
      credentials: credsFile(path),
    }).catch((e: unknown) => {
      throw new Error(
        `cannot reach NATS at ${natsUrl} as ${name} (${(e as Error).message}); is it running ("npm run nats")?`,
      );
    });
    connections.push(nc);
    return nc;
  };
  const running: RunningAgent[] = [];
  for (const def of demoAgents()) {
    const durable = { deliveryTtlMs: config.deliveryTtlMs, outboxMaxBytes: config.outboxMaxBytes };
    running.push(
      await startAgent(def, {
        connection: await connectAs(def.name),
        root,
        model: llm.model,
        durable,
        ...runSettings(config),
      }),
    );
    console.log(`[agents] ${def.name} is online (${def.capabilities.join(", ")})`);
  }
  const calculator = await calculatorOnNats(new Calculator(), await connectAs("Calculator"), undefined, root);
  console.log("[agents] Calculator is online (a plain class given NATS with withNats)");

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([...running.map((a) => a.close()), calculator.close()]);
    await Promise.allSettled(connections.map((nc) => nc.drain()));
    await llm.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  for (const nc of connections) {
    void nc.closed().then((err) => {
      if (stopping) return;
      console.error(
        `[agents] a connection closed: ${err?.message ?? "closed"} (revoked or expired credential?)`,
      );
    });
  }
}

main().catch((e: unknown) => {
  console.error(`[agents] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
