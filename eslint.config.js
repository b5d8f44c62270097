// Lint: typescript-eslint's recommended rules plus the layers of the architecture, checked by a
// small local rule (`switchboard/layers`) against the table below: every relative import is
// resolved to the file it names, and the importing layer must list the imported one. Packages
// that belong to one layer (the NATS client, React, zustand, the openai client, Node built-ins)
// are checked the same way. Tests, scripts, benchmarks, e2e and entry points are not layers.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import path from "node:path";
import tseslint from "typescript-eslint";

const ROOT = import.meta.dirname;

// The layers, bottom to top. `uses`: the layers it may import (its own is always allowed).
// `packages`: the guarded packages it may import (see GUARDED).
const LAYERS = [
  { name: "protocol", dir: "lib/protocol", uses: [], packages: [] },
  { name: "registry", dir: "lib/registry", uses: ["protocol"], packages: [] },
  { name: "config", dir: "lib/config", uses: ["protocol"], packages: [] },
  // The trust chain and credential minting: the only holder of keys (Node only).
  { name: "identity", dir: "lib/identity", uses: ["protocol", "config"], packages: ["credentials", "node"] },
  {
    name: "transport",
    dir: "lib/transport",
    uses: ["protocol", "registry", "config"],
    packages: ["nats", "node"],
  },
  { name: "llm", dir: "agents/llm", uses: ["protocol", "config"], packages: ["openai"] },
  { name: "tools", dir: "agents/tools", uses: ["protocol"], packages: [] },
  {
    name: "runtime",
    dir: "agents/runtime",
    uses: ["protocol", "registry", "config", "transport", "llm", "tools"],
    packages: [],
  },
  {
    name: "server agents",
    dir: "agents/server",
    uses: ["protocol", "registry", "config", "identity", "transport", "llm", "tools", "runtime"],
    packages: ["node"],
  },
  {
    name: "tab agents",
    dir: "agents/browser",
    uses: ["protocol", "registry", "config", "transport", "llm", "tools", "runtime"],
    packages: [],
  },
  {
    name: "browser session",
    dir: "lib/dashboard",
    uses: ["protocol", "registry", "config", "transport", "llm", "tools", "runtime", "tab agents"],
    packages: [],
  },
  { name: "store", dir: "lib/store", uses: ["protocol", "registry"], packages: ["zustand"] },
  {
    name: "components",
    dir: "components",
    uses: ["protocol", "registry", "config", "store", "browser session"],
    packages: ["react", "zustand", "next"],
  },
  {
    name: "routes",
    dir: "app",
    uses: [
      "protocol",
      "registry",
      "config",
      "identity",
      "components",
      "runtime",
      "server agents",
      "llm",
      "tools",
      "demo",
      "offline model",
    ],
    packages: ["react", "next", "node"],
  },
  // Leaves: they may use the generic layers; nothing generic may use them.
  {
    name: "demo",
    dir: "agents/demo",
    uses: ["protocol", "registry", "config", "transport", "llm", "tools", "runtime"],
    packages: ["node"],
  },
  {
    name: "offline model",
    dir: "agents/offline-model",
    uses: ["protocol", "registry", "config", "llm", "tools"],
    packages: ["node"],
  },
];

/** Packages only some layers may import; a specifier matches by prefix. */
const GUARDED = {
  // Checked before "nats": only the identity layer mints and signs.
  credentials: ["@nats-io/jwt", "@nats-io/nkeys"],
  nats: ["@nats-io/"],
  react: ["react", "react-dom", "react-markdown", "remark-gfm", "@tanstack/react-virtual"],
  next: ["next"],
  zustand: ["zustand"],
  openai: ["openai"],
  node: ["node:", "fs", "path", "child_process", "net", "http", "os", "ws"],
};

const ORDER =
  "protocol <- transport <- runtime / server agents / tab agents / browser session <- store <- components";

function layerOf(file) {
  const rel = path.relative(ROOT, file).split(path.sep).join("/");
  if (/\.test\.tsx?$/.test(rel)) return undefined; // tests may reach across layers to set up
  return LAYERS.find((l) => rel === l.dir || rel.startsWith(`${l.dir}/`) || rel.startsWith(`${l.dir}.`));
}

function guardOf(specifier) {
  for (const [guard, prefixes] of Object.entries(GUARDED)) {
    if (
      prefixes.some(
        (p) => specifier === p || specifier.startsWith(p.endsWith("/") || p.endsWith(":") ? p : `${p}/`),
      )
    )
      return guard;
  }
  return undefined;
}

const layersRule = {
  meta: {
    type: "problem",
    schema: [],
    messages: {
      layer: "{{from}} ({{fromDir}}) may not import {{to}} ({{toDir}}): imports point down only ({{order}}).",
      leaf: "{{from}} ({{fromDir}}) may not import {{to}} ({{toDir}}): demo agents and the offline model are leaves nothing generic imports.",
      outside:
        "{{from}} ({{fromDir}}) may not import {{source}}: it is outside every layer (scripts, tests, entry points).",
      package: "{{from}} ({{fromDir}}) may not import {{source}}: that package belongs to {{owners}}.",
    },
  },
  create(context) {
    const from = layerOf(context.filename);
    if (from === undefined) return {};
    const check = (node, source) => {
      if (typeof source !== "string") return;
      const data = { from: from.name, fromDir: from.dir, source, order: ORDER };
      if (!source.startsWith(".") && !source.startsWith("/")) {
        const guard = guardOf(source);
        if (guard !== undefined && !from.packages.includes(guard)) {
          const owners = LAYERS.filter((l) => l.packages.includes(guard)).map((l) => l.name);
          context.report({ node, messageId: "package", data: { ...data, owners: owners.join(", ") } });
        }
        return;
      }
      const target = path.resolve(path.dirname(context.filename), source);
      const rel = path.relative(ROOT, target).split(path.sep).join("/");
      const to = LAYERS.find(
        (l) => rel === l.dir || rel.startsWith(`${l.dir}/`) || rel.startsWith(`${l.dir}.`),
      );
      if (to === undefined) {
        if (rel.startsWith("node_modules/")) return;
        context.report({ node, messageId: "outside", data });
        return;
      }
      if (to === from || from.uses.includes(to.name)) return;
      const leaf = to.name === "demo" || to.name === "offline model";
      context.report({
        node,
        messageId: leaf ? "leaf" : "layer",
        data: { ...data, to: to.name, toDir: to.dir },
      });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === "Literal" && check(node, node.source.value),
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      "node_modules",
      ".next",
      ".data",
      ".prof",
      "test-results",
      "playwright-report",
      "next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { switchboard: { rules: { layers: layersRule } } },
    rules: {
      "switchboard/layers": "error",
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
    // Outside the layers the NATS client is still the transport's business (tests may use it raw,
    // and so may the durable benchmark's baseline, which is the bare JetStream client by definition).
    files: ["scripts/**", "bench/**", "e2e/**", "agents/*.ts"],
    ignores: ["bench/durable.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@nats-io/*"], message: "Only lib/transport imports the NATS client." }] },
      ],
    },
  },
);
