// The route handlers of /api/agents and the LLM proxy, called as Next calls them, against a real
// nats-server and the offline model.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OfflineModel } from "../../agents/offline-model";
import { RegistryWatcher } from "../../lib/transport";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { connection, link } from "../helpers";
import { offlineModel } from "../agents/fixtures";
// Types only: the modules are imported after the environment points them at the test servers.
import type * as AgentRoute from "../../app/api/agents/[name]/route";
import type * as AgentsRoute from "../../app/api/agents/route";
import type * as LlmRoute from "../../app/api/llm/v1/[...path]/route";

let server: NatsServerHandle;
let model: OfflineModel;
let agents: typeof AgentsRoute;
let agent: typeof AgentRoute;
let llm: typeof LlmRoute;

beforeAll(async () => {
  server = await startNatsServer();
  model = await offlineModel();
  process.env.NATS_URL = server.url;
  process.env.LLM_BASE_URL = model.url;
  process.env.SERVER_AGENT_LIMIT = "2";
  agents = await import("../../app/api/agents/route");
  agent = await import("../../app/api/agents/[name]/route");
  llm = await import("../../app/api/llm/v1/[...path]/route");
});
afterAll(async () => {
  const host = await import("../../app/api/server-context").then((m) => m.agentHost());
  for (const a of host.list()) await host.stop(a.name);
  await model.close();
  await server.stop();
});

const HOST = "127.0.0.1:3000";
function post(body: unknown, headers: Record<string, string> = {}): Request {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Request(`http://${HOST}/api/agents`, {
    method: "POST",
    headers: { host: HOST, "content-type": "application/json", ...headers },
    body: text,
  });
}
const get = (path: string, host = HOST) => new Request(`http://${host}${path}`, { headers: { host } });
const del = (name: string, headers: Record<string, string> = {}) =>
  agent.DELETE(
    new Request(`http://${HOST}/api/agents/${encodeURIComponent(name)}`, {
      method: "DELETE",
      headers: { host: HOST, ...headers },
    }),
    {
      params: Promise.resolve({ name }),
    },
  );
const valid = {
  name: "Route-Bot",
  description: "made by a test",
  instructions: "Answer briefly.",
  capabilities: ["testing"],
  tools: ["calculate"],
};

describe("POST /api/agents refuses bad definitions with a reason", () => {
  it.each([
    ["missing name", { instructions: "x" }, /name/],
    ["invalid name", { ...valid, name: "bad.name" }, /name: agent name/],
    ["wildcard name", { ...valid, name: "*" }, /name/],
    ["unknown tool", { ...valid, tools: ["rm_rf"] }, /unknown tool "rm_rf"/],
    ["oversized instructions", { ...valid, instructions: "x".repeat(8_001) }, /longer than 8000/],
    ["wrong types", { ...valid, capabilities: "testing" }, /capabilities/],
    ["missing instructions", { name: "No-Instructions" }, /instructions/],
    ["an unexpected field", { ...valid, shell: "ls" }, /shell/],
    ["an array body", [valid], /definition/],
  ])("%s -> 400", async (_what, body, reason) => {
    const r = await agents.POST(post(body));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(reason);
  });

  it("a body that is not JSON -> 400, an oversized one -> 413", async () => {
    expect((await agents.POST(post("{not json"))).status).toBe(400);
    const big = await agents.POST(post({ ...valid, description: "y".repeat(40_000) }));
    expect(big.status).toBe(413);
  });

  it("refuses a chunked or falsely sized body while it streams, without reading it whole", async () => {
    let pulled = 0;
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull(c) {
          if (pulled > 64 * 1024 * 1024) return c.close(); // a bound for the test itself
          pulled += 16 * 1024;
          c.enqueue(new Uint8Array(16 * 1024).fill(0x20));
        },
      });
    const chunked = (headers: Record<string, string>) =>
      new Request(`http://${HOST}/api/agents`, {
        method: "POST",
        headers: { host: HOST, "content-type": "application/json", ...headers },
        body: endless(),
        duplex: "half",
      } as RequestInit);
    const r = await agents.POST(chunked({}));
    expect(r.status).toBe(413);
    expect(pulled).toBeLessThan(256 * 1024); // cut off near the 32 KiB limit, not at 64 MiB
    pulled = 0;
    const lying = await agents.POST(chunked({ "content-length": "10" }));
    expect(lying.status).toBe(413);
    expect(pulled).toBeLessThan(256 * 1024);
  });

  it("answers only to the dashboard's host names (a DNS-rebinding page sends its own)", async () => {
    const evil = "rebind.evil.example:3000";
    const sameOrigin = { host: evil, origin: `http://${evil}`, "sec-fetch-site": "same-origin" };
    for (const r of [
      await agents.POST(post(valid, sameOrigin)),
      await agents.GET(get("/api/agents", evil)),
      await llm.GET(get("/api/llm/v1/models", evil), { params: Promise.resolve({ path: ["models"] }) }),
      await del("Weather-Bot", sameOrigin),
    ]) {
      expect(r.status).toBe(403);
      expect(((await r.json()) as { error: string }).error).toContain("DASHBOARD_HOSTNAMES");
    }
    expect((await agents.GET(get("/api/agents", "localhost:3000"))).status).toBe(200);
    expect((await agents.GET(get("/api/agents", "[::1]:3000"))).status).toBe(200);
  });

  it.each([
    ["another origin", { origin: "http://evil.example" }],
    ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site same-site", { "sec-fetch-site": "same-site", origin: "http://sub.127.0.0.1:3000" }],
  ])("refuses a cross-site POST (%s) with 403, and DELETE too", async (_what, headers) => {
    const r = await agents.POST(post(valid, headers));
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toContain("cross-site request refused");
    expect((await del("Weather-Bot", headers)).status).toBe(403);
  });
});

describe("server agents", () => {
  it("start (201), appear online with runtime 'server', answer, are listed, refuse a duplicate, and stop", async () => {
    const watcher = await RegistryWatcher.start({ connection: await connection(server.url) });
    const r = await agents.POST(post(valid, { origin: `http://${HOST}`, "sec-fetch-site": "same-origin" }));
    expect(r.status).toBe(201);
    await watcher.waitFor((s) => s.agents["Route-Bot"]?.status === "online", 3_000);
    expect(watcher.state.agents["Route-Bot"]?.agent.runtime).toBe("server");
    const me = await link(server.url, "Route-Tester");
    const answer = await me.request("Route-Bot", "hi there", { timeoutMs: 10_000 });
    expect(answer.content).toContain("Route-Bot");
    const listed = (await (await agents.GET(get("/api/agents"))).json()) as { agents: { name: string }[] };
    expect(listed.agents.map((a) => a.name)).toContain("Route-Bot");
    const dup = await agents.POST(post(valid));
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as { error: string }).error).toContain("already online");
    expect((await del("Route-Bot")).status).toBe(200);
    await watcher.waitFor((s) => s.agents["Route-Bot"]?.status === "offline", 3_000);
    expect(watcher.state.agents["Route-Bot"]?.offlineReason).toBe("announced");
    expect((await del("Route-Bot")).status).toBe(404);
    expect((await del("bad.name")).status).toBe(400);
    await watcher.close();
  });

  it("refuses the name of an agent online elsewhere", async () => {
    await link(server.url, "Taken-Name"); // online a moment ago: the host has not heard of it yet
    const r = await agents.POST(post({ ...valid, name: "Taken-Name" }));
    expect(r.status).toBe(409);
    expect(((await r.json()) as { error: string }).error).toContain("runs in process");
  });

  it("refuses a start past SERVER_AGENT_LIMIT with 429 and says why", async () => {
    expect((await agents.POST(post({ ...valid, name: "Limit-A" }))).status).toBe(201);
    expect((await agents.POST(post({ ...valid, name: "Limit-B" }))).status).toBe(201);
    const r = await agents.POST(post({ ...valid, name: "Limit-C" }));
    expect(r.status).toBe(429);
    expect(((await r.json()) as { error: string }).error).toContain("SERVER_AGENT_LIMIT");
    expect((await del("Limit-A")).status).toBe(200);
    expect((await agents.POST(post({ ...valid, name: "Limit-C" }))).status).toBe(201);
    expect((await del("Limit-B")).status).toBe(200);
    expect((await del("Limit-C")).status).toBe(200);
  });

  it("refuses the second of two simultaneous starts of one name", async () => {
    const [a, b] = await Promise.all([
      agents.POST(post({ ...valid, name: "Twin" })),
      agents.POST(post({ ...valid, name: "Twin" })),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect((await del("Twin")).status).toBe(200);
  });
});

describe("the LLM proxy", () => {
  const call = (path: string[], init: RequestInit = {}) =>
    (init.method === "POST" ? llm.POST : llm.GET)(
      new Request(`http://${HOST}/api/llm/v1/${path.join("/")}`, { headers: { host: HOST }, ...init }),
      {
        params: Promise.resolve({ path }),
      },
    );

  it("forwards models and chat completions to the server's LLM, and nothing else", async () => {
    const models = await call(["models"]);
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: { id: string }[] }).data[0]?.id).toBe("switchboard-offline");
    const chat = await call(["chat", "completions"], {
      method: "POST",
      body: JSON.stringify({ model: "switchboard-offline", messages: [{ role: "user", content: "ping" }] }),
    });
    expect(chat.status).toBe(200);
    expect(chat.headers.get("x-switchboard-llm")).toBe("offline-model");
    expect(
      ((await chat.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toContain("ping");
    expect((await call(["embeddings"], { method: "POST", body: "{}" })).status).toBe(404);
  });

  it("passes the LLM's failures through with their status (429 keeps Retry-After)", async () => {
    model.setMode("rate429");
    const r = await call(["chat", "completions"], {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }),
    });
    model.setMode("ok");
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("1");
  });
});
