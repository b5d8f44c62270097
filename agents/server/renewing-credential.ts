/**
 * A credential held in memory and renewed at half its lifetime, for connections the dashboard
 * server makes itself (its server agents, and its registry watcher when `npm start` left no
 * dashboard.creds). The connection reads `credentials` at every (re)connect: when the old JWT
 * expires the NATS server closes the connection, and the client reconnects with the renewal,
 * which was minted well before, so nothing waits on minting then.
 *
 * A failed renewal is logged and retried at half the time that remains, so a passing fault
 * (the disk full for a moment) heals before the credential runs out.
 */
import "server-only";
import type { Minted } from "../../lib/identity";
import { credsText, type Credentials } from "../../lib/transport/connect";

/** What renewal mints: a credential whose key pair was made here, so it comes with its creds text. */
export type MintCreds = () => Promise<Minted>;

/** Never renew sooner than this, so a credential that is already expired is not minted in a loop. */
const MIN_DELAY_MS = 1_000;

export class RenewingCredential {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  private constructor(
    private current: Minted & { readonly creds: string },
    private readonly mint: MintCreds,
    private readonly onError: (e: Error) => void,
  ) {}

  /** Mints the first credential (its failure is the caller's to report) and schedules renewals. */
  static async start(mint: MintCreds, onError: (e: Error) => void): Promise<RenewingCredential> {
    const c = new RenewingCredential(withCreds(await mint()), mint, onError);
    c.schedule();
    return c;
  }

  /** What a connection authenticates with; always the newest credential. */
  readonly credentials: Credentials = credsText(() => this.current.creds);

  /** When the credential a new connection would get expires (ms since the epoch). */
  get expiresAt(): number {
    return this.current.expiresAt;
  }

  /** Stops renewing. Idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed) return;
    const delay = Math.max(MIN_DELAY_MS, (this.current.expiresAt - Date.now()) / 2);
    this.timer = setTimeout(() => void this.renew(), delay);
    this.timer.unref?.(); // a renewal due must not keep a finished process alive
  }

  private async renew(): Promise<void> {
    try {
      const next = withCreds(await this.mint());
      if (!this.closed) this.current = next;
    } catch (e) {
      this.onError(new Error(`renewing a credential failed: ${(e as Error).message}`, { cause: e }));
    }
    this.schedule();
  }
}

function withCreds(m: Minted): Minted & { readonly creds: string } {
  if (m.creds === undefined)
    throw new TypeError("a renewing credential needs creds text (mint without a publicKey)");
  return m as Minted & { readonly creds: string };
}
