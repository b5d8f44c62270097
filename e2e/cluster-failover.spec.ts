// Issue 13: the dashboard on a three-node NATS cluster survives losing the node it is connected
// to. While numbers stream in, that node is SIGKILLed; the page reconnects to another node
// (NATS_WS_URL lists all three) and shows every number exactly once, as after a broker restart
// (history.spec.ts). The page cannot pin its WebSocket to a node (the client shuffles the list),
// so the test asks each node's monitoring endpoint which one holds the page's connection.
//
// Numbered traffic goes as direct messages to a sink that never answers (see history.spec.ts).
import type { NatsClusterHandle } from "../test/harness/nats-cluster";
import { expect, nonce, test } from "./fixtures";
import type { DashboardPage } from "./dashboard-page";

test.use({ natsCluster: true });

// The stack is the worker's: a node a test killed comes back for the next test on it.
test.afterEach(async ({ stack }) => {
  const cluster = stack.cluster!;
  for (const node of cluster.nodes) if (!(await up(node.monitorUrl))) await node.restart();
  await cluster.ready();
});

async function up(monitorUrl: string): Promise<boolean> {
  // Any answer: the process is up (healthz may say 503 while JetStream catches up).
  return fetch(`${monitorUrl}/varz`).then(
    (r) => r.ok,
    () => false,
  );
}

const pad = (i: number) => String(i).padStart(4, "0");
const COUNT = 300;

/** The node whose monitoring lists a connection named like the dashboard's; -1 when none does. */
async function dashboardNode(cluster: NatsClusterHandle, skip: number[] = []): Promise<number> {
  for (const [i, node] of cluster.nodes.entries()) {
    if (skip.includes(i)) continue;
    const res = await fetch(`${node.monitorUrl}/connz?subs=0&limit=1024`);
    const connz = (await res.json()) as { connections?: { name?: string }[] };
    if (connz.connections?.some((c) => c.name?.startsWith("switchboard-dashboard-"))) return i;
  }
  return -1;
}

async function held(d: DashboardPage, prefix: string): Promise<string[]> {
  return (await d.list()).map((m) => m.content).filter((c) => c.startsWith(prefix));
}

test("losing the page's node while numbers stream in: it reconnects to another, every number exactly once", async ({
  dashboard,
  mesh,
  stack,
  page,
}) => {
  test.setTimeout(120_000);
  const cluster = stack.cluster!;
  expect(stack.wsUrl.split(",")).toEqual(cluster.wsUrls); // node 0 first, then the others
  const tag = `failover-${nonce()}`;
  const l = await mesh.link("Failover-Counter");
  await mesh.link("Failover-Sink", { handlers: { direct: () => undefined } });
  await dashboard.open();
  await dashboard.openChannel("dm-Failover-Sink");
  await dashboard.expectHistoryRead();
  const before = await dashboardNode(cluster);
  expect(before, "the page's connection is on some node").toBeGreaterThanOrEqual(0);

  // Every change of the connection badge, timed in the page (a fast flip could fall between polls).
  await page.evaluate(() => {
    const badge = document.querySelector('[data-testid="connection-status"]')!;
    const seen: { status: string; at: number }[] = [];
    (window as unknown as { __badge: typeof seen }).__badge = seen;
    new MutationObserver(() =>
      seen.push({ status: badge.getAttribute("data-status") ?? "", at: Date.now() }),
    ).observe(badge, { attributes: true, attributeFilter: ["data-status"] });
  });
  const badge = () =>
    page.evaluate(() => (window as unknown as { __badge: { status: string; at: number }[] }).__badge);

  let sent = 0;
  const pump = (async () => {
    for (; sent < COUNT; sent++) {
      l.sendDirect("Failover-Sink", `${tag} #${pad(sent)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await expect.poll(() => sent, { timeout: 10_000 }).toBeGreaterThan(80);
  const killedAt = Date.now();
  const killedAtNumber = sent;
  await cluster.nodes[before]!.kill("SIGKILL");

  // The badge leaves "connected", then comes back to it, on another node.
  await expect
    .poll(async () => (await badge()).some((b) => b.status !== "connected"), { timeout: 20_000 })
    .toBe(true);
  await dashboard.expectConnection("connected", 20_000);
  const back = (await badge()).findLast((b) => b.status === "connected");
  expect(back).toBeDefined();
  const after = await dashboardNode(cluster, [before]);
  expect(after, "the page is connected to a node that is still up").toBeGreaterThanOrEqual(0);
  expect(after).not.toBe(before);
  await pump;

  // Every number exactly once (in the order the log stored them: a message re-sent from the
  // publisher's outbox may come after later ones, so compared sorted, as in history.spec.ts).
  const want = Array.from({ length: COUNT }, (_, i) => `${tag} #${pad(i)}`);
  await expect.poll(async () => (await held(dashboard, tag)).sort(), { timeout: 30_000 }).toEqual(want);
  const shown = await held(dashboard, tag);
  const outOfOrder = shown.filter((c, i) => c !== want[i]).length;
  console.log(
    `failover: node ${before} killed at number ${killedAtNumber}; the page was connected again on node ${after} ` +
      `${back!.at - killedAt} ms after the kill; ${shown.length} numbers, ${outOfOrder} out of order; ` +
      `badge: ${(await badge()).map((b) => `${b.status}@+${b.at - killedAt}ms`).join(", ")}`,
  );
});
