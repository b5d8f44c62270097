// Lint: typescript-eslint's recommended rules plus the layer boundaries of the architecture.
// Imports point down only: protocol <- transport <- (agents, server routes, browser store) <- UI.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const restrict = (patterns) => ({ "no-restricted-imports": ["error", { patterns }] });
const ui = [
  {
    group: ["react", "react-dom", "next", "next/*", "zustand", "zustand/*"],
    message: "UI code belongs above this layer.",
  },
];

export default tseslint.config(
  { ignores: ["node_modules", ".next", ".data", "test-results", "playwright-report", "next-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    files: ["lib/protocol/**", "lib/registry/**"],
    rules: restrict([
      ...ui,
      { group: ["@nats-io/*"], message: "The protocol is pure: NATS lives in lib/transport." },
      { group: ["node:*", "fs", "path", "child_process"], message: "The protocol runs in the browser too." },
      {
        group: ["**/transport/**", "**/transport", "**/agents/**", "**/components/**", "**/app/**"],
        message: "Imports point down only.",
      },
    ]),
  },
  {
    files: ["lib/transport/**"],
    ignores: ["lib/transport/**/*.test.ts"],
    rules: restrict([
      ...ui,
      { group: ["**/agents/**", "**/components/**", "**/app/**"], message: "Imports point down only." },
    ]),
  },
);
