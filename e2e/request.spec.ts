// A request from the composer waits for the agent's answer and shows it inline; the request and
// its answer are also listed in #requests.
import { expect, nonce, test } from "./fixtures";

test("a request to Weather-Bot shows its answer inline", async ({ dashboard }) => {
  await dashboard.open();
  await dashboard.expectAgent("Weather-Bot", "online");

  const question = `What's the weather in Paris? (e2e ${nonce()})`;
  await dashboard.send({ kind: "request", target: "Weather-Bot", text: question });

  const result = dashboard.composer.result;
  await expect(result).toHaveAttribute("data-state", "ok", { timeout: 20_000 });
  await expect(result).toContainText("Forecast for Paris");

  await test.step("the request and its answer are in #requests", async () => {
    await dashboard.openChannel("requests");
    await expect(dashboard.messages({ type: "request", text: question })).toHaveCount(1);
    await expect(
      dashboard.messages({ type: "response", from: "Weather-Bot", text: "Forecast for Paris" }).last(),
    ).toBeVisible();
  });
});
