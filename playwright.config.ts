// End-to-end tests of the dashboard in Debian's Chromium (nothing is downloaded). No webServer: the
// worker-scoped `stack` fixture (e2e/fixtures.ts) starts nats-server, the offline model, the demo
// agents and `next start` itself, on free ports. Needs a production build first (`next build`).
import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./e2e/chromium";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    viewport: { width: 1440, height: 900 },
    colorScheme: "light",
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
});
