// The registry shows the demo agents as online as soon as the page connects (discover, not the
// next heartbeat), each with its role (the demo agents run in a process of their own) and a
// direct-message channel in the sidebar. People are never listed: this page's person, signed in
// with a credential of its own, announces nothing.
import { expect, test } from "./fixtures";

const DEMO_AGENTS = ["Weather-Bot", "Task-Coordinator", "General-Assistant", "Calculator"];

test("registry lists the demo agents as online, each with its role", async ({ dashboard }) => {
  await dashboard.open();
  await expect(dashboard.registry).toBeVisible();
  for (const name of DEMO_AGENTS) {
    await dashboard.expectAgent(name, "online");
    await expect(dashboard.agent(name)).toContainText(name);
    const role = dashboard.agent(name).getByTestId("agent-role");
    await expect(role).toHaveText("agent · process");
    await expect(role).toHaveAttribute("title", "runs in a separate process");
    await expect(dashboard.dmChannel(name)).toBeVisible();
  }
  await expect(dashboard.registry.locator('[data-testid^="agent-you-"]')).toHaveCount(0);
});
