// Full-dashboard screenshots in light and dark theme, for people to look at
// (test-results/screenshots/). Still checks the page shows the registry and the message list;
// the second pair has hostile content on screen (limits' notes, revealed controls, bounded cards).
import { join } from "node:path";
import { compose, subjects } from "../lib/protocol";
import { expect, test } from "./fixtures";
import { hostileAgent, HOSTILE_TEXT } from "./hostile-payloads";
import { REPO_ROOT } from "./stack";

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

test("dashboard screenshots with hostile content, light and dark", async ({
  dashboard,
  page,
  mesh,
  stack,
}) => {
  await dashboard.open();
  await dashboard.expectAgent("Weather-Bot", "online");
  await dashboard.openChannel("all");
  const hostile = hostileAgent("Hostile-Agent");
  await mesh.publishRaw(
    subjects(stack.root).presence(hostile.name, hostile.runtime),
    compose("presence", hostile.name, { content: "", agent: hostile }),
  );
  // Newest last, so the screen shows a limit's note, an error response and revealed controls.
  await mesh.broadcast("Mallory", "A".repeat(1_000_000));
  const asked = await mesh.broadcast("Mallory", `${">".repeat(50_000)} nested 50,000 deep`);
  await mesh.publishRaw(
    subjects(stack.root).response("Mallory", asked.id, "Hostile-Agent"),
    compose("response", "Hostile-Agent", {
      to: "Mallory",
      inReplyTo: asked.id,
      content: `Could not do it:\n\n| step | result |\n|---|---|\n${"| parse | failed |\n".repeat(3)}`,
      status: "error",
      error: { code: "\u202Eedoc_liated\u200B", message: HOSTILE_TEXT.repeat(10).slice(0, 4_000) },
    }),
  );
  await mesh.broadcast("Mallory", HOSTILE_TEXT);
  await expect(dashboard.agent("Hostile-Agent")).toBeVisible();
  await expect(dashboard.messages({ from: "Hostile-Agent" })).toHaveCount(1);
  for (const theme of ["light", "dark"] as const) {
    await dashboard.setTheme(theme);
    await page.mouse.move(0, 0);
    await page.waitForTimeout(200);
    const path = join(DIR, `dashboard-hostile-${theme}.png`);
    await page.screenshot({ path });
    await test.info().attach(`dashboard-hostile-${theme}`, { path, contentType: "image/png" });
  }
});
