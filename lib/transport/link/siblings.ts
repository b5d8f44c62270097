/**
 * Replicas of one agent tell each other which tasks they took live. A task taken live (its sender
 * could not store it, or this replica's consumer had lost its pull: see ../agent-link.ts) is
 * often stored as well, and the consumer the replicas share then delivers that copy to any of
 * them: the others must drop it. So the ids a replica took live go out in a batch every 20 ms on
 * `{root}.taken.{name}`, which only that agent's credentials may publish or read, and every
 * replica (itself included, harmlessly) remembers them as seen. Only used while the log is
 * failing over, so it costs nothing otherwise.
 */
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import type { Rejections } from "../rejections";

const BATCH_MS = 20;
/** Far more than a replica takes live in 20 ms; a notice past these is not one of ours. */
const MAX_IDS = 1_024;
const MAX_BYTES = 72 * 1_024;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class Siblings {
  private batch: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sub: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly rejections: Rejections,
    /** Ids another replica (or this one) took. */
    private readonly remember: (ids: readonly string[]) => void,
  ) {}

  start(): void {
    this.sub = this.nc.subscribe(this.subject, {
      callback: (err, msg) => {
        if (err === null) this.heard(msg.data);
      },
    });
  }

  /** This replica took task `id` live. */
  took(id: string): void {
    this.batch.push(id);
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  stop(): void {
    this.flush();
    try {
      this.sub?.unsubscribe();
    } catch {
      // the connection is closed: nothing to unsubscribe from
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0 || this.nc.isClosed()) return;
    const ids = this.batch.splice(0, MAX_IDS);
    try {
      this.nc.publish(this.subject, JSON.stringify(ids));
    } catch {
      // closing: the other replicas may run these once more, as without this notice
    }
    if (this.batch.length > 0) this.timer = setTimeout(() => this.flush(), 0);
  }

  private heard(data: Uint8Array): void {
    let ids: unknown;
    try {
      ids = data.length <= MAX_BYTES ? JSON.parse(new TextDecoder().decode(data)) : undefined;
    } catch {
      ids = undefined;
    }
    if (
      !Array.isArray(ids) ||
      ids.length > MAX_IDS ||
      !ids.every((id): id is string => typeof id === "string" && ID.test(id))
    ) {
      this.rejections.record(
        "invalid_envelope",
        `a taken-ids notice must be a JSON array of at most ${MAX_IDS} message ids (${data.length} bytes)`,
        this.subject,
      );
      return;
    }
    this.remember(ids);
  }
}
