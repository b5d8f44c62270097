// The fast path must be sound: whatever it accepts, zod accepts too, with the same output, and
// every message it is unsure of gets exactly the answer of the full path. Checked here on every
// message type with thousands of generated variants (valid, boundary and broken).
import { describe, expect, it } from "vitest";
import { decodeValue, decodeValueFully, encodeMessage } from "./codec";
import { compose } from "./compose";
import { fastParse } from "./fast-envelope";

type Obj = Record<string, unknown>;

// A small deterministic generator, so a failure is reproducible.
let seed = 42;
function rand(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}
function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

function nest(depth: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { k: v } : [v];
  return v;
}

const STRINGS = [
  "",
  "a",
  "Weather-Bot",
  "x".repeat(64),
  "x".repeat(65),
  "a.b",
  "a*",
  "a>",
  " a",
  "-a",
  "é",
  "\u0000",
  "\ud800",
  "0123456789abcdefghijkl",
];
const NUMBERS = [
  0,
  -0,
  1,
  2,
  3,
  5,
  6,
  -1,
  1.5,
  255,
  256,
  1_000_000,
  1_000_001,
  86_400_000,
  86_400_001,
  Number.MAX_SAFE_INTEGER,
  1e300,
];
const ODD = [null, true, false, [], {}, undefined, "3", [1], { a: 1 }];
const TIMESTAMPS = [
  "2026-11-30T07:00:00.000Z",
  "2026-11-30T07:00:00Z",
  "2026-11-30T07:00:00+01:00",
  "2026-11-30T07:00:00",
  "2026-02-29T07:00:00.000Z",
  "2024-02-29T07:00:00.000Z",
  "2026-13-01T00:00:00Z",
  "yesterday",
  "2026-11-30T24:00:00Z",
];
const METADATA = [
  {},
  { a: 1, b: "x", c: null, d: [1, { e: false }] },
  { deep: nest(29) },
  { deep: nest(30) },
  { deep: nest(31) },
  { deep: nest(32) },
  { deep: nest(40) },
  JSON.parse('{"__proto__": {"x": 1}}') as unknown,
  { constructor: 1 },
  { nested: { prototype: 1 } },
  [],
  "meta",
  null,
];

function samples(): Obj[] {
  const from = "Sender-1";
  const base: Obj[] = [
    compose("direct", from, { to: "Receiver", content: "hi" }),
    compose("request", from, {
      to: "Receiver",
      content: "q?",
      replyTo: "agents.response.Sender-1.abc",
      timeoutMs: 5_000,
    }),
    compose("ack", from, { to: "Receiver", content: "", inReplyTo: "abc" }),
    compose("response", from, {
      to: "Receiver",
      content: "a",
      inReplyTo: "abc",
      status: "error",
      error: { code: "x", message: "y" },
    }),
    compose("response", from, { to: "Receiver", content: "a", inReplyTo: "abc", status: "ok" }),
    compose("handoff", from, {
      to: "Receiver",
      content: "h",
      handoff: { task: "t", progress: "p", reason: "r", data: { k: [1, 2] } },
      replyTo: "agents.response.Sender-1.abc",
    }),
    compose("stream", from, { to: "Receiver", content: "s", inReplyTo: "abc", seq: 3 }),
    compose("cancel", from, { to: "Receiver", content: "", inReplyTo: "abc" }),
    compose("announcement", from, { content: "all" }, { metadata: { city: "Oslo" }, priority: 4 }),
    compose("discover", from, { content: "" }),
    compose("heartbeat", from, {
      content: "",
      agent: {
        name: from,
        description: "",
        capabilities: [],
        tools: [],
        status: "online",
        runtime: "process",
        startedAt: "2026-11-30T07:00:00.000Z",
        lastSeen: "2026-11-30T07:00:00.000Z",
        heartbeatMs: 1_000,
      },
    }),
  ] as unknown as Obj[];
  // JSON round trip: what a receiver really sees.
  return base.map((m) => JSON.parse(JSON.stringify(m)) as Obj);
}

const FIELDS = [
  "v",
  "id",
  "type",
  "from",
  "to",
  "content",
  "priority",
  "metadata",
  "timestamp",
  "threadId",
  "hops",
  "inReplyTo",
  "replyTo",
  "timeoutMs",
  "status",
  "error",
  "handoff",
  "seq",
  "agent",
  "extra",
];

function mutate(m: Obj): Obj {
  const copy = structuredClone(m);
  const n = 1 + Math.floor(rand() * 2);
  for (let i = 0; i < n; i++) {
    const field = pick(FIELDS);
    const r = rand();
    if (r < 0.12) delete copy[field];
    else if (r < 0.3) copy[field] = pick(STRINGS);
    else if (r < 0.48) copy[field] = pick(NUMBERS);
    else if (r < 0.58) copy[field] = pick(ODD);
    else if (r < 0.68) copy[field] = pick(TIMESTAMPS);
    else if (r < 0.8) copy[field] = pick(METADATA);
    else if (r < 0.88)
      copy.type = pick([
        "direct",
        "request",
        "ack",
        "response",
        "handoff",
        "stream",
        "cancel",
        "announcement",
        "discover",
        "presence",
        "nope",
      ]);
    else if (r < 0.94)
      copy.handoff = {
        task: pick(["", "t"]),
        ...(rand() < 0.5 ? { progress: pick([1, "p"]) } : {}),
        ...(rand() < 0.3 ? { data: pick(METADATA) } : {}),
        ...(rand() < 0.1 ? { extra: 1 } : {}),
      };
    else
      copy.error = {
        code: pick(["", "c", "x".repeat(65)]),
        message: pick(["", 5, "m"]),
        ...(rand() < 0.2 ? { extra: 1 } : {}),
      };
  }
  return copy;
}

function same(value: Obj): void {
  const fast = decodeValue(value);
  const full = decodeValueFully(value);
  expect(fast.ok, JSON.stringify(value) + (full.ok ? "" : " " + full.error.message)).toBe(full.ok);
  if (fast.ok && full.ok) {
    expect(fast.message).toStrictEqual(full.message);
    expect(JSON.stringify(fast.message)).toBe(JSON.stringify(full.message)); // key order too
  } else if (!fast.ok && !full.ok) {
    expect(fast.error.reason).toBe(full.error.reason);
    expect(fast.error.message).toBe(full.error.message);
  }
}

describe("the fast envelope path", () => {
  it("takes every common message type itself, with zod's exact output", () => {
    for (const m of samples()) {
      if (m.type === "heartbeat") {
        expect(fastParse(m)).toBeUndefined(); // agent metadata: left to zod
        continue;
      }
      const fast = fastParse(m);
      expect(fast, String(m.type)).toBeDefined();
      same(m);
    }
  });

  it("agrees with the full path on 20,000 mutated messages", () => {
    let fastAccepted = 0;
    let fullAccepted = 0;
    const all = samples();
    for (let i = 0; i < 20_000; i++) {
      const v = mutate(pick(all));
      same(v);
      if (fastParse(v) !== undefined) fastAccepted++;
      if (decodeValueFully(v).ok) fullAccepted++;
    }
    // Both outcomes are exercised: many valid variants go fast, many broken ones are refused.
    expect(fastAccepted).toBeGreaterThan(1_000);
    expect(fullAccepted).toBeLessThan(19_000);
  }, 60_000); // ~0.2 s on a quiet machine; generous for a loaded 2-core CI run

  it("encodes exactly the bytes the full schema gives", () => {
    for (const m of samples()) {
      const bytes = new TextDecoder().decode(encodeMessage(m as never));
      const full = decodeValueFully(m);
      expect(full.ok).toBe(true);
      if (full.ok) expect(bytes).toBe(JSON.stringify(full.message));
    }
  });

  it("fills defaults as zod does (priority, metadata, status, handoff fields)", () => {
    const m = samples().find((x) => x.type === "handoff")!;
    delete m.priority;
    delete m.metadata;
    m.handoff = { task: "t" };
    const d = decodeValue(m);
    expect(d.ok && d.message).toMatchObject({
      priority: 3,
      metadata: {},
      handoff: { task: "t", progress: "", reason: "", data: {} },
    });
    same(m);
  });
});
