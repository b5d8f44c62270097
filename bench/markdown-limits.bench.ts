// What nesting costs react-markdown + remark-gfm, and where it throws: the measurements behind
// the limits in components/markdown-limits.ts. `npx tsx bench/markdown-limits.bench.ts [names]`.
//
// Runs in Node (react-dom/server, no layout), so absolute times are lower than in the browser;
// the shape is the same: cost growing much faster than the depth, and "Maximum call stack size
// exceeded" at the same depths (V8's stack is the same size). The Chromium figures quoted in
// markdown-limits.ts came from the same generators rendered with react-dom/client plus a layout,
// in Debian Chromium on a 2-core machine.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import ReactMarkdown from "react-markdown";
import remarkGfm from "remark-gfm";
import { markdownLimit, ROW_BUDGET } from "../components/markdown-limits";

const GENERATORS: Record<string, (n: number) => string> = {
  quote: (n) => `${">".repeat(n)} x`,
  "list (one line)": (n) => `${"- ".repeat(n)}x`,
  "list (indented)": (n) => Array.from({ length: n }, (_, i) => `${"  ".repeat(i)}- x`).join("\n"),
  "quote in list": (n) => `${"> - ".repeat(Math.ceil(n / 2))}x`,
  emphasis: (n) => `${"*a ".repeat(n)}x${" a*".repeat(n)}`,
  strikethrough: (n) => `${"~~a ".repeat(n)}x${" a~~".repeat(n)}`,
  "nested images": (n) => `${"![".repeat(n)}x${"](http://a.b)".repeat(n)}`,
  "nested links": (n) => `${"[".repeat(n)}x${"](http://a.b)".repeat(n)}`,
  "fence in quotes": (n) => `${"> ".repeat(n)}\`\`\`\n${"> ".repeat(n)}code\n${"> ".repeat(n)}\`\`\``,
};
const DEPTHS = [16, 32, 100, 200, 500, 1_000, 2_000, 5_000];
const STOP_AFTER_MS = 1_500;

const render = (text: string) =>
  renderToStaticMarkup(createElement(ReactMarkdown, { remarkPlugins: [remarkGfm] }, text));

function median(text: string, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    render(text);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

for (let i = 0; i < 30; i++)
  render("# a\n\n> **b** [c](http://d) ![e](http://f)\n\n- g\n  - h\n\n|a|b|\n|-|-|\n|1|2|");
const only = process.argv.slice(2);
console.log(
  `${"construct".padEnd(18)}${DEPTHS.map((d) => String(d).padStart(9)).join("")}   (ms, median of 3)`,
);
for (const [name, generate] of Object.entries(GENERATORS)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const cells: string[] = [];
  for (const depth of DEPTHS) {
    const text = generate(depth);
    const caught = markdownLimit(text, ROW_BUDGET) !== null || depth <= ROW_BUDGET.blockDepth;
    if (!caught) throw new Error(`${name} at depth ${depth} is not caught by the row limits`);
    try {
      const ms = median(text, 3);
      cells.push(ms.toFixed(1).padStart(9));
      if (ms > STOP_AFTER_MS) break;
    } catch (e) {
      cells.push((e instanceof RangeError ? "throws" : "fails").padStart(9));
      break;
    }
  }
  console.log(`${name.padEnd(18)}${cells.join("")}`);
}
