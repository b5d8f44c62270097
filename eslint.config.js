// Lint: typescript-eslint's recommended rules plus the layer boundaries of the architecture.
// Imports point down only: protocol <- transport <- (agents, server routes, browser store) <- UI.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const restrict = (patterns) => ({ "no-restricted-imports": ["error", { patterns }] });
const ui = [
  {
    group: ["react", "react-dom", "next", "next/*", "zustand", "zustand/*"],
    message: "UI code belongs above this layer.",
  },
];

// lib/store is the browser store layer: zustand is its job, React is not.
const reactOnly = [
  {
    group: ["react", "react-dom", "next", "next/*"],
    message: "The store is framework-free; React binds it in components/.",
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
    files: ["components/**", "app/**"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    files: ["lib/**"],
    ignores: ["lib/store/**"],
    rules: restrict([...ui]),
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
    // The NATS client is the transport's business alone (tests may use it raw, on purpose).
    files: ["app/**", "components/**", "agents/**", "scripts/**", "bench/**", "e2e/**"],
    rules: restrict([{ group: ["@nats-io/*"], message: "Only lib/transport imports the NATS client." }]),
  },
  {
    files: ["lib/store/**"],
    rules: restrict([
      ...reactOnly,
      { group: ["@nats-io/*"], message: "Only lib/transport imports the NATS client." },
      { group: ["**/components/**", "**/app/**", "**/agents/**"], message: "Imports point down only." },
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
