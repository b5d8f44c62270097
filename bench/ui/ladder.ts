// One page (the bare ceiling or the dashboard) fed by the publisher at rising rates, `stepMs`
// each. A rate is sustained when the publisher reached it, the page took in every message
// (window.__switchboard.received) within CATCH_UP_MS of the step's end, the backlog never exceeded
// MAX_LAG_S of traffic, and (the dashboard, unless strict is off) the newest message's row was on
// screen in the list by then. A rate that fails is tried `retries` more times (the machine is shared, one
// hiccup should not end the ladder); the ladder stops at the first rate that never passes.
import type { ChildProcess } from "node:child_process";
import type { CDPSession, Page } from "@playwright/test";

export const CATCH_UP_MS = 2_000;
export const MAX_LAG_S = 1;
const SAMPLE_MS = 100;
const MIN_ACHIEVED = 0.95; // of the target rate, or the publisher (not the page) is the limit
const PAUSE_MS = 1_000;

export interface Probe {
  received: number;
  rendered: number;
  rejected: number;
  status: string;
}

interface PublisherDone {
  done: true;
  sent: number;
  elapsedMs: number;
  lastId: string;
}

export interface RateResult {
  rate: number;
  attempt: number;
  sent: number;
  achieved_per_s: number;
  received: number;
  /** Messages the page keeps (the dashboard's store; bounded by its retention). */
  retained: number;
  rejected: number;
  catch_up_ms: number | null;
  /** From the step's end until the newest message's row is on screen in the list. */
  newest_shown_ms: number | null;
  max_lag_msgs: number;
  max_lag_ms: number;
  max_probe_ms: number;
  long_tasks: number;
  long_task_total_ms: number;
  max_long_task_ms: number;
  heap_peak_mb: number;
  heap_after_gc_mb: number;
  sustained: boolean;
  why: string;
}

export interface LadderOptions {
  readonly label: string;
  readonly rates: readonly number[];
  readonly stepMs: number;
  /** Check that the newest message's row is on screen in the list (the dashboard). */
  readonly checkShown: boolean;
  /** A newest row not shown fails the rate (otherwise it is a warning). */
  readonly strict: boolean;
  readonly retries: number;
}

/** Runs the ladder, printing a row per attempt; returns every attempt. */
export async function runLadder(
  page: Page,
  cdp: CDPSession,
  pub: ChildProcess,
  o: LadderOptions,
): Promise<RateResult[]> {
  const all: RateResult[] = [];
  console.log(`\n${o.label}`);
  for (const rate of o.rates) {
    let passed = false;
    for (let attempt = 1; attempt <= 1 + o.retries && !passed; attempt++) {
      const r = await step(page, cdp, pub, rate, attempt, o);
      all.push(r);
      printRow(r, all.length === 1);
      passed = r.sustained;
      await page.waitForTimeout(PAUSE_MS);
    }
    if (!passed) break;
  }
  return all;
}

/** The highest sustained rate and its row (the last passing attempt at that rate). */
export function best(results: readonly RateResult[]): RateResult | undefined {
  return results.filter((r) => r.sustained).at(-1);
}

export async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send("HeapProfiler.collectGarbage");
  return (await cdp.send("Runtime.getHeapUsage")).usedSize;
}

/** Long tasks since the last call (an init script's PerformanceObserver fills the list). */
export async function takeLongTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __longTasks?: number[] };
    const out = w.__longTasks?.slice() ?? [];
    if (w.__longTasks) w.__longTasks.length = 0;
    return out;
  });
}

/**
 * Installs the long-task observer in every document the page opens, and a long-animation-frame
 * one that keeps the worst frames with what ran in them (for BENCH_UI_FRAMES=1).
 */
export async function observeLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[]; __frames: unknown[] };
    w.__longTasks = [];
    w.__frames = [];
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      }).observe({ type: "longtask", buffered: true });
    } catch {
      // no Long Tasks API: reported as 0
    }
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as unknown as {
          duration: number;
          startTime: number;
          renderStart: number;
          styleAndLayoutStart: number;
          scripts: {
            invoker: string;
            sourceFunctionName: string;
            sourceURL: string;
            duration: number;
            forcedStyleAndLayoutDuration: number;
          }[];
        }[]) {
          if (e.duration < 50) continue;
          if (w.__frames.length > 50) w.__frames.shift();
          w.__frames.push({
            duration: Math.round(e.duration),
            render: Math.round(e.startTime + e.duration - e.renderStart),
            layout: Math.round(e.startTime + e.duration - e.styleAndLayoutStart),
            scripts: e.scripts.map((s) => ({
              what: `${s.invoker} ${s.sourceFunctionName}`.trim(),
              ms: Math.round(s.duration),
              forcedLayout: Math.round(s.forcedStyleAndLayoutDuration),
            })),
          });
        }
      }).observe({ type: "long-animation-frame", buffered: true });
    } catch {
      // no Long Animation Frames API
    }
  });
}

/** The worst animation frames since the last call (BENCH_UI_FRAMES=1 prints them). */
export async function takeFrames(page: Page): Promise<unknown[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __frames?: unknown[] };
    return w.__frames?.splice(0) ?? [];
  });
}

export function probe(page: Page): Promise<Probe> {
  return page.evaluate(() => {
    const w = window as unknown as { __switchboard?: Probe };
    const p = w.__switchboard ?? { received: 0, rendered: 0, rejected: 0, status: "missing" };
    return { received: p.received, rendered: p.rendered, rejected: p.rejected, status: p.status };
  });
}

async function step(
  page: Page,
  cdp: CDPSession,
  pub: ChildProcess,
  rate: number,
  attempt: number,
  o: LadderOptions,
): Promise<RateResult> {
  await heapAfterGc(cdp);
  // The forced GC is a long task of its own; its entry is delivered a little later, and must not
  // be counted in this step.
  await page.waitForTimeout(250);
  await takeLongTasks(page);
  await takeFrames(page);
  const base = await probe(page);
  let published = 0;
  let doneMsg: PublisherDone | undefined;
  let endedAt: number | undefined;
  let caughtUpAt: number | undefined;
  let failed: string | undefined;
  const onMessage = (raw: unknown) => {
    const m = raw as { progress?: number; done?: boolean; error?: string };
    if (typeof m.progress === "number") published = m.progress;
    if (m.done) {
      endedAt = performance.now();
      doneMsg = m as PublisherDone;
      published = doneMsg.sent;
    }
    if (m.error) failed = m.error;
  };
  pub.on("message", onMessage);
  pub.send({ cmd: "run", rate, durationMs: o.stepMs });

  let maxLag = 0;
  let maxProbeMs = 0;
  let heapPeak = 0;
  let last = base;
  try {
    for (;;) {
      const t0 = performance.now();
      const sentBefore = published; // what had been published when we asked the page
      const [p, heap] = await Promise.all([probe(page), cdp.send("Runtime.getHeapUsage")]);
      maxProbeMs = Math.max(maxProbeMs, performance.now() - t0);
      last = p;
      heapPeak = Math.max(heapPeak, heap.usedSize);
      const got = p.received - base.received;
      maxLag = Math.max(maxLag, sentBefore - got);
      if (failed) break;
      if (doneMsg) {
        if (got >= doneMsg.sent) {
          caughtUpAt = performance.now();
          break;
        }
        if (performance.now() - (endedAt ?? 0) > CATCH_UP_MS) break;
      }
      await sleep(SAMPLE_MS);
    }
  } finally {
    pub.off("message", onMessage);
  }
  if (!doneMsg) throw new Error(`publisher failed at ${rate} msg/s: ${failed ?? "no answer"}`);

  // The list sticks to the bottom: the newest message's row must be in it.
  let shownAt: number | undefined;
  if (o.checkShown && endedAt !== undefined) {
    // On screen, not merely in the DOM: the row's box overlaps the list's visible box.
    const left = Math.max(0, endedAt + CATCH_UP_MS - performance.now());
    shownAt = await page
      .waitForFunction(
        (id) => {
          const list = document.querySelector('[data-testid="message-list"]');
          const row = list?.querySelector(`[data-testid="message"][data-id="${id}"]`);
          if (!list || !row) return false;
          const l = list.getBoundingClientRect();
          const r = row.getBoundingClientRect();
          return r.bottom > l.top && r.top < l.bottom && r.height > 0;
        },
        doneMsg.lastId,
        { timeout: Math.max(1, left), polling: 50 },
      )
      .then(
        () => performance.now(),
        () => undefined,
      );
  }
  const longTasks = await takeLongTasks(page);
  if (process.env.BENCH_UI_FRAMES === "1") {
    const frames = (await takeFrames(page)) as { duration: number }[];
    frames.sort((a, b) => b.duration - a.duration);
    for (const f of frames.slice(0, 3)) console.log(`    frame ${JSON.stringify(f)}`);
  }
  const heapGc = await heapAfterGc(cdp);

  const received = last.received - base.received;
  const achieved = doneMsg.sent / (doneMsg.elapsedMs / 1000);
  const maxLagMs = (maxLag / rate) * 1000;
  const problems: string[] = [];
  if (achieved < rate * MIN_ACHIEVED) problems.push(`publisher reached only ${Math.round(achieved)} msg/s`);
  const catchUpMs = caughtUpAt !== undefined && endedAt !== undefined ? caughtUpAt - endedAt : undefined;
  if (catchUpMs !== undefined && catchUpMs > CATCH_UP_MS)
    problems.push(`caught up only after ${Math.round(catchUpMs)} ms`);
  if (received < doneMsg.sent)
    problems.push(`${doneMsg.sent - received} not received ${CATCH_UP_MS / 1000} s after the end`);
  const notShown = `newest message not on screen ${CATCH_UP_MS / 1000} s after the end`;
  const missing = o.checkShown && shownAt === undefined;
  if (missing && o.strict) problems.push(notShown);
  if (maxLag > rate * MAX_LAG_S) problems.push(`backlog ${maxLag} msgs (${Math.round(maxLagMs)} ms)`);
  if (last.rejected > base.rejected) problems.push(`${last.rejected - base.rejected} rejected`);
  return {
    rate,
    attempt,
    sent: doneMsg.sent,
    achieved_per_s: Math.round(achieved),
    received,
    retained: last.rendered,
    rejected: last.rejected - base.rejected,
    catch_up_ms: catchUpMs !== undefined ? Math.round(catchUpMs) : null,
    newest_shown_ms: shownAt !== undefined && endedAt !== undefined ? Math.round(shownAt - endedAt) : null,
    max_lag_msgs: Math.max(0, maxLag),
    max_lag_ms: Math.max(0, Math.round(maxLagMs)),
    max_probe_ms: Math.round(maxProbeMs),
    long_tasks: longTasks.length,
    long_task_total_ms: Math.round(longTasks.reduce((a, b) => a + b, 0)),
    max_long_task_ms: Math.round(Math.max(0, ...longTasks)),
    heap_peak_mb: mb(Math.max(heapPeak, heapGc)),
    heap_after_gc_mb: mb(heapGc),
    sustained: problems.length === 0,
    why: [...problems, ...(missing && !o.strict ? [`(warning: ${notShown})`] : [])].join("; "),
  };
}

function printRow(r: RateResult, header: boolean): void {
  const cols: [string, number][] = [
    ["rate/s", 8],
    ["sent", 8],
    ["achieved/s", 11],
    ["received", 9],
    ["retained", 9],
    ["catch-up", 9],
    ["shown", 9],
    ["max lag", 17],
    ["probe", 8],
    ["long tasks", 14],
    ["max LT", 8],
    ["heap MB", 13],
    ["sustained", 0],
  ];
  if (header) console.log(cols.map(([h, w]) => h.padEnd(w)).join(""));
  const cells = [
    r.attempt > 1 ? `${r.rate}'` : String(r.rate),
    String(r.sent),
    String(r.achieved_per_s),
    String(r.received),
    String(r.retained),
    r.catch_up_ms === null ? "-" : `${r.catch_up_ms} ms`,
    r.newest_shown_ms === null ? "-" : `${r.newest_shown_ms} ms`,
    `${r.max_lag_msgs} (${r.max_lag_ms} ms)`,
    `${r.max_probe_ms} ms`,
    `${r.long_tasks} (${r.long_task_total_ms} ms)`,
    `${r.max_long_task_ms} ms`,
    `${r.heap_after_gc_mb} / ${r.heap_peak_mb}`,
    r.sustained ? `yes${r.why === "" ? "" : ` ${r.why}`}` : `NO: ${r.why}`,
  ];
  console.log(cells.map((c, i) => c.padEnd(cols[i]![1])).join(""));
}

export function mb(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
