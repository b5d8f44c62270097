// Hostile message text renders inert: no HTML parsed, no script or handler, no dangerous link,
// no image fetched until clicked.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "./markdown";

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
});
