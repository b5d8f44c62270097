// The layer rules are real: a wrong-way import in each part of the tree fails lint, with a
// message that says which layers, and the right-way imports next to it pass.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: process.cwd() });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === "switchboard/layers").map((m) => m.message);
}

const WRONG: [where: string, file: string, code: string, says: RegExp][] = [
  [
    "lib/protocol -> transport",
    "lib/protocol/x.ts",
    'import { AgentLink } from "../transport";\nexport const x = AgentLink;\n',
    /protocol .* may not import transport/,
  ],
  [
    "lib/protocol -> NATS client",
    "lib/protocol/x.ts",
    'import { connect } from "@nats-io/transport-node";\nexport const x = connect;\n',
    /may not import @nats-io\/transport-node/,
  ],
  [
    "lib/transport -> runtime",
    "lib/transport/x.ts",
    'import { startAgent } from "../../agents/runtime/start-agent";\nexport const x = startAgent;\n',
    /transport .* may not import runtime/,
  ],
  [
    "lib/store -> transport",
    "lib/store/x.ts",
    'import { AgentLink } from "../transport";\nexport const x = AgentLink;\n',
    /store .* may not import transport/,
  ],
  [
    "lib/store -> browser session",
    "lib/store/x.ts",
    'import * as s from "../dashboard/session";\nexport const x = s;\n',
    /store .* may not import browser session/,
  ],
  [
    "lib/dashboard -> store",
    "lib/dashboard/x.ts",
    'import * as s from "../store/dashboard-store";\nexport const x = s;\n',
    /browser session .* may not import store/,
  ],
  [
    "lib/dashboard -> demo agents",
    "lib/dashboard/x.ts",
    'import * as d from "../../agents/demo/definitions";\nexport const x = d;\n',
    /leaves nothing generic imports/,
  ],
  [
    "agents/runtime -> offline model",
    "agents/runtime/x.ts",
    'import * as o from "../offline-model";\nexport const x = o;\n',
    /leaves nothing generic imports/,
  ],
  [
    "agents/runtime -> demo agents",
    "agents/runtime/x.ts",
    'import * as d from "../demo/definitions";\nexport const x = d;\n',
    /runtime .* may not import demo/,
  ],
  [
    "agents/browser -> store",
    "agents/browser/x.ts",
    'import * as s from "../../lib/store/dashboard-store";\nexport const x = s;\n',
    /tab agents .* may not import store/,
  ],
  [
    "agents/tools -> runtime",
    "agents/tools/x.ts",
    'import * as r from "../runtime/runner";\nexport const x = r;\n',
    /tools .* may not import runtime/,
  ],
  [
    "agents/llm -> runtime",
    "agents/llm/x.ts",
    'export * from "../runtime/runner";\n',
    /llm .* may not import runtime/,
  ],
  [
    "components -> agents",
    "components/x.tsx",
    'import { startAgent } from "../agents/runtime/start-agent";\nexport const x = startAgent;\n',
    /components .* may not import runtime/,
  ],
  [
    "components -> transport",
    "components/x.tsx",
    'import { AgentLink } from "../lib/transport";\nexport const x = AgentLink;\n',
    /components .* may not import transport/,
  ],
  [
    "components -> NATS client",
    "components/x.tsx",
    'import { wsconnect } from "@nats-io/nats-core";\nexport const x = wsconnect;\n',
    /may not import @nats-io\/nats-core/,
  ],
  [
    "lib/store -> React",
    "lib/store/x.ts",
    'import { useState } from "react";\nexport const x = useState;\n',
    /may not import react/,
  ],
  [
    "a dynamic import",
    "lib/store/x.ts",
    'export const x = () => import("../transport");\n',
    /store .* may not import transport/,
  ],
];

const RIGHT: [where: string, file: string, code: string][] = [
  [
    "transport -> protocol",
    "lib/transport/x.ts",
    'import { subjects } from "../protocol";\nexport const x = subjects;\n',
  ],
  ["store -> registry", "lib/store/x.ts", 'import * as r from "../registry/reducer";\nexport const x = r;\n'],
  [
    "components -> store, browser session",
    "components/x.tsx",
    'import * as s from "../lib/store/dashboard-store";\nimport * as d from "../lib/dashboard/session";\nexport const x = [s, d];\n',
  ],
  [
    "runtime -> transport, llm, tools",
    "agents/runtime/x.ts",
    'import * as t from "../../lib/transport";\nimport * as l from "../llm/model";\nimport * as c from "../tools/catalog";\nexport const x = [t, l, c];\n',
  ],
  [
    "demo -> runtime (a leaf uses what is below it)",
    "agents/demo/x.ts",
    'import * as r from "../runtime/start-agent";\nexport const x = r;\n',
  ],
  [
    "a test may reach across",
    "lib/store/x.test.ts",
    'import * as t from "../transport";\nexport const x = t;\n',
  ],
];

describe("layer rules (switchboard/layers in eslint.config.js)", () => {
  it.each(WRONG)("refuses %s", async (_where, file, code, says) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(says);
  });

  it.each(RIGHT)("allows %s", async (_where, file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
