// A handoff from the page carries its context (task, progress, reason) to Weather-Bot; the thread
// of that handoff shows the context and Weather-Bot's answer.
import { expect, nonce, test } from "./fixtures";

test("a handoff from the page shows its whole thread", async ({ dashboard }) => {
  await dashboard.open();
  await dashboard.expectAgent("Weather-Bot", "online");

  const tag = nonce();
  const task = `What's the weather in Tokyo tomorrow? (e2e ${tag})`;
  const progress = `Parsed the city from the question (e2e ${tag})`;
  const reason = `Weather-Bot has the forecast tool (e2e ${tag})`;
  await dashboard.send({
    kind: "handoff",
    target: "Weather-Bot",
    task,
    progress,
    reason,
    text: `Handed over from the e2e test ${tag}`,
  });

  await dashboard.openChannel("handoffs");
  const handoff = dashboard.messages({ type: "handoff", text: tag });
  await expect(handoff).toHaveCount(1);
  await expect(handoff).toHaveAttribute("data-id", /.+/);

  await dashboard.act(handoff, "thread");
  await expect(dashboard.threadPane).toBeVisible();
  const item = dashboard.threadItems({ type: "handoff" });
  await expect(item).toHaveCount(1);
  await expect(item).toBeVisible();
  await expect(item).toContainText(task);
  await expect(item).toContainText(progress);
  await expect(item).toContainText(reason);

  const answer = dashboard.threadItems({ type: "response", text: "Forecast for Tokyo" });
  await expect(answer).toHaveCount(1, { timeout: 20_000 });
});
