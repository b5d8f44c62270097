// `tsx agents/offline-model/main.ts [--port 1235] [--host 127.0.0.1] [--verbose]`: run the offline model in
// the foreground. Port defaults to $OFFLINE_MODEL_PORT, else 1235 (LM Studio keeps 1234).
import { parseArgs } from "node:util";
import { ConfigError, readConfig } from "../../lib/config";
import { startOfflineModel } from "./server";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    verbose: { type: "boolean", default: false },
  },
});
let port: number;
try {
  // --port is checked by the same rule as OFFLINE_MODEL_PORT, and wins over it.
  const env = values.port === undefined ? process.env : { ...process.env, OFFLINE_MODEL_PORT: values.port };
  port = readConfig(env).offlineModelPort;
} catch (e) {
  const fromFlag =
    e instanceof ConfigError && e.variable === "OFFLINE_MODEL_PORT" && values.port !== undefined;
  const why = fromFlag ? `--port ${e.problem}, got ${JSON.stringify(values.port)}` : (e as Error).message;
  console.error(`offline model: ${why}`);
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
