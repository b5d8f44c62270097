// `npm run agents`: the demo agents (Weather-Bot, Task-Coordinator, General-Assistant) plus
// Calculator, a plain class given NATS with withNats. Uses LM Studio at LLM_BASE_URL, or the
// offline model when nothing answers there. Every setting comes from readConfig (lib/config.ts),
// the subject root included, so these agents join the same mesh as everything else.
import { readConfig } from "../lib/config";
import { onlineAgents } from "../lib/registry/reducer";
import { RegistryWatcher } from "../lib/transport";
import { connectNats } from "../lib/transport/connect";
import { Calculator, calculatorOnNats } from "./demo/calculator";
import { demoAgents } from "./demo/definitions";
import { llmSettings } from "./llm/lookup";
import { resolveModel } from "./offline-model/fallback";
import { startAgent, type RunningAgent } from "./runtime/start-agent";

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const { natsUrl, subjectRoot: root } = config;
  const llm = await resolveModel(llmSettings(config), { allowOffline: config.llmOffline !== "never" });
  const nc = await connectNats({ servers: natsUrl, name: "switchboard-agents" }).catch((e: unknown) => {
    throw new Error(
      `cannot reach NATS at ${natsUrl} (${(e as Error).message}); start it with "npm run nats"`,
    );
  });
  const registry = await RegistryWatcher.start({ connection: nc, root, discoveryMs: 100 });
  const online = () => onlineAgents(registry.state).map((e) => e.agent);
  const running: RunningAgent[] = [];
  for (const def of demoAgents()) {
    running.push(await startAgent(def, { connection: nc, root, model: llm.model, online }));
    console.log(`[agents] ${def.name} is online (${def.capabilities.join(", ")})`);
  }
  const calculator = await calculatorOnNats(new Calculator(), nc, undefined, root);
  console.log("[agents] Calculator is online (a plain class given NATS with withNats)");

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([...running.map((a) => a.close()), calculator.close()]);
    await registry.close();
    await nc.drain().catch(() => {});
    await llm.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((e: unknown) => {
  console.error(`[agents] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
