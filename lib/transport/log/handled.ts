/**
 * The ids of the tasks an agent took lately, kept across its restarts (the log's `handled`
 * stream, one message per agent, lib/protocol/log.ts). Why: a broker killed before it stored an
 * agent's acks delivers those tasks again when it is back, up to the consumer's ack wait later;
 * if the agent restarted meanwhile, its in-memory ids are gone and it would run them twice. The
 * link saves the recent ids every second while they change and when it closes, and reads them
 * when it starts. (An agent killed outright loses at most the last second of them.)
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import type { LogLayout } from "../../protocol";
import type { Logger } from "../logger";

/** How many ids are kept: far more than a broker restart can redeliver (the last seconds of work). */
const KEPT = 4_096;
const SAVE_EVERY_MS = 1_000;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class HandledIds {
  private readonly ids: string[] = [];
  private dirty = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private saving: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly layout: LogLayout,
    private readonly name: string,
    private readonly log: Logger,
  ) {}

  /** The ids saved by this agent's last run (validated: it is data from the bus like any other). */
  async load(): Promise<string[]> {
    try {
      const jsm = await jetstreamManager(this.nc, { checkAPI: false, timeout: 2_000 });
      const m = await jsm.direct.getMessage(this.layout.handled, {
        last_by_subj: this.layout.handledSubject(this.name),
      });
      if (m === null) return [];
      const ids: unknown = m.json();
      if (!Array.isArray(ids)) return [];
      const valid = ids.filter((id): id is string => typeof id === "string" && ID.test(id)).slice(-KEPT);
      this.ids.push(...valid);
      return valid;
    } catch (e) {
      this.log.warn(`could not read the ids of tasks taken before this start: ${(e as Error).message}`);
      return [];
    }
  }

  /** Starts saving every second while ids are added. */
  start(): void {
    this.timer = setInterval(() => void this.save(), SAVE_EVERY_MS);
  }

  add(id: string): void {
    this.ids.push(id);
    if (this.ids.length > KEPT * 2) this.ids.splice(0, this.ids.length - KEPT);
    this.dirty = true;
  }

  /** Saves now (if anything changed) and stops. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.saving;
    await this.save();
  }

  private async save(): Promise<void> {
    if (!this.dirty || this.saving !== undefined || this.nc.isClosed()) return;
    this.dirty = false;
    const body = new TextEncoder().encode(JSON.stringify(this.ids.slice(-KEPT)));
    // A reply subject makes the stream acknowledge storing it.
    this.saving = this.nc
      .request(this.layout.handledSubject(this.name), body, { timeout: 2_000 })
      .then(
        () => {},
        () => {
          this.dirty = true; // try again at the next tick
        },
      )
      .finally(() => (this.saving = undefined));
    await this.saving;
  }
}
