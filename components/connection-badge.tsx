"use client";
import { useDashboard } from "./store-context";

const LOOK = {
  connecting: { dot: "bg-zinc-400", text: "connecting…" },
  connected: { dot: "bg-emerald-500", text: "connected" },
  reconnecting: { dot: "bg-amber-500 animate-pulse", text: "reconnecting…" },
  offline: { dot: "bg-red-500", text: "offline" },
} as const;

export function ConnectionBadge() {
  const { status, detail } = useDashboard((s) => s.connection);
  const look = LOOK[status];
  return (
    <div
      data-testid="connection-status"
      data-status={status}
      title={detail}
      role="status"
      className="mt-1 flex items-center gap-1.5 text-xs text-zinc-400"
    >
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${look.dot}`} />
      {look.text}
    </div>
  );
}
