// The route handlers (sign-in, the agents API, the identity route, the LLM proxy), called as
// Next calls them, against a real nats-server with authentication on and the offline model.
import { createUser } from "@nats-io/nkeys";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OfflineModel } from "../../agents/offline-model";
import { credentialInfo, IdentityAuthority } from "../../lib/identity";
import { AgentLink, RegistryWatcher, silentLogger } from "../../lib/transport";
import { connectNatsWs } from "../../lib/transport/connect-browser";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { collect, connection, eventually, link, OBSERVER, retry } from "../helpers";
import { offlineModel } from "../agents/fixtures";
// Types only: the modules are imported after the environment points them at the test servers.
import type * as AgentRoute from "../../app/api/agents/[name]/route";
import type * as AgentsRoute from "../../app/api/agents/route";
import type * as IdentityRoute from "../../app/api/identity/route";
import type * as LlmRoute from "../../app/api/llm/v1/[...path]/route";
import type * as LoginRoute from "../../app/login/route";
import { deriveLoginToken } from "../../lib/identity";

// The browser's WebSocket, for connecting the way a tab does (Node 20 has none of its own).
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const TOKEN = IdentityAuthority.token();
const HOST = "127.0.0.1:3000";
const SAME_ORIGIN = { origin: `http://${HOST}`, "sec-fetch-site": "same-origin" };

let server: NatsServerHandle;
let model: OfflineModel;
let agents: typeof AgentsRoute;
let agent: typeof AgentRoute;
let identity: typeof IdentityRoute;
let llm: typeof LlmRoute;
let login: typeof LoginRoute;
/** The first sign-in's answer, and the session it started (every call below uses it). */
let firstLogin: Response;
let session: string;

beforeAll(async () => {
  server = await startNatsServer();
  model = await offlineModel();
  Object.assign(process.env, {
    NATS_URL: server.url,
    LLM_BASE_URL: model.url,
    SERVER_AGENT_LIMIT: "2",
    SWITCHBOARD_DATA_DIR: server.dataDir,
    DASHBOARD_TOKEN: TOKEN,
  });
  agents = await import("../../app/api/agents/route");
  agent = await import("../../app/api/agents/[name]/route");
  identity = await import("../../app/api/identity/route");
  llm = await import("../../app/api/llm/v1/[...path]/route");
  login = await import("../../app/login/route");
  firstLogin = login.GET(request(`/login?token=${TOKEN}`, { session: false }));
  session = /switchboard_session=([^;]*)/.exec(firstLogin.headers.get("set-cookie") ?? "")?.[1] ?? "";
});
afterAll(async () => {
  const host = await import("../../app/api/server-context").then((m) => m.agentHost());
  for (const a of host.list()) await host.stop(a.name);
  await model.close();
  await server.stop();
});

interface Call {
  method?: string;
  body?: string | ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
  /** Send the session cookie (default), none, or this value. */
  session?: boolean | string;
  host?: string;
}

function request(path: string, c: Call = {}): Request {
  const host = c.host ?? HOST;
  const cookie =
    c.session === false ? undefined : c.session === true || c.session === undefined ? session : c.session;
  return new Request(`http://${host}${path}`, {
    method: c.method ?? "GET",
    headers: {
      host,
      ...(cookie === undefined ? {} : { cookie: `switchboard_session=${cookie}` }),
      ...(c.body === undefined ? {} : { "content-type": "application/json" }),
      ...c.headers,
    },
    ...(c.body === undefined ? {} : { body: c.body, duplex: "half" }),
  } as RequestInit);
}

const errorOf = async (r: Response) => ((await r.json()) as { error: string }).error;
const params = <T>(p: T) => ({ params: Promise.resolve(p) });

const valid = {
  name: "Route-Bot",
  description: "made by a test",
  instructions: "Answer briefly.",
  capabilities: ["testing"],
  tools: ["calculate"],
};
const startAgent = (body: unknown, c: Call = {}) =>
  agents.POST(
    request("/api/agents", {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...c,
    }),
  );
const stopAgent = (name: string, c: Call = {}) =>
  agent.DELETE(
    request(`/api/agents/${encodeURIComponent(name)}`, { method: "DELETE", ...c }),
    params({ name }),
  );
const askIdentity = (body: unknown, c: Call = {}) =>
  identity.POST(
    request("/api/identity", {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...c,
    }),
  );

/** Every route, called with what a caller adds; `limit`: the body limit of a route that takes one. */
const ROUTES: {
  route: string;
  call: (c: Call) => Promise<Response>;
  limit?: number;
}[] = [
  { route: "GET /api/agents", call: (c) => agents.GET(request("/api/agents", c)) },
  { route: "POST /api/agents", call: (c) => startAgent(valid, c), limit: 32 * 1024 },
  { route: "DELETE /api/agents/{name}", call: (c) => stopAgent("Nobody-Here", c) },
  {
    route: "POST /api/identity",
    call: (c) =>
      askIdentity({ role: "person", name: "you-abc123", publicKey: createUser().getPublicKey() }, c),
    limit: 1024,
  },
  {
    route: "GET /api/llm/v1/models",
    call: (c) => llm.GET(request("/api/llm/v1/models", c), params({ path: ["models"] })),
  },
  {
    route: "POST /api/llm/v1/chat/completions",
    call: (c) =>
      llm.POST(
        request("/api/llm/v1/chat/completions", {
          method: "POST",
          body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
          ...c,
        }),
        params({ path: ["chat", "completions"] }),
      ),
    limit: 2 * 1024 * 1024,
  },
];
const WITH_BODY = ROUTES.filter((r) => r.limit !== undefined);

describe("/login: the one-time URL npm start prints", () => {
  it("signs in once: 303 to / with an HttpOnly, SameSite=Strict session cookie", () => {
    expect(firstLogin.status).toBe(303);
    expect(firstLogin.headers.get("location")).toBe("/");
    const cookie = firstLogin.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^switchboard_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).not.toContain("Secure"); // plain http on 127.0.0.1: a Secure cookie would never be sent
  });

  it("refuses the same token a second time (401), and says where a new one comes from", async () => {
    const again = login.GET(request(`/login?token=${TOKEN}`, { session: false }));
    expect(again.status).toBe(401);
    expect(again.headers.get("set-cookie")).toBeNull();
    const page = await again.text();
    expect(page).toContain("npm start");
    expect(page).not.toContain(TOKEN);
    expect(page).not.toContain(server.url); // no settings leak to whoever is not signed in
  });

  it.each([
    ["a wrong token", `/login?token=${IdentityAuthority.token()}`],
    ["a wrong token of another length", "/login?token=x"],
    ["no token", "/login"],
  ])("refuses %s with 401", (_what, path) => {
    const r = login.GET(request(path, { session: false }));
    expect(r.status).toBe(401);
    expect(r.headers.get("set-cookie")).toBeNull();
  });

  it("takes a link from `switchboard login-link` once, and refuses a tampered, expired or foreign one", () => {
    const link = deriveLoginToken(TOKEN, 60_000);
    const first = login.GET(request(`/login?token=${link}`, { session: false }));
    expect(first.status).toBe(303);
    expect(first.headers.get("set-cookie")).toMatch(/^switchboard_session=/);
    expect(login.GET(request(`/login?token=${link}`, { session: false })).status).toBe(401);
    const fresh = deriveLoginToken(TOKEN, 60_000);
    const tampered = fresh.replace(/\.(\d+)\./, (_m, exp: string) => `.${Number(exp) + 3_600_000}.`);
    for (const bad of [
      tampered,
      deriveLoginToken(TOKEN, 1_000, Date.now() - 2_000), // expired a second ago
      deriveLoginToken(IdentityAuthority.token(), 60_000), // another dashboard's
    ])
      expect(login.GET(request(`/login?token=${bad}`, { session: false })).status, bad).toBe(401);
    // Only the untampered one of them works afterwards.
    expect(login.GET(request(`/login?token=${fresh}`, { session: false })).status).toBe(303);
  });

  it("sends a browser that is signed in already straight to the dashboard", () => {
    const r = login.GET(request(`/login?token=${TOKEN}`));
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/");
    expect(r.headers.get("set-cookie")).toBeNull();
  });

  it("answers only to the dashboard's host names (403)", () => {
    expect(login.GET(request(`/login?token=${TOKEN}`, { host: "rebind.evil.example:3000" })).status).toBe(
      403,
    );
  });

  it("says that nobody can sign in when DASHBOARD_TOKEN is not set", async () => {
    process.env.DASHBOARD_TOKEN = "";
    try {
      const r = login.GET(request(`/login?token=${TOKEN}`, { session: false }));
      expect(r.status).toBe(401);
      expect(await r.text()).toContain("DASHBOARD_TOKEN is not set");
    } finally {
      process.env.DASHBOARD_TOKEN = TOKEN;
    }
  });
});

describe("every route admits only the signed-in user at the dashboard's host", () => {
  it.each(ROUTES)("$route refuses a request without a session (401)", async ({ call }) => {
    const r = await call({ session: false, headers: SAME_ORIGIN });
    expect(r.status).toBe(401);
    expect(await errorOf(r)).toContain("not signed in");
  });

  it.each(ROUTES)("$route refuses a made-up session (401)", async ({ call }) => {
    const r = await call({ session: IdentityAuthority.token(), headers: SAME_ORIGIN });
    expect(r.status).toBe(401);
  });

  it.each(ROUTES)("$route refuses a foreign Host, as a DNS-rebinding page sends (403)", async ({ call }) => {
    const evil = "rebind.evil.example:3000";
    const r = await call({
      host: evil,
      headers: { origin: `http://${evil}`, "sec-fetch-site": "same-origin" },
    });
    expect(r.status).toBe(403);
    expect(await errorOf(r)).toContain("DASHBOARD_HOSTNAMES");
  });

  it.each(WITH_BODY)(
    "$route refuses a chunked or falsely sized body over its limit while it streams (413)",
    async ({ call, limit }) => {
      let pulled = 0;
      const endless = () =>
        new ReadableStream<Uint8Array>({
          pull(c) {
            if (pulled > 64 * 1024 * 1024) return c.close(); // a bound for the test itself
            pulled += 16 * 1024;
            c.enqueue(new Uint8Array(16 * 1024).fill(0x20));
          },
        });
      for (const headers of [SAME_ORIGIN, { ...SAME_ORIGIN, "content-length": "10" }]) {
        pulled = 0;
        const r = await call({ body: endless(), headers });
        expect(r.status).toBe(413);
        expect(pulled).toBeLessThan(limit! + 256 * 1024); // cut off near the limit, not at 64 MiB
      }
    },
  );

  it("accepts the host names it is configured with", async () => {
    for (const host of ["localhost:3000", "[::1]:3000"])
      expect((await agents.GET(request("/api/agents", { host }))).status).toBe(200);
  });

  it.each([
    ["another origin", { origin: "http://evil.example" }],
    ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site same-site", { "sec-fetch-site": "same-site", origin: "http://sub.127.0.0.1:3000" }],
  ])("refuses a cross-site change (%s) with 403, even with the session", async (_what, headers) => {
    for (const r of [
      await startAgent(valid, { headers }),
      await stopAgent("Weather-Bot", { headers }),
      await askIdentity(
        { role: "person", name: "you-abc123", publicKey: createUser().getPublicKey() },
        { headers },
      ),
    ]) {
      expect(r.status).toBe(403);
      expect(await errorOf(r)).toContain("cross-site request refused");
    }
  });
});

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
    const r = await startAgent(body);
    expect(r.status).toBe(400);
    expect(await errorOf(r)).toMatch(reason);
  });

  it("a body that is not JSON -> 400, an oversized one -> 413", async () => {
    expect((await startAgent("{not json")).status).toBe(400);
    expect((await startAgent({ ...valid, description: "y".repeat(40_000) })).status).toBe(413);
  });
});

describe("POST /api/identity: a credential for the tab's own public key", () => {
  it("mints a person's credential: reads everything, speaks only as itself, over WebSocket only", async () => {
    const key = createUser();
    const r = await askIdentity({ role: "person", name: "you-Ab3xY9", publicKey: key.getPublicKey() });
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    const grant = (await r.json()) as Record<string, unknown>;
    expect(Object.keys(grant).sort()).toEqual(["expiresAt", "jwt", "name", "role"]); // no seed, no creds
    expect(grant).toMatchObject({ name: "you-Ab3xY9", role: "person" });
    const info = credentialInfo(grant.jwt as string);
    expect(info).toMatchObject({
      name: "you-Ab3xY9",
      role: "person",
      root: "agents",
      publicKey: key.getPublicKey(),
    });
    expect(info.sub).toEqual(["agents.>", "_INBOX_you-Ab3xY9.>"]);
    expect(info.pub).toContain("agents.all.you-Ab3xY9");
    expect(info.pub.some((s) => s.startsWith("agents.presence") || s.startsWith("agents.response"))).toBe(
      false,
    );
    expect(info.expiresAt).toBe(grant.expiresAt);
    expect(info.expiresAt! - Date.now()).toBeGreaterThan(3_500_000); // CREDENTIAL_TTL_MS, 1 h by default
    expect(info.expiresAt! - Date.now()).toBeLessThanOrEqual(3_601_000);

    // The NATS server accepts it from the holder of the key, as the tab connects.
    const nc = await connectNatsWs({
      servers: server.wsUrl,
      credentials: { jwt: () => grant.jwt as string, seed: key.getSeed() },
    });
    await nc.flush();
    await nc.close();
  });

  it("mints a tab agent's credential (runtime browser), renews it for the same key, and refuses the name to another key while it is online", async () => {
    const key = createUser();
    const ask = (publicKey: string) => askIdentity({ role: "agent", name: "Tab-Helper", publicKey });
    const r = await ask(key.getPublicKey());
    expect(r.status).toBe(200);
    const grant = (await r.json()) as { jwt: string; runtime: string; role: string };
    expect(grant).toMatchObject({ role: "agent", runtime: "browser" });
    const info = credentialInfo(grant.jwt);
    expect(info).toMatchObject({ name: "Tab-Helper", role: "agent", runtime: "browser" });
    expect(info.pub).toContain("agents.presence.Tab-Helper.browser");

    // Online, as a tab runs it.
    const nc = await connectNatsWs({
      servers: server.wsUrl,
      credentials: { jwt: () => grant.jwt, seed: key.getSeed() },
    });
    const tab = await AgentLink.start({
      connection: nc,
      agent: { name: "Tab-Helper", runtime: "browser" },
      logger: silentLogger,
    });
    try {
      const renewed = await ask(key.getPublicKey());
      expect(renewed.status).toBe(200);
      const taken = await ask(createUser().getPublicKey());
      expect(taken.status).toBe(409);
      expect(await errorOf(taken)).toBe(
        "an agent named Tab-Helper is already online (runs in browser); choose another name",
      );
    } finally {
      await tab.close();
      await nc.close();
    }
  });

  it("refuses a name that belongs to another role or runtime (409)", async () => {
    await link(server.url, "Busy-Agent"); // an agent in a process, with its own credential
    await connection(server.url); // the CLI-like observer, named "tester"
    for (const [name, holder] of [
      ["Busy-Agent", "an agent running in process"],
      [OBSERVER.name, "the command line"],
    ]) {
      const r = await askIdentity({ role: "agent", name, publicKey: createUser().getPublicKey() });
      expect(r.status).toBe(409);
      expect(await errorOf(r)).toContain(`belongs to ${holder}`);
    }
  });

  const seed = new TextDecoder().decode(createUser().getSeed());
  const publicKey = createUser().getPublicKey();
  const badChecksum = `${publicKey.slice(0, -1)}${publicKey.endsWith("A") ? "B" : "A"}`;
  it.each([
    [
      "a seed instead of the public key",
      { role: "person", name: "you-abc123", publicKey: seed },
      /publicKey: is a seed/,
    ],
    [
      "a malformed key",
      { role: "person", name: "you-abc123", publicKey: "U123" },
      /publicKey: must be a user's public NKey/,
    ],
    [
      "an account's key",
      { role: "person", name: "you-abc123", publicKey: `A${publicKey.slice(1)}` },
      /publicKey/,
    ],
    [
      "a key with a wrong checksum",
      { role: "person", name: "you-abc123", publicKey: badChecksum },
      /publicKey/,
    ],
    [
      "a person named like an agent",
      { role: "person", name: "Weather-Bot", publicKey },
      /a person's name is "you-"/,
    ],
    ["a person name too short", { role: "person", name: "you-abc", publicKey }, /a person's name/],
    ["an agent name with a dot", { role: "agent", name: "bad.name", publicKey }, /name: agent name/],
    [
      "the dashboard's role",
      { role: "dashboard", name: "dashboard", publicKey },
      /role: must be "person" or "agent"/,
    ],
    ["a missing role", { name: "you-abc123", publicKey }, /role/],
    ["an extra field", { role: "person", name: "you-abc123", publicKey, runtime: "process" }, /runtime/],
    ["an array", [{ role: "person", name: "you-abc123", publicKey }], /body/],
    ["no JSON", "{role: person", /not JSON/],
  ])("refuses %s with 400 and says why", async (_what, body, reason) => {
    const r = await askIdentity(body);
    expect(r.status).toBe(400);
    const error = await errorOf(r);
    expect(error).toMatch(reason);
    expect(error).not.toContain(seed); // a seed sent by mistake is never echoed
  });
});

describe("server agents", () => {
  it("start (201) with their own credential, announce on their own presence subject, answer, are listed, refuse a duplicate, and stop", async () => {
    const watcher = await RegistryWatcher.start({
      connection: await connection(server.url),
      observerName: OBSERVER.name,
    });
    const presence = await collect(server.url, "agents.presence.Route-Bot.server");
    const r = await startAgent(valid, { headers: SAME_ORIGIN });
    expect(r.status).toBe(201);
    await watcher.waitFor((s) => s.agents["Route-Bot"]?.status === "online", 3_000);
    expect(watcher.state.agents["Route-Bot"]?.agent.runtime).toBe("server");
    // Its presence came on the subject only Route-Bot's credential may publish on.
    await eventually(() => presence.length > 0);
    expect(presence[0]?.body).toMatchObject({
      type: "presence",
      agent: { name: "Route-Bot", runtime: "server" },
    });
    expect(server.authority!.issuedTo("Route-Bot").map((c) => [c.role, c.runtime])).toEqual([
      ["agent", "server"],
    ]);
    expect(await natsClients()).toContain("switchboard-server Route-Bot"); // a connection of its own

    const me = await link(server.url, "Route-Tester");
    const answer = await me.request("Route-Bot", "hi there", { timeoutMs: 10_000 });
    expect(answer.content).toContain("Route-Bot");
    const listed = (await (await agents.GET(request("/api/agents"))).json()) as {
      agents: { name: string }[];
    };
    expect(listed.agents.map((a) => a.name)).toContain("Route-Bot");
    const dup = await startAgent(valid);
    expect(dup.status).toBe(409);
    expect(await errorOf(dup)).toContain("already online");

    expect((await stopAgent("Route-Bot")).status).toBe(200);
    await watcher.waitFor((s) => s.agents["Route-Bot"]?.status === "offline", 3_000);
    expect(watcher.state.agents["Route-Bot"]?.offlineReason).toBe("announced");
    await retry(async () =>
      (await natsClients()).includes("switchboard-server Route-Bot") ? undefined : true,
    );
    expect((await stopAgent("Route-Bot")).status).toBe(404);
    expect((await stopAgent("bad.name")).status).toBe(400);
    await watcher.close();
  });

  it("refuses the name of an agent online elsewhere", async () => {
    await link(server.url, "Taken-Name"); // online a moment ago: the host has not heard of it yet
    const r = await startAgent({ ...valid, name: "Taken-Name" });
    expect(r.status).toBe(409);
    expect(await errorOf(r)).toContain("runs in process");
  });

  it("refuses a start past SERVER_AGENT_LIMIT with 429 and says why", async () => {
    expect((await startAgent({ ...valid, name: "Limit-A" })).status).toBe(201);
    expect((await startAgent({ ...valid, name: "Limit-B" })).status).toBe(201);
    const r = await startAgent({ ...valid, name: "Limit-C" });
    expect(r.status).toBe(429);
    expect(await errorOf(r)).toContain("SERVER_AGENT_LIMIT");
    expect((await stopAgent("Limit-A")).status).toBe(200);
    expect((await startAgent({ ...valid, name: "Limit-C" })).status).toBe(201);
    expect((await stopAgent("Limit-B")).status).toBe(200);
    expect((await stopAgent("Limit-C")).status).toBe(200);
  });

  it("refuses the second of two simultaneous starts of one name", async () => {
    const [a, b] = await Promise.all([
      startAgent({ ...valid, name: "Twin" }),
      startAgent({ ...valid, name: "Twin" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect((await stopAgent("Twin")).status).toBe(200);
  });
});

describe("the LLM proxy", () => {
  const call = (path: string[], c: Call = {}) =>
    (c.method === "POST" ? llm.POST : llm.GET)(request(`/api/llm/v1/${path.join("/")}`, c), params({ path }));

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

/** The names of the clients connected to the test server (its monitoring endpoint). */
async function natsClients(): Promise<string[]> {
  const connz = (await (await fetch(`${server.monitorUrl}/connz?limit=1024`)).json()) as {
    connections?: { name?: string }[];
  };
  return (connz.connections ?? []).map((c) => c.name ?? "");
}
