/**
 * Signing the tab's person in: a credential for the tab's name (./person.ts), before the page
 * opens its session with the bus. A name in use (409: a duplicated tab copies the name along
 * with the rest of sessionStorage) is exchanged for a fresh one; a server that does not answer
 * is asked again, more slowly each time, until the page gives up (`signal`); anything else (signed
 * out, a foreign host) is for the person to fix and rejects with an IdentityError saying how.
 */
import { IdentityError, type IdentityIssuer } from "./identity-client";
import { RenewingCredential } from "./renewing-credential";

export interface SignInOptions {
  readonly issuer: IdentityIssuer;
  /** The tab's person name (kept across reloads). */
  readonly name: () => string;
  /** A fresh person name, kept from now on; asked when the current one is taken. */
  readonly rename: () => string;
  readonly signal?: AbortSignal;
  /** Told why the last attempt failed before the next is made (for a "retrying" line). */
  readonly onRetry?: (problem: IdentityError) => void;
  /** Least pause between attempts (ms, default 500; doubles up to 10 s). */
  readonly retryMs?: number;
}

/** Names tried before a 409 is taken as the server's final word. */
const NAMES_TRIED = 3;
const MAX_PAUSE_MS = 10_000;

export async function signInPerson(o: SignInOptions): Promise<RenewingCredential> {
  let name = o.name();
  let renamed = 0;
  let pause = o.retryMs ?? 500;
  for (;;) {
    try {
      return await RenewingCredential.obtain({
        issuer: o.issuer,
        role: "person",
        name,
        ...(o.signal === undefined ? {} : { signal: o.signal }),
      });
    } catch (e) {
      if (!(e instanceof IdentityError) || o.signal?.aborted === true) throw e;
      if (e.status === 409 && ++renamed < NAMES_TRIED) {
        name = o.rename();
        continue;
      }
      if (!e.transient) throw e;
      o.onRetry?.(e);
      await sleep(pause, o.signal);
      pause = Math.min(MAX_PAUSE_MS, pause * 2);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", stop, { once: true });
  });
}
