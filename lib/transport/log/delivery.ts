/**
 * Delivery that waits: a member's direct messages, requests and handoffs come from its durable
 * consumers on the log (lib/protocol/log.ts), not from core subscriptions. A message sent while
 * the agent is away (stopped, restarting, disconnected) stays in its consumer and arrives when
 * the agent pulls again; replicas of one agent pull from the same consumers and split the queue.
 *
 * Each message is acknowledged as soon as it is handed to the link (which remembers its id, so a
 * redelivery after a lost ack is dropped as a duplicate): delivery is at least once, handling
 * once. (What waited too long is the link's to judge: ../link/memory.ts `outlived`.)
 */
import type { NatsConnection } from "@nats-io/nats-core";
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { DeliveryKind, LogLayout } from "../../protocol";
import type { Logger } from "../logger";

/** How long a returning agent waits for the cancels queued for it before taking tasks. */
const DRAIN_MS = 2_000;
/** A delivered message the link did not acknowledge within this is delivered again. */
const ACK_WAIT_MS = 10_000;
/** Messages pulled ahead per consumer. */
const PULL_AHEAD = 256;
const NS_PER_MS = 1_000_000;
/**
 * The server confirms a waiting pull this often; two missed in a row and the pull is taken as
 * lost. On a cluster a consumer's leader can move (its node died) while our connection stays up:
 * the new leader knows nothing of our pending pull, and with the client's default (half the 30 s
 * pull expiry) an agent heard nothing for 30 s (measured in test/transport/cluster.test.ts).
 */
const HEARTBEAT_MS = 1_000;
/** How long a new pull may stay silent before it is taken as lost too. */
const CONFIRM_MS = 2.5 * HEARTBEAT_MS;
/** Pause between attempts to pull again after the pull was lost. */
const REPULL_MS = 100;
/** How long a JetStream API call may take; during a leader election one can hang to this. */
const API_TIMEOUT_MS = 1_000;

export interface Delivered {
  readonly kind: DeliveryKind;
  readonly subject: string;
  readonly data: Uint8Array;
  /** When the server stored it (ms since the epoch). */
  readonly storedAt: number;
}

export interface DeliveryOptions {
  readonly nc: NatsConnection;
  readonly layout: LogLayout;
  readonly name: string;
  readonly kinds: readonly DeliveryKind[];
  /** A consumer unused this long is removed; a new one starts at most this far back. */
  readonly ttlMs: number;
  /** Takes a message; returns false to have it delivered again later (the link is closing). */
  readonly onMessage: (m: Delivered) => boolean;
  /**
   * The pull of `kind` was lost (its consumer's leader died, or the connection dropped) and is
   * being made again; `onBack` once it is. Meanwhile nothing arrives from that consumer.
   */
  readonly onLost?: (kind: DeliveryKind) => void;
  readonly onBack?: (kind: DeliveryKind) => void;
  readonly log: Logger;
}

export class Delivery {
  private readonly running = new Map<DeliveryKind, ConsumerMessages>();
  private readonly restarting = new Set<DeliveryKind>();
  private stopped = false;

  private constructor(private readonly o: DeliveryOptions) {}

  /** Creates (or finds) the agent's consumers and starts pulling. */
  static async start(o: DeliveryOptions): Promise<Delivery> {
    const d = new Delivery(o);
    // Cancels first, and taken before any task: a task canceled while the agent was away must
    // find its cancel already here, or it would start before its cancel arrives (seen in CI).
    const cancels = o.kinds.filter((k) => k === "cancel");
    await Promise.all(cancels.map((kind) => d.consume(kind)));
    for (const kind of cancels) await d.drained(kind, DRAIN_MS);
    await Promise.all(o.kinds.filter((k) => k !== "cancel").map((kind) => d.consume(kind)));
    void d.followConnection();
    return d;
  }

  /** Resolves once the consumer of `kind` has nothing left to deliver (or after `withinMs`). */
  private async drained(kind: DeliveryKind, withinMs: number): Promise<void> {
    const { nc, layout, name } = this.o;
    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: API_TIMEOUT_MS });
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline && !this.stopped) {
      const info = await jsm.consumers.info(layout.stream, layout.consumer(kind, name)).catch(() => null);
      if (info !== null && info.num_pending === 0 && info.num_ack_pending === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops pulling; what was pulled but not taken is delivered again (to a replica, or later). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.running.values()].map((m) => m.close().catch(() => {})));
  }

  private async consume(kind: DeliveryKind): Promise<void> {
    const { nc, layout, name } = this.o;
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const durable = layout.consumer(kind, name);
    // An existing consumer keeps its place in the queue (and its start time cannot change).
    const existing = await jsm.consumers.info(layout.stream, durable).catch(() => null);
    if (existing === null) await this.create(jsm, kind, durable);
    await this.pull(kind);
  }

  /** Starts pulling; `heard` resolves on the server's first word on the pull (a heartbeat or a message). */
  private async pull(kind: DeliveryKind): Promise<{ heard: Promise<void> }> {
    const { nc, layout, name } = this.o;
    const js = jetstream(nc, { checkAPI: false, timeout: API_TIMEOUT_MS });
    const consumer = await js.consumers.get(layout.stream, layout.consumer(kind, name));
    let confirm!: () => void;
    const heard = new Promise<void>((resolve) => (confirm = resolve));
    const messages = await consumer.consume({
      max_messages: PULL_AHEAD,
      idle_heartbeat: HEARTBEAT_MS,
      callback: (m) => {
        confirm();
        this.take(kind, m);
      },
    });
    this.running.set(kind, messages);
    void (async () => {
      for await (const s of messages.status()) {
        if (s.type === "heartbeat") confirm();
        else if (s.type === "heartbeats_missed") return this.repull(kind, `${s.count} heartbeats missed`);
      }
    })().catch(() => {});
    return { heard };
  }

  /**
   * The client's own recovery (after a reconnect or missed heartbeats: a consumer info, then a
   * new pull) waits the whole pull expiry (30 s) after an info that fails, and one fails while a
   * consumer's replicas elect a new leader: an agent whose node died heard nothing for 30 s
   * (measured on a three-node cluster). So a lost pull is replaced here, retried every 100 ms.
   */
  private async repull(kind: DeliveryKind, why: string): Promise<void> {
    if (this.stopped || this.restarting.has(kind)) return;
    this.restarting.add(kind);
    this.o.onLost?.(kind);
    let back = false;
    try {
      await this.running
        .get(kind)
        ?.close()
        .catch(() => {});
      this.running.delete(kind);
      for (let attempt = 0; !this.stopped && !this.o.nc.isClosed(); attempt++) {
        try {
          // A consumer that answers an info may still not deliver (a leader elected a moment ago
          // on a cluster: pulls looked made and nothing came for 5-8 s, measured): the pull is
          // back only once the server has said something on it.
          const { heard } = await this.pull(kind);
          let timer: ReturnType<typeof setTimeout> | undefined;
          const confirmed = await Promise.race([
            heard.then(() => true),
            new Promise<boolean>((r) => (timer = setTimeout(() => r(false), CONFIRM_MS))),
          ]).finally(() => clearTimeout(timer));
          if (!confirmed) {
            await this.running
              .get(kind)
              ?.close()
              .catch(() => {});
            this.running.delete(kind);
            throw new Error(`no heartbeat within ${CONFIRM_MS} ms`);
          }
          back = true;
          if (this.stopped)
            await this.running
              .get(kind)
              ?.close()
              .catch(() => {});
          return;
        } catch (e) {
          if (attempt === 0) this.o.log.warn(`pulling ${kind} again (${why}): ${(e as Error).message}`);
          await new Promise((r) => setTimeout(r, REPULL_MS));
        }
      }
    } finally {
      this.restarting.delete(kind);
      if (back) this.o.onBack?.(kind);
    }
  }

  /** After a reconnect the pulls made on the old connection are gone: pull again. */
  private async followConnection(): Promise<void> {
    for await (const s of this.o.nc.status()) {
      if (this.stopped) return;
      if (s.type === "reconnect") for (const kind of this.o.kinds) void this.repull(kind, "reconnected");
    }
  }

  private async create(jsm: JetStreamManager, kind: DeliveryKind, durable: string): Promise<void> {
    const { layout, name } = this.o;
    const created = jsm.consumers.add(layout.stream, {
      durable_name: durable,
      filter_subject: layout.filter(kind, name),
      ack_policy: AckPolicy.Explicit,
      // A new consumer (a new agent, or one away longer than the TTL) starts with what still counts.
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(Date.now() - this.o.ttlMs).toISOString(),
      ack_wait: ACK_WAIT_MS * NS_PER_MS,
      max_ack_pending: PULL_AHEAD * 4,
      // An agent gone for longer than the TTL has nothing left to be delivered.
      inactive_threshold: Math.max(this.o.ttlMs, 60_000) * NS_PER_MS,
    });
    // A replica starting at the same moment may have made it first: then it is there to use.
    await created.catch(async (e: unknown) => {
      if ((await jsm.consumers.info(layout.stream, durable).catch(() => null)) === null) throw e;
    });
  }

  private take(kind: DeliveryKind, m: JsMsg): void {
    const d: Delivered = {
      kind,
      subject: m.subject,
      data: m.data,
      storedAt: Math.floor(m.info.timestampNanos / NS_PER_MS),
    };
    if (this.stopped) return m.nak();
    let taken: boolean;
    try {
      taken = this.o.onMessage(d);
    } catch (e) {
      this.o.log.error(`delivering ${m.subject}: ${(e as Error).message}`);
      taken = true; // a handler's failure is the handler's: delivering again would repeat it
    }
    if (taken) m.ack();
    else m.nak();
  }
}
