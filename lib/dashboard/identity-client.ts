/**
 * Credentials from the dashboard's server: `POST /api/identity` with a role, a name and a public
 * key, over the page's session cookie, answers with a user JWT signed for that key. The key pair
 * is made in the tab (lib/transport/browser-identity.ts) and only its public half is sent.
 *
 * Every failure becomes an `IdentityError` whose message a person can act on; its `status` lets
 * callers tell "signed out" (401: nothing works until the person opens the URL again) from a name
 * in use (409) or a server that did not answer (0, worth retrying).
 */
import { z } from "zod";

/** The identities a tab may ask for: its person, or an agent it runs. */
export type TabRole = "person" | "agent";

export interface IdentityRequest {
  readonly role: TabRole;
  readonly name: string;
  /** The user's public NKey ("U..."). */
  readonly publicKey: string;
}

export interface IssuedJwt {
  readonly jwt: string;
  /** Milliseconds since the epoch, by the server's clock. */
  readonly expiresAt: number;
}

/** Who signs a tab's public keys; the dashboard's server in the page, a test's authority in Node. */
export interface IdentityIssuer {
  issue(request: IdentityRequest, signal?: AbortSignal): Promise<IssuedJwt>;
}

/** What the person reads when the page's session is gone (also the connection badge's hint). */
export const SIGNED_OUT = "signed out: open the URL npm start printed";

export class IdentityError extends Error {
  override readonly name = "IdentityError";
  constructor(
    message: string,
    /** The HTTP status, or 0 when the server did not answer. */
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The page's session is gone: retrying helps only after the person signs in again. */
  get signedOut(): boolean {
    return this.status === 401;
  }

  /** Worth trying again as is: no answer, or the server failed. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

const Issued = z.object({
  jwt: z.string().min(1),
  expiresAt: z.number().int().positive(),
  name: z.string(),
  role: z.string(),
});
const Failure = z.object({ error: z.string().min(1).max(2_000) });

export interface IdentityClientOptions {
  /** Where the route is (default: this page's origin). */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  /** Per call (ms, default 15 000). */
  readonly timeoutMs?: number;
}

export class IdentityClient implements IdentityIssuer {
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(o: IdentityClientOptions = {}) {
    this.base = o.baseUrl ?? "";
    this.fetch = o.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = o.timeoutMs ?? 15_000;
  }

  async issue(r: IdentityRequest, signal?: AbortSignal): Promise<IssuedJwt> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetch(`${this.base}/api/identity`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ role: r.role, name: r.name, publicKey: r.publicKey }),
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
    } catch (e) {
      if (signal?.aborted === true) throw e; // the caller gave up: not the server's fault
      const why = timeout.aborted ? "no answer in time" : "no answer";
      throw new IdentityError(`could not get a credential: the dashboard's server gave ${why}`, 0, {
        cause: e,
      });
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw refusal(r, res.status, json);
    const issued = Issued.safeParse(json);
    if (!issued.success || issued.data.name !== r.name || issued.data.role !== r.role)
      throw new IdentityError("the dashboard's server answered with a credential this page cannot use", 200);
    return { jwt: issued.data.jwt, expiresAt: issued.data.expiresAt };
  }
}

function refusal(r: IdentityRequest, status: number, json: unknown): IdentityError {
  // Signed out reads the same wherever it shows: the badge, the start page, the agent dialog.
  if (status === 401) return new IdentityError(SIGNED_OUT, status);
  const given = Failure.safeParse(json);
  if (given.success) return new IdentityError(given.data.error, status);
  switch (status) {
    case 409:
      return new IdentityError(`the name ${r.name} is taken; choose another name`, status);
    case 403:
      return new IdentityError(
        "the dashboard's server refused this page (open it at the address npm start printed)",
        status,
      );
    default:
      return new IdentityError(`could not get a credential: the server answered ${status}`, status);
  }
}
