// Usage as a server reports it (OpenRouter's cost included) and as estimated without one.
import { describe, expect, it } from "vitest";
import { costOf, estimatedUsage, reportedUsage, utf8Bytes } from "./usage";

const price = { inPerMTok: 2, outPerMTok: 8 };

describe("usage", () => {
  it("reads token counts and prices them; a cost the server reports wins over the price", () => {
    expect(reportedUsage({ prompt_tokens: 1000, completion_tokens: 500 }, undefined)).toEqual({
      in: 1000,
      out: 500,
      estimated: false,
    });
    expect(reportedUsage({ prompt_tokens: 1000, completion_tokens: 500 }, price)?.costUsd).toBeCloseTo(
      0.006,
      12,
    );
    expect(reportedUsage({ prompt_tokens: 1000, completion_tokens: 500, cost: 0.25 }, price)?.costUsd).toBe(
      0.25,
    );
    expect(
      reportedUsage({ prompt_tokens: 1, completion_tokens: 1, cost: "0.25" }, undefined),
    ).not.toHaveProperty("costUsd");
  });

  it.each([
    null,
    undefined,
    "usage",
    {},
    { prompt_tokens: 3 },
    { prompt_tokens: -1, completion_tokens: 2 },
    { prompt_tokens: 1.5, completion_tokens: 2 },
  ])("is not reported by %j", (raw) => expect(reportedUsage(raw, price)).toBeUndefined());

  it("estimates four UTF-8 bytes a token, tool specs and call arguments included", () => {
    const u = estimatedUsage(
      {
        messages: [
          { role: "user", content: "ab" },
          { role: "assistant", content: "", toolCalls: [{ id: "1", name: "x", arguments: '{"a":1}' }] },
        ],
        tools: [{ name: "t", description: "d", parameters: {} }],
      },
      { content: "é", toolCalls: [{ id: "2", name: "y", arguments: "{}" }] },
      price,
    );
    const toolBytes = JSON.stringify({ name: "t", description: "d", parameters: {} }).length;
    expect(u).toEqual({
      in: Math.ceil((2 + 7 + toolBytes) / 4),
      out: 1, // 2 bytes of text and 2 of arguments
      estimated: true,
      costUsd: costOf(price, Math.ceil((2 + 7 + toolBytes) / 4), 1),
    });
  });

  it.each(["", "plain", "héllo", "✓ check", "emoji 😀 pair", "lone \ud800 surrogate", "end \ud83d"])(
    "counts UTF-8 bytes of %j as Node encodes them",
    (s) => expect(utf8Bytes(s)).toBe(Buffer.byteLength(s)),
  );
});
