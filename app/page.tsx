import { Dashboard } from "../components/dashboard";

// Settings are read per request so the same build works wherever it is deployed.
export const dynamic = "force-dynamic";

export default function Page() {
  const config = {
    wsUrl: process.env.NATS_WS_URL ?? "ws://127.0.0.1:9222",
    root: process.env.SWITCHBOARD_SUBJECT_ROOT ?? "agents",
    retention: Number(process.env.DASHBOARD_RETENTION ?? 5_000),
  };
  return <Dashboard initialConfig={config} />;
}
