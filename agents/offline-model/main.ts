// `tsx agents/offline-model/main.ts [--port 1235] [--host 127.0.0.1] [--verbose]`: run the offline model in
// the foreground. Port defaults to $OFFLINE_MODEL_PORT, else 1235 (LM Studio keeps 1234).
import { parseArgs } from "node:util";
import { startOfflineModel } from "./server";

const DEFAULT_PORT = 1235;

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    verbose: { type: "boolean", default: false },
  },
});
const portText = values.port ?? process.env.OFFLINE_MODEL_PORT ?? String(DEFAULT_PORT);
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) {
  console.error(`offline model: invalid port ${JSON.stringify(portText)}`);
  process.exit(2);
}

try {
  const model = await startOfflineModel({
    port,
    host: values.host,
    log: values.verbose ? (line) => console.log(`offline model: ${line}`) : undefined,
  });
  console.log(`OFFLINE MODEL: serving ${model.url} — deterministic rules, not a real LLM`);
  const stop = () => void model.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  console.error(
    code === "EADDRINUSE"
      ? `offline model: ${values.host}:${port} is already in use (another offline model? try --port)`
      : `offline model: failed to start: ${String(err)}`,
  );
  process.exit(1);
}
