// Names and free text from the bus: invisible and bidi controls revealed, bounded, isolated.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { failureReason } from "./error-boundary";
import {
  clip,
  Clipped,
  displayName,
  displayText,
  hasInvisible,
  Name,
  revealBidiControls,
  revealInvisible,
} from "./safe-text";

describe("revealInvisible", () => {
  it.each([
    ["zero-width space", "a\u200Bb", "a‹U+200B›b"],
    ["zero-width joiner", "a\u200Db", "a‹U+200D›b"],
    ["right-to-left mark", "a\u200Fb", "a‹U+200F›b"],
    ["right-to-left override", "Invoice\u202Efdp.exe", "Invoice‹U+202E›fdp.exe"],
    ["left-to-right embedding and pop", "\u202Ax\u202C", "‹U+202A›x‹U+202C›"],
    ["isolates", "\u2066x\u2069\u2067\u2068", "‹U+2066›x‹U+2069›‹U+2067›‹U+2068›"],
    ["word joiner", "a\u2060b", "a‹U+2060›b"],
    ["byte order mark", "\uFEFFname", "‹U+FEFF›name"],
    ["NUL and escape", "a\u0000b\u001B[31m", "a‹U+0000›b‹U+001B›[31m"],
    ["C1 control", "a\u0085b", "a‹U+0085›b"],
  ])("%s", (_, input, shown) => {
    expect(hasInvisible(input)).toBe(true);
    expect(revealInvisible(input)).toBe(shown);
  });

  it("leaves ordinary text, tabs and line breaks alone", () => {
    const text = "Weather-Bot: 7 °C, ☔ — ok\tgood\r\nnext line, مرحبا, 👍";
    expect(hasInvisible(text)).toBe(false);
    expect(revealInvisible(text)).toBe(text);
  });
});

describe("revealBidiControls (message text)", () => {
  it("reveals embeddings, overrides and isolates", () => {
    expect(revealBidiControls("Pay \u202Efdp.exe\u202C \u2067x\u2069 \u202Ay")).toBe(
      "Pay ‹U+202E›fdp.exe‹U+202C› ‹U+2067›x‹U+2069› ‹U+202A›y",
    );
  });

  it("keeps joiners and direction marks, which scripts and emoji need", () => {
    const text = "👨\u200D👩\u200D👧 שלום\u200F abc क्\u200Dष";
    expect(revealBidiControls(text)).toBe(text);
  });
});

describe("displayName and displayText", () => {
  it("cuts with an ellipsis at the limit", () => {
    expect(displayName("a".repeat(100), 10)).toBe(`${"a".repeat(9)}…`);
    expect(displayName("short", 10)).toBe("short");
    expect(clip("abcdef", 6)).toBe("abcdef");
  });

  it("never leaves half a surrogate pair", () => {
    expect(clip("😀😀😀", 4)).toBe("😀…");
  });

  it("folds line breaks in names, keeps them in text", () => {
    expect(displayName("two\nlines  here")).toBe("two lines here");
    expect(displayText("two\nlines")).toBe("two\nlines");
  });

  it("looks only at the start of a huge value", () => {
    const huge = "\u202E".repeat(1_000_000);
    const t0 = performance.now();
    const shown = displayName(huge, 64);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(shown).toHaveLength(64);
    expect(shown.endsWith("…")).toBe(true);
  });
});

describe("Name and Clipped", () => {
  it("isolates a name in <bdi> and reveals what it hides, the whole in the tooltip", () => {
    const html = renderToStaticMarkup(<Name text={"Bob\u202Etxt.exe"} />);
    expect(html).toBe('<bdi title="Bob‹U+202E›txt.exe">Bob‹U+202E›txt.exe</bdi>');
  });

  it("has no tooltip when nothing is hidden or cut", () => {
    expect(renderToStaticMarkup(<Name text="Weather-Bot" />)).toBe("<bdi>Weather-Bot</bdi>");
  });

  it("escapes markup: text stays text", () => {
    const html = renderToStaticMarkup(<Clipped text={'<img src=x onerror="alert(1)">'} />);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img");
  });

  it("bounds a long description and keeps the whole (bounded) in the tooltip", () => {
    const html = renderToStaticMarkup(<Clipped text={"word ".repeat(1_000)} max={50} />);
    expect(html).toMatch(/>(word ){9}word…<\/span>$/);
    expect(html).toContain('dir="auto"');
    expect(html.length).toBeLessThan(4_500);
  });
});

describe("failureReason", () => {
  it("is one bounded line, invisible characters revealed", () => {
    expect(failureReason(new RangeError("Maximum call stack size exceeded"))).toBe(
      "Maximum call stack size exceeded",
    );
    expect(failureReason(new Error(`bad\n\u202E${"x".repeat(500)}`))).toMatch(/^bad ‹U\+202E›x+…$/);
    expect(failureReason(new Error(`${"x".repeat(500)}`))).toHaveLength(160);
    expect(failureReason("thrown string")).toBe("thrown string");
    expect(failureReason({})).toBe("unknown error");
  });
});
