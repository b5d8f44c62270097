// `npm run bench:ui`: how much live traffic the dashboard keeps up with. Starts nats-server and
// `next start` (no agents; needs `next build` first), opens the page in Chromium on #raw, and has
// a separate publisher process (bench/ui-publisher.ts) send valid ~500-byte envelopes at rising
// rates, 4 s each. A rate is sustained when the publisher reached it, the page decoded every
// message into its store (window.__switchboard.received) within 2 s of the step's end, and the
// backlog never exceeded 1 s of traffic. Whether the list then shows the newest message (it
// sticks to the bottom) is measured and reported ("shown"), but does not decide "sustained"
// unless BENCH_UI_STRICT=1. Stops at the first rate not sustained. Prints a table, then one JSON
// line (the last line).
import { fork, type ChildProcess } from "node:child_process";
import { chromium, type Page } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../e2e/chromium";
import { startNext, type NextServer } from "../e2e/stack";
import { startNatsServer, type NatsServerHandle } from "../test/harness/nats-server";

const RATES = (process.env.BENCH_UI_RATES ?? "1000,2000,5000,10000,15000,20000,30000")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const STEP_MS = Number(process.env.BENCH_UI_STEP_MS ?? 4_000);
const CATCH_UP_MS = 2_000;
const SAMPLE_MS = 100;
const MAX_LAG_S = 1; // backlog bound, in seconds of traffic
const MIN_ACHIEVED = 0.95; // of the target rate, or the publisher (not the page) is the limit
const PAUSE_MS = 1_000;
const STRICT = process.env.BENCH_UI_STRICT === "1";

interface Probe {
  received: number;
  rendered: number;
  rejected: number;
  status: string;
}
interface Sample {
  probe: Probe;
  heap: number;
}
interface PublisherDone {
  done: true;
  sent: number;
  elapsedMs: number;
  lateMs: number;
  bytes: number;
  lastId: string;
}
interface RateResult {
  rate: number;
  sent: number;
  achieved_per_s: number;
  received: number;
  /** Messages kept in the store (window.__switchboard.rendered; bounded by the retention). */
  retained: number;
  rejected: number;
  catch_up_ms: number | null;
  /** From the step's end until the newest message's row is in the list's DOM. */
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

let nats: NatsServerHandle | undefined;
let next: NextServer | undefined;
let publisher: ChildProcess | undefined;
let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
const results: RateResult[] = [];

try {
  nats = await startNatsServer({ jetstream: false });
  next = await startNext({ wsUrl: nats.wsUrl, natsUrl: nats.url });
  publisher = fork(new URL("./ui-publisher.ts", import.meta.url).pathname, [nats.url], {
    execArgv: ["--import", "tsx"],
  });
  const ready = (await nextMessage(publisher, (m) => "ready" in m, 15_000)) as { messageBytes: number };

  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, "--enable-precise-memory-info", "--js-flags=--expose-gc"],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  let pageErrors = 0;
  page.on("pageerror", (e) => {
    if (++pageErrors <= 5) console.error(`[page error] ${e.message}`);
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      }).observe({ type: "longtask", buffered: true });
    } catch {
      // no Long Tasks API: reported as 0
    }
  });
  await page.goto(next.baseURL);
  await page.getByTestId("connection-status").and(page.locator('[data-status="connected"]')).waitFor({
    timeout: 15_000,
  });
  await page.getByTestId("channel-raw").click();
  await page.getByTestId("message-list").waitFor({ state: "visible" });
  await page.waitForFunction(() => "__switchboard" in window, undefined, { timeout: 10_000 });

  console.log(
    `UI bench: ${next.baseURL} on #raw, envelopes of ${ready.messageBytes} B, ${STEP_MS / 1000} s per rate, ` +
      `sustained = all received within ${CATCH_UP_MS / 1000} s and backlog <= ${MAX_LAG_S} s`,
  );
  await page.waitForTimeout(1_000);

  for (const rate of RATES) {
    const r = await step(page, publisher, rate);
    results.push(r);
    printRow(r, results.length === 1);
    if (!r.sustained) break;
    await page.waitForTimeout(PAUSE_MS);
  }
  if (pageErrors > 0) console.log(`page errors: ${pageErrors}`);

  const sustained = results.filter((r) => r.sustained);
  const summary = {
    sustained_msgs_per_s: sustained.at(-1)?.rate ?? 0,
    max_long_task_ms: round(Math.max(0, ...sustained.map((r) => r.max_long_task_ms))),
    heap_mb: round(Math.max(0, ...sustained.map((r) => r.heap_after_gc_mb))),
    message_bytes: ready.messageBytes,
    step_ms: STEP_MS,
    rates: results,
  };
  console.log("");
  console.log(JSON.stringify(summary));
} finally {
  await browser?.close().catch(() => {});
  if (publisher && publisher.exitCode === null) {
    publisher.send({ cmd: "stop" });
    const p = publisher;
    await Promise.race([new Promise((r) => p.once("exit", r)), sleep(2_000)]);
    p.kill("SIGKILL");
  }
  await next?.process.stop();
  await nats?.stop();
}

async function step(page: Page, pub: ChildProcess, rate: number): Promise<RateResult> {
  await page.evaluate(() => {
    (window as unknown as { gc?: () => void }).gc?.();
    (window as unknown as { __longTasks: number[] }).__longTasks.length = 0;
  });
  const base = (await sample(page)).probe;
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
  pub.send({ cmd: "run", rate, durationMs: STEP_MS });

  let maxLag = 0;
  let maxProbeMs = 0;
  let heapPeak = 0;
  let last = base;
  try {
    for (;;) {
      const t0 = performance.now();
      const sentBefore = published; // what had been published when we asked the page
      const s = await sample(page);
      maxProbeMs = Math.max(maxProbeMs, performance.now() - t0);
      last = s.probe;
      heapPeak = Math.max(heapPeak, s.heap);
      const got = s.probe.received - base.received;
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
  if (!doneMsg) {
    // The publisher failed mid-step: there is nothing to measure.
    throw new Error(`publisher failed at ${rate} msg/s: ${failed ?? "no answer"}`);
  }
  // The list sticks to the bottom: the newest message's row must be on screen.
  let shownAt: number | undefined;
  if (endedAt !== undefined) {
    const left = Math.max(0, endedAt + CATCH_UP_MS - performance.now());
    const row = page.locator(
      `[data-testid="message-list"] [data-testid="message"][data-id="${doneMsg.lastId}"]`,
    );
    shownAt = await row.waitFor({ state: "attached", timeout: Math.max(1, left) }).then(
      () => performance.now(),
      () => undefined,
    );
  }
  const longTasks = await page.evaluate(() =>
    (window as unknown as { __longTasks: number[] }).__longTasks.slice(),
  );
  const heapAfterGc = await page.evaluate(() => {
    (window as unknown as { gc?: () => void }).gc?.();
    return (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
  });

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
  if (shownAt === undefined && STRICT) problems.push(notShown);
  if (maxLag > rate * MAX_LAG_S) problems.push(`backlog ${maxLag} msgs (${Math.round(maxLagMs)} ms)`);
  if (last.rejected > base.rejected) problems.push(`${last.rejected - base.rejected} rejected`);
  return {
    rate,
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
    heap_peak_mb: round(Math.max(heapPeak, heapAfterGc) / 2 ** 20),
    heap_after_gc_mb: round(heapAfterGc / 2 ** 20),
    sustained: problems.length === 0,
    why: [...problems, ...(shownAt === undefined && !STRICT ? [`(warning: ${notShown})`] : [])].join("; "),
  };
}

async function sample(page: Page): Promise<Sample> {
  return page.evaluate(() => {
    const w = window as unknown as { __switchboard?: Probe };
    const p = w.__switchboard ?? { received: 0, rendered: 0, rejected: 0, status: "missing" };
    const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return {
      probe: { received: p.received, rendered: p.rendered, rejected: p.rejected, status: p.status },
      heap: memory?.usedJSHeapSize ?? 0,
    };
  });
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
    ["probe", 7],
    ["long tasks", 11],
    ["max LT", 8],
    ["heap MB", 13],
    ["sustained", 0],
  ];
  if (header) console.log(cols.map(([h, w]) => h.padEnd(w)).join(""));
  const cells = [
    String(r.rate),
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

function nextMessage(child: ChildProcess, match: (m: Record<string, unknown>) => boolean, timeoutMs: number) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off("message", on);
      reject(new Error(`no message from the publisher within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (m: unknown) => {
      if (typeof m === "object" && m !== null && match(m as Record<string, unknown>)) {
        clearTimeout(timer);
        child.off("message", on);
        resolve(m as Record<string, unknown>);
      }
    };
    child.on("message", on);
    child.once("exit", (code) => reject(new Error(`publisher exited (code ${code})`)));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
