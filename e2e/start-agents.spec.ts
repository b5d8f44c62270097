// Starting agents from the dashboard: in the browser tab (a full member of the mesh, seen by
// other tabs and by Node), or on the server through /api/agents (surviving page reloads).
import { DashboardPage } from "./dashboard-page";
import { expect, nonce, test } from "./fixtures";

/** Tab agents heartbeat every 5 s: the registry's bound is 3 intervals plus one second. */
const TAB_AGENT_OFFLINE_BOUND_MS = 3 * 5_000 + 1_000;

async function startFromDialog(
  d: DashboardPage,
  o: { template: string; name: string; where: "tab" | "server" },
) {
  const page = d.page;
  await page.getByTestId("new-agent").click();
  const dialog = page.getByTestId("new-agent-dialog");
  const template = dialog.getByTestId("agent-template");
  // The page hands the templates in (app/page.tsx); say so plainly when it does not.
  await expect(template.locator("option", { hasText: o.template }), `template ${o.template}`).toHaveCount(1);
  await template.selectOption(o.template);
  await dialog.getByTestId("agent-name").fill(o.name);
  await dialog.getByTestId(o.where === "tab" ? "agent-where-tab" : "agent-where-server").check();
  await dialog.getByTestId("agent-start").click();
  await expect(dialog).toBeHidden({ timeout: 10_000 });
}

test("an agent started in tab A is online in tab B within 2 s, answers Node, and goes offline when tab A closes", async ({
  browser,
  stack,
  mesh,
}) => {
  const name = `Tab-Bot-${nonce()}`;
  const contextA = await browser.newContext({ baseURL: stack.baseURL, storageState: stack.storageState });
  const contextB = await browser.newContext({ baseURL: stack.baseURL, storageState: stack.storageState });
  const a = new DashboardPage(await contextA.newPage());
  const b = new DashboardPage(await contextB.newPage());
  await a.open();
  await b.open();

  await startFromDialog(a, { template: "Weather-Bot", name, where: "tab" });
  const startedAt = Date.now();
  await b.expectAgent(name, "online", 2_000);
  expect(Date.now() - startedAt).toBeLessThan(2_000);
  await expect(b.agent(name).getByTestId("agent-role")).toHaveText("agent · tab");

  // A request from Node is answered by the agent running inside tab A (its tool ran there).
  const asker = await mesh.link(`Node-Asker-${nonce()}`);
  const answer = await asker.request(name, "What's the weather in Madrid?", { timeoutMs: 15_000 });
  expect(answer.from).toBe(name);
  expect(answer.content).toContain("Forecast for Madrid");

  // Duplicate names are refused, in either tab.
  await b.page.getByTestId("new-agent").click();
  await b.page.getByTestId("agent-name").fill(name);
  await b.page.getByTestId("agent-instructions").fill("anything");
  await b.page.getByTestId("agent-start").click();
  await expect(b.page.getByTestId("agent-error")).toContainText(`an agent named ${name} is already online`);
  await b.page.keyboard.press("Escape");
  await b.page.mouse.click(3, 3);

  const closedAt = Date.now();
  await contextA.close();
  await b.expectAgent(name, "offline", TAB_AGENT_OFFLINE_BOUND_MS + 2_000);
  expect(Date.now() - closedAt).toBeLessThan(TAB_AGENT_OFFLINE_BOUND_MS + 2_000);
  await contextB.close();
});

test("a server agent started from the dialog survives a reload, answers, and goes offline when stopped", async ({
  dashboard,
  mesh,
}) => {
  const name = `Server-Bot-${nonce()}`;
  await dashboard.open();
  await startFromDialog(dashboard, { template: "General-Assistant", name, where: "server" });
  await dashboard.expectAgent(name, "online", 5_000);

  await dashboard.page.reload();
  await dashboard.expectConnection("connected", 15_000);
  await dashboard.expectAgent(name, "online", 5_000);
  await expect(dashboard.agent(name).getByTestId("agent-role")).toHaveText("agent · server");

  const asker = await mesh.link(`Node-Asker-${nonce()}`);
  const answer = await asker.request(name, "hello, server agent", { timeoutMs: 15_000 });
  expect(answer.content).toContain(name);

  await dashboard.agent(name).getByTestId(`stop-${name}`).click();
  await dashboard.expectAgent(name, "offline", 5_000);
});
