// OpenAIChatModel against the offline model over HTTP, with the real openai client: the total and
// idle deadlines (a stall or an endless answer frees the agent's model slot), the caller's abort,
// max_tokens, and the usage every answer carries.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../lib/config";
import { OFFLINE_MODEL_ID, startOfflineModel, type OfflineModel } from "../offline-model/server";
import { GatedModel } from "./gated-model";
import { ModelError, type ChatMessage, type CompleteOptions, type ToolSpec } from "./model";
import { OpenAIChatModel, type OpenAIModelOptions } from "./openai-model";

const IDLE_MS = 300;
let model: OfflineModel;

beforeAll(async () => {
  model = await startOfflineModel({ port: 0, streamDelayMs: 5 });
});
afterEach(() => model.setMode("ok"));
afterAll(() => model.close());

const messages: ChatMessage[] = [
  { role: "system", content: "You are Tester." },
  { role: "user", content: "hello, offline model: ünïcödé counts in bytes" },
];
const weather: ToolSpec = {
  name: "get_weather",
  description: "Current weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

function chat(o: Partial<OpenAIModelOptions> = {}): OpenAIChatModel {
  return new OpenAIChatModel({
    baseURL: model.url,
    model: OFFLINE_MODEL_ID,
    timeoutMs: 5_000,
    idleMs: IDLE_MS,
    ...o,
  });
}

function call(o: Partial<CompleteOptions> = {}): CompleteOptions {
  return { messages, tools: [], signal: new AbortController().signal, ...o };
}

/** The call's error (it must fail) and how long it took. */
async function failure(p: Promise<unknown>): Promise<{ error: ModelError; ms: number }> {
  const t0 = performance.now();
  const error = await p.then(
    () => {
      throw new Error("the call succeeded");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return { error: error as ModelError, ms: performance.now() - t0 };
}

async function eventually(check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const bytes = (s: string) => Buffer.byteLength(s);
const promptBytes = messages.reduce((n, m) => n + bytes(m.content), 0);

describe("deadlines", () => {
  it.each([
    ["streamed", true],
    ["not streamed", false],
  ])(
    "a stall after the headers (%s) is cut at the idle deadline, and the slot is free at once",
    async (_, streamed) => {
      // Queue limit 0: a call made while the slot were still held would fail `busy`.
      const gated = new GatedModel(chat(), 1, 0);
      const before = model.stats.byMode.stall ?? 0;
      model.setMode("stall");
      const deltas: string[] = [];
      const { error, ms } = await failure(
        gated.complete(call(streamed ? { onDelta: (t) => void deltas.push(t) } : {})),
      );
      expect(error.kind).toBe("timeout");
      expect(error.message).toBe(`the model sent nothing for ${IDLE_MS} ms (stalled)`);
      expect(ms).toBeGreaterThanOrEqual(IDLE_MS - 10);
      expect(ms).toBeLessThan(IDLE_MS + 700);
      if (streamed) expect(deltas).toEqual(["[offline model] "]); // it was cut after the first chunk
      expect(model.stats.byMode.stall).toBe(before + 1); // a stall is not retried
      await eventually(() => model.stats.inFlight === 0); // and the connection was let go

      model.setMode("ok");
      const next = await gated.complete(call(streamed ? { onDelta: () => {} } : {}));
      expect(next.content).toContain("hello, offline model");
    },
  );

  it("a server that never sends the headers is cut at the idle deadline too", async () => {
    model.setMode("hang");
    const { error, ms } = await failure(chat().complete(call()));
    expect(error.kind).toBe("timeout");
    expect(error.message).toMatch(/stalled/);
    expect(ms).toBeLessThan(IDLE_MS + 700);
  });

  it.each([
    ["streamed", true],
    ["not streamed (a body that never ends)", false],
  ])("an endless answer (%s) is cut at the total deadline", async (_, streamed) => {
    const before = model.stats.byMode.endless ?? 0;
    model.setMode("endless");
    const deltas: string[] = [];
    const { error, ms } = await failure(
      chat({ timeoutMs: 1_200 }).complete(call(streamed ? { onDelta: (t) => void deltas.push(t) } : {})),
    );
    expect(error.kind).toBe("timeout");
    expect(error.message).toBe("the model's answer did not finish within 1200 ms");
    expect(ms).toBeGreaterThanOrEqual(1_190);
    expect(ms).toBeLessThan(2_000);
    // Chunks kept coming far more often than the idle deadline: only the total one could cut it.
    if (streamed) expect(deltas.length).toBeGreaterThan(20);
    expect(model.stats.byMode.endless).toBe(before + 1);
    await eventually(() => model.stats.inFlight === 0);
  });

  it("the caller's abort mid-stream gives `aborted` at once and frees the slot", async () => {
    const gated = new GatedModel(chat({ timeoutMs: 10_000, idleMs: 10_000 }), 1, 0);
    model.setMode("endless");
    const ac = new AbortController();
    let deltas = 0;
    const running = gated.complete(
      call({
        signal: ac.signal,
        onDelta: () => {
          if (++deltas === 3) ac.abort();
        },
      }),
    );
    const { error, ms } = await failure(running);
    expect(error.kind).toBe("aborted");
    expect(ms).toBeLessThan(1_000);
    await eventually(() => model.stats.inFlight === 0);
    model.setMode("ok");
    expect((await gated.complete(call())).content).toContain("hello, offline model");
  });

  it("a stream cut by the caller is not returned as a short answer (OpenAIChatModel alone)", async () => {
    model.setMode("endless");
    const ac = new AbortController();
    const { error } = await failure(
      chat({ timeoutMs: 10_000 }).complete(call({ signal: ac.signal, onDelta: () => ac.abort() })),
    );
    expect(error.kind).toBe("aborted");
  });
});

describe("what a retry can fix", () => {
  it.each([
    ["not streamed", false],
    ["streamed", true],
  ])("a 500 (%s) is still retried twice, then reported as server_error", async (_, streamed) => {
    const before = model.stats.byMode.error500 ?? 0;
    model.setMode("error500");
    const { error } = await failure(chat().complete(call(streamed ? { onDelta: () => {} } : {})));
    expect(error.kind).toBe("server_error");
    expect(model.stats.byMode.error500).toBe(before + 3);
  });

  it("an answer that is not JSON is a bad response", async () => {
    model.setMode("garbage");
    expect((await failure(chat().complete(call()))).error.kind).toBe("bad_response");
  });
});

describe("max_tokens", () => {
  it("sends LLM_MAX_TOKENS's default, the model's setting, and the call's own, which wins", async () => {
    await chat().complete(call());
    expect(model.stats.lastMaxTokens).toBe(DEFAULTS.llmMaxTokens);
    await chat({ maxTokens: 500 }).complete(call());
    expect(model.stats.lastMaxTokens).toBe(500);
    // The definition's max_tokens reaches the model as the call's.
    const cut = await chat({ maxTokens: 500 }).complete(call({ maxTokens: 5 }));
    expect(model.stats.lastMaxTokens).toBe(5);
    expect(cut.content).toBe("[offline model] Test"); // the server honoured it: 5 tokens, 20 characters
  });
});

describe("usage", () => {
  it.each([
    ["not streamed", false],
    ["streamed", true],
  ])("comes from the server (%s)", async (_, streamed) => {
    const turn = await chat().complete(
      call({ tools: [weather], ...(streamed ? { onDelta: () => {} } : {}) }),
    );
    expect(turn.usage).toEqual({
      in: Math.ceil(promptBytes / 4), // the server's count, which leaves the tool specs out
      out: Math.ceil(bytes(turn.content) / 4),
      estimated: false,
    });
  });

  it.each([
    ["not streamed", false],
    ["streamed", true],
  ])("is estimated when the server reports none (%s)", async (_, streamed) => {
    model.setMode("no-usage");
    const turn = await chat().complete(
      call({ tools: [weather], ...(streamed ? { onDelta: () => {} } : {}) }),
    );
    expect(turn.usage).toEqual({
      in: Math.ceil((promptBytes + bytes(JSON.stringify(weather))) / 4), // the estimate counts the tools
      out: Math.ceil(bytes(turn.content) / 4),
      estimated: true,
    });
  });

  it("estimates a tool call's arguments as output", async () => {
    model.setMode("no-usage");
    const turn = await chat().complete(
      call({ messages: [{ role: "user", content: "What's the weather in Paris?" }], tools: [weather] }),
    );
    expect(turn.toolCalls[0]?.name).toBe("get_weather");
    expect(turn.usage?.out).toBe(Math.ceil(bytes(turn.toolCalls[0]!.arguments) / 4));
  });

  it("is priced when a price is configured, reported or estimated", async () => {
    const price = { inPerMTok: 3, outPerMTok: 15 };
    const reported = await chat({ price }).complete(call());
    const u = reported.usage!;
    expect(u.costUsd).toBeCloseTo((u.in * 3 + u.out * 15) / 1e6, 12);
    expect(u.costUsd).toBeGreaterThan(0);
    model.setMode("no-usage");
    const estimated = (await chat({ price }).complete(call({ onDelta: () => {} }))).usage!;
    expect(estimated.estimated).toBe(true);
    expect(estimated.costUsd).toBeCloseTo((estimated.in * 3 + estimated.out * 15) / 1e6, 12);
    model.setMode("ok");
    expect((await chat().complete(call())).usage).not.toHaveProperty("costUsd");
  });
});
