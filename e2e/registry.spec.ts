// The registry shows the demo agents as online as soon as the page connects (discover, not the
// next heartbeat), and each has a direct-message channel in the sidebar.
import { expect, test } from "./fixtures";

const DEMO_AGENTS = ["Weather-Bot", "Task-Coordinator", "General-Assistant"];

test("registry lists the demo agents as online", async ({ dashboard }) => {
  await dashboard.open();
  await expect(dashboard.registry).toBeVisible();
  for (const name of DEMO_AGENTS) {
    await dashboard.expectAgent(name, "online");
    await expect(dashboard.agent(name)).toContainText(name);
    await expect(dashboard.dmChannel(name)).toBeVisible();
  }
});
