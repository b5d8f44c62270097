// The whole stack under SWITCHBOARD_SUBJECT_ROOT=team1.agents (the "subject-root" project in
// playwright.config.ts): the dashboard lists the demo agents, a request from the composer gets
// its answer, a server agent started from the dialog comes online, and a raw subscriber on
// `agents.>` hears nothing of it while `team1.agents.>` hears the traffic. (Credentials are written
// for one root, so each listener is an identity under the root it listens to.)
import { expect, nonce, test } from "./fixtures";

const DEMO_AGENTS = ["Weather-Bot", "Task-Coordinator", "General-Assistant"];

test("under another subject root the mesh works and nothing is published under agents.>", async ({
  dashboard,
  mesh,
  stack,
}) => {
  expect(stack.root).toBe("team1.agents");
  const legacyListener = await mesh.connection("legacy-listener", { root: "agents" });
  const listener = await mesh.connection("listener");
  const legacy: string[] = [];
  const rooted: string[] = [];
  legacyListener.subscribe("agents.>", { callback: (_e, m) => void legacy.push(m.subject) });
  listener.subscribe("team1.agents.>", { callback: (_e, m) => void rooted.push(m.subject) });
  await legacyListener.flush();
  await listener.flush();

  await dashboard.open();
  for (const name of DEMO_AGENTS) await dashboard.expectAgent(name, "online");

  const question = `What's the weather in Paris? (e2e ${nonce()})`;
  await dashboard.send({ kind: "request", target: "Weather-Bot", text: question });
  await expect(dashboard.composer.result).toHaveAttribute("data-state", "ok", { timeout: 20_000 });
  await expect(dashboard.composer.result).toContainText("Forecast for Paris");

  await test.step("a server agent started from the dialog joins the same root", async () => {
    const name = `Rooted-Bot-${nonce()}`;
    const page = dashboard.page;
    await page.getByTestId("new-agent").click();
    const dialog = page.getByTestId("new-agent-dialog");
    await dialog.getByTestId("agent-name").fill(name);
    await dialog.getByTestId("agent-instructions").fill("Answer briefly.");
    await dialog.getByTestId("agent-where-server").check();
    await dialog.getByTestId("agent-start").click();
    await expect(dialog).toBeHidden({ timeout: 10_000 });
    await dashboard.expectAgent(name, "online", 5_000);
    await dashboard.agent(name).getByTestId(`stop-${name}`).click();
    await dashboard.expectAgent(name, "offline", 5_000);
  });

  await listener.flush();
  await legacyListener.flush();
  expect(rooted.some((s) => s.startsWith("team1.agents.request.Weather-Bot."))).toBe(true);
  expect(rooted.some((s) => s.startsWith("team1.agents.discover."))).toBe(true);
  expect(rooted.some((s) => s.startsWith("team1.agents.response."))).toBe(true);
  expect(legacy, "nothing may be published under agents.>").toEqual([]);
});
