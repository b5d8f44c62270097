// Logging a browser in as a person does: open the URL `npm start` prints (`/login?token=...`),
// once. The server answers with the session cookie (HttpOnly, SameSite=Strict) and a redirect to
// the dashboard. The cookie is kept as a storage state for every later context of the worker (or
// of the UI bench): the token works only once, and nothing else carries it.
import type { Browser, BrowserContextOptions } from "@playwright/test";

export type StorageState = Exclude<BrowserContextOptions["storageState"], string | undefined>;

/** The session cookie's name (the dashboard's server sets it). */
export const SESSION_COOKIE = "switchboard_session";

export async function signIn(browser: Browser, baseURL: string, token: string): Promise<StorageState> {
  const context = await browser.newContext({ baseURL });
  try {
    const page = await context.newPage();
    const res = await page.goto(`/login?token=${encodeURIComponent(token)}`);
    const state = await context.storageState();
    if (!state.cookies.some((c) => c.name === SESSION_COOKIE))
      throw new Error(
        `GET /login?token=… set no ${SESSION_COOKIE} cookie (it ended at ${page.url()}, status ${res?.status() ?? "none"})`,
      );
    // Only the cookie: the page's own storage (theme, names) starts empty in every test.
    return { cookies: state.cookies.filter((c) => c.name === SESSION_COOKIE), origins: [] };
  } finally {
    await context.close();
  }
}
