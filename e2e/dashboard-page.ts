// The dashboard's data-testid contract as a page object. Tests speak in these terms, so a renamed
// selector is fixed here once.
import { expect, type Locator, type Page } from "@playwright/test";

/** Sidebar channel keys as they appear in test ids: `channel-<key>`, `unread-<key>`. */
export type ChannelId = "all" | "handoffs" | "requests" | "heartbeats" | "raw" | `dm-${string}`;
export type ComposerKind = "direct" | "request" | "handoff" | "broadcast";
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline" | "signed-out";
export type AgentState = "online" | "busy" | "offline";
export type MessageAction = "thread" | "inspect" | "reply" | "handoff" | "cancel";

/** What the page exposes as `window.__switchboard`. */
export interface SwitchboardProbe {
  received: number;
  rendered: number;
  rejected: number;
  status: string;
  duplicates: number;
}

/** A retained message as the probe lists it (`window.__switchboard.list()`). */
export interface ListedMessage {
  id: string;
  from: string;
  type: string;
  content: string;
}

export interface Outgoing {
  kind: ComposerKind;
  /** Agent name; not used for broadcasts. */
  target?: string;
  /** The message, or the optional note of a handoff. */
  text?: string;
  priority?: 1 | 2 | 3 | 4 | 5;
  task?: string;
  progress?: string;
  reason?: string;
}

export interface MessageQuery {
  type?: string;
  from?: string;
  text?: string | RegExp;
}

const attr = (name: string, value: string) => `[${name}="${value.replace(/["\\]/g, "\\$&")}"]`;

export class DashboardPage {
  constructor(readonly page: Page) {}

  // ---- page ---------------------------------------------------------------------------------

  /** Opens the dashboard and waits until it is connected to NATS. */
  async open(path = "/"): Promise<void> {
    await this.page.goto(path);
    await this.expectConnection("connected", 15_000);
  }

  get connectionStatus(): Locator {
    return this.page.getByTestId("connection-status");
  }

  async expectConnection(state: ConnectionState | RegExp, timeout?: number): Promise<void> {
    await expect(this.connectionStatus).toHaveAttribute("data-status", state, { timeout });
  }

  get themeToggle(): Locator {
    return this.page.getByTestId("theme-toggle");
  }

  async isDark(): Promise<boolean> {
    return this.page.evaluate(() => document.documentElement.classList.contains("dark"));
  }

  /** Toggles the theme until it is the wanted one, and checks the `dark` class followed. */
  async setTheme(theme: "light" | "dark"): Promise<void> {
    if ((await this.isDark()) !== (theme === "dark")) await this.themeToggle.click();
    const html = this.page.locator("html");
    if (theme === "dark") await expect(html).toHaveClass(/(^|\s)dark(\s|$)/);
    else await expect(html).not.toHaveClass(/(^|\s)dark(\s|$)/);
  }

  /** `window.__switchboard`, or undefined while the page has not set it up. */
  probe(): Promise<SwitchboardProbe | undefined> {
    return this.page.evaluate(
      () => (window as unknown as { __switchboard?: SwitchboardProbe }).__switchboard,
    );
  }

  /** The retained messages, in the order the page shows them. */
  list(): Promise<ListedMessage[]> {
    return this.page.evaluate(() =>
      (window as unknown as { __switchboard: { list(): ListedMessage[] } }).__switchboard.list(),
    );
  }

  // ---- history ------------------------------------------------------------------------------

  /** The top row of a channel: load older, loading, beginning of history, or why not. */
  get historyEdge(): Locator {
    return this.messageList.getByTestId("history-edge");
  }

  get loadOlder(): Locator {
    return this.messageList.getByTestId("load-older");
  }

  /** Waits until the backfill at open is in (the edge no longer says it is reading). */
  async expectHistoryRead(timeout = 15_000): Promise<void> {
    await this.toTop();
    await expect(this.historyEdge).not.toHaveAttribute("data-state", "loading", { timeout });
  }

  /** Scrolls the list to its top as a person would (Home): it stops following the newest. */
  async toTop(): Promise<void> {
    await this.messageList.focus();
    await this.page.keyboard.press("Home");
  }

  get resumeMarkers(): Locator {
    return this.messageList.getByTestId("resume-marker");
  }

  get search() {
    const panel = this.page.getByTestId("search-panel");
    return {
      open: this.page.getByTestId("open-search"),
      panel,
      text: panel.getByTestId("search-text"),
      from: panel.getByTestId("search-from"),
      type: panel.getByTestId("search-type"),
      run: panel.getByTestId("search-run"),
      summary: panel.getByTestId("search-summary"),
      results: panel.getByTestId("search-result"),
    };
  }

  get replay() {
    const pane = this.threadPane;
    return {
      speed: pane.getByTestId("replay-speed"),
      start: pane.getByTestId("replay-start"),
      stop: pane.getByTestId("replay-stop"),
      status: pane.getByTestId("replay-status"),
      items: pane.getByTestId("replay-item"),
    };
  }

  // ---- sidebar ------------------------------------------------------------------------------

  channel(id: ChannelId): Locator {
    return this.page.getByTestId(`channel-${id}`);
  }

  dmChannel(agent: string): Locator {
    return this.channel(`dm-${agent}`);
  }

  unread(id: ChannelId): Locator {
    return this.channel(id).getByTestId(`unread-${id}`);
  }

  async openChannel(id: ChannelId): Promise<void> {
    await this.channel(id).click();
    await expect(this.messageList).toBeVisible();
  }

  // ---- messages -----------------------------------------------------------------------------

  get messageList(): Locator {
    return this.page.getByTestId("message-list");
  }

  /** Rows in the visible channel's list (virtualized: only those on screen are in the DOM). */
  messages(q: MessageQuery = {}): Locator {
    let css = '[data-testid="message"]';
    if (q.type !== undefined) css += attr("data-type", q.type);
    if (q.from !== undefined) css += attr("data-from", q.from);
    const rows = this.messageList.locator(css);
    return q.text === undefined ? rows : rows.filter({ hasText: q.text });
  }

  messageById(id: string): Locator {
    return this.messageList.locator(`[data-testid="message"]${attr("data-id", id)}`);
  }

  content(row: Locator): Locator {
    return row.getByTestId("message-content");
  }

  /** Hovers the row (actions may only show on hover) and clicks one of its actions. */
  async act(row: Locator, action: MessageAction): Promise<void> {
    await row.scrollIntoViewIfNeeded();
    await row.hover();
    await row.getByTestId(`action-${action}`).click();
  }

  // ---- thread, inspector, registry ----------------------------------------------------------

  get threadPane(): Locator {
    return this.page.getByTestId("thread-pane");
  }

  threadItems(q: { type?: string; text?: string | RegExp } = {}): Locator {
    const css =
      q.type === undefined
        ? '[data-testid="thread-item"]'
        : `[data-testid="thread-item"]${attr("data-type", q.type)}`;
    const items = this.threadPane.locator(css);
    return q.text === undefined ? items : items.filter({ hasText: q.text });
  }

  get inspector(): Locator {
    return this.page.getByTestId("inspector");
  }

  get inspectorSubject(): Locator {
    return this.page.getByTestId("inspector-subject");
  }

  get inspectorJson(): Locator {
    return this.page.getByTestId("inspector-json");
  }

  get registry(): Locator {
    return this.page.getByTestId("registry");
  }

  agent(name: string): Locator {
    return this.registry.getByTestId(`agent-${name}`);
  }

  async expectAgent(name: string, state: AgentState | RegExp, timeout?: number): Promise<void> {
    await expect(this.agent(name)).toHaveAttribute("data-status", state, { timeout });
  }

  // ---- composer and filters -----------------------------------------------------------------

  get composer() {
    const c = this.page.getByTestId("composer");
    return {
      form: c,
      kind: c.getByTestId("composer-kind"),
      target: c.getByTestId("composer-target"),
      priority: c.getByTestId("composer-priority"),
      text: c.getByTestId("composer-text"),
      task: c.getByTestId("composer-task"),
      progress: c.getByTestId("composer-progress"),
      reason: c.getByTestId("composer-reason"),
      send: c.getByTestId("composer-send"),
      result: this.page.getByTestId("composer-result"),
    };
  }

  /** Fills the composer and sends. */
  async send(o: Outgoing): Promise<void> {
    const c = this.composer;
    await c.kind.selectOption(o.kind);
    if (o.target !== undefined) {
      await c.target.fill(o.target);
      await c.target.press("Escape"); // close the completion list if one is open
      await expect(c.target).toHaveValue(o.target);
    }
    if (o.priority !== undefined) await c.priority.selectOption(String(o.priority));
    if (o.kind === "handoff") {
      await c.task.fill(o.task ?? "");
      if (o.progress !== undefined) await c.progress.fill(o.progress);
      if (o.reason !== undefined) await c.reason.fill(o.reason);
    }
    if (o.text !== undefined) await c.text.fill(o.text);
    await c.send.click();
  }

  get filters() {
    return {
      agent: this.page.getByTestId("filter-agent"),
      type: this.page.getByTestId("filter-type"),
      priority: this.page.getByTestId("filter-priority"),
      text: this.page.getByTestId("filter-text"),
    };
  }
}
