// DELETE /api/agents/{name}: stop an agent this server runs (it announces offline).
import { nameProblem } from "../../../../lib/protocol";
import { admit, agentHost } from "../../server-context";
import { errorResponse, HttpError } from "../../../../agents/server/http";

export const dynamic = "force-dynamic";

export async function DELETE(req: Request, ctx: { params: Promise<{ name: string }> }): Promise<Response> {
  try {
    admit(req, true);
    const { name } = await ctx.params;
    const problem = nameProblem(name);
    if (problem !== null) throw new HttpError(400, problem);
    const host = await agentHost();
    await host.stop(name);
    return Response.json({ stopped: name });
  } catch (e) {
    return errorResponse(e);
  }
}
