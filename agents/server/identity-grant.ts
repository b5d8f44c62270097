/**
 * What `POST /api/identity` grants: a short-lived credential for a browser tab's person or for an
 * agent running in the tab. The tab makes its key pair and sends only the public key, so the seed
 * never leaves it; this only signs. The rules keep a signed-in tab from taking over names:
 *   - a person's name is one the dashboard makes (`you-` and 6 letters or digits), so a tab
 *     cannot speak as `Weather-Bot` with a person's rights (it reads everything);
 *   - a tab agent runs in the browser runtime, and its name must not be online now, unless the
 *     key asking was issued to that name before (the same tab renewing);
 *   - no name changes role or runtime: one issued to an agent in a process, to the CLI or to the
 *     dashboard server stays theirs.
 */
import "server-only";
import { z } from "zod";
import { CredentialError, type IdentityAuthority, type IssuedCredential } from "../../lib/identity";
import { nameProblem } from "../../lib/protocol";
import type { RegistryEntry } from "../../lib/registry/reducer";
import { IdentityRequestError, KeyRevokedError, NameTakenError } from "./errors";

/** The names lib/dashboard/person.ts makes: `you-` and the last 6 characters of a message id. */
const PERSON_NAME = /^you-[A-Za-z0-9]{6}$/;
/** A user's public NKey: the prefix U, then 55 base32 characters (key and checksum). */
const USER_PUBLIC_KEY = /^U[A-Z2-7]{55}$/;

export const IdentityRequest = z.strictObject({
  role: z.enum(["person", "agent"], { error: 'must be "person" or "agent"' }),
  name: z.string({ error: "must be a string" }).max(64, "must be at most 64 characters"),
  // Never echoed in an error: a confused client may have sent its seed.
  publicKey: z.string({ error: "must be a string" }).superRefine((key, ctx) => {
    if (key.startsWith("S"))
      ctx.addIssue({
        code: "custom",
        message: "is a seed (a private key): keep it in the tab and send only the public key (U…)",
      });
    else if (!USER_PUBLIC_KEY.test(key))
      ctx.addIssue({ code: "custom", message: "must be a user's public NKey: U and 55 characters A-Z, 2-7" });
  }),
});
export type IdentityRequest = z.infer<typeof IdentityRequest>;

/** What is wrong with a request body, one clause per problem, for a 400. */
export function identityRequestProblems(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length === 0 ? "body" : i.path.join(".")}: ${i.message}`)
    .join("; ");
}

export interface Grant {
  readonly jwt: string;
  /** Milliseconds since the epoch; ask again before then (at half the lifetime, say). */
  readonly expiresAt: number;
  readonly name: string;
  readonly role: "person" | "agent";
  /** Agents only: always "browser". */
  readonly runtime?: "browser";
}

export interface GrantSettings {
  readonly authority: IdentityAuthority;
  /** The subject root the credential's permissions are written for. */
  readonly root: string;
  readonly ttlMs: number;
  /** The registry's entry for `name` when an agent by that name is online now. */
  readonly online: (name: string) => Promise<RegistryEntry | undefined>;
}

export async function grantIdentity(r: IdentityRequest, s: GrantSettings): Promise<Grant> {
  const claim =
    r.role === "person"
      ? ({ role: "person", name: r.name } as const)
      : ({ role: "agent", name: r.name, runtime: "browser" } as const);
  if (claim.role === "person" && !PERSON_NAME.test(r.name))
    throw new IdentityRequestError(
      `name: a person's name is "you-" and 6 letters or digits, as the dashboard makes it, not ${JSON.stringify(r.name)}`,
    );
  const problem = nameProblem(r.name);
  if (problem !== null) throw new IdentityRequestError(`name: ${problem}`);

  const issued = s.authority.issuedTo(r.name);
  const other = issued.find((c) => c.role !== claim.role || c.runtime !== claim.runtime);
  if (other !== undefined) throw new NameTakenError(r.name, `the name ${r.name} belongs to ${holder(other)}`);
  if (s.authority.isRevoked(r.publicKey)) throw new KeyRevokedError(r.publicKey);
  const renewal = issued.some((c) => c.publicKey === r.publicKey);
  if (claim.role === "agent" && !renewal) {
    const seen = await s.online(r.name);
    if (seen !== undefined)
      throw new NameTakenError(
        r.name,
        `an agent named ${r.name} is already online (runs in ${seen.agent.runtime})`,
      );
  }

  try {
    const minted = await s.authority.mint({ ...claim, root: s.root, ttlMs: s.ttlMs, publicKey: r.publicKey });
    return { jwt: minted.jwt, expiresAt: minted.expiresAt, ...claim };
  } catch (e) {
    if (e instanceof CredentialError) throw new IdentityRequestError(`publicKey: ${e.message}`, { cause: e });
    throw e;
  }
}

function holder(c: IssuedCredential): string {
  switch (c.role) {
    case "agent":
      return `an agent running in ${c.runtime ?? "a process"}`;
    case "person":
      return "a person's tab";
    case "cli":
      return "the command line";
    case "dashboard":
      return "the dashboard server";
    case "admin":
      return "the installation's administrator";
    case "leaf":
      return "a remote site's nats-server (a leaf node)";
  }
}
