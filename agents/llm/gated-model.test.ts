// The gate's slot comes back on every path, exactly once, even from a model that ignores its
// signal or never settles. The inner models here are tiny scripted ChatModels: this tests the
// gate, not the LLM (openai-model.test.ts runs it over the real client).
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../lib/config";
import { GATE_GRACE_MS, GatedModel } from "./gated-model";
import { ModelError, type ChatModel, type CompleteOptions, type ModelTurn } from "./model";

const ANSWER: ModelTurn = { content: "done", toolCalls: [] };

/** A model that ignores its signal: each call waits until the test settles it by hand. */
class Manual implements ChatModel {
  readonly id = "manual";
  readonly calls: { resolve: (t: ModelTurn) => void; reject: (e: Error) => void }[] = [];
  constructor(readonly timeoutMs?: number) {}
  complete(): Promise<ModelTurn> {
    return new Promise((resolve, reject) => void this.calls.push({ resolve, reject }));
  }
}

/** A model that never settles its first `hangs` calls, then answers at once. */
function hangingThen(hangs: number): ChatModel {
  let n = 0;
  return {
    id: "hanging",
    complete: () => (n++ < hangs ? new Promise<ModelTurn>(() => {}) : Promise.resolve(ANSWER)),
  };
}

function call(signal = new AbortController().signal): CompleteOptions {
  return { messages: [{ role: "user", content: "hi" }], tools: [], signal };
}

async function rejection(p: Promise<unknown>): Promise<ModelError> {
  const e = await p.then(
    () => {
      throw new Error("the call succeeded");
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModelError);
  return e as ModelError;
}

describe("GatedModel", () => {
  it("takes the slot back at the hard deadline from a model that never settles", async () => {
    // Queue limit 0: while the slot is held, another call fails `busy` at once.
    const gate = new GatedModel(hangingThen(1), 1, 0, 200);
    const t0 = performance.now();
    const first = gate.complete(call());
    expect((await rejection(gate.complete(call()))).kind).toBe("busy");
    const err = await rejection(first);
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(/did not end within 200 ms/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect(await gate.complete(call())).toEqual(ANSWER);
  });

  it("frees the slot at once when the caller aborts, though the model ignores its signal", async () => {
    const inner = new Manual();
    const gate = new GatedModel(inner, 1, 0, 60_000);
    const ac = new AbortController();
    const running = gate.complete(call(ac.signal));
    await Promise.resolve();
    ac.abort();
    expect((await rejection(running)).kind).toBe("aborted");
    const next = gate.complete(call());
    await Promise.resolve();
    expect(inner.calls).toHaveLength(2); // the second call reached the model: the slot was free
    inner.calls[1]!.resolve(ANSWER);
    expect(await next).toEqual(ANSWER);
  });

  it("ignores a late settle: the slot is given back exactly once", async () => {
    const inner = new Manual();
    const gate = new GatedModel(inner, 1, 0, 100);
    const first = gate.complete(call());
    expect((await rejection(first)).kind).toBe("timeout");
    // Now the inner call settles after all. Were the slot released again, two calls could run at
    // once below, and the second would not be refused.
    inner.calls[0]!.resolve(ANSWER);
    await new Promise((r) => setTimeout(r, 10));
    const held = gate.complete(call());
    expect((await rejection(gate.complete(call()))).kind).toBe("busy");
    await Promise.resolve();
    inner.calls[1]!.resolve(ANSWER);
    expect(await held).toEqual(ANSWER);
  });

  it("hands the slot to the next in the queue when the running call is aborted", async () => {
    const inner = new Manual();
    const gate = new GatedModel(inner, 1, 4, 60_000);
    const ac = new AbortController();
    const first = gate.complete(call(ac.signal));
    const second = gate.complete(call());
    await Promise.resolve();
    expect(inner.calls).toHaveLength(1);
    ac.abort();
    expect((await rejection(first)).kind).toBe("aborted");
    await Promise.resolve();
    expect(inner.calls).toHaveLength(2);
    inner.calls[1]!.resolve(ANSWER);
    expect(await second).toEqual(ANSWER);
  });

  it("refuses a call whose signal is already aborted without calling the model", async () => {
    const inner = new Manual();
    const gate = new GatedModel(inner, 1, 0, 60_000);
    const ac = new AbortController();
    ac.abort();
    expect((await rejection(gate.complete(call(ac.signal)))).kind).toBe("aborted");
    expect(inner.calls).toHaveLength(0);
    const next = gate.complete(call());
    await Promise.resolve();
    inner.calls[0]!.resolve(ANSWER);
    expect(await next).toEqual(ANSWER);
  });

  it("passes the model's own errors through and frees the slot", async () => {
    const inner = new Manual();
    const gate = new GatedModel(inner, 1, 0, 60_000);
    const first = gate.complete(call());
    await Promise.resolve();
    inner.calls[0]!.reject(new ModelError("server_error", "boom"));
    expect((await rejection(first)).kind).toBe("server_error");
    const next = gate.complete(call());
    await Promise.resolve();
    inner.calls[1]!.resolve(ANSWER);
    expect(await next).toEqual(ANSWER);
  });

  it("defaults its hard deadline to the model's own deadline plus a grace", () => {
    expect(new GatedModel(new Manual(1_500)).hardDeadlineMs).toBe(1_500 + GATE_GRACE_MS);
    expect(new GatedModel(new Manual()).hardDeadlineMs).toBe(DEFAULTS.llmTimeoutMs + GATE_GRACE_MS);
  });
});
