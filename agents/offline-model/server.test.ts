// Drives the offline model with the real `openai` client over loopback HTTP, as the agents will.
import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startOfflineModel, type OfflineModel } from "./server";

let model: OfflineModel;
let client: OpenAI;

beforeAll(async () => {
  model = await startOfflineModel({ port: 0 });
  client = new OpenAI({ baseURL: model.url, apiKey: "lm-studio", timeout: 5000, maxRetries: 0 });
});
afterEach(() => model.setMode("ok"));
afterAll(() => model.close());

const weatherTool: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const hello: ChatCompletionMessageParam[] = [
  { role: "system", content: "You are Tester." },
  { role: "user", content: "hello offline model" },
];
const CANNED =
  '[offline model] Tester (running on Switchboard\'s built-in offline model, not a real LLM) received: "hello offline model"';
const weatherQuestion: ChatCompletionMessageParam[] = [
  { role: "user", content: "What's the weather in New York tomorrow?" },
];

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: { chunk: ChatCompletionChunk; at: number }[] = [];
  for await (const chunk of stream) chunks.push({ chunk, at: performance.now() });
  return chunks;
}

async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("offline model over HTTP with the openai client", () => {
  it("lists exactly one model", async () => {
    const page = await client.models.list();
    expect(page.data).toEqual([
      {
        id: "switchboard-offline",
        object: "model",
        created: 1_735_689_600,
        owned_by: "switchboard-offline-model",
      },
    ]);
  });

  it("answers a plain completion, echoing the model and labelling itself", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "whatever-was-asked", messages: hello })
      .withResponse();
    expect(response.headers.get("x-switchboard-offline-model")).toBe("true");
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("whatever-was-asked");
    expect(data.choices[0]?.message.content).toBe(CANNED);
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage?.total_tokens).toBe(
      (data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0),
    );
    expect(data.usage?.completion_tokens).toBeGreaterThan(10);
  });

  it("streams text word by word after a role chunk", async () => {
    const stream = await client.chat.completions.create({ model: "m", messages: hello, stream: true });
    const chunks = (await collect(stream)).map((c) => c.chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const pieces = chunks.map((c) => c.choices[0]?.delta.content ?? "").filter(Boolean);
    expect(pieces.join("")).toBe(CANNED);
    expect(pieces.length).toBe(CANNED.split(" ").length);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it("notices promptly when the client cancels a stream midway", async () => {
    // 50 ms a word: the whole answer would take over 3 s, so letting go within 1 s proves it stopped early.
    const own = await startOfflineModel({ streamDelayMs: 50 });
    const ownClient = new OpenAI({ baseURL: own.url, apiKey: "lm-studio", timeout: 5000, maxRetries: 0 });
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "#stream-long" }];
    const stream = await ownClient.chat.completions.create({ model: "m", messages, stream: true });
    let words = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) words++;
      if (words === 5) stream.controller.abort();
    }
    expect(words).toBe(5);
    await waitFor(() => own.stats.inFlight === 0, 1000);
    expect(own.stats.inFlight).toBe(0);
    await own.close();
  });

  it("reports usage at the end of a stream when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "m",
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    const last = (await collect(stream)).at(-1)?.chunk;
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("calls a tool in a plain completion", async () => {
    const res = await client.chat.completions.create({
      model: "m",
      messages: weatherQuestion,
      tools: [weatherTool],
    });
    const choice = res.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    expect(call?.id).toMatch(/^call_[0-9a-f]+$/);
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "New York" });
  });

  it("streams a tool call that reassembles to the same call and id", async () => {
    const plain = await client.chat.completions.create({
      model: "m",
      messages: weatherQuestion,
      tools: [weatherTool],
    });
    const stream = await client.chat.completions.create({
      model: "m",
      messages: weatherQuestion,
      tools: [weatherTool],
      stream: true,
    });
    const chunks = (await collect(stream)).map((c) => c.chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const calls: { id?: string; name?: string; args: string }[] = [];
    for (const c of chunks) {
      for (const d of c.choices[0]?.delta.tool_calls ?? []) {
        const acc = (calls[d.index] ??= { args: "" });
        acc.id ??= d.id;
        acc.name ??= d.function?.name;
        acc.args += d.function?.arguments ?? "";
      }
    }
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe("get_weather");
    expect(JSON.parse(calls[0]?.args ?? "")).toEqual({ city: "New York" });
    expect(calls[0]?.id).toBe(plain.choices[0]?.message.tool_calls?.[0]?.id);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("turns a tool result into the final answer", async () => {
    const first = await client.chat.completions.create({
      model: "m",
      messages: weatherQuestion,
      tools: [weatherTool],
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (!call) throw new Error("expected a tool call");
    const res = await client.chat.completions.create({
      model: "m",
      tools: [weatherTool],
      messages: [
        ...weatherQuestion,
        { role: "assistant", content: null, tool_calls: [call] },
        {
          role: "tool",
          tool_call_id: call.id,
          content: JSON.stringify({ summary: "New York: 21°C, clear" }),
        },
      ],
    });
    expect(res.choices[0]?.message.content).toBe("[offline model] New York: 21°C, clear");
  });

  it("rejects bad requests with OpenAI-style errors", async () => {
    const empty = client.chat.completions.create({ model: "m", messages: [] });
    await expect(empty).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(empty).rejects.toMatchObject({ status: 400, type: "invalid_request_error" });

    const post = (body: string) => fetch(`${model.url}/chat/completions`, { method: "POST", body });
    const notJson = await post("{nope");
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get("x-switchboard-offline-model")).toBe("true");
    expect(await notJson.json()).toMatchObject({ error: { type: "invalid_request_error" } });

    const huge = await post(
      JSON.stringify({ messages: [{ role: "user", content: "x".repeat(2 * 1024 * 1024) }] }),
    );
    expect(huge.status).toBe(413);
    expect((await huge.json()) as unknown).toMatchObject({
      error: { message: expect.stringContaining("exceeds") },
    });

    const missing = await fetch(`${model.url}/embeddings`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-switchboard-offline-model")).toBe("true");
  });

  it("switches failure modes over HTTP and counts requests per mode", async () => {
    const base = model.url.replace(/\/v1$/, "");
    const before = { ...model.stats.byMode };
    const auth = { authorization: `Bearer ${model.controlToken}` };
    for (const headers of [{}, { authorization: "Bearer guess" }] as Record<string, string>[]) {
      const refused = await fetch(`${base}/__offline/mode`, {
        method: "POST",
        headers,
        body: JSON.stringify({ mode: "error500" }),
      });
      expect(refused.status).toBe(401); // anyone else who reaches the port cannot make it fail
      expect(model.mode).toBe("ok");
    }
    const set = await fetch(`${base}/__offline/mode`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ mode: "error500" }),
    });
    expect(await set.json()).toEqual({ mode: "error500" });
    expect(model.mode).toBe("error500");
    await expect(client.chat.completions.create({ model: "m", messages: hello })).rejects.toThrow();

    const bad = await fetch(`${base}/__offline/mode`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ mode: "chaos" }),
    });
    expect(bad.status).toBe(400);
    expect(model.mode).toBe("error500");

    const stats = (await (await fetch(`${base}/__offline/stats`)).json()) as typeof model.stats & {
      mode: string;
    };
    expect(stats.mode).toBe("error500");
    expect(stats.requests).toBe(model.stats.requests);
    expect(stats.byMode.error500).toBe((before.error500 ?? 0) + 1);
    expect(() => model.setMode("chaos" as never)).toThrow(/unknown failure mode/);
  });
});

describe("failure modes", () => {
  it("error500 gives InternalServerError, streamed or not", async () => {
    model.setMode("error500");
    const plain = client.chat.completions.create({ model: "m", messages: hello });
    await expect(plain).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(plain).rejects.toMatchObject({ status: 500, type: "server_error" });
    const streamed = client.chat.completions.create({ model: "m", messages: hello, stream: true });
    await expect(streamed).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });

  it("rate429 gives RateLimitError with Retry-After: 1", async () => {
    model.setMode("rate429");
    const err: unknown = await client.chat.completions
      .create({ model: "m", messages: hello })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("1");
  });

  it("hang never answers, so the client times out, and the server lets go when it leaves", async () => {
    model.setMode("hang");
    const started = performance.now();
    const call = client.chat.completions.create({ model: "m", messages: hello }, { timeout: 300 });
    await expect(call).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await waitFor(() => model.stats.inFlight === 0);
    expect(model.stats.inFlight).toBe(0);
  });

  it("garbage makes the client fail to parse JSON, streamed or not", async () => {
    model.setMode("garbage");
    const plain = client.chat.completions.create({ model: "m", messages: hello });
    await expect(plain).rejects.toBeInstanceOf(SyntaxError);
    await expect(plain).rejects.toThrow(/JSON/);
    // The SDK logs the bad SSE line before throwing; keep the test output clean.
    const quiet = new OpenAI({ baseURL: model.url, apiKey: "lm-studio", maxRetries: 0, logLevel: "off" });
    const stream = await quiet.chat.completions.create({ model: "m", messages: hello, stream: true });
    await expect(collect(stream)).rejects.toThrow(
      new SyntaxError("Error reading response: malformed server-sent event JSON."),
    );
  });

  it("slow-stream delivers chunks at least 250 ms apart", { timeout: 10_000 }, async () => {
    model.setMode("slow-stream");
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "#say-handoff Bob" }];
    const stream = await client.chat.completions.create({ model: "m", messages, stream: true });
    const chunks = await collect(stream);
    expect(chunks.map((c) => c.chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      "I'll hand this to Bob.",
    );
    const gaps = chunks.slice(1).map((c, i) => c.at - (chunks[i]?.at ?? 0));
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(250);
  });

  it("slow-stream delays a non-streamed answer by about 3 s", { timeout: 10_000 }, async () => {
    model.setMode("slow-stream");
    const started = performance.now();
    const res = await client.chat.completions.create({ model: "m", messages: hello });
    expect(performance.now() - started).toBeGreaterThanOrEqual(2900);
    expect(res.choices[0]?.message.content).toBe(CANNED);
  });
});

describe("close()", () => {
  it("resolves promptly even while a request hangs, failing that request", async () => {
    const own = await startOfflineModel();
    own.setMode("hang");
    const ownClient = new OpenAI({ baseURL: own.url, apiKey: "lm-studio", timeout: 5000, maxRetries: 0 });
    const pending = ownClient.chat.completions
      .create({ model: "m", messages: hello })
      .catch((e: unknown) => e);
    await waitFor(() => own.stats.inFlight === 1);
    const started = performance.now();
    await own.close();
    expect(performance.now() - started).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(await pending).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await expect(fetch(`${own.url}/models`)).rejects.toThrow();
  });
});

describe("modes for runaway models, usage and max_tokens", () => {
  const commsTool = (name: string): ChatCompletionTool => ({
    type: "function",
    function: { name, description: name, parameters: { type: "object", properties: {} } },
  });

  it("cuts the text at max_tokens (four characters a token) with finish_reason length, and records it", async () => {
    const res = await client.chat.completions.create({ model: "m", messages: hello, max_tokens: 6 });
    expect(res.choices[0]?.message.content).toBe(CANNED.slice(0, 24));
    expect(res.choices[0]?.finish_reason).toBe("length");
    expect(res.usage?.completion_tokens).toBe(6);
    expect(model.stats.lastMaxTokens).toBe(6);
    const stream = await client.chat.completions.create({
      model: "m",
      messages: hello,
      max_tokens: 6,
      stream: true,
    });
    const chunks = (await collect(stream)).map((c) => c.chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(CANNED.slice(0, 24));
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("length");
    const roomy = await client.chat.completions.create({ model: "m", messages: hello, max_tokens: 4096 });
    expect(roomy.choices[0]?.message.content).toBe(CANNED);
    expect(roomy.choices[0]?.finish_reason).toBe("stop");
    await client.chat.completions.create({ model: "m", messages: hello });
    expect(model.stats.lastMaxTokens).toBeNull();
    await expect(
      client.chat.completions.create({ model: "m", messages: hello, max_tokens: 0 }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("max_tokens must be a whole number") as unknown,
    });
  });

  it("counts usage in bytes of the messages' contents and of the answer", async () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: "You are Tester." },
      { role: "user", content: "héllo ✓" },
    ];
    const res = await client.chat.completions.create({ model: "m", messages, tools: [weatherTool] });
    const promptBytes = Buffer.byteLength("You are Tester.") + Buffer.byteLength("héllo ✓");
    expect(res.usage?.prompt_tokens).toBe(Math.ceil(promptBytes / 4));
    expect(res.usage?.completion_tokens).toBe(
      Math.ceil(Buffer.byteLength(res.choices[0]?.message.content ?? "") / 4),
    );
  });

  it("tool-loop calls the first offered tool that is not a communication tool, with {}", async () => {
    model.setMode("tool-loop");
    const tools = [commsTool("list_agents"), commsTool("handoff"), weatherTool, commsTool("calculate")];
    const res = await client.chat.completions.create({ model: "m", messages: hello, tools });
    const call = res.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" && call.function).toEqual({ name: "get_weather", arguments: "{}" });
    expect(res.choices[0]?.finish_reason).toBe("tool_calls");
    const only = await client.chat.completions.create({
      model: "m",
      messages: hello,
      tools: [commsTool("broadcast"), commsTool("send_direct")],
      stream: true,
    });
    const names = (await collect(only)).flatMap((c) => c.chunk.choices[0]?.delta.tool_calls ?? []);
    expect(names[0]?.function?.name).toBe("list_agents");
  });

  it("huge answers with 1.5 MiB of text, streamed or not", async () => {
    model.setMode("huge");
    const res = await client.chat.completions.create({ model: "m", messages: hello });
    const text = res.choices[0]?.message.content ?? "";
    expect(text.length).toBe(1.5 * 1024 * 1024);
    expect(text.startsWith("[offline model]")).toBe(true);
    const stream = await client.chat.completions.create({ model: "m", messages: hello, stream: true });
    const streamed = (await collect(stream)).map((c) => c.chunk.choices[0]?.delta.content ?? "").join("");
    expect(streamed).toBe(text);
  });

  it("no-usage reports no usage, streamed or not", async () => {
    model.setMode("no-usage");
    const res = await client.chat.completions.create({ model: "m", messages: hello });
    expect(res.choices[0]?.message.content).toBe(CANNED);
    expect(res.usage).toBeUndefined();
    const stream = await client.chat.completions.create({
      model: "m",
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = (await collect(stream)).map((c) => c.chunk);
    expect(chunks.some((c) => c.usage != null)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("stall sends the headers and one chunk, then holds the connection until the client leaves", async () => {
    model.setMode("stall");
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "m", messages: hello, stream: true },
      { signal: ac.signal },
    );
    const got: string[] = [];
    const reading = (async () => {
      for await (const c of stream) got.push(c.choices[0]?.delta.content ?? "");
    })();
    await waitFor(() => got.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(["[offline model] "]);
    expect(model.stats.inFlight).toBe(1);
    ac.abort();
    await reading;
    await waitFor(() => model.stats.inFlight === 0);
  });

  it("endless streams until the client leaves", async () => {
    model.setMode("endless");
    const stream = await client.chat.completions.create({ model: "m", messages: hello, stream: true });
    let n = 0;
    for await (const c of stream) {
      if (c.choices[0]?.delta.content) n++;
      if (n === 50) break; // leaving the loop aborts the request
    }
    expect(n).toBe(50);
    await waitFor(() => model.stats.inFlight === 0);
  });

  it("close() resolves promptly while stall and endless hold connections open", async () => {
    const own = await startOfflineModel({ streamDelayMs: 1 });
    const ownClient = new OpenAI({ baseURL: own.url, apiKey: "lm-studio", timeout: 5000, maxRetries: 0 });
    own.setMode("stall");
    const stalled = ownClient.chat.completions
      .create({ model: "m", messages: hello })
      .catch((e: unknown) => e);
    await waitFor(() => own.stats.inFlight === 1);
    own.setMode("endless");
    const endless = (async () => {
      const s = await ownClient.chat.completions.create({ model: "m", messages: hello, stream: true });
      for await (const _ of s); // ends quietly or throws when the server goes
    })().catch((e: unknown) => e);
    await waitFor(() => own.stats.inFlight === 2);
    const started = performance.now();
    await own.close();
    expect(performance.now() - started).toBeLessThan(500);
    expect(await stalled).toBeInstanceOf(Error);
    await endless;
    await waitFor(() => own.stats.inFlight === 0); // the endless loop saw its client go and stopped
    expect(own.stats.inFlight).toBe(0);
  });
});
