/**
 * The dashboard server's handle on the installation's trust chain (lib/identity), opened once
 * per process and kept on globalThis so every route module shares it. It only opens a chain that
 * exists: one made here would sign credentials the running nats-server has never heard of, so
 * every connection with them would fail later with a vaguer error.
 */
import "server-only";
import { resolve } from "node:path";
import { IdentityAuthority } from "../../lib/identity";
import { ServerUnavailableError } from "./errors";

const store = globalThis as unknown as { __switchboardAuthority?: Promise<IdentityAuthority> };

/** The trust chain under `dataDir` (SWITCHBOARD_DATA_DIR); the first call's directory is the one kept. */
export function identityAuthority(dataDir: string): Promise<IdentityAuthority> {
  store.__switchboardAuthority ??= IdentityAuthority.openExisting(resolve(dataDir)).catch((e: unknown) => {
    store.__switchboardAuthority = undefined; // `npm start` may create it in a moment: try again then
    throw new ServerUnavailableError(
      `the dashboard server cannot mint credentials: ${(e as Error).message}`,
      { cause: e },
    );
  });
  return store.__switchboardAuthority;
}
