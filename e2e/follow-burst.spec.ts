// The list keeps the newest message on screen after bursts: a burst of 60 messages at once is a
// flood (light rows, components/paced-list.ts), then the stream stops and the calm draw brings
// full rows, taller than the light ones and than their estimates. The end moves as they are
// measured; the list must follow it. (It did not, before the list followed its total height.)
import { setTimeout as sleep } from "node:timers/promises";
import { compose, encodeMessage, subjects } from "../lib/protocol";
import { expect, nonce, test } from "./fixtures";

const BURSTS = 4;
const PER_BURST = 60;
const FILLER =
  "Forecast for Oslo, Tuesday: light rain in the morning clearing by noon, 7 to 11 degrees C. ".repeat(3);

test("the newest message stays on screen after bursts of traffic", async ({ dashboard, mesh }) => {
  await dashboard.open();
  await dashboard.openChannel("raw");
  const nc = await mesh.connection("Ops-Bot");
  const tag = nonce();
  for (let burst = 0; burst < BURSTS; burst++) {
    let last = "";
    for (let i = 0; i < PER_BURST; i++) {
      const content = `Burst ${burst}, line ${i} (e2e ${tag})\n\n${FILLER}\n\n- one\n- two`;
      const m = compose("direct", "Ops-Bot", { to: "Nobody-Home", content });
      nc.publish(subjects().direct("Nobody-Home", "Ops-Bot"), encodeMessage(m));
      last = m.id;
    }
    await nc.flush();
    await sleep(1_000); // the flood is over and its calm draw is done
    const newest = dashboard.messageById(last);
    await expect(newest, `burst ${burst}: the newest row is fully on screen`).toBeInViewport({ ratio: 0.9 });
    await expect(dashboard.content(newest)).toContainText(
      `Burst ${burst}, line ${PER_BURST - 1} (e2e ${tag})`,
    );
  }
});
