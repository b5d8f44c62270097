// `npm run agents`: the demo agents (Weather-Bot, Task-Coordinator, General-Assistant) plus
// Calculator, a plain class given NATS with withNats. Uses LM Studio at LLM_BASE_URL, or the
// offline model when nothing answers there.
import { onlineAgents } from "../lib/registry/reducer";
import { RegistryWatcher } from "../lib/transport";
import { connectNats } from "../lib/transport/connect";
import { Calculator, calculatorOnNats } from "./demo/calculator";
import { demoAgents } from "./demo/definitions";
import { llmSettingsFromEnv, resolveModel } from "./runtime/llm-config";
import { startAgent, type RunningAgent } from "./runtime/start-agent";

const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

async function main(): Promise<void> {
  const llm = await resolveModel(llmSettingsFromEnv(), { allowOffline: process.env.LLM_OFFLINE !== "never" });
  const nc = await connectNats({ servers: natsUrl, name: "switchboard-agents" }).catch((e: unknown) => {
    throw new Error(
      `cannot reach NATS at ${natsUrl} (${(e as Error).message}); start it with "npm run nats"`,
    );
  });
  const registry = await RegistryWatcher.start({ connection: nc, discoveryMs: 100 });
  const online = () => onlineAgents(registry.state).map((e) => e.agent);
  const running: RunningAgent[] = [];
  for (const def of demoAgents()) {
    running.push(await startAgent(def, { connection: nc, model: llm.model, online }));
    console.log(`[agents] ${def.name} is online (${def.capabilities.join(", ")})`);
  }
  const calculator = await calculatorOnNats(new Calculator(), nc);
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
