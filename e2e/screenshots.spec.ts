// Full-dashboard screenshots in light and dark theme, for people to look at
// (test-results/screenshots/). Still checks the page shows the registry and the message list.
import { join } from "node:path";
import { REPO_ROOT } from "./stack";
import { expect, test } from "./fixtures";

const DIR = join(REPO_ROOT, "test-results", "screenshots");

test("dashboard screenshots, light and dark", async ({ dashboard, page, mesh }) => {
  await dashboard.open();
  for (const name of ["Weather-Bot", "Task-Coordinator", "General-Assistant"]) {
    await dashboard.expectAgent(name, "online");
  }
  await dashboard.openChannel("all");
  // Some traffic, so the pictures show messages: a broadcast the agents answer, a plain one.
  await mesh.broadcast("Ops-Bot", "Maintenance window **tonight at 22:00**: expect short reconnects.");
  await dashboard.send({ kind: "broadcast", text: "Who can give me a weather forecast for Oslo?" });
  await expect(dashboard.messages({ from: "Weather-Bot" }).first()).toBeVisible({ timeout: 15_000 });
  await expect(dashboard.messages().first()).toBeVisible();
  await expect(dashboard.registry).toBeVisible();
  await expect(dashboard.messageList).toBeVisible();

  for (const theme of ["light", "dark"] as const) {
    await dashboard.setTheme(theme);
    await page.mouse.move(0, 0); // no hover state in the picture
    await page.waitForTimeout(200);
    const path = join(DIR, `dashboard-${theme}.png`);
    await page.screenshot({ path, fullPage: true });
    await test.info().attach(`dashboard-${theme}`, { path, contentType: "image/png" });
  }
});
