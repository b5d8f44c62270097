/**
 * The outbox: what a link sends on the log's subjects goes through here, is published to
 * JetStream with its envelope id as `Nats-Msg-Id`, and is held until the server acknowledges
 * storing it. While the connection is down (or the server does not answer) messages wait here,
 * bounded in bytes; when it returns they are sent again, oldest first, and the server drops the
 * copies it already stored (same id, within its duplicate window). So a broker that dies, or a
 * connection that drops, loses nothing a link sent (measured: core NATS lost ~420 of 2,000
 * messages in a 2 s outage; this loses none).
 *
 * Core subscribers get a message on its first publish; a message re-sent after an outage may
 * reach them twice (the server deduplicates what it stores, not what it relays), so receivers
 * drop duplicates by id (./seen-ids.ts).
 *
 * A task (direct, request, handoff) whose publish fails while the connection is up is also sent
 * once, at once, on its receiver's live subject (`{root}.live.{to}.{from}`), where the receiver
 * takes it straight away. Why: on a cluster, a node's death leaves the log without a leader until
 * the others elect one, 4-9 s on nats-server 2.9 (not configurable); nothing is stored meanwhile,
 * so without this every agent on the mesh was unreachable that long. The stored copy follows
 * when the log is back, and the receiver drops it by id.
 */
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { TRACEPARENT } from "../../protocol";
import type { Logger } from "../logger";

/** How many publishes may wait for their ack at once. */
const IN_FLIGHT = 256;
/** How long one publish waits for its ack before the outbox assumes the server is unreachable. */
const ACK_TIMEOUT_MS = 2_000;
/** Pause before sending again after a failure, doubling to the max while it keeps failing. */
const RETRY_MS = 100;
const RETRY_MAX_MS = 2_000;

/** A send that did not fit: the outbox already holds `maxBytes` waiting for the server. */
export class OutboxFullError extends Error {
  override readonly name = "OutboxFullError";
  constructor(
    readonly heldBytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `the outbox is full: ${heldBytes} bytes wait for the NATS server (limit ${maxBytes}, OUTBOX_MAX_BYTES); the message was not sent`,
    );
  }
}

interface Entry {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly id: string;
  /** The W3C `traceparent` header, when the message has one. */
  readonly trace: string | undefined;
  /** A task's live subject, for a copy sent straight to its receiver when storing it fails. */
  live: string | undefined;
  /** Send attempt this entry was last sent in (0: not yet). */
  round: number;
  acked: boolean;
}

export interface OutboxStats {
  /** Messages stored by the server. */
  readonly stored: number;
  /** Messages waiting (sent or not) for the server's ack. */
  readonly waiting: number;
  readonly waitingBytes: number;
  /** Sends again after a failure. */
  readonly resent: number;
  /** Copies the server said it already had. */
  readonly duplicates: number;
  /** Sends refused because the outbox was full. */
  readonly refused: number;
  /** Tasks also sent live because the server could not store them. */
  readonly live: number;
}

export class Outbox {
  private readonly js: JetStreamClient;
  private readonly queue: Entry[] = [];
  private head = 0;
  private bytes = 0;
  /** Index of the next entry to send in this round. */
  private next = 0;
  private inFlight = 0;
  private round = 1;
  private retryMs = RETRY_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private paused = false;
  /** Between a failure and the next round: nothing is sent, new messages only queue. */
  private backingOff = false;
  private closed = false;
  private idle: (() => void)[] = [];
  private counts = { stored: 0, resent: 0, duplicates: 0, refused: 0, live: 0 };

  constructor(
    private readonly nc: NatsConnection,
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {
    this.js = jetstream(nc, { checkAPI: false, timeout: ACK_TIMEOUT_MS });
    void this.followConnection();
  }

  get stats(): OutboxStats {
    return { ...this.counts, waiting: this.queue.length - this.head, waitingBytes: this.bytes };
  }

  /**
   * Queues `data` for `subject`; throws OutboxFullError when it does not fit. `live` is a task's
   * live subject (see above).
   */
  send(subject: string, data: Uint8Array, id: string, trace?: string, live?: string): void {
    if (this.bytes + data.length > this.maxBytes && this.queue.length > this.head) {
      this.counts.refused++;
      throw new OutboxFullError(this.bytes, this.maxBytes);
    }
    const e: Entry = { subject, data, id, trace, live, round: 0, acked: false };
    this.queue.push(e);
    this.bytes += data.length;
    if (!this.backingOff) return this.pump();
    // Paused after a failure: a new message is still tried once now (stored if the server is
    // back, sent live if not); the next round sends it again only if that failed.
    if (this.paused || this.closed || this.inFlight >= IN_FLIGHT) return;
    e.round = this.round;
    this.publish(e);
  }

  /** Resolves once everything queued so far is stored (or the outbox is closed). */
  drained(): Promise<void> {
    if (this.queue.length === this.head || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops sending; what is still waiting is reported and dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    const left = this.queue.length - this.head;
    if (left > 0) this.log.warn(`closing with ${left} messages the server has not stored; they are dropped`);
    this.wakeIdle();
  }

  private pump(): void {
    if (this.paused || this.backingOff || this.closed) return;
    while (this.inFlight < IN_FLIGHT && this.next < this.queue.length) {
      const e = this.queue[this.next++]!;
      if (e.acked || e.round === this.round) continue; // stored, or tried in this round already
      if (e.round !== 0) this.counts.resent++;
      e.round = this.round;
      this.publish(e);
    }
  }

  private publish(e: Entry): void {
    this.inFlight++;
    const round = this.round;
    const h = this.headers(e);
    this.js
      .publish(e.subject, e.data, { msgID: e.id, timeout: ACK_TIMEOUT_MS, ...(h && { headers: h }) })
      .then(
        (ack) => {
          if (ack.duplicate) this.counts.duplicates++;
          this.settled(round);
          this.stored(e);
        },
        (err: unknown) => {
          this.settled(round);
          // Refused by the client itself (over the server's max_payload): sending again cannot help.
          if (/max_payload/i.test((err as Error).message)) return this.dropped(e, err);
          this.sendLive(e);
          // A new message's first try during the pause: the round that is due sends it again.
          if (this.backingOff && round === this.round) e.round = 0;
          else this.failed(round, err);
        },
      );
  }

  private headers(e: Entry) {
    if (e.trace === undefined) return undefined;
    const h = headers();
    h.set(TRACEPARENT, e.trace);
    return h;
  }

  /** Sends a task that could not be stored straight to its receiver, once (see above). */
  private sendLive(e: Entry): void {
    if (e.live === undefined || e.acked || this.nc.isClosed() || this.paused) return;
    const live = e.live;
    e.live = undefined;
    const h = this.headers(e);
    try {
      this.nc.publish(live, e.data, h && { headers: h });
      this.counts.live++;
    } catch (err) {
      this.log.warn(`could not send ${e.id} live on ${live}: ${(err as Error).message}`);
    }
  }

  private dropped(e: Entry, err: unknown): void {
    this.log.error(`dropped ${e.subject} (${e.data.length} bytes): ${(err as Error).message}`);
    this.stored(e); // out of the queue, so what follows is not held behind it
    this.counts.stored--;
    this.counts.refused++;
  }

  private settled(round: number): void {
    if (round === this.round) this.inFlight--;
  }

  private stored(e: Entry): void {
    if (e.acked) return;
    e.acked = true;
    this.counts.stored++;
    this.bytes -= e.data.length;
    while (this.head < this.queue.length && this.queue[this.head]!.acked) this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.next -= this.head;
      this.head = 0;
    }
    // The pause between rounds goes back to its shortest only once everything is stored: while
    // the server stores some and refuses others (a JetStream leader being elected answers "no
    // responders" at once), a reset per stored message made rounds of 256 follow each other every
    // 100 ms (130,000 resends for 2,000 messages through one node's kill on a cluster, measured).
    if (this.queue.length === this.head) {
      this.retryMs = RETRY_MS;
      this.wakeIdle();
    }
    this.pump();
  }

  /**
   * A publish of round `round` failed (no ack in time, no connection, no stream): start a new
   * round after a pause, sending again everything not stored yet, oldest first.
   */
  private failed(round: number, err: unknown): void {
    if (round !== this.round || this.closed) return;
    this.log.warn(
      `the server did not store a message (${(err as Error).message}); holding ${this.queue.length - this.head} to send again`,
    );
    this.restart(this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  /**
   * A new round from the oldest message not stored, after `afterMs`. Until then nothing is sent,
   * not even what is queued meanwhile: each new message started the whole queue over at once, and
   * a sender of 200 messages a second resent 75,000 times through a 5 s election (measured).
   */
  private restart(afterMs: number): void {
    this.round++;
    this.inFlight = 0;
    this.next = this.head;
    this.backingOff = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.backingOff = false;
      this.pump();
    }, afterMs);
  }

  private async followConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (this.closed) return;
      if (s.type === "disconnect") {
        this.paused = true;
      } else if (s.type === "reconnect") {
        this.paused = false;
        this.retryMs = RETRY_MS;
        if (this.queue.length > this.head) this.restart(0); // send again what the old connection lost
      }
    }
  }

  private wakeIdle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}
