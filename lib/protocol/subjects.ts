/**
 * Every subject the system uses, built only here. `{name}` tokens are validated agent names,
 * `{id}` tokens validated message ids, so no caller can smuggle a wildcard or an extra token in.
 *
 *   {root}.all                       broadcast (announcement) to every agent
 *   {root}.direct.{name}             direct message to one agent; starts its run
 *   {root}.request.{name}            request to one agent; the NATS reply subject is set to
 *   {root}.response.{name}.{id}      the answer channel of task {id} sent by {name}: ack, stream
 *                                    chunks, then the response (for requests, handoffs, directs)
 *   {root}.handoff.{from}.to.{to}    task handoff with its context
 *   {root}.presence.{name}           online / offline announcements with the agent's metadata
 *   {root}.heartbeat.{name}          periodic liveness + status (metadata included)
 *   {root}.cancel.{name}             asks agent {name} to stop a running task
 *   {root}.discover                  "who is online?"; agents answer on the NATS reply subject
 *
 * The root is "agents" unless configured (SWITCHBOARD_SUBJECT_ROOT); it may have several tokens.
 */
import { assertAgentName, assertRoot, assertToken, DEFAULT_ROOT } from "./names";

export interface Subjects {
  readonly root: string;
  all(): string;
  direct(name: string): string;
  request(name: string): string;
  response(requester: string, requestId: string): string;
  handoff(from: string, to: string): string;
  presence(name: string): string;
  heartbeat(name: string): string;
  cancel(name: string): string;
  discover(): string;
  /** Wildcards for subscribing. */
  readonly wildcards: {
    /** Everything under the root: `{root}.>` */
    all: string;
    /** Responses addressed to one requester: `{root}.response.{name}.*` */
    responsesFor(name: string): string;
    /** Handoffs to one agent from anyone: `{root}.handoff.*.to.{name}` */
    handoffsTo(name: string): string;
    presence: string;
    heartbeat: string;
  };
  /** Splits a concrete subject into its kind and tokens; `null` if it is not one of ours. */
  parse(subject: string): ParsedSubject | null;
}

export type ParsedSubject =
  | { kind: "all" }
  | { kind: "discover" }
  | { kind: "direct" | "request" | "presence" | "heartbeat" | "cancel"; name: string }
  | { kind: "response"; name: string; id: string }
  | { kind: "handoff"; from: string; to: string };

const cache = new Map<string, Subjects>();

export function subjects(root: string = DEFAULT_ROOT): Subjects {
  let s = cache.get(root);
  if (s === undefined) {
    s = build(assertRoot(root));
    cache.set(root, s);
  }
  return s;
}

function build(root: string): Subjects {
  const rootTokens = root.split(".").length;
  const name = (n: string, what?: string) => assertAgentName(n, what);
  return {
    root,
    all: () => `${root}.all`,
    direct: (n) => `${root}.direct.${name(n)}`,
    request: (n) => `${root}.request.${name(n)}`,
    response: (n, id) => `${root}.response.${name(n)}.${assertToken(id, "message id")}`,
    handoff: (from, to) => `${root}.handoff.${name(from, "sender name")}.to.${name(to)}`,
    presence: (n) => `${root}.presence.${name(n)}`,
    heartbeat: (n) => `${root}.heartbeat.${name(n)}`,
    cancel: (n) => `${root}.cancel.${name(n)}`,
    discover: () => `${root}.discover`,
    wildcards: {
      all: `${root}.>`,
      responsesFor: (n) => `${root}.response.${name(n)}.*`,
      handoffsTo: (n) => `${root}.handoff.*.to.${name(n)}`,
      presence: `${root}.presence.*`,
      heartbeat: `${root}.heartbeat.*`,
    },
    parse(subject) {
      if (!subject.startsWith(`${root}.`)) return null;
      const t = subject.split(".").slice(rootTokens);
      const [kind, a, b, c] = t;
      switch (kind) {
        case "all":
        case "discover":
          return t.length === 1 ? { kind } : null;
        case "direct":
        case "request":
        case "presence":
        case "heartbeat":
        case "cancel":
          return t.length === 2 && a !== undefined ? { kind, name: a } : null;
        case "response":
          return t.length === 3 && a !== undefined && b !== undefined ? { kind, name: a, id: b } : null;
        case "handoff":
          return t.length === 4 && a !== undefined && b === "to" && c !== undefined
            ? { kind, from: a, to: c }
            : null;
        default:
          return null;
      }
    },
  };
}
