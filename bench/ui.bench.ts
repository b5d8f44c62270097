// `npm run bench:ui`: how much live traffic the dashboard keeps up with, as a share of what the
// browser itself can take in. Starts nats-server and `next start` (no agents; needs `next build`
// first) and a separate publisher process (bench/ui-publisher.ts) that sends valid ~500-byte
// envelopes at rising rates. Authentication is on, as under `npm start`: the WebSocket admits the
// two pages' origins only, the browser logs in once with the dashboard's token, and every
// connection has its own credential. Per round, interleaved:
//   1. ceiling: a bare page served from 127.0.0.1 with the same client (bench/ui/ceiling-page.ts:
//      `wsconnect`, one subscription to `{root}.>`, JSON.parse per message, nothing else);
//   2. dashboard: the real page on #raw, the list visible and following the newest message.
// Both climb the same ladder (bench/ui/ladder.ts says what "sustained" means) and the table shows
// both and their ratio. Then, unless left out with --phases:
//   agents: 1,000 agents announced from Node; the idle page's long tasks and a channel click
//   (bench/ui/agents.ts);  memory (opt-in): 200 MB of mixed messages, heap after GC
//   (bench/ui/memory.ts);  profile (opt-in): a CPU profile of the dashboard at a fixed rate,
//   self time per function (bench/ui/profile.ts; build with `next build --no-mangling` to read
//   names: `npm run bench:ui:profile`).
// Options: --phases=ceiling,dashboard,agents[,memory][,profile]  --rounds=N  --profile-rate=N
// Env: BENCH_UI_RATES, BENCH_UI_STEP_MS, BENCH_UI_STRICT=0 (newest row not shown is a warning),
// BENCH_UI_RETRIES, BENCH_UI_AGENTS, BENCH_UI_MEMORY_MB. The last line is one JSON object.
import { fork, type ChildProcess } from "node:child_process";
import { chromium, type Browser, type CDPSession, type Page } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../e2e/chromium";
import { signIn, type StorageState } from "../e2e/sign-in";
import { dashboardToken, freePort, REPO_ROOT, startNext, type NextServer } from "../e2e/stack";
import { prepareIdentity } from "../scripts/identity";
import { startNatsServer, type NatsServerHandle } from "../test/harness/nats-server";
import { measureAgents, type AgentsResult } from "./ui/agents";
import { openCeiling, serveCeiling, type CeilingServer } from "./ui/ceiling";
import { best, observeLongTasks, runLadder, type RateResult } from "./ui/ladder";
import { measureMemory, type MemoryResult } from "./ui/memory";
import { printProfile, profileAt } from "./ui/profile";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const PHASES = new Set((arg("phases") ?? "ceiling,dashboard,agents").split(","));
const ROUNDS = Math.max(1, Number(arg("rounds") ?? 1));
const PROFILE_RATE = Number(arg("profile-rate") ?? 2_000);
const RATES = (
  process.env.BENCH_UI_RATES ??
  "1000,2000,4000,6000,8000,10000,12000,14000,16000,18000,20000,22000,24000,27000,30000,33000,36000,40000,44000,48000,53000,58000,64000,70000"
)
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const STEP_MS = Number(process.env.BENCH_UI_STEP_MS ?? 4_000);
const STRICT = process.env.BENCH_UI_STRICT !== "0";
const RETRIES = Number(process.env.BENCH_UI_RETRIES ?? 1);
const AGENTS = Number(process.env.BENCH_UI_AGENTS ?? 1_000);
const MEMORY_MB = Number(process.env.BENCH_UI_MEMORY_MB ?? 200);

interface Round {
  ceiling: RateResult[];
  dashboard: RateResult[];
}

let nats: NatsServerHandle | undefined;
let next: NextServer | undefined;
let publisher: ChildProcess | undefined;
let browser: Browser | undefined;
let ceiling: CeilingServer | undefined;
/** The dashboard's login, made once (the token works once). */
let session: StorageState | undefined;

try {
  // Both pages' origins must be known before the NATS server starts: it admits only those. The
  // ceiling page is served as `localhost`: nats-server keeps one allowed origin per host name (a
  // second port for 127.0.0.1 replaced the first, and the dashboard's socket got 403).
  const nextPort = await freePort();
  const ceilingPort = await freePort();
  nats = await startNatsServer({
    jetstream: false,
    allowedOrigins: [`http://127.0.0.1:${nextPort}`, `http://localhost:${ceilingPort}`],
  });
  await prepareIdentity(nats.dataDir, "agents");
  const token = dashboardToken();
  next = await startNext({
    port: nextPort,
    dataDir: nats.dataDir,
    dashboardToken: token,
    wsUrl: nats.wsUrl,
    natsUrl: nats.url,
  });
  publisher = fork(new URL("./ui-publisher.ts", import.meta.url).pathname, [nats.url, nats.dataDir], {
    execArgv: ["--import", "tsx"],
  });
  const ready = (await nextMessage(publisher, (m) => "ready" in m, 15_000)) as { messageBytes: number };
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, "--enable-precise-memory-info"],
  });
  session = await signIn(browser, next.baseURL, token);
  console.log(
    `UI bench: envelopes of ${ready.messageBytes} B, ${STEP_MS / 1000} s per rate, ${ROUNDS} round(s); ` +
      `sustained = all received within 2 s, backlog <= 1 s` +
      (STRICT ? ", and (dashboard) the newest row on screen" : ""),
  );

  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const round: Round = { ceiling: [], dashboard: [] };
    if (PHASES.has("ceiling")) {
      const { page, cdp } = await newPage(browser);
      ceiling ??= await serveCeiling({
        wsUrl: nats.wsUrl,
        root: "agents",
        creds: await nats.credentials({ role: "person", name: "ui-bench-ceiling" }),
        port: ceilingPort,
      });
      await openCeiling(page, ceiling);
      round.ceiling = await runLadder(
        page,
        cdp,
        publisher,
        ladder(`ceiling (bare page), round ${i + 1}`, false),
      );
      await page.close();
    }
    if (PHASES.has("dashboard")) {
      const { page, cdp } = await openDashboard(browser, next.baseURL);
      round.dashboard = await runLadder(
        page,
        cdp,
        publisher,
        ladder(`dashboard on #raw, round ${i + 1}`, true),
      );
      await page.close();
    }
    rounds.push(round);
  }

  let profile: Awaited<ReturnType<typeof profileAt>> | undefined;
  if (PHASES.has("profile")) {
    const { page, cdp } = await openDashboard(browser, next.baseURL);
    await page.waitForTimeout(1_000);
    profile = await profileAt(
      cdp,
      publisher,
      PROFILE_RATE,
      5_000,
      `${REPO_ROOT}.prof/dashboard-${PROFILE_RATE}.cpuprofile`,
    );
    printProfile(`CPU profile of the dashboard on #raw at ${PROFILE_RATE} msg/s for 5 s`, profile);
    await page.close();
  }
  let agents: AgentsResult | undefined;
  if (PHASES.has("agents") && AGENTS > 0) {
    const { page, cdp } = await openDashboard(browser, next.baseURL, false);
    agents = await measureAgents(page, cdp, publisher, AGENTS);
    await page.close();
  }
  let memory: MemoryResult | undefined;
  if (PHASES.has("memory")) {
    const { page, cdp } = await openDashboard(browser, next.baseURL);
    memory = await measureMemory(page, cdp, publisher, MEMORY_MB);
    await page.close();
  }

  const perRound = rounds.map((r) => {
    const c = best(r.ceiling);
    const d = best(r.dashboard);
    // The highest rate sustained with no main-thread task over 50 ms.
    const clean = best(r.dashboard.filter((x) => x.max_long_task_ms <= 50));
    return {
      ceiling: c?.rate ?? 0,
      dashboard: d?.rate ?? 0,
      ratio: c && d ? d.rate / c.rate : 0,
      clean: clean?.rate ?? 0,
      cleanRatio: c && clean ? clean.rate / c.rate : 0,
      row: d,
    };
  });
  const median = <T>(xs: T[], f: (x: T) => number) => {
    const v = xs.map(f).sort((a, b) => a - b);
    return v.length === 0 ? 0 : v[Math.floor((v.length - 1) / 2)]!;
  };
  const ratio = median(perRound, (r) => r.ratio);
  const chosen = perRound.find((r) => r.ratio === ratio) ?? perRound[0];
  console.log("");
  for (const [i, r] of perRound.entries())
    console.log(
      `round ${i + 1}: ceiling ${r.ceiling} msg/s, dashboard ${r.dashboard} msg/s, ratio ${r.ratio.toFixed(2)}` +
        (r.row
          ? ` (max long task ${r.row.max_long_task_ms} ms, heap after GC ${r.row.heap_after_gc_mb} MB)`
          : "") +
        `; with no task over 50 ms: ${r.clean} msg/s, ratio ${r.cleanRatio.toFixed(2)}`,
    );
  const summary = {
    ceiling_msgs_per_s: median(perRound, (r) => r.ceiling),
    sustained_msgs_per_s: median(perRound, (r) => r.dashboard),
    sustained_ratio: round2(ratio),
    sustained_ratio_min: round2(Math.min(...perRound.map((r) => r.ratio))),
    sustained_ratio_max: round2(Math.max(...perRound.map((r) => r.ratio))),
    max_long_task_ms: chosen?.row?.max_long_task_ms ?? null,
    /** The highest rate sustained with no main-thread task over 50 ms, and its ratio (medians). */
    sustained_under_50ms_msgs_per_s: median(perRound, (r) => r.clean),
    sustained_under_50ms_ratio: round2(median(perRound, (r) => r.cleanRatio)),
    heap_after_gc_mb: chosen?.row?.heap_after_gc_mb ?? null,
    message_bytes: ready.messageBytes,
    step_ms: STEP_MS,
    strict: STRICT,
    agents: agents ?? null,
    memory: memory ?? null,
    profile: profile ?? null,
    rounds,
  };
  console.log("");
  console.log(JSON.stringify(summary));
} finally {
  await browser?.close().catch(() => {});
  if (publisher && publisher.exitCode === null) {
    publisher.send({ cmd: "stop" });
    const p = publisher;
    await Promise.race([new Promise((r) => p.once("exit", r)), new Promise((r) => setTimeout(r, 2_000))]);
    p.kill("SIGKILL");
  }
  await ceiling?.close();
  await next?.process.stop();
  await nats?.stop();
}

function ladder(label: string, dashboard: boolean) {
  return { label, rates: RATES, stepMs: STEP_MS, checkShown: dashboard, strict: STRICT, retries: RETRIES };
}

async function newPage(b: Browser): Promise<{ page: Page; cdp: CDPSession }> {
  const page = await b.newPage({
    viewport: { width: 1440, height: 900 },
    ...(session === undefined ? {} : { storageState: session }),
  });
  let errors = 0;
  page.on("pageerror", (e) => {
    if (++errors <= 5) console.error(`[page error] ${e.message}`);
  });
  await observeLongTasks(page);
  const cdp = await page.context().newCDPSession(page);
  return { page, cdp };
}

/** The dashboard, connected; on #raw with the list visible unless `raw` is false. */
async function openDashboard(
  b: Browser,
  baseURL: string,
  raw = true,
): Promise<{ page: Page; cdp: CDPSession }> {
  const { page, cdp } = await newPage(b);
  await page.goto(baseURL);
  await page
    .getByTestId("connection-status")
    .and(page.locator('[data-status="connected"]'))
    .waitFor({ timeout: 15_000 });
  if (raw) {
    await page.getByTestId("channel-raw").click();
    await page.getByTestId("message-list").waitFor({ state: "visible" });
  }
  await page.waitForFunction(() => "__switchboard" in window, undefined, { timeout: 10_000 });
  return { page, cdp };
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

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
