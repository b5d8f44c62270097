import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      {
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
