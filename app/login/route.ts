// GET /login?token=…: the one-time sign-in URL `npm start` prints (agents/server/login.ts).
import { errorResponse } from "../../agents/server/http";
import { login } from "../../agents/server/login";
import { serverConfig } from "../api/server-context";

export const dynamic = "force-dynamic";

export function GET(req: Request): Response {
  try {
    const c = serverConfig();
    return login(req, { token: c.dashboardToken, hostnames: c.dashboardHostnames });
  } catch (e) {
    return errorResponse(e); // a bad setting (ConfigError) says which variable
  }
}
