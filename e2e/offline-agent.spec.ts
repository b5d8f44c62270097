// An agent killed outside the page (SIGKILL: no goodbye) turns offline in the registry after
// three missed heartbeats: within 3 x 500 ms + 1 s of its last word, plus slack for the test.
import { startAgentProcess } from "./stack";
import { expect, nonce, test } from "./fixtures";

const HEARTBEAT_MS = 500;
const DEADLINE_MS = 3 * HEARTBEAT_MS + 1_000;
const SLACK_MS = 2_000;

test("a SIGKILLed agent turns offline in the registry", async ({ dashboard, stack }) => {
  const name = `Doomed-${nonce()}`;
  const agent = await startAgentProcess({
    natsUrl: stack.natsUrl,
    dataDir: stack.dataDir,
    root: stack.root,
    name,
    heartbeatMs: HEARTBEAT_MS,
  });
  try {
    await dashboard.open();
    await dashboard.expectAgent(name, "online");

    agent.signal("SIGKILL");
    const killedAt = Date.now();
    await agent.exited;
    await dashboard.expectAgent(name, "offline", DEADLINE_MS + SLACK_MS);
    const tookMs = Date.now() - killedAt;
    console.log(
      `${name} shown offline ${tookMs} ms after SIGKILL (limit ${DEADLINE_MS} ms + ${SLACK_MS} ms slack)`,
    );
    // Offline agents stay listed.
    await expect(dashboard.agent(name)).toBeVisible();
  } finally {
    await agent.stop();
  }
});
