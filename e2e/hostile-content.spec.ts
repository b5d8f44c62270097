// Nothing a message carries can break the page. A table of hostile content, each kind published
// from Node as raw envelopes (no link, no presence) while TWO dashboards are open. After each
// item, both pages still answer: a click on a channel works and the next valid message shows;
// no "This page couldn't load", no row that failed to render (every item is caught by a limit
// before parsing), no dialog, no request to another host. On page A the hostile row shows what
// the table expects (Markdown, or plain text with the note naming the limit). At the end, the
// page that received every item still answers a request from the composer.
//
// Hostile broadcasts carry `hops: 1` (see `announce`): the demo agents leave them alone, so the
// test measures the page, not the offline model.
import {
  compose,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  subjects,
  type AgentMessage,
  type JsonObject,
} from "../lib/protocol";
import type { LimitKind } from "../components/markdown-limits";
import type { ChannelId } from "./dashboard-page";
import { DashboardPage } from "./dashboard-page";
import { expect, nonce, test } from "./fixtures";
import { announce, fill, hostileAgent, HOSTILE_TEXT, REMOTE, watchPage, type Sent } from "./hostile-payloads";

interface Hostile {
  readonly kind: string;
  /** What to publish; the last envelope is the row checked on page A. */
  build(root: string, tag: string): Sent[];
  /** The channel that row is in (default #all). */
  readonly channel?: ChannelId;
  /** How its content renders: Markdown, or plain text past this limit. */
  readonly content?: "markdown" | LimitKind;
  /** "show all" is offered (the message is longer than a row's preview). */
  readonly long?: boolean;
  /** More checks on page A. */
  check?(d: DashboardPage, last: AgentMessage): Promise<void>;
}

// A page that stopped answering fails its step in seconds, not at the test's timeout.
test.use({ actionTimeout: 15_000 });

const deepObject = (depth: number, leaf: JsonObject): JsonObject =>
  depth === 0 ? leaf : { [`level${depth}`]: deepObject(depth - 1, leaf) };

const ITEMS: Hostile[] = [
  {
    kind: "block quotes 500,000 deep",
    build: (root) => [announce(root, `${">".repeat(500_000)} deep`)],
    content: "blockDepth",
    long: true,
  },
  {
    kind: "lists 100,000 deep on one line, and ordered",
    build: (root) => [
      announce(root, `${"1. ".repeat(100_000)}x`),
      announce(root, `${"- ".repeat(100_000)}x`),
    ],
    content: "blockDepth",
    long: true,
  },
  {
    kind: "indented lists 600 deep",
    build: (root) => [
      announce(root, Array.from({ length: 600 }, (_, i) => `${"  ".repeat(i)}- level ${i}`).join("\n")),
    ],
    content: "blockDepth",
    long: true,
  },
  {
    kind: "emphasis, strong and strikethrough 50,000 deep",
    build: (root) => [
      announce(root, `${"~~a ".repeat(40_000)}x${" a~~".repeat(40_000)}`),
      announce(root, `${"*".repeat(300_000)}x${"*".repeat(300_000)}`),
      announce(root, `${"*a ".repeat(50_000)}x${" a*".repeat(50_000)}`),
    ],
    content: "inlineDepth",
    long: true,
  },
  {
    kind: "links and images nested 10,000 deep",
    build: (root) => [
      announce(root, `${"[".repeat(20_000)}x${`](http://${REMOTE}/)`.repeat(20_000)}`),
      announce(
        root,
        `${"[![".repeat(10_000)}x${`](http://${REMOTE}/i.png)](http://${REMOTE}/)`.repeat(10_000)}`,
      ),
    ],
    content: "inlineDepth",
    long: true,
  },
  {
    kind: "brackets 400,000 deep",
    build: (root) => [announce(root, `${"[".repeat(400_000)}x${"]".repeat(400_000)}`)],
    content: "inlineDepth",
    long: true,
  },
  {
    kind: "code fences in quotes and lists 3,000 deep, and a 300,000-backtick fence",
    build: (root) => [
      announce(root, `${"`".repeat(300_000)}\ncode\n${"`".repeat(300_000)}`),
      announce(root, `${"> - ".repeat(3_000)}\`\`\`\n${"> ".repeat(3_000)}code\n\`\`\``),
    ],
    content: "blockDepth",
    long: true,
  },
  {
    kind: "a table of 200 columns x 2,400 rows, and tables in quotes",
    build: (root) => [
      announce(
        root,
        `${"> ".repeat(200)}| a | b |\n${"> ".repeat(200)}|---|---|\n${"> ".repeat(200)}| 1 | 2 |`,
      ),
      announce(
        root,
        [
          `|${"h|".repeat(200)}`,
          `|${"-|".repeat(200)}`,
          ...Array.from({ length: 2_400 }, () => "|x".repeat(200)),
        ]
          .join("\n")
          .slice(0, MAX_MESSAGE_BYTES - 600),
      ),
    ],
    content: "cells",
    long: true,
  },
  {
    kind: "a single word of ~1 MiB",
    build: (root) => [announce(root, fill("A"))],
    content: "markdown",
    long: true,
    async check(d, last) {
      const row = d.messageById(last.id);
      await row.getByTestId("show-all").click();
      const content = d.content(row);
      await expect(content).toHaveAttribute("data-render", "plain");
      await expect(content.getByTestId("content-note")).toHaveAttribute("data-limit", "chars");
      // What the row does not show is one click away, in the inspector, bounded there too.
      await row.getByRole("button", { name: "all of it in the inspector" }).click();
      await expect(d.inspector).toBeVisible();
      await expect(d.page.getByTestId("inspector-show-all")).toBeVisible();
      await d.inspector.getByRole("button", { name: "close" }).click();
    },
  },
  {
    kind: "30,000 links",
    build: (root) => [announce(root, fill(`[a](http://${REMOTE}/) `))],
    content: "links",
    long: true,
  },
  {
    kind: "30,000 images",
    build: (root) => [announce(root, fill(`![](http://${REMOTE}/) `))],
    content: "images",
    long: true,
  },
  {
    kind: "400,000 lines",
    build: (root) => [announce(root, fill("x\n"))],
    content: "markdown",
    long: true,
    async check(d, last) {
      const row = d.messageById(last.id);
      await row.getByTestId("show-all").click();
      await expect(d.content(row).getByTestId("content-note")).toHaveAttribute("data-limit", "chars");
      await row.getByTestId("show-all").click(); // "show less"
    },
  },
  {
    kind: "zero-width and bidi controls in content",
    build: (root) => [announce(root, HOSTILE_TEXT)],
    content: "markdown",
    async check(d, last) {
      // The override is shown for what it is; the rest of the text reads as written.
      await expect(d.content(d.messageById(last.id))).toContainText(
        "Pay invoice ‹U+202E›fdp.exe‹U+202C› today",
      );
    },
  },
  {
    kind: "metadata with 40,000 keys",
    build: (root) => [
      announce(
        root,
        "many keys",
        "Mallory",
        Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`k${i}`, i])),
      ),
    ],
    content: "markdown",
    async check(d, last) {
      await d.act(d.messageById(last.id), "inspect");
      await expect(d.inspectorJson).toContainText('"k0": 0');
      await expect(d.page.getByTestId("inspector-show-all")).toBeVisible();
      await d.inspector.getByRole("button", { name: "close" }).click();
    },
  },
  {
    kind: "metadata nested to the allowed depth with a 900 KB value",
    build: (root) => [
      announce(
        root,
        "deep metadata",
        "Mallory",
        deepObject(30, { leaf: `${HOSTILE_TEXT}${"v".repeat(900_000)}` }),
      ),
    ],
    content: "markdown",
    async check(d, last) {
      await d.act(d.messageById(last.id), "inspect");
      await expect(d.inspectorJson).toContainText('"level30"');
      await expect(d.inspectorJson).toContainText("\\u202e"); // bidi controls escaped in the raw JSON
      await d.inspector.getByRole("button", { name: "close" }).click();
    },
  },
  {
    kind: "a response with a 4,000-character error and a hostile error code",
    build: (root) => {
      const asked = announce(root, "question that gets a hostile answer");
      const q = asked.message as AgentMessage;
      const answer = compose(
        "response",
        "Mallory",
        {
          to: "Canary",
          inReplyTo: q.id,
          content: fill("error text ", 20_000),
          status: "error",
          error: { code: `\u202E${"x".repeat(62)}\u200B`, message: HOSTILE_TEXT.repeat(20).slice(0, 4_000) },
        },
        { threadId: q.threadId },
      );
      return [asked, { subject: subjects(root).response("Canary", q.id, "Mallory"), message: answer }];
    },
    content: "markdown",
    long: true,
    async check(d, last) {
      const error = d.messageById(last.id).getByTestId("error-message");
      await expect(error).toBeVisible();
      expect((await error.boundingBox())!.height).toBeLessThan(80); // three lines at most
      await expect(d.messageById(last.id)).toContainText("‹U+202E›");
    },
  },
  {
    kind: "a handoff whose task, progress and reason are 300 KB each",
    build: (root) => {
      const big = `${HOSTILE_TEXT}\n${"t".repeat(300_000)}`;
      const m = compose("handoff", "Mallory", {
        to: "Nobody",
        content: "take over",
        handoff: { task: big, progress: big, reason: big, data: {} },
      });
      return [{ subject: subjects(root).handoff("Mallory", "Nobody"), message: m }];
    },
    channel: "handoffs",
    content: "markdown",
    async check(d, last) {
      const context = d.messageById(last.id).getByTestId("handoff-context");
      await expect(context).toBeVisible();
      expect((await context.boundingBox())!.height).toBeLessThan(450);
    },
  },
  {
    kind: "an agent with a hostile description, 64 capabilities and 64 tools (presence)",
    build: (root, tag) => {
      const agent = hostileAgent(`Hostile-${tag}`);
      const m = compose("presence", agent.name, { content: "", agent });
      return [{ subject: subjects(root).presence(agent.name, agent.runtime), message: m }];
    },
    channel: "raw",
    async check(d, last) {
      const card = d.agent(last.from);
      await expect(card).toBeVisible();
      await card.scrollIntoViewIfNeeded();
      expect((await card.boundingBox())!.height).toBeLessThan(400);
      await expect(card).toContainText("‹U+202E›");
      await expect(card).toContainText(/\+\d+ more/);
    },
  },
  {
    kind: "the longest name, and a name with bidi controls (refused by the decoder)",
    build: (root) => {
      const bad = { ...compose("announcement", "Mallory", { content: "spoofed" }), from: "Mallory\u202Egnp" };
      return [
        { subject: subjects(root).all("Mallory"), message: JSON.stringify(bad) },
        announce(root, "from the longest name", `M${"a".repeat(63)}`),
      ];
    },
    content: "markdown",
    async check(d) {
      await expect(d.page.getByTestId("rejected-count")).toBeVisible();
    },
  },
];

test("hostile content leaves two open dashboards working", async ({ browser, stack, mesh, page }) => {
  test.setTimeout(300_000);
  const second = await browser.newContext({
    baseURL: stack.baseURL,
    storageState: stack.storageState,
    viewport: { width: 1440, height: 900 },
  });
  const pages = [page, await second.newPage()];
  const dialogs: string[] = [];
  const foreign: string[] = [];
  for (const p of pages) watchPage(p, dialogs, foreign);
  const [a, b] = pages.map((p) => new DashboardPage(p)) as [DashboardPage, DashboardPage];

  for (const d of [a, b]) {
    await d.open();
    await d.expectAgent("Weather-Bot", "online");
    await d.openChannel("all");
  }
  const tag = nonce();
  for (const item of ITEMS) {
    await test.step(item.kind, async () => {
      const sent = item.build(stack.root, tag);
      for (const s of sent) await mesh.publishRaw(s.subject, s.message);
      const last = sent.map((s) => s.message).findLast((m): m is AgentMessage => typeof m !== "string")!;
      const canary = announce(stack.root, `still here after: ${item.kind} (${tag})`, "Canary");
      await mesh.publishRaw(canary.subject, canary.message);

      for (const d of [a, b]) {
        // The page answers a click and shows the next valid message.
        await d.openChannel("raw");
        await d.openChannel("all");
        await expect(d.messageById((canary.message as AgentMessage).id)).toBeVisible();
        await expect(d.page.getByText("This page couldn't load")).toHaveCount(0);
        await expect(d.page.getByTestId("render-error"), "no row failed: a limit caught it").toHaveCount(0);
      }

      if (item.channel !== undefined) await a.openChannel(item.channel);
      const row = a.messageById(last.id);
      await expect(row).toHaveCount(1);
      if (item.content !== undefined) {
        const content = a.content(row);
        if (item.content === "markdown") {
          await expect(content).toHaveAttribute("data-render", "markdown");
        } else {
          await expect(content).toHaveAttribute("data-render", "plain");
          await expect(content.getByTestId("content-note")).toHaveAttribute("data-limit", item.content);
        }
        await expect(row.getByTestId("show-all")).toHaveCount(item.long === true ? 1 : 0);
        // A collapsed row stays about a screen high, whatever it carries.
        expect((await row.boundingBox())!.height).toBeLessThan(900);
      }
      await item.check?.(a, last);
      await a.openChannel("all");
    });
  }

  await test.step("the page that received every item still answers a request", async () => {
    await a.send({ kind: "request", target: "Weather-Bot", text: `What's the weather in Paris? (${tag})` });
    await expect(a.composer.result).toHaveAttribute("data-state", "ok", { timeout: 20_000 });
    await expect(a.composer.result).toContainText("Forecast for Paris");
  });
  await test.step("and so does the other", async () => {
    await b.send({ kind: "broadcast", text: `last word (${tag})` });
    await expect(b.messages({ type: "announcement", text: `last word (${tag})` })).toHaveCount(1);
  });

  expect(dialogs, "no dialog may open").toEqual([]);
  expect(foreign, "no request may leave the machine").toEqual([]);
  await second.close();
});

// Fail loudly here rather than in the server if an item outgrew the protocol's limit.
test.beforeAll(() => {
  for (const item of ITEMS) {
    for (const s of item.build("agents", "check")) {
      if (typeof s.message !== "string") encodeMessage(s.message);
    }
  }
});
