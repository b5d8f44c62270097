// Killing nats-server shows the page reconnecting (or offline); once it is back on the same
// ports the page says connected, live traffic flows again and the agents are back online.
import { expect, nonce, test } from "./fixtures";

test("a NATS restart shows reconnecting, then connected and live traffic", async ({
  dashboard,
  stack,
  mesh,
}) => {
  await dashboard.open();
  await dashboard.expectAgent("Weather-Bot", "online");
  await dashboard.openChannel("all");

  await stack.nats.kill();
  await dashboard.expectConnection(/^(reconnecting|offline)$/, 15_000);

  await stack.nats.restart();
  await dashboard.expectConnection("connected", 20_000);

  // A fresh connection after the restart: a broadcast from Node shows up live in #all.
  const text = `After the restart (e2e ${nonce()})`;
  await expect(async () => {
    await mesh.broadcast("Ops-Bot", text);
    await expect(dashboard.messages({ type: "announcement", from: "Ops-Bot", text }).first()).toBeVisible({
      timeout: 2_000,
    });
  }).toPass({ timeout: 15_000 });

  // The agents reconnected and announced themselves again.
  await dashboard.expectAgent("Weather-Bot", "online", 15_000);
});
