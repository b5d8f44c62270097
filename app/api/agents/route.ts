// GET /api/agents: the agents this server runs. POST /api/agents: start one from a definition.
import { admit, agentHost } from "../server-context";
import { errorResponse, HttpError, jsonBody } from "../../../agents/server/http";
import { AgentSpec, specProblems } from "../../../agents/runtime/agent-spec";

export const dynamic = "force-dynamic";

const MAX_BODY = 32 * 1024;

export async function GET(req: Request): Promise<Response> {
  try {
    admit(req, false);
    const host = await agentHost();
    return Response.json({ agents: host.list() });
  } catch (e) {
    return errorResponse(e);
  }
}

export async function POST(req: Request): Promise<Response> {
  try {
    admit(req, true);
    const parsed = AgentSpec.safeParse(await jsonBody(req, MAX_BODY));
    if (!parsed.success) throw new HttpError(400, specProblems(parsed.error));
    const host = await agentHost();
    return Response.json({ agent: await host.start(parsed.data) }, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
