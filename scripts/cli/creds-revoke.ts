/**
 * `switchboard creds revoke NAME`: revokes every credential ever issued to NAME in this
 * machine's trust chain, then tells the running server, which closes their connections at once
 * and refuses them from then on, and removes NAME from the mesh's members (the log's directory),
 * so a task to it fails at once with "no agent named NAME". With no server running, the revocation
 * is saved and the server reads it when it starts: that is a success, said plainly.
 */
import type { IdentityAuthority } from "../../lib/identity";
import { nameProblem } from "../../lib/protocol";
import { pushAccount } from "../../lib/transport/connect";
import { forgetMemberAt } from "../log";
import { CliError, out, UsageError, type GlobalOptions } from "./common";
import { connectProblem, isAuthRefusal } from "./connect";
import { issueCommand, requireTrustChain } from "./credential";
import { styleFor } from "./format";

type Push = { readonly took: true } | { readonly took: false; readonly why: string };

/** Hands the re-signed account to the server at `url`. No server is an answer; a refusal throws. */
async function tellServer(url: string, authority: IdentityAuthority): Promise<Push> {
  try {
    await pushAccount(url, await authority.systemCreds(), authority.accountPublicKey, authority.accountJwt);
    return { took: true };
  } catch (e) {
    if (isAuthRefusal(e))
      throw new CliError(
        `the server at ${url} refused the update (${(e as Error).message}): it runs on another trust chain than ${authority.dir} — revoke there, or set SWITCHBOARD_DATA_DIR`,
      );
    const message = (e as Error).message ?? "";
    if (message.startsWith("the server refused")) throw new CliError(`${message} (${url})`);
    return { took: false, why: connectProblem(e, 3_000) };
  }
}

type Forgot =
  { readonly took: true; readonly purged: number } | { readonly took: false; readonly why: string };

/**
 * Removes `name` from the members stream of the root (as `admin`, minted in memory), so a task to
 * it fails at once instead of waiting for an agent that will never come back. A server without
 * the log has nothing to forget.
 */
async function forget(g: GlobalOptions, authority: IdentityAuthority, name: string): Promise<Forgot> {
  try {
    return { took: true, purged: await forgetMemberAt(g.nats, authority, g.root, name) };
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (/stream not found/i.test(message)) return { took: true, purged: 0 };
    return { took: false, why: `${message} — \`npm run doctor\` checks the log` };
  }
}

export async function revoke(g: GlobalOptions, positionals: string[]): Promise<number> {
  const name = positionals[1];
  if (name === undefined) throw new UsageError("missing the NAME whose credentials to revoke", "creds");
  if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`, "creds");
  const problem = nameProblem(name);
  if (problem !== null) throw new UsageError(problem, "creds");

  const authority = await requireTrustChain(g.config.dataDir);
  const issued = authority.issuedTo(name);
  if (issued.length === 0)
    throw new CliError(`no credential was ever issued to ${name} in ${authority.dir}: nothing to revoke`);
  const keys = await authority.revoke(name);
  // Told even when nothing was new: a server started from an older copy catches up.
  const push = await tellServer(g.nats, authority);
  const forgot = push.took ? await forget(g, authority, name) : undefined;

  if (g.json) {
    const members = forgot === undefined ? {} : { forgotten: forgot.took ? forgot.purged : forgot.why };
    out(JSON.stringify({ name, revoked: keys, server: push.took ? "updated" : "unreachable", ...members }));
    return 0;
  }
  const s = styleFor(process.stdout, g.config.noColor);
  const last = issued[issued.length - 1]!;
  out(
    keys.length === 0
      ? `${name}: every credential was already revoked (${issued.length} issued)`
      : `revoked ${keys.length} credential${keys.length === 1 ? "" : "s"} of ${s.bold(name)} (every one issued to it so far)`,
  );
  out(
    push.took
      ? s.green(`the server at ${g.nats} took it: ${name}'s connections are closed, and refused from now on`)
      : s.yellow(
          `no server answered at ${g.nats} (${push.why}): the revocation is saved in ${authority.dir} and applies when the server starts`,
        ),
  );
  if (forgot !== undefined)
    out(
      forgot.took
        ? `the mesh forgot ${name} (${forgot.purged} presence${forgot.purged === 1 ? "" : "s"} removed from the members stream): a task to it now fails at once with "no agent named ${name}"`
        : s.yellow(`the mesh still lists ${name} as an agent that is away: ${forgot.why}`),
    );
  out(s.dim(`to let ${name} in again: ${issueCommand(name, last.role, last.runtime)}`));
  return 0;
}
