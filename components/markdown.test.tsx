// Hostile message text renders inert: no HTML parsed, no script or handler, no dangerous link,
// no image fetched until clicked.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown, shownText } from "./markdown";

const render = (text: string) => renderToStaticMarkup(<Markdown text={text} />);

describe("Markdown", () => {
  it("shows raw HTML as text, never as elements", () => {
    const html = render(
      '<script>alert(1)</script> <img src=x onerror="alert(2)"> <iframe src="http://evil"></iframe>',
    );
    expect(html).not.toMatch(/<script|<iframe|<img/i);
    expect(html).not.toMatch(/<[^>]*\sonerror=/i); // no handler attribute on any element
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;"); // shown, as text
  });

  it.each([
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<b>x</b>",
    "vbscript:msgbox",
    "file:///etc/passwd",
  ])("drops the %s link target", (url) => {
    const html = render(`[click me](${url})`);
    expect(html).toContain("click me");
    expect(html).not.toMatch(/href=/);
  });

  it("keeps http(s) links, opening in a new tab without referrer or opener", () => {
    const html = render("[docs](https://nats.io/docs)");
    expect(html).toContain('href="https://nats.io/docs"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(html).toContain('target="_blank"');
  });

  it("does not load remote images: it shows a click-to-load placeholder", () => {
    const html = render("![tracker](http://203.0.113.5/pixel.png)");
    expect(html).not.toMatch(/<img/);
    expect(html).toContain('data-testid="remote-image"');
    expect(html).toContain("203.0.113.5");
  });

  it("renders ordinary markdown", () => {
    const html = render("**bold** and `code`\n\n- a\n- b");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain("<code");
    expect(html).toContain("<li>a</li>");
  });

  it.each([
    ["block quotes", `${">".repeat(5_000)} deep`],
    ["lists", `${"- ".repeat(1_400)}deep`],
    ["quote in list", `${"> - ".repeat(700)}deep`],
    ["emphasis", `${"*a ".repeat(900)}x${" a*".repeat(900)}`],
    ["images", `${"![".repeat(1_000)}x${"](u)".repeat(1_000)}`],
  ])("renders %s nested thousands deep as plain text with a note, without throwing", (_, text) => {
    const html = render(text);
    expect(html).toContain('data-render="plain"');
    expect(html).toContain('data-testid="content-note"');
    expect(html).not.toMatch(/<blockquote|<ul|<em|<img/);
  });

  it("collapses a long message to a preview with show all", () => {
    const html = render("word ".repeat(100_000));
    expect(html).toContain('data-testid="show-all"');
    expect(html).toContain("more characters");
    expect(html.length).toBeLessThan(5_000);
  });

  it("shows the whole text on demand, as Markdown within the larger budget, as plain text past it", () => {
    const medium = `**bold** ${"word ".repeat(1_000)}`; // 5,009 characters
    expect(shownText(medium).text.length).toBeLessThanOrEqual(1_500);
    const all = shownText(medium, { all: true });
    expect(all).toMatchObject({ text: medium, limit: null, hidden: 0, long: true });
    const huge = shownText("x".repeat(1_000_000), { all: true });
    expect(huge.limit?.kind).toBe("chars");
    expect(huge.text).toHaveLength(64_000);
    expect(huge.hidden).toBe(1_000_000 - 64_000);
  });

  it("previews 400 characters in the thread pane", () => {
    expect(shownText("x".repeat(1_000), { compact: true }).text).toHaveLength(400);
  });

  it("reveals bidi overrides in message text, in Markdown and in plain text", () => {
    expect(render("**Pay** \u202Efdp.exe")).toContain("‹U+202E›fdp.exe");
    expect(render(`${">".repeat(40)} \u202Efdp.exe`)).toContain("‹U+202E›fdp.exe");
  });
});
