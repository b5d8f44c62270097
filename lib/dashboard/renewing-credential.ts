/**
 * A tab's credential for one identity (its person, or one of its agents): a key pair made here,
 * a JWT for its public key from the issuer, renewed at half its lifetime with the same key.
 *
 * Renewal only replaces the JWT that `credentials.jwt()` returns. The connection keeps the JWT
 * it connected with until the server closes it at that JWT's expiry; the client then reconnects
 * and asks `jwt()` again, getting the renewed one. A renewal that fails is retried, at half the
 * remaining lifetime again (so more often as the expiry nears) and never faster than `retryMs`;
 * whoever shows the page's state watches `problem`.
 *
 * The seed stays in this object: it is handed to the NATS client for signing the server's nonce
 * and goes nowhere else.
 */
import { createBrowserKeyPair, type BrowserKeyPair } from "../transport/browser-identity";
import type { Credentials } from "../transport/connection-options";
import { IdentityError, type IdentityIssuer, type IssuedJwt, type TabRole } from "./identity-client";

export interface RenewingCredentialOptions {
  readonly issuer: IdentityIssuer;
  readonly role: TabRole;
  readonly name: string;
  /** Least wait before retrying a failed renewal (ms, default 10 000). */
  readonly retryMs?: number;
  /** Gives up the first request (not later renewals). */
  readonly signal?: AbortSignal;
}

type Listener = (problem: IdentityError | null) => void;

/** setTimeout's longest delay (~24.8 days): a credential living longer is renewed early, not never. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Even a credential of a second is not renewed in a busy loop. */
const MIN_RENEW_MS = 250;

export class RenewingCredential {
  readonly role: TabRole;
  readonly name: string;
  /** For the NATS client; both are read again at every (re)connect. */
  readonly credentials: Credentials;

  private readonly listeners = new Set<Listener>();
  private current: Held;
  private trouble: IdentityError | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private renewing: AbortController | undefined;
  private closed = false;

  private constructor(
    private readonly o: RenewingCredentialOptions,
    private readonly keys: BrowserKeyPair,
    first: IssuedJwt,
  ) {
    this.role = o.role;
    this.name = o.name;
    this.current = held(first);
    this.credentials = { jwt: () => this.current.jwt, seed: keys.seed };
    this.schedule(MIN_RENEW_MS);
  }

  /** Makes a key pair and gets its first JWT; rejects with the issuer's error (an IdentityError). */
  static async obtain(o: RenewingCredentialOptions): Promise<RenewingCredential> {
    const keys = createBrowserKeyPair();
    const first = await o.issuer.issue({ role: o.role, name: o.name, publicKey: keys.publicKey }, o.signal);
    return new RenewingCredential(o, keys, first);
  }

  /** Why the last renewal failed; null once one succeeds (and before any fails). */
  get problem(): IdentityError | null {
    return this.trouble;
  }

  /** Calls `listener` whenever `problem` changes; returns the way to stop. */
  watch(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops renewing. Idempotent; the current JWT stays readable for a connection closing with it. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.renewing?.abort();
    this.listeners.clear();
  }

  private schedule(floorMs: number): void {
    if (this.closed) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(floorMs, remainingMs(this.current) / 2));
    this.timer = setTimeout(() => void this.renew(), wait);
  }

  private async renew(): Promise<void> {
    const abort = new AbortController();
    this.renewing = abort;
    try {
      const next = await this.o.issuer.issue(
        { role: this.role, name: this.name, publicKey: this.keys.publicKey },
        abort.signal,
      );
      if (this.closed) return;
      this.current = held(next);
      this.report(null);
      this.schedule(MIN_RENEW_MS);
    } catch (e) {
      if (this.closed) return;
      this.report(
        e instanceof IdentityError
          ? e
          : new IdentityError(`could not renew the credential: ${String(e)}`, 0, { cause: e }),
      );
      this.schedule(this.o.retryMs ?? 10_000);
    }
  }

  private report(problem: IdentityError | null): void {
    const same = problem?.message === this.trouble?.message && problem?.status === this.trouble?.status;
    this.trouble = problem;
    if (same) return; // the same refusal again: nothing new to show
    for (const l of this.listeners) l(problem);
  }
}

/** A JWT as held here: with its lifetime, and when it arrived by this machine's clock. */
interface Held extends IssuedJwt {
  readonly lifetimeMs: number;
  readonly receivedAt: number;
}

function held(jwt: IssuedJwt): Held {
  return { ...jwt, lifetimeMs: lifetimeMs(jwt), receivedAt: Date.now() };
}

/**
 * Measured on this machine's clock: the lifetime the server signed into the JWT (`exp - iat`)
 * minus the time since it arrived. Comparing the server's `expiresAt` with the local clock would
 * renew in a busy loop in a tab whose clock runs ahead of the server's.
 */
function remainingMs(jwt: Held): number {
  return jwt.lifetimeMs - (Date.now() - jwt.receivedAt);
}

function lifetimeMs(jwt: IssuedJwt): number {
  try {
    const payload = (jwt.jwt.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(payload)) as { iat?: unknown; exp?: unknown };
    if (typeof claims.iat === "number" && typeof claims.exp === "number")
      return (claims.exp - claims.iat) * 1000;
  } catch {
    // not a JWT we can read: fall back to the server's expiry against our clock
  }
  return jwt.expiresAt - Date.now();
}
