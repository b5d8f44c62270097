import { TEMPLATES } from "../agents/demo/templates";
import { Dashboard } from "../components/dashboard";
import { readConfig } from "../lib/config";

// Settings are read per request so the same build works wherever it is deployed.
export const dynamic = "force-dynamic";

export default function Page() {
  const c = readConfig(process.env);
  const config = {
    wsUrl: c.natsWsUrl,
    root: c.subjectRoot,
    retention: c.dashboardRetention,
    retentionBytes: c.dashboardRetentionBytes,
  };
  // The demo agents are a leaf the dashboard does not import: the page hands their templates in.
  return <Dashboard initialConfig={config} initialTemplates={TEMPLATES} />;
}
