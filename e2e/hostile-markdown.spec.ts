// Message content is untrusted. A direct message full of HTML, a javascript: link and a remote
// image renders as inert text: no script, iframe or remote image in the DOM, no dialog, no request
// to anywhere but the dashboard and its NATS server; the remote image is a click-to-load stand-in.
import type { Request } from "@playwright/test";
import { expect, nonce, test } from "./fixtures";

const REMOTE = "203.0.113.5";
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

test("hostile markdown renders inert", async ({ dashboard, page, mesh }) => {
  const dialogs: string[] = [];
  const foreign: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  const record = (r: Request) => {
    const url = new URL(r.url());
    if (["http:", "https:", "ws:", "wss:"].includes(url.protocol) && !LOCAL_HOSTS.has(url.hostname)) {
      foreign.push(r.url());
    }
  };
  page.on("request", record);

  await dashboard.open();
  await dashboard.expectAgent("Weather-Bot", "online");

  const tag = nonce();
  const hostile = [
    `Hostile markdown e2e ${tag}`,
    "",
    "<script>alert(1)</script>",
    "",
    "<img src=x onerror=alert(2)>",
    "",
    "[click](javascript:alert(3))",
    "",
    `![remote](http://${REMOTE}/pixel.png)`,
    "",
    `<iframe src="http://${REMOTE}"></iframe>`,
  ].join("\n");
  const mallory = await mesh.link("Mallory");
  const sent = mallory.sendDirect("Weather-Bot", hostile);

  await expect(dashboard.dmChannel("Mallory")).toBeVisible();
  await dashboard.openChannel("dm-Mallory");
  const row = dashboard.messageById(sent.id);
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute("data-from", "Mallory");
  const content = dashboard.content(row);
  await expect(content).toContainText(`Hostile markdown e2e ${tag}`);
  await expect(content).toContainText("click");

  // Weather-Bot's answer quotes the message back: it must be just as inert. Give handlers time to fire.
  await expect(dashboard.messages({ type: "response", from: "Weather-Bot" }).last()).toBeVisible({
    timeout: 15_000,
  });
  await page.waitForTimeout(1_000);

  // Soft checks with a short timeout: everything is rendered by now, and one run should report
  // every way the page is unsafe, not just the first.
  const none = { timeout: 1_000 };
  const contents = dashboard.messageList.getByTestId("message-content");
  expect(await contents.count()).toBeGreaterThan(0);
  await expect.soft(contents.locator("script"), "no <script> in message content").toHaveCount(0, none);
  await expect.soft(contents.locator("iframe"), "no <iframe> in message content").toHaveCount(0, none);
  await expect.soft(contents.locator(`img[src*="${REMOTE}"]`), "no remote <img>").toHaveCount(0, none);
  await expect
    .soft(contents.locator("[onerror], [onclick], [onload]"), "no inline handlers")
    .toHaveCount(0, none);
  await expect.soft(page.locator('a[href^="javascript:" i]'), "no javascript: links").toHaveCount(0, none);
  await expect
    .soft(page.locator(`iframe[src*="${REMOTE}"], img[src*="${REMOTE}"]`), "nothing from the remote host")
    .toHaveCount(0, none);
  expect.soft(dialogs, "no dialog may open").toEqual([]);
  expect.soft(foreign, "no request may leave the machine").toEqual([]);

  // The remote image is a placeholder that loads only when clicked (not clicked here).
  const placeholder = row.getByTestId("remote-image");
  await expect.soft(placeholder, "a click-to-load placeholder for the remote image").toHaveCount(1, none);
  await expect.soft(placeholder).toBeVisible(none);

  await test.step("the inspector shows the raw JSON as text", async () => {
    await dashboard.act(row, "inspect");
    await expect(dashboard.inspector).toBeVisible();
    await expect(dashboard.inspectorSubject).toContainText("agents.direct.Weather-Bot");
    await expect(dashboard.inspectorJson).toContainText("<script>alert(1)</script>");
    await expect(dashboard.inspector.locator("script, iframe, img")).toHaveCount(0);
  });

  expect(dialogs, "no dialog may open").toEqual([]);
  expect(foreign, "no request may leave the machine").toEqual([]);
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\//);
});
