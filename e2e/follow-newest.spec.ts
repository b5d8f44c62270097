// The message list sticks to the newest message while traffic flows, as long as nobody scrolled
// up: after a steady stream from Node (one message every 10 ms for 3 s, a few lines each, as agents
// write them), the last one is on screen.
import { setTimeout as sleep } from "node:timers/promises";
import { compose, encodeMessage, subjects } from "../lib/protocol";
import { expect, nonce, test } from "./fixtures";

const COUNT = 300;
const EVERY_MS = 10;
const FILLER =
  "Forecast for Oslo, Tuesday: light rain in the morning clearing by noon, 7 to 11 degrees C, wind from " +
  "the south-west at 5 m/s, humidity 82 %. Tomorrow: dry and bright, 9 to 13 degrees C. Source: offline " +
  "forecast table (deterministic, for demos and tests).";

test("the list follows the newest message under steady traffic", async ({ dashboard, mesh }) => {
  await dashboard.open();
  await dashboard.openChannel("raw");

  const nc = await mesh.connection("Ops-Bot");
  const tag = nonce();
  let last = "";
  for (let i = 0; i < COUNT; i++) {
    const content = `Status line ${i} (e2e ${tag}). ${FILLER}`;
    const m = compose("direct", "Ops-Bot", { to: "Nobody-Home", content });
    nc.publish(subjects().direct("Nobody-Home", "Ops-Bot"), encodeMessage(m));
    last = m.id;
    await sleep(EVERY_MS);
  }
  await nc.flush();

  // What the list looks like, for the failure message.
  await dashboard.page.waitForTimeout(500);
  const state = await dashboard.messageList.evaluate((el) => {
    const rows = [...el.querySelectorAll('[data-testid="message"]')];
    return {
      rowsInList: el.getAttribute("data-count"),
      scrollTop: Math.round(el.scrollTop),
      scrollHeight: el.scrollHeight,
      clientHeight: el.clientHeight,
      lastRenderedRow: rows.at(-1)?.textContent?.match(/Status line \d+/)?.[0] ?? null,
    };
  });
  const where = `list 500 ms after the last send: ${JSON.stringify(state)}`;

  const newest = dashboard.messageById(last);
  await expect(newest, `the newest message's row is in the list; ${where}`).toBeAttached({ timeout: 5_000 });
  await expect(newest, `the newest message is on screen; ${where}`).toBeInViewport();
  await expect(dashboard.content(newest)).toContainText(`Status line ${COUNT - 1} (e2e ${tag})`);
});
