// The dashboard admits only its user. A browser without the session cookie gets the sign-in page
// and nothing of the mesh: no dashboard, no agent names, no WebSocket, no route data; the login
// token works once. The NATS WebSocket listener refuses a page from a foreign origin, while the
// dashboard's own origin gets through (to the point where NATS asks for credentials). A page whose
// session ended says "signed out" and how to sign in again.
import { WebSocket as NodeWebSocket } from "ws";
import { SIGNED_OUT } from "../lib/dashboard/identity-client";
import { expect, test } from "./fixtures";
import { SESSION_COOKIE } from "./sign-in";

/** Contexts made in a test inherit the worker's login; these must start with none. */
const NOBODY = { cookies: [], origins: [] };

test("a page opened without the session sees the sign-in page and no data", async ({ browser, stack }) => {
  const stranger = await browser.newContext({ baseURL: stack.baseURL, storageState: NOBODY });
  try {
    const page = await stranger.newPage();
    const sockets: string[] = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    const res = await page.goto("/");
    expect(res?.status()).toBe(401);
    await expect(page.locator("body")).not.toBeEmpty();
    await page.waitForTimeout(1_000); // time for a script that would connect, if there were one
    await expect(page.getByTestId("dashboard")).toHaveCount(0);
    await expect(page.getByTestId("registry")).toHaveCount(0);
    await expect(page.getByText("Weather-Bot")).toHaveCount(0);
    expect(await page.content()).not.toContain(stack.wsUrl);
    expect(sockets, "no WebSocket may open").toEqual([]);

    for (const [method, path] of [
      ["GET", "/api/agents"],
      ["POST", "/api/agents"],
      ["POST", "/api/identity"],
      ["GET", "/api/llm/v1/models"],
    ] as const) {
      const r = await stranger.request.fetch(path, { method, data: method === "POST" ? {} : undefined });
      expect(r.status(), `${method} ${path} without the session`).toBe(401);
    }
  } finally {
    await stranger.close();
  }
});

test("the login token works once, and no other token works", async ({ browser, stack }) => {
  // The worker's sign-in used it: whoever reads it later gets no session.
  for (const token of [stack.token, "x".repeat(43)]) {
    const late = await browser.newContext({ baseURL: stack.baseURL, storageState: NOBODY });
    try {
      const page = await late.newPage();
      await page.goto(`/login?token=${token}`);
      expect((await late.cookies()).some((c) => c.name === SESSION_COOKIE)).toBe(false);
      await expect(page.getByTestId("dashboard")).toHaveCount(0);
    } finally {
      await late.close();
    }
  }
});

/** Opens a WebSocket to the NATS listener with `origin`; resolves with what happened first. */
function wsWithOrigin(
  url: string,
  origin: string,
): Promise<{ opened: boolean; status?: number; first?: string }> {
  return new Promise((resolve) => {
    const ws = new NodeWebSocket(url, { origin, handshakeTimeout: 5_000 });
    ws.once("unexpected-response", (_req, res) => {
      resolve({ opened: false, status: res.statusCode });
      ws.terminate();
    });
    ws.once("error", () => resolve({ opened: false }));
    ws.once("message", (data) => {
      resolve({ opened: true, first: String(data).slice(0, 4) });
      ws.close();
    });
  });
}

test("the NATS WebSocket refuses a page from a foreign origin", async ({ stack }) => {
  const own = new URL(stack.baseURL);
  // Another site, and another server on this machine (same host, another port).
  for (const origin of ["http://evil.example", `http://${own.hostname}:${Number(own.port) + 1}`]) {
    const foreign = await wsWithOrigin(stack.wsUrl, origin);
    expect(foreign, `${origin} must not get a socket`).toEqual({ opened: false, status: 403 });
  }
  // The same request from the dashboard's origin gets a socket and the server's INFO (after which
  // NATS wants credentials: the dashboard's person brings its own).
  expect(await wsWithOrigin(stack.wsUrl, own.origin)).toEqual({ opened: true, first: "INFO" });
});

test("a page whose session is gone says so, with the fix, when it asks for a credential", async ({
  dashboard,
  page,
}) => {
  await dashboard.open();
  await page.context().clearCookies(); // as after a server restart with a new token
  await page.getByTestId("new-agent").click();
  const dialog = page.getByTestId("new-agent-dialog");
  await dialog.getByTestId("agent-name").fill("Signed-Out-Bot");
  await dialog.getByTestId("agent-instructions").fill("anything");
  await dialog.getByTestId("agent-start").click();
  await expect(dialog.getByTestId("agent-error")).toContainText(SIGNED_OUT);
});

test("the person's key pair is made in the tab and only its public key leaves it", async ({
  dashboard,
  page,
}) => {
  const bodies: { url: string; body: string }[] = [];
  page.on("request", (r) => bodies.push({ url: r.url(), body: r.postData() ?? "" }));
  await dashboard.open();
  const asked = bodies.filter((b) => new URL(b.url).pathname === "/api/identity");
  expect(asked).toHaveLength(1);
  const sent = JSON.parse(asked[0]!.body) as Record<string, unknown>;
  expect(Object.keys(sent).sort()).toEqual(["name", "publicKey", "role"]);
  expect(sent.role).toBe("person");
  expect(sent.publicKey).toMatch(/^U[A-Z2-7]{55}$/);
  // A user seed is "SU" and 56 more base32 characters: none in any request, none in storage.
  const seed = /S[A-Z][A-Z2-7]{56}/;
  expect(bodies.filter((b) => seed.test(b.body) || seed.test(b.url))).toEqual([]);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  expect(stored).not.toMatch(seed);
});
