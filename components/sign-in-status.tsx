"use client";
/**
 * What the page shows before the dashboard opens: that it is signing the person in (and why it
 * retries), or why it cannot (signed out: the fix is the URL `npm start` printed).
 */
import { MUTED } from "./look";
import { displayText } from "./safe-text";
import type { Opening } from "./use-dashboard-session";

export function SignInStatus({ opening }: { opening: Exclude<Opening, { type: "open" }> }) {
  if (opening.type === "signing-in")
    return (
      <div
        data-testid="sign-in-status"
        data-state="signing-in"
        role="status"
        className={`p-6 text-sm ${MUTED}`}
      >
        Signing in…
        {opening.detail !== "" && <span className="block text-xs">{displayText(opening.detail, 300)}</span>}
      </div>
    );
  return (
    <div
      data-testid="sign-in-status"
      data-state="failed"
      role="alert"
      className="m-6 max-w-xl rounded border border-red-300 p-4 text-sm dark:border-red-800"
    >
      <h1 className="font-semibold text-red-700 dark:text-red-400">The dashboard cannot open</h1>
      <p className="mt-1">{displayText(opening.message, 300)}</p>
    </div>
  );
}
