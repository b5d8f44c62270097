// The limit decisions are pure: given a text, which limit trips (or none). Each hostile shape
// from the e2e table is caught here at a size far below where the renderer would fail, and
// ordinary messages (replies that quote, lists, tables, code) are left alone.
import { describe, expect, it } from "vitest";
import {
  COMPACT_BUDGET,
  describeLimit,
  EXPANDED_BUDGET,
  markdownLimit,
  markdownStats,
  previewOf,
  ROW_BUDGET,
  type LimitKind,
} from "./markdown-limits";

const table = (cols: number, rows: number) =>
  [
    `|${"h|".repeat(cols)}`,
    `|${"-|".repeat(cols)}`,
    ...Array.from({ length: rows }, () => `|${"x|".repeat(cols)}`),
  ].join("\n");

describe("markdownLimit: which limit trips", () => {
  const cases: [string, string, LimitKind][] = [
    ["block quotes 17 deep", `${">".repeat(17)} deep`, "blockDepth"],
    ["spaced block quotes", `${"> ".repeat(17)}deep`, "blockDepth"],
    ["one-line lists", `${"- ".repeat(17)}x`, "blockDepth"],
    ["ordered lists", `${"1. ".repeat(17)}x`, "blockDepth"],
    ["quote in list", `${"> - ".repeat(9)}x`, "blockDepth"],
    ["indented lists", Array.from({ length: 17 }, (_, i) => `${"  ".repeat(i)}- x`).join("\n"), "blockDepth"],
    [
      "indented with tabs",
      Array.from({ length: 17 }, (_, i) => `${"\t".repeat(i)}- x`).join("\n"),
      "blockDepth",
    ],
    ["a code fence 20 quotes deep", `${"> ".repeat(20)}\`\`\`\ncode\n\`\`\``, "blockDepth"],
    ["emphasis runs", `${"*".repeat(17)}x${"*".repeat(17)}`, "inlineDepth"],
    ["alternating emphasis", `${"*a ".repeat(17)}x${" a*".repeat(17)}`, "inlineDepth"],
    ["strong", `${"**a ".repeat(9)}x${" a**".repeat(9)}`, "inlineDepth"],
    ["strikethrough", `${"~~a ".repeat(9)}x${" a~~".repeat(9)}`, "inlineDepth"],
    ["underscores", `${"_a ".repeat(17)}x${" a_".repeat(17)}`, "inlineDepth"],
    ["nested links", `${"[".repeat(17)}x${"](http://a.b)".repeat(17)}`, "inlineDepth"],
    ["nested images", `${"![".repeat(17)}x${"](http://a.b)".repeat(17)}`, "inlineDepth"],
    ["brackets", `${"[".repeat(17)}x${"]".repeat(17)}`, "inlineDepth"],
    ["brackets across lines of a paragraph", "[\n".repeat(17) + "x", "inlineDepth"],
    ["too long", "x".repeat(1_501), "chars"],
    ["too many lines", "x\n".repeat(25), "lines"],
    ["a wide table", table(201, 0), "cells"],
    ["a long table", table(10, 20), "cells"],
    ["body rows without pipes still count", `${table(20, 0)}\n${"x\n".repeat(10)}`, "cells"],
    ["many images", "![](b) ".repeat(51), "images"],
    ["many links", "[a](b) ".repeat(101), "links"],
    ["many bare URLs", "http://a.b ".repeat(101), "links"],
    ["many www links", "www.a.b ".repeat(101), "links"],
    ["many e-mail addresses", "a@b.example ".repeat(101), "links"],
    ["references to one definition", `[a]: http://x\n\n${"[a] ".repeat(101)}`, "links"],
  ];
  it.each(cases)("%s", (_, text, kind) => {
    expect(markdownLimit(text, ROW_BUDGET)?.kind).toBe(kind);
  });

  const fine: [string, string][] = [
    ["a plain sentence", "The forecast for Oslo: **light rain**, 7 °C."],
    ["a reply quoting a list", "> I asked:\n> - weather\n> - time\n\nBoth done."],
    ["nested lists 4 deep", "- a\n  - b\n    - c\n      - d"],
    ["a small table", table(4, 5)],
    ["code with deep indentation in a fence", `\`\`\`\n${" ".repeat(80)}x\n${"[".repeat(40)}\n\`\`\``],
    ["an indented code block", `    ${" ".repeat(60)}deep`],
    ["a horizontal rule of stars", "*".repeat(40)],
    ["snake_case words", "some_long_variable_name and another_one_here ".repeat(10)],
    ["a few links", "[docs](https://nats.io) and https://example.com and www.example.org"],
    ["escaped brackets", "\\[".repeat(40)],
    ["16 quotes (the limit)", `${">".repeat(16)} ok`],
  ];
  it.each(fine)("leaves %s alone", (_, text) => {
    expect(markdownLimit(text, ROW_BUDGET)).toBeNull();
  });

  it("allows more when the whole text is asked for", () => {
    const long = "word ".repeat(2_000); // 10,000 characters
    expect(markdownLimit(long, ROW_BUDGET)?.kind).toBe("chars");
    expect(markdownLimit(long, EXPANDED_BUDGET)).toBeNull();
    expect(markdownLimit("x".repeat(12_001), EXPANDED_BUDGET)?.kind).toBe("chars");
  });

  it("says what it found in words", () => {
    const hit = markdownLimit(`${">".repeat(5_000)} x`, ROW_BUDGET)!;
    expect(hit).toEqual({ kind: "chars", found: 5_002, limit: 1_500 }); // length first: not scanned
    const deep = markdownLimit(`${">".repeat(1_200)} x`, ROW_BUDGET)!;
    expect(describeLimit(deep)).toBe("1,200 levels of quote or list nesting (limit 16)");
  });

  it("scans a row's worth of text in well under a millisecond", () => {
    const text = `${"> - **[a](http://b)** ".repeat(120)}\n`.slice(0, 1_500);
    for (let i = 0; i < 300; i++) markdownStats(text); // warm (measured warm: ~0.03 ms)
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) markdownStats(text);
    expect((performance.now() - t0) / 100).toBeLessThan(1);
  });
});

describe("previewOf", () => {
  it("keeps a short text whole", () => {
    expect(previewOf("short\ntext", ROW_BUDGET)).toBe("short\ntext");
  });

  it("cuts at the character limit, at a line end when one is near", () => {
    const text = `${"a".repeat(1_400)}\n${"b".repeat(500)}`;
    expect(previewOf(text, ROW_BUDGET)).toBe("a".repeat(1_400));
    expect(previewOf("x".repeat(1_000_000), ROW_BUDGET)).toHaveLength(1_500);
  });

  it("cuts at the line limit", () => {
    const p = previewOf("line\n".repeat(100), COMPACT_BUDGET);
    expect(p.split("\n")).toHaveLength(COMPACT_BUDGET.lines);
  });

  it("never splits a surrogate pair", () => {
    const text = "😀".repeat(1_000); // 2,000 UTF-16 units
    const p = previewOf(text, ROW_BUDGET);
    expect(p.length % 2).toBe(0);
    expect(p.endsWith("😀")).toBe(true);
  });
});
