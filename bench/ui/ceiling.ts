// Serves the bare ceiling page (ceiling-page.ts) from a tiny HTTP server on this machine, like the
// dashboard's, without adding a route to the product: a page and a bundle esbuild makes from the
// same sources the dashboard imports. (A response made up by Playwright's page.route is not
// allowed to open a WebSocket to 127.0.0.1: Chromium's local-network-access checks block it.)
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { build } from "esbuild";

export interface CeilingServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface CeilingOptions {
  readonly wsUrl: string;
  readonly root: string;
  /** A person's creds text, for the page to connect with. */
  readonly creds: string;
  /** Where to serve (the NATS server must admit this origin); default: a free port. */
  readonly port?: number;
}

/** Bundles the page and serves it with its settings. */
export async function serveCeiling(o: CeilingOptions): Promise<CeilingServer> {
  const built = await build({
    entryPoints: [new URL("./ceiling-page.ts", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  const js = built.outputFiles[0]!.text;
  const settings = JSON.stringify({ wsUrl: o.wsUrl, root: o.root, creds: o.creds }).replace(/</g, "\\u003c");
  const html =
    `<!doctype html><meta charset="utf-8"><title>ceiling</title>` +
    `<script>window.__bench = ${settings};</script>` +
    `<script type="module" src="/ceiling.js"></script><body>bare subscriber</body>`;
  const server: Server = createServer((req, res) => {
    const isJs = req.url === "/ceiling.js";
    res.writeHead(200, { "content-type": isJs ? "text/javascript" : "text/html" });
    res.end(isJs ? js : html);
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // By name, not address: its origin must differ from the dashboard's by host name (ui.bench.ts).
    url: `http://localhost:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Opens the ceiling page and waits until its subscription is live. */
export async function openCeiling(page: Page, server: CeilingServer): Promise<void> {
  await page.goto(server.url);
  await page.waitForFunction(
    () => (window as unknown as { __switchboard?: { status: string } }).__switchboard?.status === "connected",
    undefined,
    { timeout: 15_000 },
  );
}
