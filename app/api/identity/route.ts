// POST /api/identity: a credential for this tab's person or one of its agents, for the public
// key the tab made (agents/server/identity-grant.ts says who may have which name).
import { errorResponse, HttpError, jsonBody } from "../../../agents/server/http";
import {
  grantIdentity,
  IdentityRequest,
  identityRequestProblems,
} from "../../../agents/server/identity-grant";
import { admit, agentHost, authority, serverConfig } from "../server-context";

export const dynamic = "force-dynamic";

/** Role, a name and a 56-character key fit in a fraction of this. */
const MAX_BODY = 1024;

export async function POST(req: Request): Promise<Response> {
  try {
    admit(req, true);
    const parsed = IdentityRequest.safeParse(await jsonBody(req, MAX_BODY));
    if (!parsed.success) throw new HttpError(400, identityRequestProblems(parsed.error));
    const c = serverConfig();
    const grant = await grantIdentity(parsed.data, {
      authority: await authority(),
      root: c.subjectRoot,
      ttlMs: c.credentialTtlMs,
      online: async (name) => (await agentHost()).online(name),
    });
    return Response.json(grant, { headers: { "cache-control": "no-store" } });
  } catch (e) {
    return errorResponse(e);
  }
}
