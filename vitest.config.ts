import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** Suites that start three-node clusters (test/harness/nats-cluster.ts). */
const CLUSTER_TESTS = [
  "test/harness/nats-cluster.test.ts",
  "test/transport/cluster.test.ts",
  "test/transport/cluster-outage.test.ts",
  "test/transport/cluster-leaf.test.ts",
  "test/scripts/cluster.test.ts",
  "test/cli/doctor-cluster.test.ts",
];

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
          exclude: CLUSTER_TESTS,
          environment: "node",
          // Each suite starts its own nats-server on random ports, so files can run in parallel;
          // forks (not threads) give each file a real process whose exit hook reaps its servers.
          pool: "forks",
          testTimeout: 30_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "cluster",
          include: CLUSTER_TESTS,
          environment: "node",
          // Three-node clusters, SIGKILLs and Raft elections: timing these while the rest of the
          // suite (and each other) load a 2-core machine made them fail 4 times in one CI run
          // (elections past the probes' patience), and slowed other timing tests into failing.
          // So they run after everything else, one file at a time.
          pool: "forks",
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
