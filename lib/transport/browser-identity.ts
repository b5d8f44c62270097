/**
 * A key pair made where it is used: a browser tab (its person, each of its agents) makes its own,
 * sends only the public key to be signed into a credential (POST /api/identity), and keeps the
 * seed in memory, so the secret never leaves the tab: not in storage, not in a request.
 *
 * `nkeys` comes re-exported by `@nats-io/nats-core`, the one NATS package a page bundles.
 */
import { nkeys } from "@nats-io/nats-core";

export interface BrowserKeyPair {
  /** The user's public NKey ("U..."): what a credential is minted for. */
  readonly publicKey: string;
  /** The secret, for signing the server's nonce at every (re)connect; never sent anywhere. */
  readonly seed: Uint8Array;
}

export function createBrowserKeyPair(): BrowserKeyPair {
  const pair = nkeys.createUser();
  return { publicKey: pair.getPublicKey(), seed: pair.getSeed() };
}
