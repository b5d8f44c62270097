import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { TEMPLATES } from "../agents/demo/templates";
import { hostAllowed } from "../agents/server/http";
import { SESSION_COOKIE, sessionValid } from "../agents/server/session";
import { Dashboard } from "../components/dashboard";
import { readConfig } from "../lib/config";

// Settings are read per request so the same build works wherever it is deployed.
export const dynamic = "force-dynamic";

export default async function Page({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const c = readConfig(process.env);
  // A sign-in URL pointing here instead of at /login still works.
  const { token } = await searchParams;
  if (typeof token === "string") redirect(`/login?token=${encodeURIComponent(token)}`);
  // Nothing of the dashboard (not even its settings) goes to a browser that is not signed in or
  // came by an unknown host name: /login answers it with 401 (or 403) and says what to do.
  const [h, jar] = await Promise.all([headers(), cookies()]);
  if (!hostAllowed(h.get("host"), c.dashboardHostnames) || !sessionValid(jar.get(SESSION_COOKIE)?.value))
    redirect("/login");
  const config = {
    wsUrl: c.natsWsUrl,
    root: c.subjectRoot,
    retention: c.dashboardRetention,
    retentionBytes: c.dashboardRetentionBytes,
  };
  // The demo agents are a leaf the dashboard does not import: the page hands their templates in.
  return <Dashboard initialConfig={config} initialTemplates={TEMPLATES} />;
}
