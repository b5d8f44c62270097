/**
 * Who the dashboard server is on NATS: the `dashboard` role (it watches presence and asks who is
 * online; it never speaks as an agent). `npm start` writes `{dataDir}/creds/dashboard.creds` and
 * keeps it fresh; the file is read at every reconnect. Without it (a server started some other
 * way, the tests) the credential is minted here, in memory, and renewed.
 */
import "server-only";
import { existsSync } from "node:fs";
import { credsPath, type IdentityAuthority } from "../../lib/identity";
import { credsFile, type Credentials } from "../../lib/transport/connect";
import { RenewingCredential } from "./renewing-credential";

/** The name the dashboard server's credential speaks as (the registry watcher's observerName). */
export const DASHBOARD_NAME = "dashboard";

export interface DashboardCredentialOptions {
  readonly dataDir: string;
  readonly root: string;
  readonly ttlMs: number;
  readonly authority: () => Promise<IdentityAuthority>;
  readonly onError: (e: Error) => void;
}

export async function dashboardCredentials(
  o: DashboardCredentialOptions,
): Promise<{ readonly credentials: Credentials; close(): void }> {
  const path = credsPath(o.dataDir, DASHBOARD_NAME);
  if (existsSync(path)) return { credentials: credsFile(path), close: () => {} };
  const authority = await o.authority();
  return RenewingCredential.start(
    () => authority.mint({ role: "dashboard", name: DASHBOARD_NAME, root: o.root, ttlMs: o.ttlMs }),
    o.onError,
  );
}
