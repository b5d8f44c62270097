/**
 * Being seen: the agent's metadata, its presence announcements (online on start and after every
 * reconnect, offline on close), heartbeats every `heartbeatMs` and on a status change, and the
 * answer to "who is online?" (discover): the presence announced again, on the agent's own
 * presence subject, where the server vouches for the sender (an answer on the asker's inbox could
 * claim any name). Answers are coalesced: one per DISCOVER_ANSWER_MS however many ask, so a
 * flood of discovers cannot make every agent flood the mesh. A client link has none of this: it
 * is never listed.
 */
import {
  compose,
  type AgentMetadata,
  type AgentProfile,
  type AgentStatus,
  type PresenceMessage,
  type UsageWindow,
} from "../../protocol";
import type { Wire } from "./wire";

/** At most one answer to "who is online?" per this many ms (the rest share it). */
export const DISCOVER_ANSWER_MS = 200;

export class Presence {
  private metadata: AgentMetadata;
  private timer: ReturnType<typeof setInterval> | undefined;
  private answerTimer: ReturnType<typeof setTimeout> | undefined;
  private lastAnswer = 0;
  /** The model usage to report (agents that run a model set it). */
  usage: (() => UsageWindow | undefined) | undefined;

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
    const usage = this.usage?.();
    return {
      ...this.metadata,
      lastSeen: new Date().toISOString(),
      ...(usage === undefined ? {} : { usage }),
    };
  }

  /**
   * Announces the agent and starts heartbeating. With a log, resolves once the members stream
   * holds the announcement (the directory then knows the agent).
   */
  async start(): Promise<void> {
    this.timer = setInterval(() => this.beat(), this.heartbeatMs);
    if (this.wire.memory === null) return this.announce();
    this.lastAnswer = Date.now();
    const subject = this.wire.subjects.presence(this.wire.name, this.metadata.runtime);
    await this.wire.publishStored(subject, this.presenceMessage(), 2_000);
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
    clearTimeout(this.answerTimer);
    this.answerTimer = undefined;
    this.metadata = { ...this.metadata, status: "offline" };
  }

  announce(): void {
    this.lastAnswer = Date.now();
    this.wire.send(this.wire.subjects.presence(this.wire.name, this.metadata.runtime), () =>
      this.presenceMessage(),
    );
  }

  /** Answers "who is online?" by announcing again, at most once per DISCOVER_ANSWER_MS. */
  answerDiscover(): void {
    if (this.answerTimer !== undefined || this.metadata.status === "offline") return;
    const wait = Math.max(0, this.lastAnswer + DISCOVER_ANSWER_MS - Date.now());
    this.answerTimer = setTimeout(() => {
      this.answerTimer = undefined;
      if (this.wire.open && this.metadata.status !== "offline") this.announce();
    }, wait);
  }

  private beat(): void {
    this.wire.send(this.wire.subjects.heartbeat(this.wire.name, this.metadata.runtime), () =>
      compose("heartbeat", this.wire.name, { content: "", agent: this.describe() }, { priority: 1 }),
    );
  }

  private presenceMessage(): PresenceMessage {
    const agent = this.describe();
    const words = agent.status === "offline" ? "is offline" : `is ${agent.status}`;
    return compose("presence", this.wire.name, { content: `${this.wire.name} ${words}`, agent });
  }
}
