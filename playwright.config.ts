// End-to-end tests of the dashboard in Debian's Chromium (nothing is downloaded). No webServer: the
// worker-scoped `stack` fixture (e2e/fixtures.ts) starts nats-server, the offline model, the demo
// agents and `next start` itself, on free ports. Needs a production build first (`next build`).
// Two projects: every spec on the default subject root, and subject-root.spec.ts on a stack of its
// own under SWITCHBOARD_SUBJECT_ROOT=team1.agents.
import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./e2e/chromium";
import type { StackOptions } from "./e2e/fixtures";

const SUBJECT_ROOT_SPEC = /subject-root\.spec\.ts$/;

export default defineConfig<object, StackOptions>({
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
  projects: [
    { name: "dashboard", testIgnore: SUBJECT_ROOT_SPEC },
    { name: "subject-root", testMatch: SUBJECT_ROOT_SPEC, use: { subjectRoot: "team1.agents" } },
  ],
});
