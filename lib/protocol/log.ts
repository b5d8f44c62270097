/**
 * The mesh's memory on JetStream, by name: which streams hold what, which consumers deliver an
 * agent's inbox, and the per-identity inbox prefix. Pure data (no NATS), so permissions, the
 * transport, the CLI and doctor agree on every name.
 *
 *   SB_{root}          the log: every message under the root but presence and heartbeats
 *                      (`all`, `direct`, `request`, `response`, `handoff`, `cancel`, `discover`),
 *                      limited by age and bytes, deduplicated by `Nats-Msg-Id` (= envelope id)
 *   SB_{root}_members  the last presence of each (name, runtime): who the mesh knows, online or
 *                      away; a task to a name not in it fails at once with "no agent named X"
 *   SB_{root}_handled  per agent, the ids of the tasks it took lately (one message per name, on
 *                      `sb-handled.{root}.{name}`, outside the root: nobody else reads it), so a
 *                      task redelivered to the agent's next run (a broker that died before it
 *                      stored an ack) is still handled once
 *
 * Stream names cannot hold dots, so `team1.agents` becomes `SB_team1_agents` (and would collide
 * with a root spelled `team1_agents`: keep roots apart by more than their dots).
 *
 * An agent's inbox is delivered by four durable pull consumers on the log, one per kind that
 * starts or stops work (`direct`, `request`, `handoff`, `cancel`), named `{kind}-{name}`
 * (unambiguous: kinds hold no "-"), shared by the agent's replicas: they split one queue. A
 * message to an agent that is away waits in its consumer until it comes back (or until the
 * delivery TTL passes); so does a cancel of a task still waiting there, which then never runs.
 * (Live cancels also reach every replica on a core subscription: whichever copy comes first wins.)
 */
import { assertAgentName, assertRoot } from "./names";

export const DELIVERY_KINDS = ["direct", "request", "handoff", "cancel"] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];

/** The subject kinds the log holds (presence goes to the members stream, heartbeats nowhere). */
export const LOGGED_KINDS = [
  "all",
  "direct",
  "request",
  "response",
  "handoff",
  "cancel",
  "stop",
  "discover",
] as const;

export interface LogLayout {
  readonly root: string;
  /** The log stream's name. */
  readonly stream: string;
  /** Its subjects. */
  readonly subjects: readonly string[];
  /** The members stream (last presence per name and runtime). */
  readonly members: string;
  readonly memberSubjects: readonly string[];
  /** The last presence of any runtime of `name`, for a direct get (`last_by_subj`). */
  memberSubject(name: string): string;
  /** The stream of agents' handled-ids snapshots, and one agent's subject in it. */
  readonly handled: string;
  readonly handledSubjects: readonly string[];
  handledSubject(name: string): string;
  /** The durable consumer that delivers `name`'s messages of one kind. */
  consumer(kind: DeliveryKind, name: string): string;
  /** That consumer's filter. */
  filter(kind: DeliveryKind, name: string): string;
}

/** The JetStream names for a subject root. Throws on a bad root. */
export function logLayout(root: string): LogLayout {
  assertRoot(root);
  const base = `SB_${root.replaceAll(".", "_")}`;
  return {
    root,
    stream: base,
    subjects: LOGGED_KINDS.map((k) => `${root}.${k}.>`),
    members: `${base}_members`,
    memberSubjects: [`${root}.presence.>`],
    memberSubject: (name) => `${root}.presence.${assertAgentName(name)}.*`,
    handled: `${base}_handled`,
    handledSubjects: [`sb-handled.${root}.*`],
    handledSubject: (name) => `sb-handled.${root}.${assertAgentName(name)}`,
    consumer: (kind, name) => `${kind}-${assertAgentName(name)}`,
    filter: (kind, name) => {
      const n = assertAgentName(name);
      return kind === "handoff" ? `${root}.handoff.*.to.${n}` : `${root}.${kind}.${n}.*`;
    },
  };
}

/**
 * Where the server answers an identity's JetStream calls (`_INBOX_{name}`): each identity may
 * read only its own, so no one reads another's API answers or pulled messages.
 */
export function inboxPrefix(name: string): string {
  return `_INBOX_${assertAgentName(name)}`;
}

/** The log subject kind each envelope type travels on (presence and heartbeats are not logged). */
export const LOG_KIND_OF_TYPE = {
  announcement: "all",
  direct: "direct",
  request: "request",
  ack: "response",
  stream: "response",
  response: "response",
  handoff: "handoff",
  cancel: "cancel",
  stop: "stop",
  discover: "discover",
} as const satisfies Record<string, (typeof LOGGED_KINDS)[number]>;

/**
 * A subject filter over the log for one kind, and optionally one sender (the sender's place in
 * each kind's subject, from ./subjects.ts):
 *
 *   all.{from}  direct.*.{from}  request.*.{from}  response.*.*.{from}  handoff.{from}.to.*
 *   cancel.*.{from}  stop.{from}  discover.{from}          and `{root}.{kind}.>` without a sender
 */
export function logFilter(root: string, kind: (typeof LOGGED_KINDS)[number], from?: string): string {
  assertRoot(root);
  if (from === undefined) return `${root}.${kind}.>`;
  const f = assertAgentName(from, "sender name");
  switch (kind) {
    case "all":
    case "discover":
    case "stop":
      return `${root}.${kind}.${f}`;
    case "direct":
    case "request":
    case "cancel":
      return `${root}.${kind}.*.${f}`;
    case "response":
      return `${root}.response.*.*.${f}`;
    case "handoff":
      return `${root}.handoff.${f}.to.*`;
  }
}
