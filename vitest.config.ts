import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Route handlers' server modules import "server-only", which throws outside Next's server build.
    alias: { "server-only": fileURLToPath(new URL("./test/fixtures/server-only.ts", import.meta.url)) },
  },
  test: {
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [
            "lib/**/*.test.ts",
            "agents/**/*.test.ts",
            "scripts/**/*.test.ts",
            "components/**/*.test.tsx",
          ],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          environment: "node",
          // Each suite starts its own nats-server on random ports, so files can run in parallel;
          // forks (not threads) give each file a real process whose exit hook reaps its servers.
          pool: "forks",
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
