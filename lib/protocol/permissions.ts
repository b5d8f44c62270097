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
 *   admin      made in memory by `npm start`, the test harness and `creds revoke`: creates and
 *              updates the log's streams (./log.ts), purges a revoked name from the members
 *              stream; never speaks on the mesh
 *   leaf       a remote site's nats-server joining the cluster as a leaf node (one outbound
 *              connection): everything of the account passes it, both ways. It is a broker, not
 *              a client: the clients on its side are held to their own credentials by that
 *              server (it trusts the same operator and account), so a leaf credential is as
 *              powerful as the site it is given to
 *
 * JetStream (./log.ts): every identity answers its API calls on its own inbox (`_INBOX_{name}`)
 * and may look names up in the members stream. An agent may create and pull only its own three
 * delivery consumers, each with its filter pinned in the API subject (a consumer on another's
 * inbox is refused by the server). A person or the CLI reads the whole log by direct gets (never
 * by consumers: a consumer API would let it pull from an agent's delivery queue).
 */
import type { AgentRuntime } from "./agent-metadata";
import { DELIVERY_KINDS, inboxPrefix, logLayout } from "./log";
import { assertAgentName } from "./names";
import { subjects } from "./subjects";

export const ROLES = ["agent", "person", "cli", "dashboard", "admin", "leaf"] as const;
export type Role = (typeof ROLES)[number];

/** NATS connection types, as the server names them. */
export type ConnectionType = "STANDARD" | "WEBSOCKET" | "LEAFNODE";

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
    `${root}.live.*.${me}`,
    s.discover(me),
  ];
  const log = logLayout(root);
  const api = "$JS.API";
  const inbox = `${inboxPrefix(me)}.>`;
  /** Looking a name up in the members stream, and seeing whether the log is there. */
  const lookUp = [
    `${api}.DIRECT.GET.${log.members}.>`,
    // "not there" from a direct get is asked again of the leader (lib/transport/log/directory.ts)
    `${api}.STREAM.MSG.GET.${log.members}`,
    `${api}.STREAM.INFO.${log.stream}`,
  ];
  /** Reading the whole log, one message at a time or by subject. */
  const readLog = [
    `${api}.DIRECT.GET.${log.stream}`,
    `${api}.DIRECT.GET.${log.stream}.>`,
    `${api}.STREAM.INFO.${log.members}`,
  ];
  switch (claim.role) {
    case "agent": {
      const runtime = claim.runtime;
      if (runtime === undefined) throw new TypeError("an agent's credential needs its runtime");
      return {
        pub: [
          ...speak,
          `${root}.response.*.*.${me}`,
          s.presence(me, runtime),
          s.heartbeat(me, runtime),
          s.taken(me),
          ...lookUp,
          log.handledSubject(me),
          `${api}.DIRECT.GET.${log.handled}.${log.handledSubject(me)}`,
          ...DELIVERY_KINDS.flatMap((kind) => {
            const c = log.consumer(kind, me);
            return [
              `${api}.CONSUMER.CREATE.${log.stream}.${c}.${log.filter(kind, me)}`,
              `${api}.CONSUMER.INFO.${log.stream}.${c}`,
              `${api}.CONSUMER.MSG.NEXT.${log.stream}.${c}`,
              `$JS.ACK.${log.stream}.${c}.>`,
            ];
          }),
        ],
        sub: [
          w.broadcasts,
          w.directsTo(me),
          w.requestsTo(me),
          w.handoffsTo(me),
          w.responsesFor(me),
          w.cancelsTo(me),
          w.liveTo(me),
          s.taken(me),
          w.stops,
          w.discovers,
          w.presence,
          w.heartbeat,
          inbox,
        ],
        connectionTypes: [runtime === "browser" ? "WEBSOCKET" : "STANDARD"],
      };
    }
    case "person":
      return {
        pub: [...speak, s.stop(me), ...lookUp, ...readLog],
        sub: [w.all, inbox],
        connectionTypes: ["WEBSOCKET"],
      };
    case "cli":
      return {
        pub: [...speak, s.stop(me), ...lookUp, ...readLog],
        sub: [w.all, inbox],
        connectionTypes: ["STANDARD"],
      };
    case "dashboard":
      return {
        pub: [s.discover(me), ...lookUp],
        sub: [w.presence, w.heartbeat, inbox],
        connectionTypes: ["STANDARD"],
      };
    case "admin":
      return {
        pub: [log.stream, log.members, log.handled].flatMap((stream) => [
          `${api}.STREAM.CREATE.${stream}`,
          `${api}.STREAM.UPDATE.${stream}`,
          `${api}.STREAM.INFO.${stream}`,
          `${api}.STREAM.PURGE.${stream}`,
        ]),
        sub: [inbox],
        connectionTypes: ["STANDARD"],
      };
    case "leaf":
      return { pub: [">"], sub: [">"], connectionTypes: ["LEAFNODE"] };
  }
}
