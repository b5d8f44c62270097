/**
 * Counts and logs dropped messages by reason. Logging is rate-limited per reason so a hostile
 * flood costs a counter increment, not a log line each.
 */
import { REJECT_REASONS, type RejectReason } from "../protocol";
import type { Logger } from "./logger";

const LOG_BURST = 5;
const LOG_WINDOW_MS = 10_000;

export type RejectCounts = Readonly<Record<RejectReason, number>>;

export class Rejections {
  readonly counts: Record<RejectReason, number> = Object.fromEntries(
    REJECT_REASONS.map((r) => [r, 0]),
  ) as Record<RejectReason, number>;
  private readonly window = new Map<RejectReason, { start: number; logged: number; suppressed: number }>();

  constructor(private readonly logger: Logger) {}

  get total(): number {
    let n = 0;
    for (const r of REJECT_REASONS) n += this.counts[r];
    return n;
  }

  record(reason: RejectReason, detail: string, subject: string): void {
    this.counts[reason]++;
    const now = Date.now();
    let w = this.window.get(reason);
    if (w === undefined || now - w.start > LOG_WINDOW_MS) {
      if (w !== undefined && w.suppressed > 0) {
        this.logger.warn(`dropped ${w.suppressed} more ${reason} messages without logging them`);
      }
      w = { start: now, logged: 0, suppressed: 0 };
      this.window.set(reason, w);
    }
    if (w.logged < LOG_BURST) {
      w.logged++;
      this.logger.warn(`dropped message on ${subject}: ${reason}: ${detail}`, { reason, subject });
    } else {
      w.suppressed++;
    }
  }
}
