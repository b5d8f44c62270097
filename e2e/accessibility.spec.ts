// axe-core (WCAG 2 A and AA rules) on the dashboard as people use it: agents online, messages in
// #all, in the light and the dark theme. A "serious" or "critical" violation fails the test; the
// full list (every impact) is attached, so minor findings stay visible too. Keyboard checks
// beside it: the New-agent dialog traps focus, Escape closes it and gives focus back.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

const BLOCKING = new Set(["serious", "critical"]);

async function audit(page: Page, label: string) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const lines = result.violations.map(
    (v) =>
      `${v.impact ?? "?"} ${v.id} (${v.nodes.length}): ${v.help}\n` +
      v.nodes
        .slice(0, 12)
        .map((n) => `    ${n.target.join(" ")}  ${n.failureSummary?.split("\n").slice(1).join(" ") ?? ""}`)
        .join("\n"),
  );
  await test.info().attach(`axe-${label}.txt`, { body: lines.join("\n") || "no violations" });
  console.log(`axe ${label}: ${lines.length === 0 ? "no violations" : `\n${lines.join("\n")}`}`);
  return result.violations.filter((v) => BLOCKING.has(v.impact ?? ""));
}

test("no serious or critical axe violation, light and dark", async ({ dashboard, page, mesh }) => {
  await dashboard.open();
  for (const name of ["Weather-Bot", "Task-Coordinator", "General-Assistant"]) {
    await dashboard.expectAgent(name, "online");
  }
  await dashboard.openChannel("all");
  await mesh.broadcast("Ops-Bot", "Maintenance **tonight**: see [the notes](https://example.com/notes).");
  // Rows with a limit's note and a "show all" button are audited too.
  await mesh.broadcast("Mallory", `${">".repeat(200)} nested too deep`);
  await mesh.broadcast("Mallory", `A long one: ${"word ".repeat(1_000)}`);
  await dashboard.send({ kind: "broadcast", text: "Who can give me a weather forecast for Oslo?" });
  await expect(dashboard.messages({ from: "Weather-Bot" }).first()).toBeVisible({ timeout: 15_000 });
  await expect(dashboard.messages({ from: "Ops-Bot" })).toHaveCount(1);
  await expect(dashboard.page.getByTestId("content-note").first()).toBeVisible();
  await expect(dashboard.page.getByTestId("show-all").first()).toBeVisible();

  for (const theme of ["light", "dark"] as const) {
    await dashboard.setTheme(theme);
    await page.mouse.move(0, 0);
    const blocking = await audit(page, theme);
    expect
      .soft(
        blocking.map((v) => `${v.impact} ${v.id} x${v.nodes.length}`),
        theme,
      )
      .toEqual([]);
  }

  await test.step("the thread pane and the New-agent dialog pass too", async () => {
    await dashboard.act(dashboard.messages({ from: "Ops-Bot" }), "thread");
    await expect(dashboard.threadPane).toBeVisible();
    const thread = await audit(page, "dark-thread");
    expect.soft(thread.map((v) => `${v.impact} ${v.id} x${v.nodes.length}`)).toEqual([]);
    await page.getByTestId("thread-pane").getByRole("button", { name: /close/i }).click();
    await page.getByTestId("new-agent").click();
    await expect(page.getByTestId("new-agent-dialog")).toBeVisible();
    const dialog = await audit(page, "dark-dialog");
    expect.soft(dialog.map((v) => `${v.impact} ${v.id} x${v.nodes.length}`)).toEqual([]);
  });
});

test("keyboard: channels, composer, thread pane and the New-agent dialog", async ({ dashboard, page }) => {
  await dashboard.open();
  await dashboard.expectAgent("Weather-Bot", "online");

  await test.step("a channel opens from the keyboard", async () => {
    await dashboard.channel("requests").focus();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("channel-title")).toHaveText("#requests");
    await expect(dashboard.channel("requests")).toHaveAttribute("aria-current", "page");
  });

  await test.step("the composer sends from the keyboard", async () => {
    await dashboard.composer.kind.focus();
    await dashboard.composer.kind.selectOption("request");
    await page.keyboard.press("Tab");
    await expect(dashboard.composer.target).toBeFocused();
    await page.keyboard.type("Weather-Bot");
    await dashboard.composer.text.focus();
    await page.keyboard.type("Weather in Oslo? (keyboard)");
    await page.keyboard.press("Enter");
    await expect(dashboard.composer.result).toHaveAttribute("data-state", "ok", { timeout: 20_000 });
  });

  await test.step("a row's actions and the thread pane are reachable with Tab", async () => {
    const row = dashboard.messages({ type: "request" }).last();
    const action = row.getByTestId("action-thread");
    await row.focus();
    await expect(action).toBeVisible(); // shown on focus, not only on hover
    for (let i = 0; i < 10 && !(await action.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    await expect(action).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(dashboard.threadPane).toBeVisible();
    const close = dashboard.threadPane.getByRole("button", { name: /close/i });
    await close.focus();
    await page.keyboard.press("Enter");
    await expect(dashboard.threadPane).toBeHidden();
  });

  await test.step("the New-agent dialog traps focus, Escape closes it and focus returns", async () => {
    const opener = page.getByTestId("new-agent");
    await opener.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "New agent" });
    await expect(dialog).toBeVisible();
    await expect(dialog.locator(":focus")).toHaveCount(1); // focus moved into the dialog
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press("Tab");
      await expect(dialog.locator(":focus"), `Tab #${i + 1} stays in the dialog`).toHaveCount(1);
    }
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press("Shift+Tab");
      await expect(dialog.locator(":focus"), `Shift+Tab #${i + 1} stays in the dialog`).toHaveCount(1);
    }
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(opener).toBeFocused();
  });
});
