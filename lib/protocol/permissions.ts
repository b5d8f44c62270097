/**
 * Who may publish and subscribe where: the roles table, as data. Credentials carry exactly these
 * lists (lib/identity mints them), and the NATS server enforces them, so an identity can only
 * publish on subjects that name itself as the sender (see ./subjects.ts) and only read what its
 * role may read. The README's roles table is this file in words.
 *
 *   agent      an agent in a process, on the dashboard's server or in a browser tab: speaks as
 *              itself (tasks, answers, broadcasts, presence on its own runtime), reads its own
 *              inboxes, broadcasts, presence and discovery
 *   person     a person's dashboard tab: reads everything under the root, speaks only as itself,
 *              never answers a task and is never listed
 *   cli        the command line: like a person, over TCP
 *   dashboard  the dashboard's server process: mints credentials (outside NATS), watches presence
 *              to check names; never speaks as an agent
 */
import type { AgentRuntime } from "./agent-metadata";
import { assertAgentName } from "./names";
import { subjects } from "./subjects";

export const ROLES = ["agent", "person", "cli", "dashboard"] as const;
export type Role = (typeof ROLES)[number];

/** NATS connection types, as the server names them. */
export type ConnectionType = "STANDARD" | "WEBSOCKET";

export interface Permissions {
  readonly pub: readonly string[];
  readonly sub: readonly string[];
  /** Which listeners the credential may connect through. */
  readonly connectionTypes: readonly ConnectionType[];
}

export interface IdentityClaim {
  readonly role: Role;
  readonly name: string;
  /** Agents only: where it runs; bound into its presence and heartbeat subjects. */
  readonly runtime?: AgentRuntime;
}

/** What an identity may do on the mesh under `root`. Throws on a bad name or a missing runtime. */
export function permissionsFor(claim: IdentityClaim, root: string): Permissions {
  const s = subjects(root);
  const me = assertAgentName(claim.name);
  const w = s.wildcards;
  /** Speaking as oneself: the subjects every member and person may publish on. */
  const speak = [
    s.all(me),
    `${root}.direct.*.${me}`,
    `${root}.request.*.${me}`,
    `${root}.handoff.${me}.to.*`,
    `${root}.cancel.*.${me}`,
    s.discover(me),
  ];
  switch (claim.role) {
    case "agent": {
      const runtime = claim.runtime;
      if (runtime === undefined) throw new TypeError("an agent's credential needs its runtime");
      return {
        pub: [...speak, `${root}.response.*.*.${me}`, s.presence(me, runtime), s.heartbeat(me, runtime)],
        sub: [
          w.broadcasts,
          w.directsTo(me),
          w.requestsTo(me),
          w.handoffsTo(me),
          w.responsesFor(me),
          w.cancelsTo(me),
          w.discovers,
          w.presence,
          w.heartbeat,
        ],
        connectionTypes: [runtime === "browser" ? "WEBSOCKET" : "STANDARD"],
      };
    }
    case "person":
      return { pub: speak, sub: [w.all], connectionTypes: ["WEBSOCKET"] };
    case "cli":
      return { pub: speak, sub: [w.all], connectionTypes: ["STANDARD"] };
    case "dashboard":
      return { pub: [s.discover(me)], sub: [w.presence, w.heartbeat], connectionTypes: ["STANDARD"] };
  }
}
