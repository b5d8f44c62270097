// Issue 12 in the page: a thread's timeline (one bar per agent turn, with what each cost), each
// agent's model use in the registry, and "Stop thread".
//
// The first tests compose the traffic (run reports, usage in presence) so every figure is known
// and checked exactly; the last ones ask the demo agents on the offline model (which says so),
// whose runtime writes the reports, and stop a thread with a slow answer in it.
// Screenshots go to /work/notes/screens/i12-*.png for people to look at.
import { mkdirSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "@playwright/test";
import { compose, subjects, type AgentMessage, type RunReport, type UsageWindow } from "../lib/protocol";
import { expect, nonce, test, type Mesh } from "./fixtures";
import type { DashboardPage } from "./dashboard-page";

const SCREENS = "/work/notes/screens";
mkdirSync(SCREENS, { recursive: true });

async function shoot(page: Page, name: string, clip?: Locator): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForTimeout(200);
  const path = `${SCREENS}/${name}.png`;
  if (clip === undefined) await page.screenshot({ path });
  else await clip.screenshot({ path });
  await test.info().attach(name, { path, contentType: "image/png" });
}

/** axe-core (WCAG 2 A/AA) on the right-hand pane: the serious and critical findings, as lines. */
async function axe(page: Page, label: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).include("aside").withTags(["wcag2a", "wcag2aa"]).analyze();
  const all = result.violations.map(
    (v) => `${v.impact ?? "?"} ${v.id} x${v.nodes.length}: ${v.nodes[0]?.target.join(" ")}`,
  );
  await test.info().attach(`axe-${label}.txt`, { body: all.join("\n") || "no violations" });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id} x${v.nodes.length}: ${v.nodes[0]?.target.join(" ")}`);
}

function bars(d: DashboardPage): Locator {
  return d.threadPane.getByTestId("timeline-bar");
}

function bar(d: DashboardPage, agent: string): Locator {
  return d.threadPane.locator(`[data-testid="timeline-bar"][data-agent="${agent}"]`);
}

const at = <M extends AgentMessage>(m: M, t: number): M => ({ ...m, timestamp: new Date(t).toISOString() });

function report(t0: number, over: Partial<RunReport>): RunReport {
  return {
    startedAt: new Date(t0).toISOString(),
    ms: 1_000,
    modelCalls: 1,
    tokens: { in: 100, out: 10, estimated: false },
    tools: [],
    delegatedTo: [],
    spent: { modelCalls: 1, tokens: 110 },
    left: { modelCalls: 19, tokens: 49_890, wallMs: 59_000 },
    ...over,
  };
}

/** Presence for `name` as an agent in a process, with `usage` when given. */
async function announce(mesh: Mesh, root: string, name: string, usage?: UsageWindow): Promise<void> {
  const now = new Date().toISOString();
  const agent = {
    name,
    description: `Stand-in agent for the timeline e2e (${name})`,
    capabilities: ["testing"],
    tools: [],
    status: "online" as const,
    runtime: "process" as const,
    startedAt: now,
    lastSeen: now,
    heartbeatMs: 60_000,
    ...(usage === undefined ? {} : { usage }),
  };
  await mesh.publishRaw(
    subjects(root).presence(name, "process"),
    compose("presence", name, { content: "", agent }),
  );
}

/**
 * A delegation like the demo's, composed: TL-Asker asks TL-Coordinator, who hands the forecast to
 * TL-Weather and asks TL-Calc (whose token budget runs out); TL-Slow is still working.
 */
async function composedThread(mesh: Mesh, root: string, tag: string) {
  const s = subjects(root);
  const t0 = Date.now() - 4_000;
  const ask = compose("request", "TL-Asker", {
    to: "TL-Coordinator",
    content: `${tag} forecast and sum`,
    replyTo: "x",
  });
  ask.replyTo = s.response("TL-Asker", ask.id, "TL-Coordinator");
  const ack = compose(
    "ack",
    "TL-Coordinator",
    { to: "TL-Asker", content: "", inReplyTo: ask.id },
    { sameHopAs: ask },
  );
  const hand = compose(
    "handoff",
    "TL-Coordinator",
    {
      to: "TL-Weather",
      content: "",
      handoff: { task: "forecast for Oslo", progress: "", reason: "weather", data: {} },
    },
    { cause: ask },
  );
  hand.replyTo = s.response("TL-Coordinator", hand.id, "TL-Weather");
  const sum = compose(
    "request",
    "TL-Coordinator",
    { to: "TL-Calc", content: "2+2", replyTo: "x" },
    { cause: ask },
  );
  sum.replyTo = s.response("TL-Coordinator", sum.id, "TL-Calc");
  const calcAnswer = compose(
    "response",
    "TL-Calc",
    {
      to: "TL-Coordinator",
      content: "",
      inReplyTo: sum.id,
      status: "error",
      error: { code: "budget_exceeded", message: "the run used up its 2,000 tokens" },
    },
    {
      sameHopAs: sum,
      metadata: {
        run: report(t0 + 400, {
          tokens: { in: 1_900, out: 150, estimated: false },
          left: { modelCalls: 18, tokens: 0, wallMs: 50_000 },
          exceeded: "tokens",
        }),
      },
    },
  );
  const weatherAnswer = compose(
    "response",
    "TL-Weather",
    { to: "TL-Coordinator", content: "Forecast for Oslo: sunny", inReplyTo: hand.id, status: "ok" },
    {
      sameHopAs: hand,
      metadata: {
        run: report(t0 + 300, {
          modelCalls: 2,
          tokens: { in: 1_234, out: 56, estimated: true },
          tools: ["get_weather"],
          left: { modelCalls: 16, tokens: 46_000, wallMs: 55_000 },
        }),
      },
    },
  );
  const final = compose(
    "response",
    "TL-Coordinator",
    {
      to: "TL-Asker",
      content: "Forecast for Oslo: sunny; the sum ran out of budget",
      inReplyTo: ask.id,
      status: "ok",
    },
    {
      sameHopAs: ask,
      metadata: {
        run: report(t0, {
          modelCalls: 3,
          tokens: { in: 3_000, out: 420, estimated: false },
          costUsd: 0.0042,
          delegatedTo: ["TL-Weather", "TL-Calc"],
          spent: { modelCalls: 6, tokens: 6_760 },
          left: { modelCalls: 14, tokens: 43_240, wallMs: 56_000 },
        }),
      },
    },
  );
  const slow = compose(
    "request",
    "TL-Asker",
    { to: "TL-Slow", content: `${tag} take your time`, replyTo: "x" },
    { threadId: ask.threadId },
  );
  slow.replyTo = s.response("TL-Asker", slow.id, "TL-Slow");
  const slowAck = compose(
    "ack",
    "TL-Slow",
    { to: "TL-Asker", content: "", inReplyTo: slow.id },
    { sameHopAs: slow },
  );
  const plan: [AgentMessage, string, number][] = [
    [ask, s.request("TL-Coordinator", "TL-Asker"), 0],
    [ack, s.response("TL-Asker", ask.id, "TL-Coordinator"), 50],
    [hand, s.handoff("TL-Coordinator", "TL-Weather"), 300],
    [sum, s.request("TL-Calc", "TL-Coordinator"), 400],
    [calcAnswer, s.response("TL-Coordinator", sum.id, "TL-Calc"), 900],
    [weatherAnswer, s.response("TL-Coordinator", hand.id, "TL-Weather"), 2_600],
    [final, s.response("TL-Asker", ask.id, "TL-Coordinator"), 2_900],
    [slow, s.request("TL-Slow", "TL-Asker"), 3_000],
    [slowAck, s.response("TL-Asker", slow.id, "TL-Slow"), 3_050],
  ];
  for (const [m, subject, dt] of plan) await mesh.publishRaw(subject, at(m, t0 + dt));
  return { ask, t0 };
}

test("the timeline draws each turn from its run report, and the registry each agent's usage", async ({
  dashboard,
  mesh,
  stack,
  page,
}) => {
  const tag = `tl-${nonce()}`;
  await dashboard.open();
  for (const name of ["TL-Coordinator", "TL-Calc", "TL-Slow"]) await announce(mesh, stack.root, name);
  await announce(mesh, stack.root, "TL-Weather", {
    windowMs: 3_600_000,
    modelCalls: 12,
    tokensIn: 30_000,
    tokensOut: 4_567,
    estimated: true,
    costUsd: 0.02,
  });
  await composedThread(mesh, stack.root, tag);

  await test.step("the registry shows the usage an agent reports, and nothing for one that reports none", async () => {
    await expect(dashboard.agent("TL-Weather").getByTestId("agent-usage")).toHaveText(
      "12 calls · ~34.5k tok · $0.02 /1h",
    );
    await expect(dashboard.agent("TL-Weather").getByTestId("agent-usage")).toHaveAttribute(
      "title",
      "12 model calls, 30k tokens in, 4.5k out (estimated), $0.02 in the last 1h",
    );
    await expect(dashboard.agent("TL-Calc")).toBeVisible();
    await expect(dashboard.agent("TL-Calc").getByTestId("agent-usage")).toHaveCount(0);
    await shoot(page, "i12-registry-usage", dashboard.registry);
  });

  await dashboard.openChannel("requests");
  await dashboard.act(dashboard.messages({ type: "request", text: `${tag} forecast and sum` }), "thread");
  await expect(bars(dashboard)).toHaveCount(4);

  await test.step("one bar per turn, in order, each with its status and figures", async () => {
    await expect
      .poll(() => bars(dashboard).evaluateAll((els) => els.map((e) => e.getAttribute("data-agent"))))
      .toEqual(["TL-Coordinator", "TL-Weather", "TL-Calc", "TL-Slow"]);
    const coordinator = bar(dashboard, "TL-Coordinator");
    await expect(coordinator).toHaveAttribute("data-status", "done");
    await expect(coordinator).toHaveAttribute("data-ms", "2900");
    await expect(coordinator).toHaveAttribute("data-model-calls", "3");
    await expect(coordinator).toContainText("2.9 s");
    await expect(coordinator.getByTestId("timeline-figures")).toHaveText(
      "3 calls · 3k in / 420 out tok · $0.0042 · → TL-Weather, TL-Calc · left 14 calls · 43.2k tok · 56 s",
    );
    const weather = bar(dashboard, "TL-Weather");
    await expect(weather).toHaveAttribute("data-status", "done");
    await expect(weather).toHaveAttribute(
      "aria-label",
      /^TL-Weather: done; started 300 ms into the thread; took 2\.3 s; asked by TL-Coordinator \(handoff\); 2 model calls; 1\.2k tokens in, 56 out \(estimated\); tools get_weather;/,
    );
    await expect(weather.getByTestId("timeline-figures")).toContainText("~1.2k in / ~56 out tok");
    const calc = bar(dashboard, "TL-Calc");
    await expect(calc).toHaveAttribute("data-status", "budget_exceeded");
    await expect(calc).toContainText("budget exceeded (tokens)");
    await expect(calc.getByTestId("timeline-figures")).toContainText("left 18 calls · 0 tok · 50 s");
  });

  await test.step("a turn with no answer yet runs, and its bar grows", async () => {
    const slow = bar(dashboard, "TL-Slow");
    await expect(slow).toHaveAttribute("data-status", "running");
    await expect(slow).toContainText("running");
    const before = Number(await slow.getAttribute("data-ms"));
    await expect
      .poll(async () => Number(await slow.getAttribute("data-ms")), { timeout: 5_000 })
      .toBeGreaterThan(before + 900);
    await expect(dashboard.threadPane.getByTestId("timeline")).toHaveAttribute("data-running", "true");
  });

  for (const theme of ["light", "dark"] as const) {
    await dashboard.setTheme(theme);
    await shoot(page, `i12-timeline-${theme}`);
    expect.soft(await axe(page, `timeline-${theme}`), `axe, ${theme}`).toEqual([]);
  }
  await dashboard.setTheme("light");
});

test("Stop thread asks first, then sends the stop, which shows in the thread and #all", async ({
  dashboard,
  mesh,
  stack,
  page,
}) => {
  const tag = `stop-${nonce()}`;
  await dashboard.open();
  for (const name of ["TL-Coordinator", "TL-Calc", "TL-Slow", "TL-Weather"])
    await announce(mesh, stack.root, name);
  const { ask } = await composedThread(mesh, stack.root, tag);
  const observer = await mesh.connection("stop-observer");
  const stops: string[] = [];
  observer.subscribe(subjects(stack.root).wildcards.stops, {
    callback: (_e, m) => void stops.push(m.string()),
  });
  await observer.flush();

  await dashboard.openChannel("requests");
  await dashboard.act(dashboard.messages({ type: "request", text: `${tag} forecast and sum` }), "thread");
  await dashboard.threadPane.getByTestId("stop-thread").click();
  await test.step("a second thought: Keep going sends nothing", async () => {
    await dashboard.threadPane.getByTestId("stop-thread-keep").click();
    await expect(dashboard.threadPane.getByTestId("stop-thread-confirm")).toHaveCount(0);
    await page.waitForTimeout(300);
    expect(stops).toEqual([]);
  });

  await dashboard.threadPane.getByTestId("stop-thread").click();
  await dashboard.threadPane.getByTestId("stop-reason").fill(`enough (${tag})`);
  await shoot(page, "i12-stop-confirm", dashboard.threadPane);
  expect.soft(await axe(page, "stop-confirm"), "axe on the confirm step").toEqual([]);
  await dashboard.threadPane.getByTestId("stop-thread-confirm").click();
  await expect(dashboard.threadPane.getByTestId("stop-thread-status")).toHaveAttribute("data-state", "sent");

  const line = dashboard.threadItems({ type: "stop" });
  await expect(line).toHaveCount(1);
  await expect(line).toContainText(/you-[A-Za-z0-9]+ stopped this thread: enough/);
  await expect(dashboard.threadPane.getByTestId("timeline-stop")).toContainText("stopped by you-");
  await expect.poll(() => stops.length).toBe(1);
  const sent = JSON.parse(stops[0]!) as AgentMessage;
  expect(sent).toMatchObject({ type: "stop", threadId: ask.threadId, content: `enough (${tag})` });
  expect(sent.from).toMatch(/^you-/);

  await dashboard.openChannel("all");
  const inAll = dashboard.messages({ type: "stop", text: tag });
  await expect(inAll).toHaveCount(1);
  await expect(inAll).toContainText(`stopped thread …${ask.threadId.slice(-6)}: enough (${tag})`);
});

test("asked through Task-Coordinator, each agent's turn shows what its run cost, and the registry its usage", async ({
  dashboard,
  page,
}) => {
  await dashboard.open();
  await dashboard.expectAgent("Task-Coordinator", "online");
  await dashboard.expectAgent("Weather-Bot", "online");
  const question = `What's the weather in Oslo tomorrow? (e2e ${nonce()})`;
  await dashboard.send({ kind: "request", target: "Task-Coordinator", text: question });
  await expect(dashboard.composer.result).toHaveAttribute("data-state", "ok", { timeout: 30_000 });

  await dashboard.openChannel("requests");
  await dashboard.act(dashboard.messages({ type: "request", text: question }), "thread");
  const coordinator = bar(dashboard, "Task-Coordinator");
  const weather = bar(dashboard, "Weather-Bot");
  await expect(coordinator).toHaveAttribute("data-status", "done");
  await expect(weather).toHaveAttribute("data-status", "done");
  for (const b of [coordinator, weather]) {
    // Each turn has a duration, at least one model call and some tokens, from its run report.
    await expect(b).toHaveAttribute("data-ms", /^\d+$/);
    expect(Number(await b.getAttribute("data-model-calls"))).toBeGreaterThanOrEqual(1);
    expect(Number(await b.getAttribute("data-tokens"))).toBeGreaterThan(0);
    await expect(b).toHaveAttribute(
      "aria-label",
      /; took \d[^;]*; .*\d+ model calls?; .*tokens in, .*budget left: /,
    );
  }
  await expect(weather.getByTestId("timeline-figures")).toContainText("tools get_weather");
  await expect(weather).toHaveAttribute("aria-label", /asked by Task-Coordinator \(handoff\)/);
  await expect(coordinator.getByTestId("timeline-figures")).toContainText("→ Weather-Bot");
  // The handoff starts inside the coordinator's turn and ends before it.
  const start = async (b: Locator) =>
    Number(/started (\d+) ms/.exec((await b.getAttribute("aria-label")) ?? "")?.[1] ?? NaN);
  expect(await start(coordinator)).toBe(0);
  expect(Number(await weather.getAttribute("data-ms"))).toBeLessThanOrEqual(
    Number(await coordinator.getAttribute("data-ms")),
  );
  await shoot(page, "i12-timeline-demo");

  await test.step("the registry shows Weather-Bot's model use over the last hour", async () => {
    await dashboard.threadPane.getByRole("button", { name: "close" }).click();
    const usage = dashboard.agent("Weather-Bot").getByTestId("agent-usage");
    await expect(usage).toHaveText(/^\d+ calls? · ~?[\d.]+k? tok( · \$[\d.]+)? \/1h$/);
    const calls = Number(/^(\d+)/.exec((await usage.textContent()) ?? "")?.[1]);
    expect(calls).toBeGreaterThanOrEqual(1);
    await shoot(page, "i12-registry-demo", dashboard.registry);
  });
});

test("Stop thread cancels a slow answer: the task, its row and its bar say canceled", async ({
  dashboard,
  stack,
  page,
}) => {
  await dashboard.open();
  await dashboard.expectAgent("General-Assistant", "online");
  // 300 ms between streamed chunks: the long answer takes ~20 s, time enough to stop it.
  stack.model.setMode("slow-stream");
  try {
    const question = `#stream-long tell me everything (e2e ${nonce()})`;
    await dashboard.send({ kind: "request", target: "General-Assistant", text: question });
    await dashboard.openChannel("requests");
    const row = dashboard.messages({ type: "request", text: question });
    await expect(row.getByTestId("thread-stream")).toBeVisible({ timeout: 15_000 }); // it is answering
    await dashboard.act(row, "thread");
    const b = bar(dashboard, "General-Assistant");
    await expect(b).toHaveAttribute("data-status", "running");

    await dashboard.threadPane.getByTestId("stop-thread").click();
    await dashboard.threadPane.getByTestId("stop-reason").fill("that is enough");
    await dashboard.threadPane.getByTestId("stop-thread-confirm").click();

    await expect(b).toHaveAttribute("data-status", "canceled", { timeout: 5_000 });
    await expect(b).toContainText("canceled");
    await expect(dashboard.composer.result).toHaveAttribute("data-state", "canceled");
    await expect(dashboard.composer.result).toContainText("General-Assistant answered canceled");
    await expect(row.getByTestId("task-state")).toHaveAttribute("data-state", "canceled");
    await expect(row.getByTestId("task-state")).toContainText("canceled by General-Assistant");
    const answer = dashboard.threadItems({ type: "response" });
    await expect(answer.getByTestId("response-status")).toHaveAttribute("data-status", "canceled");
    await expect(answer).toContainText("stopped the thread: that is enough");
    await expect(dashboard.threadItems({ type: "stop" })).toContainText(
      "stopped this thread: that is enough",
    );
    await shoot(page, "i12-stopped");
  } finally {
    stack.model.setMode("ok");
  }
});
