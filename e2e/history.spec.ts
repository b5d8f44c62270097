// History from the log (JetStream) in the page: a page opened after a conversation shows it in
// every channel; older pages load up to the beginning of history; a reload mid-conversation and a
// broker restart lose nothing and duplicate nothing (every number once, and a resume marker);
// a dry replay of a thread publishes nothing; search finds what the page did not load.
// Screenshots of each go to /work/notes/screens/ for people to look at.
//
// Numbered traffic goes as direct messages to a sink that never answers: broadcasts would set
// every demo agent thinking (through the offline model) about each of them.
import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { LogReader } from "../lib/transport";
import { logLayout } from "../lib/protocol";
import { expect, nonce, test, type Mesh } from "./fixtures";
import type { DashboardPage } from "./dashboard-page";

const SCREENS = "/work/notes/screens";
mkdirSync(SCREENS, { recursive: true });

async function shoot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForTimeout(200);
  const path = `${SCREENS}/${name}.png`;
  await page.screenshot({ path });
  await test.info().attach(name, { path, contentType: "image/png" });
}

const pad = (i: number) => String(i).padStart(4, "0");

/** A member that takes direct messages and never answers them. */
function sink(mesh: Mesh, name: string) {
  return mesh.link(name, { handlers: { direct: () => undefined } });
}

/** The contents the page holds that start with `prefix`. */
async function held(d: DashboardPage, prefix: string): Promise<string[]> {
  return (await d.list()).map((m) => m.content).filter((c) => c.startsWith(prefix));
}

test("a page opened after a conversation shows it in every channel, and older pages up to the start", async ({
  dashboard,
  mesh,
  page,
}) => {
  test.setTimeout(120_000);
  const tag = `hist-${nonce()}`;
  // More than one page of older traffic first, numbered.
  const old = await mesh.link("Hist-Old");
  await sink(mesh, "Hist-Sink");
  for (let i = 0; i < 1_100; i++) old.sendDirect("Hist-Sink", `${tag} old #${pad(i)}`);
  // Then a conversation like the demo's: broadcast, direct, request/response, handoff.
  const a = await mesh.link("Hist-Asker");
  await mesh.link("Hist-Helper", {
    handlers: {
      direct: (m) => `noted: ${m.content}`,
      request: (m) => `answer: ${m.content}`,
      handoff: (m) => `done: ${m.handoff.task}`,
    },
  });
  a.broadcast(`${tag} hello everyone`);
  a.sendDirect("Hist-Helper", `${tag} a direct word`);
  await a.request("Hist-Helper", `${tag} what time is it?`);
  await a.handoffAndWait("Hist-Helper", { task: `${tag} file the report`, reason: "I am busy" });

  await dashboard.open();
  await dashboard.openChannel("all");
  await dashboard.expectHistoryRead();
  const h = await page.evaluate(() => window.__switchboard?.history);
  console.log(`backfill: ${h?.read} log messages read in ${h?.readMs} ms (${h?.loaded} new to the page)`);
  await expect(dashboard.messages({ text: `${tag} hello everyone` })).toHaveCount(1);
  await dashboard.openChannel("requests");
  await expect(dashboard.messages({ type: "request", text: `${tag} what time is it?` })).toHaveCount(1);
  await expect(dashboard.messages({ type: "response", text: `answer: ${tag} what time is it?` })).toHaveCount(
    1,
  );
  await dashboard.openChannel("handoffs");
  await expect(
    dashboard.messages({ type: "handoff", from: "Hist-Asker" }).filter({ hasText: tag }),
  ).toHaveCount(1);
  await expect(dashboard.messages({ type: "response", text: `done: ${tag} file the report` })).toHaveCount(1);
  await dashboard.openChannel("dm-Hist-Helper");
  await expect(dashboard.messages({ type: "direct", text: `${tag} a direct word` })).toHaveCount(1);
  await expect(dashboard.messages({ text: `noted: ${tag} a direct word` })).toHaveCount(1);
  await dashboard.openChannel("dm-Hist-Sink");
  await shoot(page, "history-on-open");

  // The oldest numbers are past the backfill: scrolling to the top loads them, page by page.
  const before = await held(dashboard, `${tag} old #`);
  expect(before.length).toBeGreaterThan(0);
  expect(before.length).toBeLessThan(1_100);
  expect(before).not.toContain(`${tag} old #0000`);
  await dashboard.messageList.hover();
  for (let i = 0; i < 10 && !(await held(dashboard, `${tag} old #0000`)).length; i++) {
    await page.mouse.wheel(0, -100_000); // to the top: the page before is asked for
    await page.waitForTimeout(500);
  }
  const after = await held(dashboard, `${tag} old #`);
  expect(after).toEqual(Array.from({ length: 1_100 }, (_, i) => `${tag} old #${pad(i)}`));
  await dashboard.filters.text.fill(`${tag} old #0000`);
  await expect(dashboard.messages({ text: `${tag} old #0000` })).toHaveCount(1);
  await dashboard.filters.text.fill("");
  // On up to the log's first message.
  for (let i = 0; i < 40; i++) {
    await dashboard.toTop();
    if ((await dashboard.historyEdge.getAttribute("data-state")) === "start") break;
    await dashboard.loadOlder.click({ timeout: 5_000 }).catch(() => {});
    await page.waitForTimeout(200);
  }
  await dashboard.toTop();
  await expect(dashboard.historyEdge).toHaveAttribute("data-state", "start");
  await expect(dashboard.historyEdge).toContainText("Beginning of history");
  await shoot(page, "history-beginning");
});

test("a reload mid-conversation loses nothing and shows nothing twice", async ({ dashboard, mesh, page }) => {
  const tag = `reload-${nonce()}`;
  const l = await mesh.link("Reload-Bot");
  await sink(mesh, "Reload-Sink");
  await dashboard.open();
  let sent = 0;
  const pump = (async () => {
    for (; sent < 120; sent++) {
      l.sendDirect("Reload-Sink", `${tag} #${pad(sent)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await expect.poll(() => sent, { timeout: 10_000 }).toBeGreaterThan(40);
  await page.reload();
  await dashboard.expectConnection("connected", 15_000);
  await pump;
  const want = Array.from({ length: 120 }, (_, i) => `${tag} #${pad(i)}`);
  await expect.poll(() => held(dashboard, tag), { timeout: 10_000 }).toEqual(want);
});

test("a broker restart while numbers stream in: every number exactly once, and a resume marker", async ({
  dashboard,
  mesh,
  stack,
  page,
}) => {
  test.setTimeout(120_000);
  const tag = `gap-${nonce()}`;
  const l = await mesh.link("Counter");
  await sink(mesh, "Counter-Sink");
  await dashboard.open();
  await dashboard.openChannel("dm-Counter-Sink");
  await dashboard.expectHistoryRead();
  let sent = 0;
  const pump = (async () => {
    for (; sent < 300; sent++) {
      l.sendDirect("Counter-Sink", `${tag} #${pad(sent)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await expect.poll(() => sent, { timeout: 10_000 }).toBeGreaterThan(80);
  const cutAt = Date.now();
  await stack.nats.restart();
  await dashboard.expectConnection("connected", 20_000);
  const resumedIn = Date.now() - cutAt;
  await pump;
  // Every number exactly once. Not necessarily in order: the page shows messages in the order
  // the log stored them, and a message the publisher's outbox sent again after the outage may
  // have been stored after later ones.
  const want = Array.from({ length: 300 }, (_, i) => `${tag} #${pad(i)}`);
  await expect.poll(async () => (await held(dashboard, tag)).sort(), { timeout: 20_000 }).toEqual(want);
  const shown = await held(dashboard, tag);
  const outOfOrder = shown.filter((c, i) => c !== want[i]).length;
  console.log(`after the restart: ${shown.length} numbers, ${outOfOrder} shown out of order`);
  const markers = () => page.evaluate(() => window.__switchboard?.markers() ?? []);
  await expect.poll(async () => (await markers()).length, { timeout: 10_000 }).toBe(1);
  // Down from the top until the marker is on screen (the list draws only the rows in view).
  await dashboard.toTop();
  await dashboard.messageList.hover();
  for (let i = 0; i < 60 && !(await dashboard.resumeMarkers.first().isVisible()); i++) {
    await page.mouse.wheel(0, 500);
    await page.waitForTimeout(50);
  }
  await expect(dashboard.resumeMarkers.first()).toBeVisible();
  await expect(dashboard.resumeMarkers.first()).toContainText(/Connection lost at .* resumed at .*recovered/);
  console.log(`resume: connected again ${resumedIn} ms after the restart began`);
  const r = await page.evaluate(() => window.__switchboard?.history);
  console.log(`resume read: ${r?.read} log messages in ${r?.readMs} ms`);
  const recovered = Number(await dashboard.resumeMarkers.first().getAttribute("data-recovered"));
  console.log(`resume marker: ${recovered} messages recovered in this channel`);
  await shoot(page, "resume-marker");
});

test("a dry replay plays a thread from the log and publishes nothing", async ({
  dashboard,
  mesh,
  stack,
  page,
}) => {
  const tag = `replay-${nonce()}`;
  const a = await mesh.link("Replay-Asker");
  await mesh.link("Replay-Slow", {
    handlers: {
      request: async (m) => {
        await new Promise((r) => setTimeout(r, 600));
        return `slow answer: ${m.content}`;
      },
    },
  });
  const answer = await a.request("Replay-Slow", `${tag} take your time`);
  await dashboard.open();
  await dashboard.openChannel("requests");
  const row = dashboard.messages({ type: "request", text: `${tag} take your time` });
  await expect(row).toHaveCount(1);
  await dashboard.act(row, "thread");
  await expect(dashboard.threadItems({ type: "response", text: "slow answer" })).toHaveCount(1);

  // Nothing may be published while it plays: a raw observer of everything under the root, and
  // the log's end, say so (heartbeats and presence aside: agents keep living meanwhile).
  const observer = await mesh.connection("replay-observer");
  const seen: string[] = [];
  observer.subscribe(`${stack.root}.>`, {
    callback: (_e, m) => {
      if (!/\.(heartbeat|presence)\./.test(m.subject)) seen.push(m.subject);
    },
  });
  await observer.flush();
  const reader = new LogReader(observer, logLayout(stack.root));
  const end = (await reader.bounds()).last;

  await dashboard.replay.speed.selectOption("1x");
  await dashboard.replay.start.click();
  await expect(dashboard.replay.status).toHaveAttribute("data-status", "playing");
  // At 1x the answer comes ~0.6 s after the question: the request shows first, alone.
  await expect(dashboard.replay.items.first()).toHaveAttribute("data-type", "request");
  await shoot(page, "replay-playing");
  await expect(dashboard.replay.status).toHaveAttribute("data-status", "done", { timeout: 10_000 });
  await expect(dashboard.replay.items.filter({ hasText: `slow answer: ${tag}` })).toHaveCount(1);
  await shoot(page, "replay-done");
  await observer.flush();
  expect(seen, "nothing published during the replay").toEqual([]);
  expect((await reader.bounds()).last, "nothing logged during the replay").toBe(end);
  expect(answer.threadId).toBeTruthy();
});

test("search finds a message older than what the page loaded", async ({ dashboard, mesh, page }) => {
  const tag = `needle-${nonce()}`;
  const l = await mesh.link("Search-Bot");
  await sink(mesh, "Search-Sink");
  // A direct message, then 1,100 more of the same kind: past both the backfill (the log's newest
  // 1,000) and each kind's own newest at open.
  l.sendDirect("Search-Sink", `${tag} the needle in the haystack`);
  for (let i = 0; i < 1_100; i++) l.sendDirect("Search-Sink", `hay ${i}`);
  await dashboard.open();
  await dashboard.openChannel("all");
  await dashboard.expectHistoryRead();
  await expect.poll(async () => (await held(dashboard, "hay ")).length).toBeGreaterThan(500);
  expect(await held(dashboard, tag), "the needle is older than the backfill").toEqual([]);

  const s = dashboard.search;
  await s.open.click();
  await s.text.fill(`${tag} the needle`);
  await s.run.click();
  await expect(s.summary).toHaveAttribute("data-status", "done", { timeout: 20_000 });
  await expect(s.results).toHaveCount(1);
  await expect(s.results.first()).toContainText(`${tag} the needle in the haystack`);
  // Narrowed by sender and type on the server: same answer.
  await s.from.fill("Search-Bot");
  await s.type.selectOption("direct");
  await s.run.click();
  await expect(s.summary).toHaveAttribute("data-status", "done", { timeout: 20_000 });
  await expect(s.results).toHaveCount(1);
  await shoot(page, "search-results");
  // A sender that said nothing finds nothing.
  await s.from.fill("Nobody-Here");
  await s.run.click();
  await expect(s.summary).toHaveAttribute("data-status", "done", { timeout: 20_000 });
  await expect(s.results).toHaveCount(0);
});

test("a task to an agent that is away shows queued, then delivered and answered when it is back", async ({
  dashboard,
  mesh,
}) => {
  const tag = `queued-${nonce()}`;
  const helper = await mesh.link("Queue-Helper", { handlers: { direct: (m) => `back: ${m.content}` } });
  await dashboard.open();
  await dashboard.openChannel("dm-Queue-Helper");
  await helper.close(); // known to the mesh, now away (announced offline)
  const asker = await mesh.link("Queue-Asker");
  asker.sendDirect("Queue-Helper", `${tag} are you there?`);
  const row = dashboard.messages({ type: "direct", text: `${tag} are you there?` });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("task-queued")).toContainText("Queue-Helper is away");
  // It comes back: the message waited in its queue and is answered now.
  await mesh.link("Queue-Helper", { handlers: { direct: (m) => `back: ${m.content}` } });
  await expect(dashboard.messages({ type: "response", text: `back: ${tag} are you there?` })).toHaveCount(1);
  await expect(row.getByTestId("task-queued")).toHaveCount(0);
});
