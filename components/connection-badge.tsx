"use client";
/**
 * The page's link to the bus, in the sidebar. The detail (the server's URL, or what went wrong)
 * is in the tooltip, except when the person is signed out: then it is the fix, so it is shown.
 */
import { useDashboard } from "./store-context";
import { displayText } from "./safe-text";

const LOOK = {
  connecting: { dot: "bg-zinc-400", text: "connecting…" },
  connected: { dot: "bg-emerald-500", text: "connected" },
  reconnecting: { dot: "bg-amber-500 animate-pulse", text: "reconnecting…" },
  offline: { dot: "bg-red-500", text: "offline" },
  "signed-out": { dot: "bg-red-500", text: "signed out" },
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
      className="mt-1 text-xs text-zinc-400"
    >
      <span className="flex items-center gap-1.5">
        <span aria-hidden="true" className={`h-2 w-2 rounded-full ${look.dot}`} />
        {look.text}
      </span>
      {status === "signed-out" && (
        <span data-testid="connection-hint" className="mt-0.5 block text-red-300">
          {displayText(detail, 200)}
        </span>
      )}
    </div>
  );
}
