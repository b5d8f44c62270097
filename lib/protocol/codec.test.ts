import { describe, expect, it } from "vitest";
import {
  compose,
  decodeMessage,
  encodeMessage,
  HopLimitError,
  InvalidMessageError,
  MAX_JSON_DEPTH,
  MAX_MESSAGE_BYTES,
  MessageTooLargeError,
  newId,
  type RejectReason,
} from ".";

const enc = new TextEncoder();
const valid = () => compose("direct", "Alice", { to: "Bob", content: "hi" });
const bytes = (v: unknown) => enc.encode(typeof v === "string" ? v : JSON.stringify(v));
const withField = (patch: Record<string, unknown>) => bytes({ ...valid(), ...patch });

describe("encode / decode", () => {
  it("round-trips every field", () => {
    const m = compose(
      "handoff",
      "Task-Coordinator",
      {
        to: "Weather-Bot",
        content: "please",
        handoff: {
          task: "weather in Oslo",
          progress: "parsed city",
          reason: "weather",
          data: { city: "Oslo" },
        },
      },
      { priority: 5, metadata: { tag: ["x", 1, null] } },
    );
    const d = decodeMessage(encodeMessage(m));
    expect(d).toEqual({ ok: true, message: m });
  });

  it("fills defaults for priority and metadata", () => {
    const { priority: _p, metadata: _m, ...rest } = valid();
    const d = decodeMessage(bytes(rest));
    expect(d.ok && d.message.priority).toBe(3);
    expect(d.ok && d.message.metadata).toEqual({});
  });

  it("refuses to encode an invalid or oversized message", () => {
    expect(() => encodeMessage({ ...valid(), priority: 9 as 1 })).toThrow(InvalidMessageError);
    const big = compose("direct", "a", { to: "b", content: "x".repeat(MAX_MESSAGE_BYTES) });
    expect(() => encodeMessage(big)).toThrow(MessageTooLargeError);
  });

  const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
  const cases: [string, Uint8Array, RejectReason][] = [
    ["non-JSON", bytes("hello"), "malformed_json"],
    ["truncated JSON", bytes('{"v":1,"id":'), "malformed_json"],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "invalid_utf8"],
    ["null body", bytes("null"), "not_an_object"],
    ["array body", bytes("[1,2]"), "not_an_object"],
    ["number body", bytes("42"), "not_an_object"],
    ["string body", bytes('"hi"'), "not_an_object"],
    ["empty body", new Uint8Array(), "malformed_json"],
    ["missing id", bytes({ ...valid(), id: undefined }), "invalid_envelope"],
    ["missing type", bytes({ ...valid(), type: undefined }), "invalid_envelope"],
    ["unknown type", withField({ type: "shout" }), "invalid_envelope"],
    ["content not a string", withField({ content: 42 }), "invalid_envelope"],
    ["priority 0", withField({ priority: 0 }), "invalid_envelope"],
    ["priority 2.5", withField({ priority: 2.5 }), "invalid_envelope"],
    ["huge hop count", bytes(`{"v":1,"hops":1e400}`), "invalid_envelope"],
    ["huge number", withField({ hops: 1e300 }), "invalid_envelope"],
    ["negative hops", withField({ hops: -1 }), "invalid_envelope"],
    ["bad timestamp", withField({ timestamp: "yesterday" }), "invalid_envelope"],
    ["wildcard sender", withField({ from: "*" }), "invalid_envelope"],
    ["dotted target", withField({ to: "a.b" }), "invalid_envelope"],
    ["id with a dot", withField({ id: "a.b" }), "invalid_envelope"],
    ["unknown version", withField({ v: 2 }), "unsupported_version"],
    ["missing version", bytes({ ...valid(), v: undefined }), "unsupported_version"],
    ["__proto__ at top", bytes(`{"__proto__":{"admin":true},"v":1}`), "forbidden_key"],
    [
      "__proto__ in metadata",
      bytes(JSON.stringify(valid()).replace('"metadata":{}', '"metadata":{"__proto__":{"x":1}}')),
      "forbidden_key",
    ],
    [
      "escaped __proto__",
      bytes(JSON.stringify(valid()).replace('"metadata":{}', '"metadata":{"\\u005f_proto__":1}')),
      "forbidden_key",
    ],
    ["constructor key", withField({ metadata: { constructor: { prototype: 1 } } }), "forbidden_key"],
    ["nested too deep", withField({ metadata: { d: deep(40) } }), "too_deep"],
    ["oversized", enc.encode(" ".repeat(MAX_MESSAGE_BYTES + 1)), "oversized"],
  ];

  it.each(cases)("rejects %s with reason %s", (_what, data, reason) => {
    const d = decodeMessage(data);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.error.reason).toBe(reason);
      expect(d.error.message.length).toBeGreaterThan(0);
    }
  });

  it("honours a smaller configured limit", () => {
    const d = decodeMessage(encodeMessage(valid()), 50);
    expect(!d.ok && d.error.reason).toBe("oversized");
  });
});

describe("compose", () => {
  it("starts a thread, and a caused message keeps it one hop further", () => {
    const first = compose("request", "A", { to: "B", content: "q", replyTo: "x" });
    expect(first.threadId).toBe(first.id);
    expect(first.hops).toBe(0);
    const next = compose(
      "handoff",
      "B",
      { to: "C", content: "c", handoff: { task: "t", progress: "", reason: "", data: {} } },
      { cause: first },
    );
    expect(next.threadId).toBe(first.threadId);
    expect(next.hops).toBe(1);
    const answer = compose(
      "response",
      "B",
      { to: "A", content: "a", inReplyTo: first.id, status: "ok" },
      { sameHopAs: first },
    );
    expect(answer.hops).toBe(0);
    expect(answer.threadId).toBe(first.threadId);
  });

  it("refuses to pass work on past the hop limit", () => {
    const cause = { id: "x", threadId: "t", hops: 3 };
    expect(() => compose("direct", "A", { to: "B", content: "" }, { cause, maxHops: 3 })).toThrow(
      HopLimitError,
    );
    expect(compose("direct", "A", { to: "B", content: "" }, { cause, maxHops: 4 }).hops).toBe(4);
  });

  it("makes unique, time-ordered ids that are subject tokens", () => {
    const ids = Array.from({ length: 10_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(newId(1_000) < newId(2_000)).toBe(true);
  });
});

describe("one depth limit for sending and receiving", () => {
  it("refuses to send what a receiver would drop as too deep, and sends what it would take", () => {
    const nest = (n: number): unknown => (n === 0 ? "leaf" : { k: nest(n - 1) });
    // metadata sits at depth 1 of the envelope; its innermost object at depth 1 + n
    const ok = compose(
      "announcement",
      "A",
      { content: "" },
      { metadata: { k: nest(MAX_JSON_DEPTH - 2) } as never },
    );
    const deep = compose(
      "announcement",
      "A",
      { content: "" },
      { metadata: { k: nest(MAX_JSON_DEPTH) } as never },
    );
    expect(decodeMessage(encodeMessage(ok)).ok).toBe(true);
    expect(() => encodeMessage(deep)).toThrow(/deeper than/);
  });
});
