/**
 * Every subject the system uses, built only here. `{name}` tokens are validated agent names,
 * `{id}` tokens validated message ids, so no caller can smuggle a wildcard or an extra token in.
 *
 * Every subject names its sender (`{from}`), and each identity's credentials let it publish only
 * on subjects that name itself (lib/protocol/permissions.ts). So the sender of a message is bound
 * by the NATS server, not by the body: a receiver drops (and counts as `spoofed`) any message
 * whose `from` differs from the subject's sender. The seed's names stay as prefixes
 * (`agents.direct.{to}` is still where a direct message to `to` starts).
 *
 *   {root}.all.{from}                     broadcast (announcement) to every agent
 *   {root}.direct.{to}.{from}             direct message; starts the receiver's run
 *   {root}.request.{to}.{from}            request; the answer channel is
 *   {root}.response.{to}.{id}.{from}      the answers to task {id} that {to} sent: ack, stream
 *                                         chunks, then the response (requests, handoffs, directs)
 *   {root}.handoff.{from}.to.{to}         task handoff with its context
 *   {root}.presence.{name}.{runtime}      online / offline announcements with the agent's metadata;
 *   {root}.heartbeat.{name}.{runtime}     periodic liveness + status. {runtime} (process, server,
 *                                         browser) is bound by the credential too
 *   {root}.cancel.{to}.{from}             asks {to} to stop a task {from} gave it
 *   {root}.stop.{from}                    a person stops a whole thread (every agent listens;
 *                                         only the person and cli roles may publish)
 *   {root}.discover.{from}                "who is online?": every agent announces its presence again
 *   {root}.live.{to}.{from}               a task (direct, request or handoff) sent again straight to
 *                                         {to} because the log could not store it (a leader being
 *                                         elected on a cluster): a copy, never the first send
 *   {root}.taken.{name}                   ids of tasks one replica of {name} took live, for its
 *                                         other replicas (only {name}'s credentials may use it)
 *
 * The root is "agents" unless configured (SWITCHBOARD_SUBJECT_ROOT); it may have several tokens.
 */
import { AgentRuntime } from "./agent-metadata";
import { assertAgentName, assertRoot, assertToken, DEFAULT_ROOT } from "./names";

export interface Subjects {
  readonly root: string;
  all(from: string): string;
  direct(to: string, from: string): string;
  request(to: string, from: string): string;
  /** The answer channel of task `id` sent by `to`, as published by `from`. */
  response(to: string, id: string, from: string): string;
  handoff(from: string, to: string): string;
  presence(name: string, runtime: AgentRuntime): string;
  heartbeat(name: string, runtime: AgentRuntime): string;
  cancel(to: string, from: string): string;
  stop(from: string): string;
  discover(from: string): string;
  /** A task's live copy, while the log cannot store it (see the table above). */
  live(to: string, from: string): string;
  /** Where replicas of `name` tell each other the tasks they took live. */
  taken(name: string): string;
  /** Wildcards for subscribing. */
  readonly wildcards: {
    /** Everything under the root: `{root}.>` */
    all: string;
    /** Broadcasts from anyone: `{root}.all.*` */
    broadcasts: string;
    directsTo(name: string): string;
    requestsTo(name: string): string;
    /** Answers to tasks `name` sent, from anyone: `{root}.response.{name}.*.*` */
    responsesFor(name: string): string;
    /** Handoffs to one agent from anyone: `{root}.handoff.*.to.{name}` */
    handoffsTo(name: string): string;
    cancelsTo(name: string): string;
    /** Thread stops from anyone: `{root}.stop.*` */
    stops: string;
    discovers: string;
    liveTo(name: string): string;
    presence: string;
    heartbeat: string;
  };
  /** Splits a concrete subject into its kind and tokens; `null` if it is not one of ours. */
  parse(subject: string): ParsedSubject | null;
}

/** Every subject names its sender in `from`. */
export type ParsedSubject =
  | { kind: "all" | "discover" | "stop" | "taken"; from: string }
  | { kind: "direct" | "request" | "cancel" | "handoff" | "live"; to: string; from: string }
  | { kind: "response"; to: string; id: string; from: string }
  | { kind: "presence" | "heartbeat"; from: string; runtime: AgentRuntime };

const cache = new Map<string, Subjects>();

export function subjects(root: string = DEFAULT_ROOT): Subjects {
  let s = cache.get(root);
  if (s === undefined) {
    s = build(assertRoot(root));
    cache.set(root, s);
  }
  return s;
}

const RUNTIMES: ReadonlySet<string> = new Set(AgentRuntime.options);

function runtimeToken(r: string): AgentRuntime {
  if (!RUNTIMES.has(r)) throw new TypeError(`runtime must be one of ${AgentRuntime.options.join(", ")}`);
  return r as AgentRuntime;
}

function build(root: string): Subjects {
  const prefix = `${root}.`;
  const name = (n: string, what?: string) => assertAgentName(n, what);
  const sender = (n: string) => assertAgentName(n, "sender name");
  return {
    root,
    all: (from) => `${root}.all.${sender(from)}`,
    direct: (to, from) => `${root}.direct.${name(to)}.${sender(from)}`,
    request: (to, from) => `${root}.request.${name(to)}.${sender(from)}`,
    response: (to, id, from) =>
      `${root}.response.${name(to)}.${assertToken(id, "message id")}.${sender(from)}`,
    handoff: (from, to) => `${root}.handoff.${sender(from)}.to.${name(to)}`,
    presence: (n, r) => `${root}.presence.${name(n)}.${runtimeToken(r)}`,
    heartbeat: (n, r) => `${root}.heartbeat.${name(n)}.${runtimeToken(r)}`,
    cancel: (to, from) => `${root}.cancel.${name(to)}.${sender(from)}`,
    stop: (from) => `${root}.stop.${sender(from)}`,
    discover: (from) => `${root}.discover.${sender(from)}`,
    live: (to, from) => `${root}.live.${name(to)}.${sender(from)}`,
    taken: (n) => `${root}.taken.${name(n)}`,
    wildcards: {
      all: `${root}.>`,
      broadcasts: `${root}.all.*`,
      directsTo: (n) => `${root}.direct.${name(n)}.*`,
      requestsTo: (n) => `${root}.request.${name(n)}.*`,
      responsesFor: (n) => `${root}.response.${name(n)}.*.*`,
      handoffsTo: (n) => `${root}.handoff.*.to.${name(n)}`,
      cancelsTo: (n) => `${root}.cancel.${name(n)}.*`,
      stops: `${root}.stop.*`,
      discovers: `${root}.discover.*`,
      liveTo: (n) => `${root}.live.${name(n)}.*`,
      presence: `${root}.presence.*.*`,
      heartbeat: `${root}.heartbeat.*.*`,
    },
    parse(subject) {
      // Token by token with indexOf rather than split(): every message a dashboard or a registry
      // receives is parsed, and this allocates only the tokens it returns.
      if (!subject.startsWith(prefix)) return null;
      const tokens: string[] = [];
      let at = prefix.length;
      while (tokens.length < 5) {
        const dot = subject.indexOf(".", at);
        const token = dot === -1 ? subject.slice(at) : subject.slice(at, dot);
        if (token === "") return null;
        tokens.push(token);
        if (dot === -1) break;
        at = dot + 1;
      }
      if (tokens.length === 5) return null; // more tokens than any subject of ours has
      const [kind, a, b, c] = tokens;
      const n = tokens.length;
      switch (kind) {
        case "all":
        case "discover":
        case "stop":
        case "taken":
          return n === 2 ? { kind, from: a! } : null;
        case "direct":
        case "request":
        case "cancel":
        case "live":
          return n === 3 ? { kind, to: a!, from: b! } : null;
        case "presence":
        case "heartbeat":
          return n === 3 && RUNTIMES.has(b!) ? { kind, from: a!, runtime: b as AgentRuntime } : null;
        case "response":
          return n === 4 ? { kind, to: a!, id: b!, from: c! } : null;
        case "handoff":
          return n === 4 && b === "to" ? { kind, from: a!, to: c! } : null;
        default:
          return null;
      }
    },
  };
}
