// A minimal agent in a process of its own, so a test can SIGKILL it. Prints "ready" once online.
// It connects as agents/main.ts does: with `{SWITCHBOARD_DATA_DIR}/creds/{name}.creds`, made by
// the caller (e2e/stack.ts `startAgentProcess`), to NATS_URL under SWITCHBOARD_SUBJECT_ROOT.
// Usage: node --import tsx e2e/agent-process.ts <name> <heartbeat-ms>
import { readConfig } from "../lib/config";
import { credsPath } from "../lib/identity";
import { AgentLink, silentLogger } from "../lib/transport";
import { connectNats, credsFile } from "../lib/transport/connect";

const [name = "Child", heartbeat = "1000"] = process.argv.slice(2);
const { natsUrl, dataDir, subjectRoot } = readConfig(process.env);
const link = await AgentLink.start({
  connection: await connectNats({ servers: natsUrl, credentials: credsFile(credsPath(dataDir, name)) }),
  root: subjectRoot,
  agent: { name },
  heartbeatMs: Number(heartbeat),
  ownsConnection: true,
  logger: silentLogger,
  handlers: { request: (m) => `pid ${process.pid}: ${m.content}` },
});
process.stdout.write("ready\n");
process.on("SIGTERM", () => void link.close().then(() => process.exit(0)));
