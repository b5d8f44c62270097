// A broadcast typed in the page goes out on agents.all, shows in #all, and the agent it concerns
// answers (Weather-Bot: "I can help with weather"); the others stay quiet.
import { expect, nonce, test } from "./fixtures";

test("a broadcast from the page reaches the agents and their answer comes back", async ({ dashboard }) => {
  await dashboard.open();
  await dashboard.expectAgent("Weather-Bot", "online");
  await dashboard.openChannel("all");

  const text = `Anyone know what the weather will be like tomorrow? (e2e ${nonce()})`;
  await dashboard.send({ kind: "broadcast", text });

  const sent = dashboard.messages({ type: "announcement", text });
  await expect(sent).toHaveCount(1);
  await expect(dashboard.content(sent)).toContainText(text);

  // The answer is a response to the broadcast: in #all next to it, or at least in its thread.
  const answer = /I can help with weather/;
  const inList = dashboard.messages({ from: "Weather-Bot", text: answer });
  const listed = await inList
    .first()
    .waitFor({ timeout: 15_000 })
    .then(
      () => true,
      () => false,
    );
  if (!listed) {
    await dashboard.act(sent, "thread");
    await expect(dashboard.threadPane).toBeVisible();
    await expect(dashboard.threadItems({ text: answer }).first()).toBeVisible({ timeout: 5_000 });
  }
  console.log(`Weather-Bot's answer to the broadcast shown in ${listed ? "#all" : "the thread only"}`);
});
