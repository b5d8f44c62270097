/**
 * Being seen: the agent's metadata, its presence announcements (online on start and after every
 * reconnect, offline on close), heartbeats every `heartbeatMs` and on a status change, and the
 * answer to "who is online?" (discover). A client link has none of this: it is never listed.
 */
import type { Msg } from "@nats-io/nats-core";
import {
  compose,
  encodeMessage,
  type AgentMetadata,
  type AgentProfile,
  type AgentStatus,
  type PresenceMessage,
} from "../../protocol";
import type { Wire } from "./wire";

export class Presence {
  private metadata: AgentMetadata;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly wire: Wire,
    profile: ReturnType<typeof AgentProfile.parse>,
    private readonly heartbeatMs: number,
  ) {
    const now = new Date().toISOString();
    this.metadata = { ...profile, status: "online", startedAt: now, lastSeen: now, heartbeatMs };
  }

  get status(): AgentStatus {
    return this.metadata.status;
  }

  /** The metadata this agent announces (status and lastSeen as of now). */
  describe(): AgentMetadata {
    return { ...this.metadata, lastSeen: new Date().toISOString() };
  }

  /** Announces the agent and starts heartbeating. */
  start(): void {
    this.announce();
    this.timer = setInterval(() => this.beat(), this.heartbeatMs);
  }

  /** Changes status; `tell` sends a heartbeat at once so everyone knows. */
  setStatus(status: AgentStatus, tell: boolean): void {
    if (this.metadata.status === status) return;
    this.metadata = { ...this.metadata, status };
    if (tell) this.beat();
  }

  /** Stops heartbeating and marks the agent offline (announce() then says so). */
  stop(): void {
    clearInterval(this.timer);
    this.metadata = { ...this.metadata, status: "offline" };
  }

  announce(): void {
    this.wire.send(this.wire.subjects.presence(this.wire.name), () => this.presenceMessage());
  }

  /** Answers a discover on its NATS reply subject with this agent's presence. */
  answerDiscover(msg: Msg): void {
    if (msg.reply === undefined || !this.wire.open) return;
    msg.respond(encodeMessage(this.presenceMessage(), this.wire.maxMessageBytes));
  }

  private beat(): void {
    this.wire.send(this.wire.subjects.heartbeat(this.wire.name), () =>
      compose("heartbeat", this.wire.name, { content: "", agent: this.describe() }, { priority: 1 }),
    );
  }

  private presenceMessage(): PresenceMessage {
    const agent = this.describe();
    const words = agent.status === "offline" ? "is offline" : `is ${agent.status}`;
    return compose("presence", this.wire.name, { content: `${this.wire.name} ${words}`, agent });
  }
}
