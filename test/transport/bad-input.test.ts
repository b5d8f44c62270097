// Hostile and malformed input on an agent's own subjects: each is dropped with its reason and
// counted, and the agent goes on answering valid requests. Mallory is a member with a valid
// credential, so the server lets her publish on subjects that name her as the sender; what she
// puts in the body is hers to get wrong (or to forge: `spoofed`).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { compose, type AgentMessage, type RejectReason } from "../../lib/protocol";
import { AgentLink, silentLogger, type NatsConnection } from "../../lib/transport";
import { connectNats, credsText } from "../../lib/transport/connect";
import { credentialsFor, eventually } from "../helpers";

const LIMIT = 64 * 1024;
let server: NatsServerHandle;
let raw: NatsConnection;
let target: AgentLink;
let asker: AgentLink;
const warnings: string[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  // Connections that live for the whole file (the helpers' close after each test).
  const as = async (name: string) =>
    connectNats({
      servers: server.url,
      credentials: credsText(await credentialsFor(server.url, { role: "agent", name, runtime: "process" })),
    });
  raw = await as("Mallory");
  target = await AgentLink.start({
    connection: await as("Target"),
    agent: { name: "Target" },
    ownsConnection: true,
    maxMessageBytes: LIMIT,
    logger: { ...silentLogger, warn: (m) => void warnings.push(m) },
    handlers: { request: (m) => `ok: ${m.content}`, direct: () => {}, handoff: () => {} },
  });
  asker = await AgentLink.start({
    connection: await as("Asker"),
    agent: { name: "Asker" },
    ownsConnection: true,
    logger: silentLogger,
  });
});
afterAll(async () => {
  await asker.close();
  await target.close();
  await raw.close();
  await server.stop();
});

const enc = new TextEncoder();
const json = (m: unknown) => enc.encode(JSON.stringify(m));
const direct = (patch: Record<string, unknown> = {}) => ({
  ...compose("direct", "Mallory", { to: "Target", content: "hi" }),
  ...patch,
});
const request = (patch: Partial<AgentMessage> = {}) => {
  const m = compose("request", "Mallory", { to: "Target", content: "q", replyTo: "" });
  return { ...m, replyTo: `agents.response.Mallory.${m.id}.Target`, ...patch };
};
const D = "agents.direct.Target.Mallory";
const R = "agents.request.Target.Mallory";
/** A task's live copy (sent when the log cannot store it): checked as on its own subject. */
const L = "agents.live.Target.Mallory";

const cases: [what: string, subject: string, body: Uint8Array, reason: RejectReason][] = [
  ["non-JSON", D, enc.encode("hello there"), "malformed_json"],
  ["invalid UTF-8", D, new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), "invalid_utf8"],
  ["a null body", D, enc.encode("null"), "not_an_object"],
  ["an array body", D, enc.encode('[{"v":1}]'), "not_an_object"],
  ["a number body", R, enc.encode("1e999"), "not_an_object"],
  ["an empty body", D, new Uint8Array(), "malformed_json"],
  ["a missing sender", D, json(direct({ from: undefined })), "invalid_envelope"],
  ["a mistyped priority", D, json(direct({ priority: "urgent" })), "invalid_envelope"],
  [
    "a __proto__ key",
    D,
    enc.encode(JSON.stringify(direct()).replace("{", '{"__proto__":{"isAdmin":true},')),
    "forbidden_key",
  ],
  [
    "a huge number",
    D,
    enc.encode(JSON.stringify(direct()).replace('"hops":0', '"hops":1e400')),
    "invalid_envelope",
  ],
  ["an oversized body", D, json(direct({ content: "x".repeat(LIMIT) })), "oversized"],
  ["a wildcard sender name", D, json(direct({ from: "evil.>" })), "invalid_envelope"],
  ["an unknown version", D, json(direct({ v: 99 })), "unsupported_version"],
  ["a hop count over the limit", D, json(direct({ hops: 9 })), "hop_limit"],
  [
    "a reply to an unknown request",
    "agents.response.Target.abc.Mallory",
    json({
      ...compose("response", "Mallory", { to: "Target", content: "", inReplyTo: "abc", status: "ok" }),
    }),
    "unknown_request",
  ],
  ["a message for someone else", D, json(direct({ to: "Someone-Else" })), "misrouted"],
  ["a request on the direct subject", D, json(request()), "misrouted"],
  ["a request that answers elsewhere", R, json(request({ replyTo: "agents.direct.Victim" })), "misrouted"],
  ["a direct message in another's name", D, json(direct({ from: "Trusted" })), "spoofed"],
  ["a request in another's name", R, json(request({ from: "Trusted" })), "spoofed"],
  [
    "a handoff in another's name",
    "agents.handoff.Mallory.to.Target",
    json(
      compose("handoff", "Trusted", {
        to: "Target",
        content: "",
        handoff: { task: "t", progress: "", reason: "", data: {} },
      }),
    ),
    "spoofed",
  ],
  [
    "a cancel in another's name",
    "agents.cancel.Target.Mallory",
    json(compose("cancel", "Trusted", { to: "Target", content: "", inReplyTo: "abc" })),
    "spoofed",
  ],
  [
    "an answer in another's name",
    "agents.response.Target.abc.Mallory",
    json(compose("response", "Trusted", { to: "Target", content: "", inReplyTo: "abc", status: "ok" })),
    "spoofed",
  ],
  ["a live copy that is not JSON", L, enc.encode("hello there"), "malformed_json"],
  ["a live copy in another's name", L, json(direct({ from: "Trusted" })), "spoofed"],
  ["a live copy for someone else", L, json(direct({ to: "Someone-Else" })), "misrouted"],
  [
    "a broadcast sent as a live copy",
    L,
    json(compose("announcement", "Mallory", { content: "x" })),
    "misrouted",
  ],
  [
    "a live request that answers elsewhere",
    L,
    json(request({ replyTo: "agents.direct.Victim" })),
    "misrouted",
  ],
  [
    "nesting 40 levels deep",
    D,
    enc.encode(
      JSON.stringify(direct()).replace('"metadata":{}', `"metadata":${'{"a":'.repeat(40)}1${"}".repeat(40)}`),
    ),
    "too_deep",
  ],
];

describe("bad input on an agent's subjects", () => {
  it(`covers at least 15 kinds (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)("drops %s as %s and keeps answering", async (_what, subject, body, reason) => {
    const before = target.stats.rejectedBy[reason];
    const total = target.stats.rejected;
    raw.publish(subject, body);
    await raw.flush();
    await eventually(() => target.stats.rejectedBy[reason] === before + 1);
    expect(target.stats.rejected).toBe(total + 1);
    expect(warnings.some((w) => w.includes(reason))).toBe(true);
    const ok = await asker.request("Target", "still there?");
    expect(ok.content).toBe("ok: still there?");
  });

  it("answers a request over the hop limit with an error instead of running it", async () => {
    const m = request({ hops: 20 });
    const inbox = raw.subscribe(m.replyTo, { max: 1 });
    raw.publish(R, json(m)); // the envelope's replyTo says where to answer (no NATS reply: the log would ack it)
    for await (const reply of inbox) {
      expect(reply.json()).toMatchObject({
        type: "response",
        status: "error",
        error: { code: "hop_limit" },
        inReplyTo: m.id,
      });
    }
  });

  it("logs a flood of bad messages a few times, but counts every one", async () => {
    warnings.length = 0;
    const before = target.stats.rejectedBy.malformed_json;
    for (let i = 0; i < 500; i++) raw.publish(D, enc.encode(`garbage ${i}`));
    await raw.flush();
    await eventually(() => target.stats.rejectedBy.malformed_json === before + 500);
    expect(warnings.length).toBeLessThanOrEqual(5);
    expect((await asker.request("Target", "alive")).content).toBe("ok: alive");
  });
});
