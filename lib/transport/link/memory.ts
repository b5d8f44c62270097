/**
 * A link's use of the log (lib/transport/log), when the server has one for the link's root:
 *
 *   - what the link sends on the log's subjects goes through the outbox (stored, acknowledged,
 *     held across outages, deduplicated by id);
 *   - a member's direct messages, requests and handoffs come from its durable consumers, so
 *     they wait while it is away;
 *   - a request to a name the mesh does not know fails at once (the directory), and one to a
 *     known agent that is away is queued rather than failed;
 *   - messages that may arrive twice are handled once (seen ids).
 *
 * Without a log (no JetStream, or no stream for this root) the link works as before on core NATS:
 * at most once, and a request to nobody fails with the server's "no responders".
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  logLayout,
  type AgentMessage,
  type DeliveryKind,
  type HandoffMessage,
  type LogLayout,
  type RequestMessage,
  type ResponseMessage,
  type TaskMessage,
} from "../../protocol";
import { NoAgentError } from "../errors";
import type { Logger } from "../logger";
import { Delivery, type Delivered } from "../log/delivery";
import { Directory } from "../log/directory";
import { HandledIds } from "../log/handled";
import { Outbox, type OutboxStats } from "../log/outbox";
import { SeenIds } from "../log/seen-ids";
import type { Requester, WaitOptions } from "./requester";

/** The envelope types sent through the outbox; acks, stream chunks, presence and heartbeats are not worth holding. */
const KEPT: ReadonlySet<AgentMessage["type"]> = new Set([
  "direct",
  "request",
  "handoff",
  "response",
  "announcement",
  "cancel",
  "stop",
]);

/** How long a link waits for a log that does not answer before it runs without one. */
const OPEN_WAIT_MS = 10_000;

export interface MemoryOptions {
  readonly nc: NatsConnection;
  readonly root: string;
  readonly name: string;
  readonly deliveryTtlMs: number;
  readonly outboxMaxBytes: number;
  readonly log: Logger;
}

export interface MemoryStats {
  /** Messages that arrived again and were dropped (handled once). */
  readonly duplicates: number;
  /** Tasks that waited longer than the delivery TTL and were dropped. */
  readonly expired: number;
  readonly outbox: OutboxStats;
}

export class Memory {
  readonly outbox: Outbox;
  readonly directory: Directory;
  private readonly seen = new SeenIds();
  private delivery: Delivery | undefined;
  private handled: HandledIds | undefined;
  private duplicates = 0;
  private expired = 0;

  private constructor(
    private readonly o: MemoryOptions,
    readonly layout: LogLayout,
  ) {
    this.outbox = new Outbox(o.nc, o.outboxMaxBytes, o.log);
    this.directory = new Directory(o.nc, layout);
  }

  /**
   * The link's memory, or null when the server keeps no log for this root. A JetStream server
   * that does not answer is asked again for up to 10 s: on a cluster the log's stream may be
   * electing a leader (4-9 s), and a link that took that for "no log" ran without one for good
   * (seen in a test that started links right after a node came back). A server without
   * JetStream (its INFO says so) is not asked again: a credential that may not ask gets no
   * answer either, and each of its links waited the 10 s (measured in the bench).
   */
  static async open(o: MemoryOptions): Promise<Memory | null> {
    const layout = logLayout(o.root);
    const jsm = await jetstreamManager(o.nc, { checkAPI: false, timeout: 2_000 });
    const deadline = Date.now() + OPEN_WAIT_MS;
    for (;;) {
      try {
        await jsm.streams.info(layout.stream);
        return new Memory(o, layout);
      } catch (e) {
        const message = (e as Error).message;
        const electing = /timeout/i.test(message) && o.nc.info?.jetstream === true;
        if (!electing || Date.now() > deadline || o.nc.isClosed()) {
          o.log.info(`no log on this server (${message}): core NATS, at most once`);
          return null;
        }
        o.log.warn(`the log did not answer (${message}); asking again`);
      }
    }
  }

  get stats(): MemoryStats {
    return { duplicates: this.duplicates, expired: this.expired, outbox: this.outbox.stats };
  }

  /** Whether `m` goes through the outbox. */
  keeps(m: AgentMessage): boolean {
    return KEPT.has(m.type);
  }

  /**
   * Starts delivering a member's inbox from its consumers; `lost`/`back` follow each consumer's
   * pull (./../log/delivery.ts).
   */
  async deliver(
    kinds: readonly DeliveryKind[],
    take: (d: Delivered) => boolean,
    lost?: (kind: DeliveryKind) => void,
    back?: (kind: DeliveryKind) => void,
  ): Promise<void> {
    // What this agent took before it restarted counts as taken (see ../log/handled.ts).
    this.handled = new HandledIds(this.o.nc, this.layout, this.o.name, this.o.log);
    for (const id of await this.handled.load()) this.seen.add(id);
    this.handled.start();
    this.delivery = await Delivery.start({
      nc: this.o.nc,
      layout: this.layout,
      name: this.o.name,
      kinds,
      ttlMs: this.o.deliveryTtlMs,
      onMessage: take,
      ...(lost && { onLost: lost }),
      ...(back && { onBack: back }),
      log: this.o.log,
    });
  }

  /**
   * Why a delivered task is not to be run (counted), or undefined when it is: it waited longer
   * than the delivery TTL, or past its asker's own timeout (nobody waits for the answer any more).
   */
  outlived(m: TaskMessage, d: Delivered): string | undefined {
    const waited = Date.now() - d.storedAt;
    const timeoutMs = m.type === "direct" ? undefined : m.timeoutMs;
    let why: string | undefined;
    if (waited > this.o.deliveryTtlMs)
      why = `it waited ${waited} ms for ${this.o.name}, longer than the delivery TTL of ${this.o.deliveryTtlMs} ms`;
    else if (timeoutMs !== undefined && waited > timeoutMs)
      why = `it waited ${waited} ms for ${this.o.name}, past its own timeout of ${timeoutMs} ms`;
    if (why === undefined) return undefined;
    this.expired++;
    this.o.log.warn(`dropped ${m.type} ${m.id} from ${m.from} unrun: ${why}`);
    return why;
  }

  /** As firstTime, for a task from the consumers: remembered across this agent's restarts. */
  firstDelivery(id: string): boolean {
    if (!this.firstTime(id)) return false;
    this.handled?.add(id);
    return true;
  }

  /** Ids another replica took (./siblings.ts): their copies are dropped here, uncounted. */
  remember(ids: readonly string[]): void {
    for (const id of ids) this.seen.add(id);
  }

  /** False (and counted) when message `id` was already taken: a second copy. */
  firstTime(id: string): boolean {
    if (this.seen.add(id)) return true;
    this.duplicates++;
    return false;
  }

  /** Rejects with NoAgentError when the mesh does not know `name`. */
  async mustKnow(name: string): Promise<void> {
    let known: boolean;
    try {
      known = await this.directory.knows(name);
    } catch {
      return; // the directory cannot be read right now: let the request wait rather than fail wrongly
    }
    if (!known) throw new NoAgentError(name, "the mesh has never seen it, or its credentials were revoked");
  }

  /** Asks through `requester` once the directory knows the target; no ack in time means queued, not gone. */
  async ask(
    requester: Requester,
    m: RequestMessage | HandoffMessage,
    subject: string,
    o: WaitOptions,
  ): Promise<ResponseMessage> {
    await this.mustKnow(m.to);
    return requester.ask(m, subject, { ...o, onQueued: o.onQueued ?? (() => {}) });
  }

  /** Stops taking deliveries (what is pulled and not taken comes again), then waits for the outbox. */
  async close(drainMs: number): Promise<void> {
    await this.delivery?.stop();
    await this.handled?.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.outbox.drained(),
      new Promise<void>((r) => (timer = setTimeout(r, drainMs))),
    ]).finally(() => clearTimeout(timer));
    this.outbox.close();
  }
}

/** When a task was stored, for checks against the envelope's own deadline. */
export type { Delivered };
