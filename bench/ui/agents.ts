// Many agents: `count` agents (500-character description, 20 capabilities each), each connected
// with its own credential, announced from Node and heartbeating every 10 s, with the dashboard open on its default channel and the
// registry panel showing. Measures the long tasks while they arrive, then on the idle page (5 s
// of heartbeats only), and how long clicks on channels take to answer: the Event Timing API's
// duration (input to the next paint) of each click, and the wall time until the channel's title
// changed.
import type { ChildProcess } from "node:child_process";
import type { CDPSession, Page } from "@playwright/test";
import { heapAfterGc, mb, takeFrames, takeLongTasks } from "./ladder";

export interface AgentsResult {
  agents: number;
  listed_ms: number | null;
  arrival_max_long_task_ms: number;
  idle_ms: number;
  idle_long_tasks: number;
  idle_max_long_task_ms: number;
  clicks: { target: string; event_ms: number | null; title_ms: number }[];
  max_click_ms: number;
  dom_nodes: number;
  heap_after_gc_mb: number;
}

const HEARTBEAT_MS = 10_000;
const IDLE_MS = 5_000;

export async function measureAgents(
  page: Page,
  cdp: CDPSession,
  pub: ChildProcess,
  count: number,
): Promise<AgentsResult> {
  await page.evaluate(() => {
    const w = window as unknown as { __events: { name: string; duration: number }[] };
    w.__events = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__events.push({ name: e.name, duration: e.duration });
    }).observe({ type: "event", durationThreshold: 16, buffered: false } as PerformanceObserverInit);
  });
  await takeLongTasks(page);
  // Each agent connects with its own credential first; the clock starts when they announce.
  const connected = new Promise<void>((resolve, reject) => {
    const on = (m: unknown) => {
      if (typeof m !== "object" || m === null) return;
      if (!("connected" in m) && !("error" in m)) return;
      pub.off("message", on);
      if ("error" in m) reject(new Error(`the publisher could not connect its agents: ${String(m.error)}`));
      else resolve();
    };
    pub.on("message", on);
  });
  pub.send({ cmd: "agents", count, heartbeatMs: HEARTBEAT_MS });
  await connected;
  await takeLongTasks(page); // what the page did while they connected is not the arrival's
  const t0 = performance.now();
  let listedMs: number | null = null;
  try {
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="registry"] h2')?.textContent?.includes(`${n} online`),
      count,
      { timeout: 30_000, polling: 50 },
    );
    listedMs = Math.round(performance.now() - t0);
  } catch {
    // reported as null
  }
  await page.waitForTimeout(1_000);
  const arrival = await takeLongTasks(page);
  if (process.env.BENCH_UI_FRAMES === "1") {
    const frames = (await takeFrames(page)) as { duration: number }[];
    frames.sort((a, b) => b.duration - a.duration);
    for (const f of frames.slice(0, 3)) console.log(`    arrival frame ${JSON.stringify(f)}`);
  }

  await page.waitForTimeout(IDLE_MS);
  const idle = await takeLongTasks(page);

  const clicks: AgentsResult["clicks"] = [];
  const targets = ["channel-raw", "channel-all", "channel-dm-Bench-Agent-0001", "channel-requests"];
  for (const id of targets) {
    const button = page.getByTestId(id);
    await button.waitFor({ timeout: 5_000 });
    await page.evaluate(() => ((window as unknown as { __events: unknown[] }).__events.length = 0));
    const label = id.startsWith("channel-dm-") ? id.slice("channel-dm-".length) : `#${id.slice(8)}`;
    const start = performance.now();
    await button.click();
    await page.waitForFunction(
      (l) => document.querySelector('[data-testid="channel-title"]')?.textContent === l,
      label,
      {
        polling: "raf",
      },
    );
    const titleMs = performance.now() - start;
    await page.waitForTimeout(300); // the event entry is reported after the next paint
    const event = await page.evaluate(() =>
      Math.max(
        0,
        ...(window as unknown as { __events: { name: string; duration: number }[] }).__events
          .filter((e) => ["click", "pointerdown", "pointerup", "mousedown", "mouseup"].includes(e.name))
          .map((e) => e.duration),
      ),
    );
    clicks.push({
      target: id,
      event_ms: event > 0 ? Math.round(event) : null,
      title_ms: Math.round(titleMs),
    });
  }
  const domNodes = await page.evaluate(() => document.getElementsByTagName("*").length);
  const heap = await heapAfterGc(cdp);
  pub.send({ cmd: "agents", count: 0, heartbeatMs: HEARTBEAT_MS });

  const result: AgentsResult = {
    agents: count,
    listed_ms: listedMs,
    arrival_max_long_task_ms: Math.round(Math.max(0, ...arrival)),
    idle_ms: IDLE_MS,
    idle_long_tasks: idle.length,
    idle_max_long_task_ms: Math.round(Math.max(0, ...idle)),
    clicks,
    max_click_ms: Math.max(0, ...clicks.map((c) => c.event_ms ?? 0)),
    dom_nodes: domNodes,
    heap_after_gc_mb: mb(heap),
  };
  console.log(
    `\n${count} agents: all listed after ${listedMs ?? "-"} ms (longest task meanwhile ${result.arrival_max_long_task_ms} ms); ` +
      `idle ${IDLE_MS / 1000} s: ${idle.length} long tasks, longest ${result.idle_max_long_task_ms} ms; ` +
      `clicks (event duration / until the title changed): ${clicks.map((c) => `${c.target.slice(8)} ${c.event_ms ?? "<16"}/${c.title_ms} ms`).join(", ")}; ` +
      `${domNodes} DOM elements, heap after GC ${result.heap_after_gc_mb} MB`,
  );
  return result;
}
